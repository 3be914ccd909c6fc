"""Seating decisions on top of the live queue: which party gets which table, when.

Strategies choose (pure functions); these services read a snapshot, ask the strategy and
make the offers through ``waitlist.queue``. The Lua scripts re-check every offer, so two
hosts or processes acting at once cannot seat two parties at one table: the loser gets
``StaleAction`` / ``TableBusy``.
"""

import logging

from django.utils.translation import gettext as _

from domain.durations import MINUTE_MS
from domain.strategies import counter_runs, get_strategy
from domain.values import COUNTER, TABLE, WAITING, Offer
from restaurants import caches
from restaurants.models import Restaurant, SeatingPolicy
from waitlist import queue
from waitlist.clock import resolve
from waitlist.errors import NoFit, StaleAction, UnknownParty, WaitlistError
from waitlist.situation import free_units, policy_for, waiting_parties, waiting_party
from waitlist.state import Change, FiredTimer, Snapshot

log = logging.getLogger("waitlist.seating")


def suggest(*, restaurant: Restaurant, snapshot: Snapshot, now_ms: int) -> list[Offer]:
    """What the restaurant's strategy would offer now, best first."""
    layout = caches.layout(restaurant)
    return get_strategy(restaurant.queue_strategy).choose(
        free_units(snapshot, layout), waiting_parties(snapshot), policy_for(restaurant), now_ms)


def seat_next(*, restaurant: Restaurant, undoable: bool = False, now_ms: int | None = None) -> Change:
    """Offer the strategy's first choice. Raises NoFit when no free table fits anyone.
    ``undoable``: the host may take the offer back for a while (waitlist/floor.py)."""
    now = resolve(now_ms)
    offers = suggest(restaurant=restaurant, snapshot=queue.snapshot(restaurant=restaurant), now_ms=now)
    if not offers:
        raise NoFit()
    first = offers[0]
    return queue.offer(restaurant=restaurant, party_id=first.party_id, table_ids=first.table_ids,
                       kind=first.kind, undoable=undoable, now_ms=now)


def offer_table(*, restaurant: Restaurant, party_id: int, table_id: int, undoable: bool = False,
                now_ms: int | None = None) -> Change:
    """The host's own choice of table for a party. A counter seat is the first of as many
    adjoining free seats as the party needs."""
    layout = caches.layout(restaurant)
    unit = layout.unit(table_id)
    if unit is None:
        raise UnknownParty(_("That table is not in this restaurant."))
    snapshot = queue.snapshot(restaurant=restaurant)
    party = snapshot.party(party_id)
    if party is None or party.state != WAITING:
        raise StaleAction()
    waiting = waiting_party(party)
    if not waiting.accepts(unit.kind):
        raise WaitlistError(_("That party asked for counter seating.") if unit.kind == TABLE
                            else _("That party asked for a table."))
    free = [u for u in free_units(snapshot, layout) if u.kind == unit.kind]
    if unit.kind == COUNTER:
        # The chosen seat and the free seats right after it (placements() only starts at the
        # first seat of each free run, so it cannot answer for a seat in the middle of one).
        run = next((r for r in counter_runs(free) if unit in r), [])
        seats = run[run.index(unit):][: party.size] if run else []
        if len(seats) < party.size:
            raise WaitlistError(_("There are not %(n)d free counter seats together from %(seat)s.")
                                % {"n": party.size, "seat": unit.label})
        table_ids = tuple(u.id for u in seats)
    else:
        if unit.seats < party.size:
            raise WaitlistError(_("%(table)s seats %(seats)d; that party is %(size)d.")
                                % {"table": unit.label, "seats": unit.seats, "size": party.size})
        table_ids = (table_id,)
    return queue.offer(restaurant=restaurant, party_id=party_id, table_ids=table_ids, kind=unit.kind,
                       undoable=undoable, now_ms=now_ms)


def auto_offer(*, restaurant: Restaurant, now_ms: int | None = None) -> list[Change]:
    """Under the automatic policy, offer every free table the strategy can fill now."""
    if restaurant.seating_policy != SeatingPolicy.AUTOMATIC:
        return []
    now = resolve(now_ms)
    made = []
    for offer in suggest(restaurant=restaurant, snapshot=queue.snapshot(restaurant=restaurant), now_ms=now):
        try:
            made.append(queue.offer(restaurant=restaurant, party_id=offer.party_id, table_ids=offer.table_ids,
                                    kind=offer.kind, now_ms=now))
        except StaleAction:
            continue  # another process offered first; its offer stands
        except WaitlistError as exc:
            log.info("auto offer skipped restaurant=%s party=%s: %s", restaurant.id, offer.party_id, exc)
    for change in made:
        log.info("auto offer restaurant=%s party=%s tables=%s", restaurant.id, change.party_id, change.table_ids)
    return made


def heads_up_for(*, restaurant: Restaurant, timer: FiredTimer, now_ms: int | None = None) -> int | None:
    """A dining party is near its limit: tell the waiting party that would get its tables."""
    if not timer.table_ids:
        return None
    now = resolve(now_ms)
    snapshot = queue.snapshot(restaurant=restaurant)
    layout = caches.layout(restaurant)
    soon = [layout.unit(t) for t in timer.table_ids if layout.unit(t) is not None]
    offers = get_strategy(restaurant.queue_strategy).choose(soon, waiting_parties(snapshot),
                                                            policy_for(restaurant), now)
    if not offers:
        return None
    # The tables free at the dining party's service limit, counted from its seating (the
    # tick that fired the warning may be late, and the limit may be shorter than the warning).
    dining = snapshot.party(timer.party_id)
    if dining is not None and dining.seated_ms and restaurant.service_limit_minutes:
        free_at = max(now, dining.seated_ms + restaurant.service_limit_minutes * MINUTE_MS)
    else:
        free_at = now + restaurant.service_warning_minutes * MINUTE_MS
    party_id = offers[0].party_id
    return party_id if queue.heads_up(restaurant=restaurant, party_id=party_id, free_at_ms=free_at, now_ms=now) else None


def after_timers(*, restaurant: Restaurant, fired: list[FiredTimer], now_ms: int | None = None) -> None:
    """Heads-ups once service-limit warnings fired. (Tables freed by expired holds are
    offered by the worker's automatic-offer pass, which follows every change.)"""
    for timer in fired:
        if timer.kind == "warn":
            heads_up_for(restaurant=restaurant, timer=timer, now_ms=now_ms)


def after_change(*, restaurant: Restaurant, freed: bool = True, now_ms: int | None = None) -> list[Change]:
    """Called by views after an action that may have freed a table (or queued a party while
    tables were free): under the automatic policy, offer at once rather than at the
    worker's next pass."""
    if restaurant.seating_policy != SeatingPolicy.AUTOMATIC or not freed:
        return []
    return auto_offer(restaurant=restaurant, now_ms=now_ms)
