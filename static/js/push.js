// Web push for the diner's page: registers the service worker (/sw.js) and, when the diner
// taps "Turn on notifications", asks for permission, subscribes with the server's VAPID key
// and posts the subscription; the card is then drawn again with notifications on.
(function () {
  "use strict";
  if (!("serviceWorker" in navigator)) { return; }
  var registration = navigator.serviceWorker.register("/sw.js", { scope: "/" });

  function keyBytes(base64url) {
    var padded = (base64url + "===".slice((base64url.length + 3) % 4)).replace(/-/g, "+").replace(/_/g, "/");
    var raw = atob(padded), bytes = new Uint8Array(raw.length);
    for (var i = 0; i < raw.length; i++) { bytes[i] = raw.charCodeAt(i); }
    return bytes;
  }

  function csrf() {
    var match = document.cookie.match(/(?:^|; )csrftoken=([^;]+)/);
    return match ? decodeURIComponent(match[1]) : "";
  }

  function subscribe(button) {
    button.disabled = true;
    Notification.requestPermission().then(function (permission) {
      if (permission !== "granted") { throw new Error("permission " + permission); }
      return registration;
    }).then(function (reg) {
      return reg.pushManager.getSubscription().then(function (existing) {
        return existing || reg.pushManager.subscribe({ userVisibleOnly: true,
                                                       applicationServerKey: keyBytes(button.dataset.key) });
      });
    }).then(function (subscription) {
      return fetch(button.dataset.url, {
        method: "POST", credentials: "same-origin", body: JSON.stringify(subscription.toJSON()),
        headers: { "Content-Type": "application/json", "X-CSRFToken": csrf(), "HX-Request": "true" }
      });
    }).then(function (response) { return response.text(); }).then(function (html) {
      var card = document.getElementById("channels");
      if (card) { card.outerHTML = html; }
      if (window.htmx) { window.htmx.process(document.getElementById("channels")); }
    }).catch(function () {
      button.disabled = false;
      var note = document.querySelector("[data-push-unsupported]");
      if (note) { note.hidden = false; }
    });
  }

  document.addEventListener("click", function (e) {
    var button = e.target.closest && e.target.closest("[data-push-subscribe]");
    if (button) { subscribe(button); }
  });

  document.addEventListener("DOMContentLoaded", function () {
    if (!("PushManager" in window) || !("Notification" in window)) {
      document.querySelectorAll("[data-push-subscribe]").forEach(function (b) { b.hidden = true; });
      var note = document.querySelector("[data-push-unsupported]");
      if (note) { note.hidden = false; }
    }
  });
})();
