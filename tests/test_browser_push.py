"""Web push in a real browser: the diner's page registers the service worker; a "table
ready" push (the payload the delivery worker builds, delivered through the DevTools
protocol, as a push service would hand it to the browser) is shown as a notification with
"On my way" and "Leave"; its "On my way" reaches the host's dashboard as a badge."""

import json

from django.contrib.auth.models import User

from notifications.delivery import push_payload
from notifications.messages import note_for
from restaurants.models import StaffMembership
from tests.support.browser import PHONE, TABLET, BrowserTestCase
from tests.support.factories import make_restaurant
from waitlist import outbox, queue


class PushTests(BrowserTestCase):
    def setUp(self):
        self.restaurant = make_restaurant("bistro", name="Bistro Verde")
        user = User.objects.create_user("hostess", password="floor-pass-123")
        StaffMembership.objects.create(user=user, restaurant=self.restaurant)

    def test_a_table_ready_push_is_shown_and_its_on_my_way_button_reaches_the_host(self):
        context = self.browser.new_context(base_url=self.live_server_url, **PHONE)
        self.addCleanup(context.close)
        context.grant_permissions(["notifications"], origin=self.live_server_url)
        diner = context.new_page()
        diner.set_default_timeout(5000)
        diner.goto("/waitlist/bistro/")
        diner.get_by_label("Name").fill("Maya")
        diner.get_by_label("Party size").fill("2")
        diner.get_by_label("Table", exact=True).check()
        diner.get_by_role("button", name="Join the waitlist").click()
        diner.wait_for_selector("[data-position]")
        assert diner.evaluate("navigator.serviceWorker.ready.then(r => r.active.scriptURL)").endswith("/sw.js")
        self.shot(diner, "30-diner-channels")

        host = self.new_page(TABLET)
        host.goto("/host/bistro/")
        self.sign_in(host, "hostess", "floor-pass-123", then="#floor")

        # The host offers a table; the worker would build this push from the outbox message.
        party = queue.snapshot(restaurant=self.restaurant).waiting[0]
        queue.join(restaurant=self.restaurant, name="Zed", size=2, preference="table", diner="d-zed",
                   request_id="r-zed-1", email="zed@example.com")  # a second party, with a channel
        change = queue.offer(restaurant=self.restaurant, party_id=party.id,
                             table_ids=[self.restaurant.tables.get(label="T1").id], kind="table")
        message = outbox.Message(restaurant_id=self.restaurant.id, entry_id="0-1", kind="ready",
                                 party_id=party.id, at_ms=0,
                                 fields={"dl": str(change.deadline_ms), "tb": str(change.table_ids[0])})
        status = queue.status(restaurant=self.restaurant, party_id=party.id)
        payload = push_payload(self.restaurant, status, note_for(self.restaurant, status, message))

        cdp = context.new_cdp_session(diner)
        registrations = []
        cdp.on("ServiceWorker.workerRegistrationUpdated", lambda event: registrations.extend(event["registrations"]))
        cdp.send("ServiceWorker.enable")
        diner.wait_for_timeout(300)
        registration = next(r for r in registrations if r["scopeURL"].startswith(self.live_server_url))
        # Delivered again if the browser dropped it (a busy machine: the worker was still
        # starting); the notification's tag makes a second delivery replace the first.
        for _ in range(3):
            cdp.send("ServiceWorker.deliverPushMessage", {"origin": self.live_server_url,
                                                         "registrationId": registration["registrationId"],
                                                         "data": json.dumps(payload)})
            shown = diner.evaluate("""async () => {
                const reg = await navigator.serviceWorker.ready;
                for (let i = 0; i < 30; i++) {
                    const list = await reg.getNotifications();
                    if (list.length) return list.map(n => ({title: n.title, body: n.body,
                                                           actions: n.actions.map(a => a.action)}));
                    await new Promise(r => setTimeout(r, 100));
                }
                return [];
            }""")
            if shown:
                break
        assert shown == [{"title": "Bistro Verde", "body": payload["body"], "actions": ["on-my-way", "leave"]}]
        assert "T1" in shown[0]["body"]
        # For people to look at: the notification as the browser holds it, drawn over the page
        # as a phone shows a notification banner (headless Chromium has no screen to show it).
        diner.evaluate("""(n) => {
            const banner = document.createElement("div");
            banner.setAttribute("style", "position:fixed;top:8px;left:8px;right:8px;z-index:9;background:#fff;" +
                "border-radius:16px;box-shadow:0 6px 24px rgba(0,0,0,.3);padding:12px 14px;font:15px system-ui");
            banner.innerHTML = "<div style='font-size:12px;color:#666'>localhost · now</div>" +
                "<div style='font-weight:700;margin:2px 0'></div><div></div>" +
                "<div style='display:flex;gap:16px;margin-top:10px;color:#0b5d4b;font-weight:600'>" +
                "<span>On my way</span><span>Leave the waitlist</span></div>";
            banner.children[1].textContent = n.title;
            banner.children[2].textContent = n.body;
            document.body.appendChild(banner);
        }""", shown[0])
        self.shot(diner, "32-push-on-phone")

        # The diner taps "On my way" (dispatched in the worker as the browser dispatches a tap).
        worker = context.service_workers[0]
        worker.evaluate("""async () => {
            const [notification] = await self.registration.getNotifications();
            self.dispatchEvent(new NotificationEvent("notificationclick", {notification, action: "on-my-way"}));
        }""")
        host.wait_for_selector(".row-ready [data-on-my-way]")
        assert "Maya" in host.locator(".row-ready").inner_text()
        self.shot(host, "31-host-on-my-way")
