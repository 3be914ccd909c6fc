// Live touches for the diner page and the host dashboard: countdowns and timers that tick
// between server updates, the table-ready alert, and the leave confirmation. The pages
// work without this file; it only makes them livelier.
(function () {
  "use strict";
  document.documentElement.classList.add("js");

  var offset = 0; // server clock minus this device's clock, from the last fragment
  var baseTitle = document.title;
  var flashTimer = null;
  var audio = null;

  function serverNow() { return Date.now() + offset; }

  function pad(n) { return (n < 10 ? "0" : "") + n; }

  function clock(ms) {
    var s = Math.max(0, Math.floor(ms / 1000));
    var h = Math.floor(s / 3600), m = Math.floor((s % 3600) / 60);
    return (h ? h + ":" + pad(m) : m) + ":" + pad(s % 60);
  }

  function tick() {
    var now = serverNow();
    document.querySelectorAll("[data-countdown]").forEach(function (el) {
      var left = Number(el.getAttribute("data-countdown")) - now;
      el.textContent = clock(left);
      el.classList.toggle("urgent", left < 120000);
    });
    document.querySelectorAll("[data-since]").forEach(function (el) {
      el.textContent = clock(now - Number(el.getAttribute("data-since")));
    });
    document.querySelectorAll("[data-limit]").forEach(function (el) {
      var left = Number(el.getAttribute("data-limit")) - now;
      var warn = Number(el.getAttribute("data-warn-ms") || 600000);
      el.classList.toggle("near-limit", left < warn && left >= 0);
      el.classList.toggle("over-limit", left < 0);
    });
  }

  function syncClock() {
    // The page carries the server's time when it was drawn; pushed fragments do not. The
    // server drew it just before the response began, so compare with that moment on this
    // device's clock, not with now (scripts may load long after).
    var at = Number(document.body.getAttribute("data-now"));
    if (!at) { return; }
    var nav = performance.getEntriesByType ? performance.getEntriesByType("navigation")[0] : null;
    var drawnAt = nav && nav.responseStart ? performance.timeOrigin + nav.responseStart : Date.now();
    offset = at - drawnAt;
  }

  function beep() {
    try {
      audio = audio || new (window.AudioContext || window.webkitAudioContext)();
      [0, 0.35, 0.7].forEach(function (at) {
        var osc = audio.createOscillator(), gain = audio.createGain();
        osc.frequency.value = 880;
        gain.gain.setValueAtTime(0.25, audio.currentTime + at);
        gain.gain.exponentialRampToValueAtTime(0.001, audio.currentTime + at + 0.3);
        osc.connect(gain); gain.connect(audio.destination);
        osc.start(audio.currentTime + at); osc.stop(audio.currentTime + at + 0.3);
      });
    } catch (e) { /* no sound where the browser refuses it */ }
  }

  function flashTitle(text) {
    clearInterval(flashTimer);
    var on = false, count = 0;
    flashTimer = setInterval(function () {
      document.title = (on = !on) ? text : baseTitle;
      if (++count > 40 && !document.hidden) { clearInterval(flashTimer); document.title = baseTitle; }
    }, 800);
  }

  function notify(title, body) {
    if ("Notification" in window && Notification.permission === "granted") {
      try { new Notification(title, { body: body, tag: "waitlist", renotify: true, requireInteraction: true }); } catch (e) { /* some browsers only allow this from a service worker */ }
    }
  }

  function alertOnce(key, strong, title, body) {
    if (!key || sessionStorage.getItem("alerted:" + key)) { return; }
    sessionStorage.setItem("alerted:" + key, "1");
    if (navigator.vibrate) { navigator.vibrate(strong ? [400, 150, 400, 150, 400] : [200]); }
    if (strong) { beep(); flashTitle("\u2757 " + title); }
    notify(title, body);
    document.body.classList.add(strong ? "alerting" : "nudged");
  }

  function checkAlerts(root) {
    var status = (root.matches && root.matches(".status")) ? root : document.querySelector(".status");
    if (!status) { return; }
    var label = status.querySelector(".state-label");
    var tableLabel = status.querySelector(".table-label");
    alertOnce(status.getAttribute("data-alert-key"), true, label ? label.textContent.trim() : "",
              tableLabel ? tableLabel.textContent.trim() : "");
    alertOnce(status.getAttribute("data-close-key"), false, label ? label.textContent.trim() : "",
              (status.querySelector(".notice") || {}).textContent || "");
  }

  // The join page: the wait for the party size typed, read from the wait table (which the
  // stream keeps current), and that size's row marked in the table.
  function showWait() {
    var input = document.querySelector("form.join input[name=size]");
    var line = document.querySelector("[data-your-wait]");
    var table = document.querySelector("[data-waits]");
    if (!input || !line) { return; }
    var size = String(parseInt(input.value, 10));
    var row = null;
    if (table) {
      table.querySelectorAll("tbody tr").forEach(function (tr) {
        var match = tr.getAttribute("data-size") === size;
        tr.classList.toggle("chosen", match);
        if (match) { row = tr; }
      });
    }
    if (!row) { line.hidden = true; line.textContent = ""; return; }
    var heads = table.querySelectorAll("thead th");
    var parts = [];
    row.querySelectorAll("td").forEach(function (td, i) {
      var head = heads[i + 1] ? heads[i + 1].textContent.trim() : "";
      if (!td.querySelector("[aria-hidden]")) { parts.push(head + ": " + td.textContent.trim()); }  // not for this size: left out
    });
    var text = row.querySelector("th").textContent.trim() + " \u2014 " + parts.join(" \u00b7 ");
    // A live region: written only when the words change, so a screen reader hears a new quote, not every update.
    if (line.textContent !== text) { line.textContent = text; }
    line.hidden = false;
  }

  // The status page's live region says the state and the place in line when either
  // changes (the card itself is not live: it would be read again whole on every change).
  var announced = null;
  function sentence(el) {
    var words = el ? el.textContent.replace(/\s+/g, " ").trim() : "";
    return !words || /[.!?:]$/.test(words) ? words : words + ".";
  }
  function announce() {
    var region = document.querySelector("[data-announce]");
    var status = document.querySelector(".status");
    if (!region || !status) { return; }
    var place = status.querySelector(".position");
    var text = [sentence(status.querySelector(".state-label")), sentence(status.querySelector(".table-label")),
                place ? sentence(place.querySelector(".sr-only")) + " " + sentence(place.querySelector("[data-position]")) : ""]
      .filter(Boolean).join(" ");
    if (announced === null) { announced = text; return; }  // the page as first drawn: read as a page
    if (text !== announced) { announced = text; region.textContent = text; }
  }

  // The join page's gate (waitlist/_gate.html): while it shows "closed" or "paused", the
  // form is hidden; the stream swaps the gate as the host pauses, resumes, closes or opens.
  function gate() {
    var holder = document.getElementById("gate");
    var form = document.querySelector("form.join");
    if (holder && form) { form.hidden = !!holder.querySelector("[data-gate]"); }
  }

  function refresh(root) {
    tick();
    gate();
    checkAlerts(root || document);
    showWait();
    announce();
  }

  document.addEventListener("input", function (e) {
    if (e.target.matches && e.target.matches("form.join input[name=size]")) { showWait(); }
  });

  document.addEventListener("DOMContentLoaded", function () {
    syncClock();
    refresh(document);
    setInterval(tick, 500);  // twice a second, so the seconds change on time
  });

  document.addEventListener("visibilitychange", function () {
    if (!document.hidden) { clearInterval(flashTimer); document.title = baseTitle; document.body.classList.remove("alerting"); }
  });

  // The host's floor and queue are redrawn live, often under a keyboard user's focus: it goes
  // back to the same table's or party's button (the same action where it is still offered).
  var lastFocus = null;
  document.addEventListener("focusin", function (e) {
    var form = e.target.closest && e.target.closest("#floor form, #queue form");
    var key = form && form.querySelector("input[name=table], input[name=party]");
    lastFocus = key ? {el: e.target, field: key.name, value: key.value, action: e.target.getAttribute("formaction"),
                       href: e.target.getAttribute("href")} : null;
  });
  function keepFocus(e) {
    if (!lastFocus || document.body.contains(lastFocus.el)) { return; }
    var active = document.activeElement;
    if (active && active !== document.body) { return; }
    var key = document.querySelector("#floor input[name=" + lastFocus.field + "][value='" + lastFocus.value + "'], "
                                      + "#queue input[name=" + lastFocus.field + "][value='" + lastFocus.value + "']");
    // Only once the part holding it has settled (another part settling first would hand the
    // key to a button htmx has not wired yet, and Enter would post the form without htmx).
    if (!key || !e.target.contains(key)) { return; }
    var form = key.form;
    var same = (lastFocus.action && form.querySelector("[formaction='" + lastFocus.action + "']")) ||
               (lastFocus.href && form.querySelector("a[href='" + lastFocus.href + "']"));
    var target = same || form.querySelector("button, select");
    if (target) { target.focus({preventScroll: true}); }
  }

  document.addEventListener("htmx:afterSwap", function (e) { refresh(e.detail.target || document); });
  document.addEventListener("htmx:afterSettle", keepFocus);
  document.addEventListener("htmx:sseError", function () {
    var c = document.querySelector("[data-connection]"); if (c) { c.hidden = false; }
  });
  document.addEventListener("htmx:sseOpen", function () {
    var c = document.querySelector("[data-connection]"); if (c) { c.hidden = true; }
  });

  // A floor control's answer is its card, the message in the toast out of band. While it is on
  // its way the stream's copy of the card is not swapped in: the form that asked would be gone,
  // and htmx looks for an out-of-band part only in the asking form's document (the toast lost).
  // What the host is typing in a control (a pause message, the minutes added to quotes) is
  // kept across the stream's redraw of the card, the cursor with it: the card comes again
  // when the stream (re)connects or another screen changes a control.
  var typed = null;
  document.addEventListener("htmx:sseBeforeMessage", function (e) {
    if (e.target.id !== "controls") { return; }
    if (e.target.querySelector(".htmx-request")) { e.preventDefault(); return; }
    typed = [];
    e.target.querySelectorAll("input[id], textarea[id]").forEach(function (field) {
      if (field.value !== field.defaultValue || field === document.activeElement) {
        typed.push({id: field.id, was: field.defaultValue, value: field.value, focused: field === document.activeElement,
                    start: field.selectionStart, end: field.selectionEnd});
      }
    });
  });
  document.addEventListener("htmx:sseMessage", function (e) {
    if (e.target.id !== "controls" || !typed) { return; }
    typed.forEach(function (t) {
      var field = document.getElementById(t.id);
      if (!field || field.defaultValue !== t.was) { return; }  // the control itself changed: its new value stands
      field.value = t.value;
      if (t.focused) {
        field.focus({preventScroll: true});
        try { field.setSelectionRange(t.start, t.end); } catch (err) { /* a number field has no selection */ }
      }
    });
    typed = null;
  });

  // The party editor open in the dashboard (seating/edit_party.html#editor): Cancel closes it
  // and gives focus back to the party's Edit link; without JavaScript, Cancel is a link back.
  var editedFrom = null;
  document.addEventListener("htmx:beforeRequest", function (e) {
    if (e.detail.target && e.detail.target.id === "editor" && e.detail.elt.matches("a")) { editedFrom = e.detail.elt.getAttribute("href"); }
  });
  function focusBack() {
    var back = editedFrom && document.querySelector("#queue a[href='" + editedFrom + "']");
    if (back) { back.focus(); }
  }
  document.addEventListener("click", function (e) {
    if (e.target.closest && e.target.closest("#editor [data-close-editor]")) {
      e.preventDefault();
      document.getElementById("editor").innerHTML = "";
      focusBack();
    }
  });
  document.addEventListener("htmx:afterSettle", function (e) {
    // Saved, or the party left the floor: the answer held only the toast, so the editor is empty.
    var editor = document.getElementById("editor");
    if (editor && e.detail.target === editor && !editor.querySelector(".edit-party")) { focusBack(); }
  });

  // A join page whose live updates paused (waitlist/_paused.html): a tap draws it afresh.
  document.addEventListener("click", function (e) {
    if (e.target.closest && e.target.closest("[data-resume]")) { window.location.reload(); }
  });

  // One tap plus a confirm for destructive actions; without JavaScript the server asks.
  document.addEventListener("submit", function (e) {
    var form = e.target;
    var question = form.getAttribute && form.getAttribute("data-confirm");
    if (!question) { return; }
    if (!window.confirm(question)) { e.preventDefault(); return; }
    var field = form.querySelector("input[name=confirm]");
    if (field) { field.value = "yes"; }
  });
})();
