{% load i18n %}// The diner's service worker: shows the pushes the delivery worker sends (even with the page
// closed) and answers their buttons, "On my way" and "Leave the waitlist", by posting them
// with the credential the message carries.
"use strict";
var ON_MY_WAY = "{{ _('On my way')|escapejs }}";
var LEAVE = "{{ _('Leave the waitlist')|escapejs }}";

self.addEventListener("install", function () { self.skipWaiting(); });
self.addEventListener("activate", function (event) { event.waitUntil(self.clients.claim()); });

self.addEventListener("push", function (event) {
  var data = {};
  try { data = event.data ? event.data.json() : {}; } catch (e) { data = { body: event.data ? event.data.text() : "" }; }
  var options = {
    body: data.body || "", tag: data.tag || "waitlist", renotify: !data.quiet, silent: !!data.quiet, data: data,
    requireInteraction: !!data.urgent, vibrate: data.quiet ? [] : data.urgent ? [400, 150, 400, 150, 400] : [200],
    actions: data.act ? [{ action: "on-my-way", title: ON_MY_WAY }, { action: "leave", title: LEAVE }] : []
  };
  event.waitUntil(self.registration.showNotification(data.title || "Waitlist", options));
});

self.addEventListener("notificationclick", function (event) {
  var data = event.notification.data || {};
  event.notification.close();
  var work;
  if (event.action && data.act) {
    work = fetch(data.act.url, {
      method: "POST", credentials: "omit", headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ party: data.act.party, credential: data.act.credential, action: event.action })
    });
  } else {
    work = self.clients.matchAll({ type: "window", includeUncontrolled: true }).then(function (windows) {
      for (var i = 0; i < windows.length; i++) {
        if (windows[i].url === data.url && "focus" in windows[i]) { return windows[i].focus(); }
      }
      return self.clients.openWindow(data.url || "/");
    });
  }
  try { event.waitUntil(work); } catch (e) { /* an event dispatched by script has no lifetime to extend */ }
});
