"""Every party gets a quote: a range when it is seated within the estimator's horizon in
most simulated futures, "more than 3 hours" when not (``estimator.OPEN_MINUTES``), and no
quote only when no table fits it at all; on the diner's page, the join table and the host's
floor, in English and Spanish. And enough futures that the ranges hold still whatever the
length of the line."""

import html
import random
import re
from dataclasses import replace

import pytest
from django.test import Client

from domain import estimator as E
from domain.durations import MINUTE_MS as MIN
from domain.estimator import Busy, Situation
from domain.strategies import best_fit, first_fit
from domain.turn_model import TurnModel
from domain.values import EITHER, TABLE, Policy, Unit, WaitingParty
from tests.support.diner_pages import JSON, join, text, url
from tests.support.factories import make_restaurant, make_user
from tests.support.host_pages import dashboard_url
from tests.support.host_pages import join as host_join
from tests.support.live_queue import seated
from waitlist.clock import now_ms

NOW = 1_900_000_000_000
HOUR_MEALS = TurnModel(table_minutes=60, spread=0.1, cleaning_minutes=4, checkin_minutes=3)


def couples(count: int) -> tuple[WaitingParty, ...]:
    return tuple(WaitingParty(id=i, size=2, preference=TABLE, joined_ms=NOW - 20 * MIN + i) for i in range(1, count + 1))


def one_two_top(line: int) -> Situation:
    return Situation((Unit(id=1, seats=2, kind=TABLE, position=1),), {1: Busy("occupied", NOW - 10 * MIN, 2, 99)},
                     couples(line))


def test_a_party_past_the_horizon_is_quoted_more_than_three_hours_and_one_no_table_fits_gets_none():
    quotes = E.estimate_waiting(one_two_top(6), first_fit, Policy(), HOUR_MEALS, NOW)
    # An hour a couple: the first two are seated within three hours, the rest are not. (The
    # first waits the 50 minutes left of a meal and cleaning, its 80th percentile a little more.)
    assert quotes[1][1] <= 62 and 100 <= quotes[2][0] < quotes[2][1] <= E.OPEN_MINUTES
    assert E.OPEN_MINUTES == 180
    assert [quotes[i] for i in (4, 5, 6)] == [(180, None)] * 3
    assert E.estimate_new(one_two_top(6), first_fit, Policy(), HOUR_MEALS, NOW, 2, TABLE) == (180, None)
    assert E.estimate_new(one_two_top(6), first_fit, Policy(), HOUR_MEALS, NOW, 3, TABLE) is None
    assert E.estimate_new(one_two_top(0), first_fit, Policy(), HOUR_MEALS, NOW, 2, TABLE)[1] <= 62


def test_a_thousand_waiting_all_get_a_quote():
    units = tuple(Unit(id=i, seats=(2, 4, 6)[i % 3], kind=TABLE, position=i) for i in range(1, 21))
    busy = {u.id: Busy("occupied", NOW - (5 + 3 * u.id) * MIN, u.seats, 100 + u.id) for u in units}
    line = tuple(WaitingParty(id=i, size=2 + i % 4, preference=TABLE, joined_ms=NOW - MIN + i) for i in range(1, 1001))
    model = replace(HOUR_MEALS, spread=0.35, leave_rate=0.2, leave_samples=(20.0, 40.0, 60.0, 90.0))
    quotes = E.estimate_waiting(Situation(units, busy, line), best_fit, Policy(), model, NOW)
    assert all(quote is not None for quote in quotes.values())
    ranged = [i for i in range(1, 1001) if quotes[i][1] is not None]
    assert 20 <= len(ranged) <= 200 and quotes[1000] == (180, None)


def random_floor(rng: random.Random, line: int) -> Situation:
    units = tuple(Unit(id=i, seats=rng.choice((2, 2, 4, 4, 6)), kind=TABLE, position=i) for i in range(1, 13))
    busy = {u.id: Busy("occupied", NOW - rng.randint(0, 80) * MIN, u.seats, 100 + u.id) for u in units}
    waiting = tuple(WaitingParty(id=i, size=rng.randint(1, 6), preference=rng.choice((TABLE, EITHER)),
                                 joined_ms=NOW - rng.randint(0, 40) * MIN) for i in range(1, line + 1))
    return Situation(units, busy, tuple(sorted(waiting, key=lambda p: p.joined_ms)))


def drift(situation: Situation, model: TurnModel, runs: int, reference: dict) -> list[float]:
    """How far each party's midpoint with ``runs`` futures is from ``reference``'s, as a
    share of it (of 10 minutes at least), for the parties both quote a range well inside
    the horizon (near it, which of the two is open-ended is a coin toss)."""
    saved, E.RUNS = E.RUNS, runs
    try:
        quoted = E.estimate_waiting(situation, first_fit, Policy(), model, NOW)
    finally:
        E.RUNS = saved
    return [abs(sum(quote) - sum(reference[pid])) / 2 / max(10, sum(reference[pid]) / 2)
            for pid, quote in quoted.items()
            if quote[1] is not None and reference[pid][1] is not None and reference[pid][1] < E.OPEN_MINUTES - 20]


@pytest.mark.parametrize("line", [5, 40, 120])
def test_ranges_hold_still_whatever_the_length_of_the_line(line):
    """Every party gets RUNS futures, wherever it is in line: midpoints within 7% of what
    256 futures say on average, and 20% at worst. The four futures a long line used to get
    drift further."""
    rng = random.Random(line)
    situation = random_floor(rng, line)
    model = TurnModel(table_minutes=55, spread=0.35, leave_rate=0.1, leave_samples=(15.0, 30.0, 45.0, 70.0))
    reference = {}
    saved, E.RUNS = E.RUNS, 256
    try:
        reference = E.estimate_waiting(situation, first_fit, Policy(), model, NOW)
    finally:
        E.RUNS = saved
    ours = drift(situation, model, E.RUNS, reference)
    assert len(ours) >= min(line, 20)
    assert sum(ours) / len(ours) <= 0.07 and max(ours) <= 0.2
    few = drift(situation, model, 4, reference)
    assert sum(few) / len(few) > sum(ours) / len(ours) and max(few) > max(ours)


# --- on the pages -------------------------------------------------------------------------------

@pytest.fixture
def restaurant(db):
    """One two-top, and a couple at it for ten minutes of an hour's meal."""
    place = make_restaurant(tables=((2, "table"),), counter=0, max_party_size=4, default_turn_minutes=60)
    seated(place, {t.label: t.id for t in place.tables.all()}, "T1", name="Dining", now=now_ms() - 10 * MIN)
    return place


def long_line(restaurant, client) -> None:
    for n in range(4):
        host_join(restaurant, f"Early {n}")
    assert join(client, "Ann").status_code == 303


def test_the_diner_past_the_horizon_reads_more_than_three_hours(client, restaurant):
    long_line(restaurant, client)
    body = client.get(url(), **JSON).json()
    assert body["position"] == 5 and body["estimated_wait"] == {"low": 180, "high": None}
    assert body["getting_close"] is False
    page = html.unescape(text(client.get(url())))
    assert "Estimated wait: more than 3 hours" in page
    spanish = html.unescape(text(client.get(url(), HTTP_ACCEPT_LANGUAGE="es")))
    assert "Espera estimada: más de 3 horas" in spanish


def test_the_join_table_says_more_than_three_hours_and_ask_the_host_where_no_table_fits(client, restaurant):
    long_line(restaurant, client)
    newcomer = Client()  # someone who has not joined: the join form and its wait table
    rows = dict(re_rows(html.unescape(text(newcomer.get(url())))))
    assert rows["2"] == "More than 3 hours" and rows["3"] == "Ask the host"
    spanish = html.unescape(text(Client().get(url(), HTTP_ACCEPT_LANGUAGE="es")))
    assert dict(re_rows(spanish))["2"] == "Más de 3 horas"


def re_rows(page: str) -> list[tuple[str, str]]:
    return [(size, re.sub(r"<[^>]+>", "", cell).strip())
            for size, cell in re.findall(r'<tr data-size="(\d+)">\s*<th[^>]*>.*?</th>\s*<td>(.*?)</td>', page, re.S)]


def test_the_host_sees_more_than_three_hours_for_the_last_of_the_line(client, host, restaurant):
    long_line(restaurant, client)
    client.force_login(host)
    page = html.unescape(text(client.get(dashboard_url())))
    # An hour a couple: the first in line has a range, the fourth and fifth are past three hours.
    assert re.search(r"est\. \d+–\d+ min", page)
    assert page.count("est. more than 3 hours") in (2, 3)
    spanish = html.unescape(text(client.get(dashboard_url(), HTTP_ACCEPT_LANGUAGE="es")))
    assert spanish.count("aprox. más de 3 horas") == page.count("est. more than 3 hours")


# --- telling the diner --------------------------------------------------------------------------

PHONE = "+447911123456"


def test_a_wait_that_grows_past_the_horizon_is_told_once_and_honestly(restaurant, twilio):
    from notifications.watch import Watcher
    from tests.support.notify import deliver_all
    from waitlist import contacts, floor, queue

    ann = host_join(restaurant, "Ann", phone=PHONE, language="en", quote=(50, 70))  # first in line
    for n in range(4):
        host_join(restaurant, f"Later {n}")
    for _ in range(4):  # to the back of a line of couples at one two-top: past three hours
        floor.move_party(restaurant=restaurant, party_id=ann, direction="down", reason="asked to wait")
    assert Watcher().look(restaurant) == 1
    deliver_all(restaurant)
    assert twilio.sent[-1].form["Body"] == \
        f"{restaurant.name}: Sorry, your wait has grown to more than 3 hours. You keep your place."
    # Told it is open-ended, there is no high end left to grow: a wait that flips back and forth
    # near the horizon is not told again.
    assert contacts.wait_grew(restaurant=restaurant, party_id=ann, wait=(180, None)) is False
    assert contacts.wait_grew(restaurant=restaurant, party_id=ann, wait=(150, 175)) is False
    assert queue.status(restaurant=restaurant, party_id=ann).message_kind == "later"


def test_an_open_ended_wait_just_past_what_was_told_is_no_news(restaurant):
    from waitlist import contacts

    near = host_join(restaurant, "Near", phone=PHONE, quote=(150, 170))
    assert contacts.wait_grew(restaurant=restaurant, party_id=near, wait=(180, None)) is False  # within 15 minutes
    far = host_join(restaurant, "Far", phone=PHONE, quote=(120, 160))
    assert contacts.wait_grew(restaurant=restaurant, party_id=far, wait=(180, None)) is True


def test_the_spanish_diner_reads_it_in_spanish(restaurant):
    from notifications.messages import note_for
    from waitlist import queue
    from waitlist.outbox import Message

    pid = host_join(restaurant, "Ana", phone=PHONE, language="es", quote=(50, 70))
    party = queue.status(restaurant=restaurant, party_id=pid)
    note = note_for(restaurant, party, Message(restaurant.id, "1-0", "later", pid, 0, {"lo": "180", "hi": ""}))
    assert note.text == "Lo sentimos, tu espera ha crecido a más de 3 horas. Conservas tu lugar."


@pytest.mark.django_db
def test_the_host_reads_no_wait_for_a_party_a_free_table_fits(client):
    # An empty floor seated by the host: every future seats the couple at once, (0, 0).
    place = make_restaurant(slug="emptyfloor", tables=((2, "table"),), counter=0, max_party_size=2)
    client.force_login(make_user("floorhost", restaurant=place))
    host_join(place, "Bea")
    page = html.unescape(text(client.get(dashboard_url(place.slug))))
    assert "est. no wait" in page and not re.search(r"est\. \d+–\d+ min", page)
    spanish = html.unescape(text(client.get(dashboard_url(place.slug), HTTP_ACCEPT_LANGUAGE="es")))
    assert "aprox. sin espera" in spanish
