"""The host's dashboard page (tables grid, waiting and notified rows, always current), the
walk-in form and its errors, the automatic seating policy, and two hosts offering one table
at the same moment."""

import re
import threading
from html import unescape

import pytest
from django.db import connection
from django.test import Client

from domain.strategies import STRATEGIES, get_strategy
from restaurants import caches
from seating.views import _walk_in_form
from tests.support.factories import make_user
from tests.support.host_pages import HTMX, Host, dashboard_url, dining, join, labels, offered, route, snap, state
from waitlist import queue
from waitlist.forms import JoinForm
from waitlist.situation import free_units, policy_for, waiting_parties


@pytest.fixture
def page(client, host):
    client.force_login(host)

    def get():
        response = client.get(dashboard_url())
        assert response.status_code == 200
        return response.content.decode()

    return get


def tiles(html: str) -> dict[str, tuple[str, str]]:
    """label -> (shown state, party text) for every tile of the tables grid."""
    found = {}
    for state_, body in re.findall(r'<li class="tile tile-(\w+) kind-\w+"[^>]*>(.*?)</li>', html, re.S):
        label = re.search(r'<span class="tile-label">(.*?)</span>', body).group(1)
        party = re.search(r'<p class="tile-party">(.*?)</p>', body)
        found[label] = (state_, party.group(1) if party else "")
    return found


def waiting_rows(html: str) -> list[tuple[str, str, str, str]]:
    """(position, name, size text, preference) of each waiting row, in page order."""
    rows = []
    for body in re.findall(r'<li class="row(?: row-starving)?">(.*?)</li>', html, re.S):
        rows.append((re.search(r'<span class="row-pos">(\d+)</span>', body).group(1),
                     re.search(r'<strong class="row-name">(.*?)</strong>', body).group(1),
                     re.search(r"party of (\d+)", body).group(1),
                     re.search(r'<span class="pill">(.*?)</span>', body).group(1)))
    return rows


def ready_rows(html: str) -> list[tuple[str, str, str]]:
    """(name, table labels, check-in countdown deadline) of each notified party."""
    return [(re.search(r'<strong class="row-name">(.*?)</strong>', body).group(1),
             re.search(r"</span> · ([^<]+?)\s*<span", body).group(1),
             re.search(r'data-countdown="(\d*)"', body).group(1))
            for body in re.findall(r'<li class="row row-ready">(.*?)</li>', html, re.S)]


# --- the page -----------------------------------------------------------------------------------

def test_dashboard_shows_tables_and_the_waitlist(page, restaurant, t):
    rita = offered(restaurant, "Rita", "T1")
    dining(restaurant, "Dino", "T3", size=3)
    queue.clear_table(restaurant=restaurant, table_id=t["T4"])
    join(restaurant, "Ann", size=4, pref="table")
    join(restaurant, "Cy", size=1, pref="counter")
    join(restaurant, "Eve", size=2, pref="either")
    html = page()
    grid = tiles(html)
    assert sorted(grid) == ["C1", "C2", "C3", "C4", "T1", "T2", "T3", "T4"]
    assert grid["T1"] == ("held", "Rita (2)")
    assert grid["T2"] == ("ready", "")
    assert grid["T3"] == ("occupied", "Dino (3)")
    assert grid["T4"] == ("cleaning", "")
    assert grid["C1"] == ("ready", "")
    # Places count within each queue: Cy (counter) has nobody ahead, Eve (either) has both.
    assert waiting_rows(html) == [("1", "Ann", "4", "table"), ("1", "Cy", "1", "counter"), ("3", "Eve", "2", "either")]
    deadline = queue.status(restaurant=restaurant, party_id=rita).deadline_ms
    assert ready_rows(html) == [("Rita", "T1", str(deadline))]
    assert re.search(r"<li><strong>3</strong> waiting</li>", html)
    assert re.search(r"<li><strong>1</strong> notified</li>", html)


def test_seat_next_says_why_it_cannot_seat_anyone(page, restaurant):
    def hint() -> str:
        return unescape(re.search(r'<span class="suggestion">(.*?)</span>', page(), re.S).group(1)).strip()

    assert hint() == "Nobody is waiting"
    dining(restaurant, "Dino", "T4", size=6)
    join(restaurant, "Big", size=6, pref="table")
    assert hint() == "No free table fits a waiting party"
    join(restaurant, "Ann", size=2, pref="table")
    assert hint().startswith("Ann (2) → T")


def test_dashboard_escapes_party_names(page, restaurant):
    join(restaurant, "<b>Bo</b>")
    html = page()
    assert "<b>Bo</b>" not in html and "&lt;b&gt;Bo&lt;/b&gt;" in html


def test_dashboard_is_current_after_every_change(page, restaurant, t):
    """The page is drawn from the shared view: a change made anywhere since the last draw
    (a diner joining, another host acting) must show on the next load."""
    assert waiting_rows(page()) == []
    join(restaurant, "Ann")
    assert waiting_rows(page()) == [("1", "Ann", "2", "table")]
    queue.offer(restaurant=restaurant, party_id=snap(restaurant).waiting[0].id, table_ids=[t["T2"]], kind="table")
    html = page()
    assert waiting_rows(html) == [] and tiles(html)["T2"] == ("held", "Ann (2)")


def test_plain_post_redirects_to_a_current_dashboard(client, page, restaurant):
    page()
    response = client.post(route("walk_in"), {"walkin-name": "Walt", "walkin-size": "2",
                                               "walkin-preference": "table", "walkin-request_id": "walkin-req-0001"})
    assert response.status_code == 303
    html = client.get(response["Location"]).content.decode()
    assert "Added Walt, party of 2." in html
    assert waiting_rows(html) == [("1", "Walt", "2", "table")]


def test_waiting_row_offers_the_tables_that_fit(page, restaurant, t):
    offered(restaurant, "Rita", "T1")
    join(restaurant, "Ann", size=2, pref="either")
    body = re.search(r'<li class="row">(.*?)</li>', page(), re.S).group(1)
    options = re.findall(r'<option value="(\d+)">([^<]*)</option>', body)
    assert (str(t["T2"]), "T2") in options and (str(t["C1"]), "C1, C2") in options
    assert str(t["T1"]) not in [value for value, _ in options]


# --- walk-in form -------------------------------------------------------------------------------

BAD_WALK_INS = [  # (form, the field in error); the words are waitlist/forms.py's own
    ({"walkin-name": "", "walkin-size": "2", "walkin-preference": "table"}, "name"),
    ({"walkin-name": "   ", "walkin-size": "2", "walkin-preference": "table"}, "name"),
    ({"walkin-name": "\u200dAl", "walkin-size": "2", "walkin-preference": "table"}, "name"),
    ({"walkin-name": "Al", "walkin-size": "2"}, "preference"),
    ({"walkin-name": "Al", "walkin-size": "0", "walkin-preference": "table"}, "size"),
    ({"walkin-name": "Al", "walkin-size": "9", "walkin-preference": "table"}, "size"),
    ({"walkin-name": "Al", "walkin-size": "two", "walkin-preference": "table"}, "size"),
    ({"walkin-name": "Al", "walkin-size": "2", "walkin-preference": "patio"}, "preference"),
]


def field_errors(html: str) -> dict[str, list[str]]:
    """Errors shown inside each field's own block of the walk-in form."""
    form = re.search(r'<form id="walk-in-form".*?</form>', html, re.S).group(0)
    errors = {}
    for block in re.findall(r'<(?:div|fieldset) class="field[^"]*"[^>]*>(.*?)</(?:div|fieldset)>', form, re.S):
        name = re.search(r'name="walkin-(\w+)"', block).group(1)
        errors[name] = re.findall(r'<p class="field-error"[^>]*>(.*?)</p>', block)
    return errors


@pytest.mark.parametrize(("data", "field"), BAD_WALK_INS, ids=[f for _, f in BAD_WALK_INS])
@pytest.mark.parametrize("htmx", [True, False], ids=["htmx", "plain"])
def test_walk_in_errors_are_shown_next_to_their_field(client, host, restaurant, data, field, htmx):
    client.force_login(host)
    join(restaurant, "Ann")
    expected = _walk_in_form(restaurant, data).errors.get(field)  # the host's words for the same rules
    assert expected, "the case must be invalid in this field"
    before = state(restaurant)
    response = client.post(route("walk_in"), {**data, "walkin-request_id": "walkin-req-0001"},
                           **(HTMX if htmx else {}))
    # htmx: 422, a form to correct, swapped in place (a 400 would let django-htmx's debug
    # script replace the whole dashboard); without JavaScript: the dashboard again, 400.
    assert response.status_code == (422 if htmx else 400)
    html = response.content.decode()
    errors = field_errors(html)
    assert [unescape(e) for e in errors[field]] == [" ".join(expected)]
    assert all(not found for name, found in errors.items() if name != field)
    assert 'value="walkin-req-0001"' in html  # a resubmit is still the same walk-in
    if htmx:
        # The form replaces itself, not the toast it would otherwise be swapped into.
        assert response["HX-Retarget"] == "#walk-in-form" and response["HX-Reswap"] == "outerHTML"
        assert "<html" not in html
    else:
        assert '<details class="card walk-in" open>' in html and "Ann" in html
    assert state(restaurant) == before


def test_htmx_walk_in_renews_the_form_for_the_next_walk_in(client, host, restaurant):
    """The walk-in form stays on screen after an htmx submit; the next walk-in typed into it
    must be a new party, not a repeat of the last one (same request id)."""
    client.force_login(host)
    html = client.get(dashboard_url()).content.decode()
    request_id = re.search(r'name="walkin-request_id" value="([^"]+)"', html).group(1)
    for name in ("Walt", "Xena", "Yuri"):
        response = client.post(route("walk_in"), {"walkin-name": name, "walkin-size": "2",
                                                  "walkin-preference": "table", "walkin-request_id": request_id},
                               **HTMX)
        assert response.status_code == 200
        body = response.content.decode()
        assert f"Added {name}, party of 2." in body
        fresh = re.search(r'<form id="walk-in-form"[^>]*hx-swap-oob="true".*?</form>', body, re.S)
        assert fresh, "no fresh walk-in form in the answer"
        new_id = re.search(r'name="walkin-request_id" value="([^"]+)"', fresh.group(0)).group(1)
        assert new_id != request_id
        request_id = new_id
    assert [p.name for p in snap(restaurant).waiting] == ["Walt", "Xena", "Yuri"]


def test_walk_in_under_the_automatic_policy_is_offered_a_free_table(client, host, restaurant, t):
    restaurant.seating_policy = "auto"
    restaurant.save()
    client.force_login(host)
    Host(client, htmx=True).post("walk_in", {"walkin-name": "Walt", "walkin-size": "5", "walkin-preference": "table",
                                             "walkin-request_id": "walkin-req-0001"})
    [walt] = snap(restaurant).active
    assert (walt.name, walt.state, walt.table_ids) == ("Walt", "ready", (t["T4"],))


# --- automatic policy ---------------------------------------------------------------------------

def expected_pick(restaurant, table_id):
    """What the strategy picks for ``table_id`` once it is the only free unit."""
    unit = caches.layout(restaurant).unit(table_id)
    offers = get_strategy(restaurant.queue_strategy).choose([unit], waiting_parties(snap(restaurant)),
                                                            policy_for(restaurant), 0)
    assert offers, "the test needs a party that fits"
    return offers[0].party_id


def auto_floor(restaurant, strategy):
    """Automatic policy; every table busy but T4 (6 seats) cleaning and the counter seats
    held; Ann (2) and then Ben (6) wait for a table."""
    restaurant.seating_policy = "auto"
    restaurant.queue_strategy = strategy
    restaurant.save()
    t = labels(restaurant)
    rita = offered(restaurant, "Rita", "T1")
    dining(restaurant, "Dino", "T2")
    dining(restaurant, "Tess", "T3", size=4)
    offered(restaurant, "Bar", "C1", "C2", "C3", "C4", size=4, kind="counter")
    queue.clear_table(restaurant=restaurant, table_id=t["T4"])
    join(restaurant, "Ann", size=2)
    join(restaurant, "Ben", size=6)
    assert free_units(snap(restaurant), caches.layout(restaurant)) == []
    return t, rita


@pytest.mark.parametrize("strategy", list(STRATEGIES))
def test_marking_a_table_clean_offers_it_at_once(client, host, restaurant, strategy):
    t, _ = auto_floor(restaurant, strategy)
    client.force_login(host)
    queue.table_ready(restaurant=restaurant, table_id=t["T4"])
    pick = expected_pick(restaurant, t["T4"])
    queue.clear_table(restaurant=restaurant, table_id=t["T4"])
    assert Host(client, htmx=True).post("table_action", {"table": t["T4"]}, "ready") == "Table is ready."
    party = queue.status(restaurant=restaurant, party_id=pick)
    assert (party.state, party.table_ids) == ("ready", (t["T4"],))
    assert snap(restaurant).table(t["T4"]).party_id == pick


@pytest.mark.parametrize("strategy", list(STRATEGIES))
def test_a_no_show_offers_the_freed_table_at_once(client, host, restaurant, strategy):
    t, rita = auto_floor(restaurant, strategy)
    client.force_login(host)
    pick = expected_pick(restaurant, t["T1"])
    assert Host(client, htmx=False).post("party_action", {"party": rita}, "no-show") == "Marked as a no-show. You can undo it for a few minutes."
    party = queue.status(restaurant=restaurant, party_id=pick)
    assert (party.state, party.table_ids) == ("ready", (t["T1"],))
    assert [p.name for p in snap(restaurant).waiting] == ["Ben"]


def test_host_policy_only_suggests(client, host, restaurant, t):
    rita = offered(restaurant, "Rita", "T1")
    for label in ("T2", "T3", "T4"):
        dining(restaurant, f"D{label}", label)
    join(restaurant, "Ann")
    client.force_login(host)
    Host(client, htmx=True).post("party_action", {"party": rita}, "no-show")
    assert [p.name for p in snap(restaurant).waiting] == ["Ann"]
    assert snap(restaurant).table(t["T1"]).party_id is None
    assert "Ann (2) → T1" in client.get(dashboard_url()).content.decode()


# --- two hosts, one table -----------------------------------------------------------------------

@pytest.mark.django_db(transaction=True)
def test_two_hosts_offering_one_table_at_once_seat_one_party(restaurant):
    hosts = [make_user(f"host{i}", restaurant=restaurant) for i in (1, 2)]
    t = labels(restaurant)
    for round_, label in enumerate(("T1", "T2", "T3", "T4")):
        parties = [join(restaurant, f"P{round_}{i}") for i in (1, 2)]
        barrier, answers = threading.Barrier(2), [None, None]

        def offer(i):
            try:
                client = Client()
                client.force_login(hosts[i])
                barrier.wait(timeout=10)
                answers[i] = client.post(route("offer"), {"party": parties[i], "table": t[label]}, **HTMX)
            finally:
                connection.close()

        threads = [threading.Thread(target=offer, args=(i,)) for i in (0, 1)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=30)
        assert sorted(a.status_code for a in answers) == [200, 409], [a.content for a in answers]
        winner = parties[[a.status_code for a in answers].index(200)]
        loser = parties[[a.status_code for a in answers].index(409)]
        assert b"That table is not free." in answers[[a.status_code for a in answers].index(409)].content
        current = snap(restaurant)
        assert current.table(t[label]).party_id == winner
        assert queue.status(restaurant=restaurant, party_id=winner).table_ids == (t[label],)
        assert current.party(loser).state == "waiting"
        queue.leave(restaurant=restaurant, party_id=loser)


def test_the_hosts_words_for_a_missing_seating_stay_on_the_host_form(restaurant):
    """The walk-in form's message is its own: the diner's join form shares its fields."""
    data = {"walkin-name": "Ann", "walkin-size": "2"}
    assert _walk_in_form(restaurant, data).errors["preference"] == ["Choose where the party would like to sit."]
    diner = JoinForm({"name": "Ann", "size": "2"}, restaurant=restaurant,
                     preferences=caches.layout(restaurant).preferences)
    assert diner.errors["preference"] == ["This field is required."]
