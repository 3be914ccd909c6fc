"""Delivering one outbox message to the diner's channels, and recording what happened.

A channel that took the message is recorded as done before the message is acknowledged, so
a message claimed again after a crash goes only to the channels that did not take it. The
one window where a message can go out twice: a worker dying after the provider accepted it
and before that record (a few milliseconds); web push then collapses the copy (the same
Topic), email carries the same Message-ID, a text would arrive twice.
"""

import hashlib
import hmac
import json
import logging
from dataclasses import dataclass

from django.conf import settings
from django.urls import reverse

from restaurants.models import Restaurant
from waitlist import contacts as contact_book
from waitlist import outbox, queue
from waitlist.errors import UnknownParty
from waitlist.links import site_url
from waitlist.outbox import Message
from waitlist.state import Party

from .messages import Note, note_for
from .providers import Refused, Retry, email, push, sms
from .providers.push import Gone

log = logging.getLogger("notifications.delivery")

MAX_ATTEMPTS = 6
# Endings the host can take back: once undone (the party active again), their message is
# not sent if it has not gone out yet (lua/undo.lua then queues no apology either).
UNDOABLE_ENDINGS = {"no_show", "removed"}
# Sends a provider took whose record Redis could not take (it went away in between): kept
# here so that the retry records them instead of sending them again.
_unrecorded: dict[tuple[int, str, str], str] = {}


@dataclass(frozen=True)
class Result:
    finished: bool  # acknowledged: every channel done or given up
    retry: bool = False  # some channel should be tried again later


def action_credential(restaurant_id: int, party: Party) -> str:
    """What a notification's "On my way" and "Leave" buttons post: proof that they come from
    a message sent to this party (the page's CSRF token is not there to post)."""
    text = f"act:{restaurant_id}:{party.id}:{party.token}".encode()
    return hmac.new(settings.SECRET_KEY.encode(), text, hashlib.sha256).hexdigest()


def deliver(restaurant: Restaurant, message: Message) -> Result:
    try:
        party = queue.status(restaurant=restaurant, party_id=message.party_id)
    except UnknownParty:  # forgotten already: nobody left to tell
        outbox.record(message, channel="", outcome="skipped", finished=True)
        return Result(finished=True)
    if message.kind in UNDOABLE_ENDINGS and party.is_active:
        outbox.record(message, channel="", outcome="skipped", finished=True)
        return Result(finished=True)
    book = contact_book.contacts(restaurant_id=restaurant.id, party_id=party.id)
    note = note_for(restaurant, party, message)
    wanted = _channels(message, book)
    done = outbox.sent(message)
    retry = False
    for channel, target in wanted:
        if done.get(channel, "").startswith(("done", "failed")):
            continue
        key = (restaurant.id, message.entry_id, channel)
        if key in _unrecorded:
            outbox.record(message, channel=channel, outcome="done", detail=_unrecorded.pop(key))
            continue
        outbox.record(message, channel=channel, outcome="sending", detail=str(message.attempts))
        try:
            provider_id = _send(restaurant, party, message, note, channel, target)
        except Gone:
            contact_book.remove(restaurant=restaurant, party_id=party.id, channel=channel,
                                endpoint=target.get("endpoint", ""))
            outbox.record(message, channel=channel, outcome="failed", detail="gone")
        except Refused as exc:
            log.warning("message %s to party %s refused on %s: %s", message.kind, party.id, channel, exc)
            outbox.record(message, channel=channel, outcome="failed", detail=str(exc))
        except Retry as exc:
            log.info("message %s to party %s on %s: %s (attempt %s)", message.kind, party.id, channel, exc,
                     message.attempts)
            if message.attempts >= MAX_ATTEMPTS:
                outbox.record(message, channel=channel, outcome="failed", detail=f"gave up: {exc}")
            else:
                retry = True
        else:
            try:
                outbox.record(message, channel=channel, outcome="done", detail=provider_id)
            except Exception:
                _unrecorded[key] = provider_id
                raise
    if retry:
        return Result(finished=False, retry=True)
    outbox.record(message, channel="", outcome="", finished=True)
    return Result(finished=True)


def _channels(message: Message, book) -> list[tuple[str, object]]:
    """(channel, target) pairs for this message: one per push subscription (all recorded
    under "p": a device that took it counts for the channel), the phone, the email. A
    confirmation goes only to the channel just turned on."""
    only = message.fields.get("c") if message.kind == "confirm" else None
    wanted = []
    if book.push and push.enabled() and only in (None, contact_book.PUSH):
        wanted += [(contact_book.PUSH, json.loads(raw)) for raw in book.push]
    if book.phone and sms.enabled() and only in (None, contact_book.TEXT):
        wanted.append((contact_book.TEXT, book.phone))
    if book.email and only in (None, contact_book.EMAIL):
        wanted.append((contact_book.EMAIL, book.email))
    return wanted


def _send(restaurant: Restaurant, party: Party, message: Message, note: Note, channel: str, target) -> str:
    if channel == contact_book.TEXT:
        callback = site_url(reverse("notifications:sms_status")) + f"?r={restaurant.id}&p={party.id}"
        return sms.send(to=target, body=note.sms, status_callback=callback if settings.SITE_URL else "")
    if channel == contact_book.EMAIL:
        subject, text, html = note.email()
        return email.send(to=target, subject=subject, text=text, html=html,
                          message_id=f"<{message.entry_id}.{restaurant.id}.{party.id}@waitlist>")
    return push.send(subscription=target, payload=push_payload(restaurant, party, note), urgent=note.urgent,
                     topic=f"p{party.id}-{message.kind}"[:32].replace("_", "-"))


def push_payload(restaurant: Restaurant, party: Party, note: Note) -> dict:
    """What the service worker (static/js/sw.js) shows, and what its buttons post."""
    payload = {"title": note.title, "body": note.text, "url": note.link, "tag": f"party-{party.id}",
               "urgent": note.urgent, "quiet": note.quiet, "kind": note.kind}
    if note.actionable:
        payload["act"] = {"url": reverse("notify:act", args=[restaurant.slug]), "party": party.id,
                          "credential": action_credential(restaurant.id, party)}
    return payload
