"""Helpers shared by the host dashboard tests (test_host_*.py): a floor with a party in each
state, the host's routes and the "nothing changed" witness. Every action here goes through
the real live queue; the views use the real clock, so these helpers do too."""

import html
import re

from django.urls import reverse

from restaurants.models import Restaurant, Visit
from waitlist import queue

HTMX = {"HTTP_HX_REQUEST": "true"}
PARTY_ACTIONS = ("notify", "extend", "checkin", "complete", "no-show", "remove")
TABLE_ACTIONS = ("ready", "clear")
JOIN_CONTROLS = ("pause", "resume")  # close and open change the database row: test_host_controls.py
CONFIRMED = ("no-show", "remove")  # asked again without JavaScript (the confirmation page)


def dashboard_url(slug="testbistro"):
    return reverse("seating:dashboard", args=[slug])


def route(name, slug="testbistro", action=None):
    return reverse(f"seating:{name}", args=[slug] if action is None else [slug, action])


def labels(restaurant) -> dict[str, int]:
    return {t.label: t.id for t in restaurant.tables.all()}


def join(restaurant, name, *, size=2, pref="table", now=None, **kw):
    return queue.join(restaurant=restaurant, name=name, size=size, preference=pref, diner=f"diner-{name}",
                      request_id=f"req-{name}-0001", now_ms=now, **kw).party_id


def offered(restaurant, name, *tables, size=2, kind="table", now=None):
    pid = join(restaurant, name, size=size, pref=kind, now=now)
    ids = labels(restaurant)
    queue.offer(restaurant=restaurant, party_id=pid, table_ids=[ids[t] for t in tables], kind=kind, now_ms=now)
    return pid


def dining(restaurant, name, *tables, size=2, now=None):
    pid = offered(restaurant, name, *tables, size=size, now=now)
    queue.check_in(restaurant=restaurant, party_id=pid, now_ms=now)
    return pid


def snap(restaurant):
    return queue.snapshot(restaurant=restaurant)


def state(restaurant):
    """Everything a host action could change: the live snapshot (with its version) and the
    queued end-state records."""
    return snap(restaurant), queue.ended_records(restaurant_id=restaurant.id), Visit.objects.count()


def floor(restaurant) -> dict:
    """A floor with something for every host action to act on:
    Wanda waiting (2, table), Rita ready at T1, Dino dining at T3, T4 cleaning, the rest free.
    Returns ids by name and table label."""
    ids = labels(restaurant)
    wanda = join(restaurant, "Wanda")
    rita = offered(restaurant, "Rita", "T1")
    dino = dining(restaurant, "Dino", "T3", size=4)
    queue.clear_table(restaurant=restaurant, table_id=ids["T4"])
    return {"wanda": wanda, "rita": rita, "dino": dino, **ids}


def post_data(name, action, f) -> dict:
    """A valid form for each POST route on the ``floor``."""
    if name == "seat_next":
        return {}
    if name == "offer":
        return {"party": f["wanda"], "table": f["T2"]}
    if name == "walk_in":
        return {"walkin-name": "Walt", "walkin-size": "3", "walkin-preference": "table",
                "walkin-request_id": "walkin-request-1"}
    if name == "party_action":
        data = {"party": {"complete": f["dino"], "remove": f["wanda"]}.get(action, f["rita"])}
        return {**data, "confirmed": "1"} if action in CONFIRMED else data
    if name == "joins":
        return {"message": "Back at nine"} if action == "pause" else {}
    if name == "quotes":
        return {"minutes": "15"}
    return {"table": f["T4"] if action == "ready" else f["C1"]}


POST_ROUTES = [("seat_next", None), ("offer", None), ("walk_in", None),
               *(("party_action", a) for a in PARTY_ACTIONS), *(("table_action", a) for a in TABLE_ACTIONS),
               *(("joins", a) for a in JOIN_CONTROLS), ("quotes", None)]
GET_ROUTES = [("dashboard", None), ("events", None), ("poster", None)]


CONTROLS = ("joins", "quotes", "hold_time")  # answer htmx with their card (seating/_controls.html)


def control_message(body: str, error: bool) -> str:
    """What a floor control's htmx answer says: its card, with the message in the toast (out of
    band) or, refused, in the card beside the form."""
    assert body.lstrip().startswith("<section class=\"card controls\""), body[:300]
    card, _, oob = body.partition('<div id="toast" hx-swap-oob="innerHTML">')
    if error:
        assert not oob, "a refusal leaves the toast alone"
        found = re.findall(r'<p class="(?:alert alert-error|field-error)"[^>]*>(.*?)</p>', card, re.S)
        assert len(found) == 1, card
        return html.unescape(found[0].strip())
    assert "alert-error" not in card and "field-error" not in card
    return toast(oob)


def toast(page: str) -> str:
    """The text of the message the host is shown (toast fragment or the dashboard's toast)."""
    found = re.findall(r'<p class="alert [^"]*"[^>]*>(.*?)</p>', page, re.S)
    assert found, f"no message in {page[:500]!r}"
    return " ".join(html.unescape(m.strip()) for m in found)


class Host:
    """A host's browser posting dashboard forms, with htmx (answer: the toast fragment) or
    without (answer: 303 back to the dashboard, which shows the message once)."""

    def __init__(self, client, htmx: bool, slug: str = "testbistro"):
        self.client, self.htmx, self.slug = client, htmx, slug

    def client_restaurant(self):
        return Restaurant.objects.get(slug=self.slug)

    def post(self, name, data=None, action=None, *, status=200) -> str:
        """Posts a form; returns the message shown. ``status`` is the htmx status expected;
        a plain post always redirects, and an error message is shown as an error."""
        data = data or {}
        if not self.htmx and name == "party_action" and action in CONFIRMED and "confirmed" not in data:
            # Without JavaScript a destructive action asks first, on a page of its own.
            before = snap(self.client_restaurant())
            asked = self.client.post(route(name, action=action), data)
            assert asked.status_code == 200, asked.content[:400]
            assert b'name="confirmed" value="1"' in asked.content and b"Cancel" in asked.content
            assert snap(self.client_restaurant()) == before, "asking changed something"
            data = {**data, "confirmed": "1"}
        response = self.client.post(route(name, action=action), data, **(HTMX if self.htmx else {}))
        error = status != 200
        if self.htmx:
            assert response.status_code == status, response.content[:400]
            body = response.content.decode()
            assert "<html" not in body
            if name in CONTROLS:
                return control_message(body, error)
            assert body.startswith('<p class="alert '), "an htmx action answers the toast"
            assert ("alert-error" in body) is error
            return toast(body)
        assert response.status_code == 303, response.content[:400]
        assert response["Location"] == dashboard_url()
        page = self.client.get(response["Location"]).content.decode()
        shown = page.split('id="toast"', 1)[1].split("</div>", 1)[0]
        assert ("alert-error" in shown) is error
        message = toast(shown)
        again = self.client.get(dashboard_url()).content.decode()
        assert message not in again.split('id="toast"', 1)[1].split("</div>", 1)[0], "a message is shown once"
        return message


def status(restaurant, pid):
    return queue.status(restaurant=restaurant, party_id=pid)
