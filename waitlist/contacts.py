"""How a party can be reached, and what its diner says back: the live queue's side of the
diner's channels (text, email, web push). Each change is one Lua script; turning a channel
on queues a confirmation on it, and the delivery worker (notifications/) sends what the
scripts queue.

Contact details live beside the party, never in the visit history: they expire
CONTACT_RETENTION_SECONDS after the party ends. The visit history keeps only a keyed hash
(``guest_key``), enough to count repeat guests and nothing to reach them by.
"""

import hashlib
import hmac
from dataclasses import dataclass

from django.conf import settings

from restaurants.models import Restaurant

from . import lua_scripts
from .clock import resolve as _now
from .keys import keys_for
from .redis_client import get_redis

TEXT, EMAIL, PUSH = "s", "e", "p"
CHANNEL_NAMES = {TEXT: "text", EMAIL: "email", PUSH: "push"}
NOTE_MAX = 160


def guest_key(contact: str) -> str:
    """A keyed hash of a phone number or email address, the same for the same guest on
    any night, from which the contact cannot be recovered without the secret key."""
    if not contact:
        return ""
    digest = hmac.new(settings.SECRET_KEY.encode(), b"guest:" + contact.strip().lower().encode(), hashlib.sha256)
    return digest.hexdigest()[:32]


def push_field(endpoint: str) -> str:
    return "push:" + hashlib.sha256(endpoint.encode()).hexdigest()[:16]


@dataclass(frozen=True)
class Contacts:
    """A party's contact details, as the delivery worker reads them."""

    phone: str = ""
    email: str = ""
    push: tuple[str, ...] = ()  # subscriptions, as the browser gave them (JSON)

    @classmethod
    def from_hash(cls, raw: dict) -> "Contacts":
        text = {(k.decode() if isinstance(k, bytes) else k): (v.decode() if isinstance(v, bytes) else v)
                for k, v in raw.items()}
        return cls(phone=text.get("phone", ""), email=text.get("email", ""),
                   push=tuple(v for k, v in sorted(text.items()) if k.startswith("push:")))


def _change(restaurant: Restaurant, party_id: int, op: str, channel: str, field: str, value: str, key: str,
            now_ms: int | None) -> str:
    result = lua_scripts.run("contact", restaurant_id=restaurant.id, now_ms=_now(now_ms),
                             args=[party_id, op, channel, field, value, key])
    return result["ch"]


def add_phone(*, restaurant: Restaurant, party_id: int, phone: str, now_ms: int | None = None) -> str:
    """Text messages to ``phone`` (E.164). Returns the channels now on."""
    channels = _change(restaurant, party_id, "add", TEXT, "phone", phone, guest_key(phone), now_ms)
    remember_phone(phone, restaurant_id=restaurant.id, party_id=party_id)
    return channels


def add_email(*, restaurant: Restaurant, party_id: int, email: str, now_ms: int | None = None) -> str:
    return _change(restaurant, party_id, "add", EMAIL, "email", email, guest_key(email), now_ms)


def add_push(*, restaurant: Restaurant, party_id: int, subscription: str, endpoint: str,
             now_ms: int | None = None) -> str:
    """A browser's push subscription (its JSON, as PushSubscription.toJSON() gives it)."""
    return _change(restaurant, party_id, "add", PUSH, push_field(endpoint), subscription, "", now_ms)


def remove(*, restaurant: Restaurant, party_id: int, channel: str | None = None, endpoint: str = "",
           now_ms: int | None = None) -> str:
    """Turn one channel off (a push subscription by its endpoint), or all of them."""
    if channel is None:
        return _change(restaurant, party_id, "remove_all", "", "", "", "", now_ms)
    field = {TEXT: "phone", EMAIL: "email"}.get(channel) or push_field(endpoint)
    return _change(restaurant, party_id, "remove", channel, field, "", "", now_ms)


def _phone_key(phone: str) -> str:
    # Not per restaurant: a reply comes from a number, to the one number all restaurants
    # text from. Kept as long as the party's page.
    return f"wl:phone:{guest_key(phone)}"


def remember_phone(phone: str, *, restaurant_id: int, party_id: int) -> None:
    """Which party a reply from ``phone`` speaks for (the latest party to give it)."""
    get_redis().set(_phone_key(phone), f"{restaurant_id}:{party_id}", ex=settings.ENDED_PARTY_TTL)


def party_for_phone(phone: str) -> tuple[int, int] | None:
    """(restaurant id, party id) of the latest party that gave ``phone``, if any."""
    found = get_redis().get(_phone_key(phone))
    if not found:
        return None
    restaurant_id, _, party_id = (found.decode() if isinstance(found, bytes) else found).partition(":")
    return int(restaurant_id), int(party_id)


def forget_phone(phone: str) -> None:
    get_redis().delete(_phone_key(phone))


def contacts(*, restaurant_id: int, party_id: int) -> Contacts:
    return Contacts.from_hash(get_redis().hgetall(keys_for(restaurant_id).contact(party_id)))


def say_eta(*, restaurant: Restaurant, party_id: int, minutes: int | None, note: str = "",
            now_ms: int | None = None) -> None:
    """The diner is ``minutes`` away (0: on my way), or wrote ``note`` (shown to the host)."""
    lua_scripts.run("eta", restaurant_id=restaurant.id, now_ms=_now(now_ms),
                    args=[party_id, "" if minutes is None else int(minutes), note[:NOTE_MAX]])


def getting_close(*, restaurant: Restaurant, party_id: int, now_ms: int | None = None) -> bool:
    """Tell the party's diner their table is near, once. True when this call queued it."""
    return lua_scripts.run("close", restaurant_id=restaurant.id, now_ms=_now(now_ms), args=[party_id])["sent"]


def wait_grew(*, restaurant: Restaurant, party_id: int, wait: tuple[int, int | None],
              now_ms: int | None = None) -> bool:
    """Tell the diner the new range when its high end passed what they were told by more
    than NOTIFY_LATER_MINUTES (an open-ended wait, ``(low, None)``: when its low end did).
    True when this call queued it."""
    low, high = wait
    return lua_scripts.run("later", restaurant_id=restaurant.id, now_ms=_now(now_ms),
                           args=[party_id, low, "" if high is None else high, settings.NOTIFY_LATER_MINUTES])["sent"]


def message_state(*, restaurant_id: int, party_id: int, state: str, channel: str) -> bool:
    """What a provider reported later about the party's last message (delivered, failed)."""
    return lua_scripts.run("message_state", restaurant_id=restaurant_id, now_ms=0,
                           args=[party_id, state, channel])["ok"]
