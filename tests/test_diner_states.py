"""What the diner's page says at each turn, and that it says it honestly: "getting close" by
the estimate, each ending in its own words with a way to reach the restaurant, more time
without a new alarm, a welcome when seated, timers drawn without scripts."""

import html
import re

import pytest

from domain.durations import MINUTE_MS
from tests.support.diner_pages import JSON, join, party_named, table_ids, text, url
from tests.support.live_queue import seated
from waitlist import queue
from waitlist.clock import now_ms
from waitlist.presenters import clock_text

PHONE = "+44 20 7946 0000"


def page(client) -> str:
    return html.unescape(text(client.get(url())))


def fill_every_table(restaurant):
    tables = table_ids(restaurant)
    for number, label in enumerate(("T1", "T2", "T3", "T4"), start=1):
        seated(restaurant, tables, label, name=f"Seated {number}", now=now_ms() - 5 * MINUTE_MS)


def test_first_in_line_with_an_hour_to_go_is_not_told_to_head_over(client, restaurant):
    fill_every_table(restaurant)  # the tables just turned: the next frees in about an hour
    join(client, "Ann")
    body = client.get(url(), **JSON).json()
    assert body["parties_ahead"] == 0 and body["estimated_wait"]["high"] > restaurant.getting_close_minutes
    assert body["getting_close"] is False
    assert "Getting close" not in page(client) and "make your way" not in page(client)

    restaurant.getting_close_minutes = body["estimated_wait"]["high"]  # the manager's choice, in admin
    restaurant.save()
    assert client.get(url(), **JSON).json()["getting_close"] is True
    assert "Please make your way to the restaurant now" in page(client)


def test_with_no_estimate_places_in_line_decide(client, restaurant):
    from restaurants.models import Restaurant
    from waitlist.live_view import getting_close
    from waitlist.state import Party

    party = Party(id=1, name="A", size=2, preference="table", state="waiting", joined_ms=0)
    restaurant = Restaurant.objects.get(pk=restaurant.pk)
    assert getting_close(restaurant, party, 1, None) is True  # threshold 2: one ahead
    assert getting_close(restaurant, party, 2, None) is False
    assert getting_close(restaurant, party, 0, (70, 100)) is False  # first in line, but far
    assert getting_close(restaurant, party, 9, (5, 12)) is True


@pytest.mark.parametrize("ending, words", [
    ("left", "You have left the waitlist."),
    ("removed", "The host took you off the waitlist."),
    ("no_show", "Your table hold expired."),
])
def test_each_ending_says_what_happened(client, restaurant, ending, words):
    restaurant.phone = PHONE
    restaurant.save()
    join(client, "Ann")
    party = party_named(restaurant, "Ann")
    if ending == "left":
        client.post(url(action="leave"), {"confirm": "yes"})
    elif ending == "removed":
        queue.leave(restaurant=restaurant, party_id=party.id, reason="removed")
    else:
        queue.offer(restaurant=restaurant, party_id=party.id, table_ids=[table_ids(restaurant)["T1"]], kind="table")
        queue.leave(restaurant=restaurant, party_id=party.id, state="expired", reason="no_show")
    shown = page(client)
    assert words in shown
    assert sum(w in shown for w in ("You have left", "took you off", "hold expired")) == 1
    calls = f'<a href="tel:+442079460000">{PHONE}</a>' in shown
    assert calls is (ending != "left")  # the host ended it: say how to reach them
    assert "Join the waitlist again" in shown and "Get told when your table is ready" not in shown


def test_an_ending_without_a_phone_says_to_speak_to_the_host_and_no_rejoin_when_closed(client, restaurant):
    join(client, "Ann")
    queue.leave(restaurant=restaurant, party_id=party_named(restaurant, "Ann").id, reason="removed")
    restaurant.is_open = False
    restaurant.save()
    shown = page(client)
    assert "Questions? Please speak to the host." in shown and "tel:" not in shown
    assert "Join the waitlist again" not in shown
    assert "not taking waitlist joins right now" in shown


def test_more_time_says_the_new_time_and_keeps_the_alarm_key(client, restaurant):
    join(client, "Ann")
    party = party_named(restaurant, "Ann")
    queue.offer(restaurant=restaurant, party_id=party.id, table_ids=[table_ids(restaurant)["T1"]], kind="table")
    before = text(client.get(url()))
    key = re.search(r'data-alert-key="([^"]*)"', before).group(1)
    assert key and "Your hold was extended" not in before
    change = queue.notify_again(restaurant=restaurant, party_id=party.id, extend_minutes=5)
    after = page(client)
    from waitlist.presenters import local_time

    assert f"Your hold was extended to {local_time(restaurant, change.deadline_ms)}." in after
    assert f'data-alert-key="{key}"' in after  # the page does not ring again
    queue.notify_again(restaurant=restaurant, party_id=party.id)
    assert f'data-alert-key="{key}"' not in text(client.get(url()))  # "notify again" does


def test_seated_is_a_welcome_and_the_limit_shows_only_with_its_heads_up(client, restaurant):
    restaurant.service_limit_minutes, restaurant.service_warning_minutes = 90, 10
    restaurant.save()
    join(client, "Ann")
    party = party_named(restaurant, "Ann")
    sat = now_ms() - 81 * MINUTE_MS
    queue.offer(restaurant=restaurant, party_id=party.id, table_ids=[table_ids(restaurant)["T1"]], kind="table",
                now_ms=sat - MINUTE_MS)
    queue.check_in(restaurant=restaurant, party_id=party.id, now_ms=sat)
    shown = page(client)
    assert "Welcome! Enjoy your meal." in shown and "Table time left" not in shown
    # Drawn by the server: right without scripts (live.js only keeps it ticking).
    since = re.search(r"data-since=\"\d+\">([\d:]+)<", shown).group(1)
    assert since in {clock_text(81 * MINUTE_MS + s * 1000) for s in range(0, 5)}
    assert "Get told when your table is ready" not in shown

    assert [f.kind for f in queue.fire_due(restaurant=restaurant).fired] == ["warn"]
    shown = page(client)
    assert "Just a heads-up: your table is needed soon." in shown and "Table time left:" in shown
    left = re.search(r"data-countdown=\"\d+\">([\d:]+)<", shown).group(1)
    assert left in {clock_text(9 * MINUTE_MS - s * 1000) for s in range(0, 5)}


def test_the_alerts_card_is_there_while_waiting_and_ready(client, restaurant):
    join(client, "Ann")
    assert "Get told when your table is ready" in page(client)
    party = party_named(restaurant, "Ann")
    queue.offer(restaurant=restaurant, party_id=party.id, table_ids=[table_ids(restaurant)["T1"]], kind="table")
    assert "Get told when your table is ready" in page(client)


def test_the_hosts_timers_are_drawn_by_the_server(client, restaurant, host):
    waiting = queue.join(restaurant=restaurant, name="Wait", size=2, preference="table", diner="d-w",
                         request_id="r-wait-1", now_ms=now_ms() - 3 * MINUTE_MS).party_id
    assert waiting
    tables = table_ids(restaurant)
    seated(restaurant, tables, "T1", name="Sat", now=now_ms() - 20 * MINUTE_MS)
    held = queue.join(restaurant=restaurant, name="Held", size=2, preference="table", diner="d-h",
                      request_id="r-held-1").party_id
    queue.offer(restaurant=restaurant, party_id=held, table_ids=[tables["T2"]], kind="table")
    client.force_login(host)
    dashboard = text(client.get(f"/host/{restaurant.slug}/"))
    empty = re.findall(r'data-(?:since|countdown)="\d+"></', dashboard)
    assert empty == [], empty
    timers = re.findall(r'data-(?:since|countdown)="\d+">([\d:]+)</', dashboard)
    assert len(timers) >= 4 and any(t.startswith("3:") for t in timers) and any(t.startswith("9:") for t in timers)
