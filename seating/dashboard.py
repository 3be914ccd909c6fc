"""What the host dashboard shows, from one ``LiveView``: shared by the page and its stream."""

from dataclasses import dataclass

from django.template.loader import render_to_string

from domain.durations import MINUTE_MS
from domain.strategies import placements
from domain.values import COUNTER, DINING, HELD, READY, TABLE_READY, WaitingParty
from restaurants.models import Restaurant
from waitlist.clock import now_ms
from waitlist.live_view import LiveView
from waitlist.situation import free_units, policy_for
from waitlist.state import Party


@dataclass(frozen=True)
class TableRow:
    id: int
    label: str
    seats: int
    kind: str
    state: str  # ready | held | occupied | cleaning
    party: Party | None
    since_ms: int | None
    limit_ms: int | None


@dataclass(frozen=True)
class WaitingRow:
    party: Party
    position: int
    wait: tuple[int, int] | None
    choices: list[tuple[int, str]]  # (first table id, label) the host may offer


def table_rows(restaurant: Restaurant, view: LiveView) -> list[TableRow]:
    rows = []
    for unit in view.layout.units:
        state = view.snapshot.table(unit.id)
        party = view.party(state.party_id) if state.party_id else None
        shown = HELD if state.state == TABLE_READY and party is not None else state.state
        limit_ms = None
        if party is not None and party.state == DINING and restaurant.service_limit_minutes and party.seated_ms:
            limit_ms = party.seated_ms + restaurant.service_limit_minutes * MINUTE_MS
        rows.append(TableRow(id=unit.id, label=unit.label, seats=unit.seats, kind=unit.kind, state=shown,
                             party=party, since_ms=state.since_ms, limit_ms=limit_ms))
    return rows


def waiting_rows(restaurant: Restaurant, view: LiveView) -> list[WaitingRow]:
    free = free_units(view.snapshot, view.layout)
    policy = policy_for(restaurant)
    rows = []
    for party in view.snapshot.waiting:
        candidate = WaitingParty(id=party.id, size=party.size, preference=party.preference,
                                 joined_ms=party.joined_ms, skips=party.skips)
        choices, seen = [], set()
        for offer in placements(candidate, free, policy):
            first = offer.table_ids[0]
            if len(offer.table_ids) > 1 and offer.kind != COUNTER:
                continue  # the host offers one table; combined tables come from "seat next"
            if first not in seen:
                seen.add(first)
                choices.append((first, view.layout.labels(offer.table_ids)))
        rows.append(WaitingRow(party=party, position=view.ahead.get(party.id, 0) + 1,
                               wait=view.waits.get(party.id), choices=choices))
    return rows


def dashboard_context(*, restaurant: Restaurant, view: LiveView, csrf_token: str) -> dict:
    tables = table_rows(restaurant, view)
    ready = [p for p in view.snapshot.active if p.state == READY]
    suggestion = None
    if view.suggestions:
        first = view.suggestions[0]
        party = view.party(first.party_id)
        if party is not None:
            suggestion = {"party": party, "tables": view.layout.labels(first.table_ids)}
    return {
        "restaurant": restaurant,
        "tables": tables,
        "ready": [(p, view.layout.labels(p.table_ids)) for p in ready],
        "waiting": waiting_rows(restaurant, view),
        "suggestion": suggestion,
        "counts": {
            "waiting": len(view.snapshot.waiting),
            "ready": len(ready),
            "dining": sum(1 for p in view.snapshot.active if p.state == DINING),
            "free": sum(1 for t in tables if t.state == TABLE_READY),
        },
        "warn_ms": restaurant.service_warning_minutes * MINUTE_MS,
        "csrf_token": csrf_token,
        "notice": view.snapshot.notice,
        "paused": view.snapshot.paused,
        "quote_add": view.snapshot.quote_add,
        "undoable": [u for u in view.snapshot.undoable if u.ends_ms > now_ms()],
        "version": view.version,
    }


def render_fragments(*, restaurant: Restaurant, view: LiveView, csrf_token: str,
                     can_manage: bool = False) -> dict[str, str]:
    context = dashboard_context(restaurant=restaurant, view=view, csrf_token=csrf_token)
    fragments = {name: render_to_string(f"seating/dashboard.html#{name}", context)
                 for name in ("summary", "floor", "queue")}
    fragments["controls"] = render_to_string("seating/_controls.html", {**context, "can_manage": can_manage})
    return fragments
