// The poster's "Print" button (a file, not an onclick attribute: the pages' CSP runs no
// inline script).
document.addEventListener("DOMContentLoaded", function () {
  var button = document.querySelector("[data-print]");
  if (button) { button.addEventListener("click", function () { window.print(); }); }
});
