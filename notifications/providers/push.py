"""Web push (RFC 8030) with ``pywebpush``: the payload encrypted for the subscription (RFC
8291, aes128gcm) and signed with the server's VAPID key (RFC 8292)."""

import json
from functools import cache
from pathlib import Path

import requests
from django.conf import settings
from py_vapid import Vapid
from pywebpush import WebPushException, webpush

from . import Refused, Retry

TTL_SECONDS = 15 * 60  # a table-ready message is worthless after the hold


def enabled() -> bool:
    return bool(settings.VAPID_PRIVATE_KEY and settings.VAPID_PUBLIC_KEY)


@cache
def _signer(key: str) -> Vapid:
    """The VAPID key, from the setting's PEM or the PEM file it names."""
    pem = key if key.lstrip().startswith("-----") else Path(key).read_text()
    return Vapid.from_pem(pem.encode())


def send(*, subscription: dict, payload: dict, topic: str, urgent: bool) -> str:
    """Send one push; ``topic`` makes a later push with the same topic replace this one if the
    device has not got it yet (and a copy sent again after a crash replace the first)."""
    try:
        response = webpush(subscription, json.dumps(payload), vapid_private_key=_signer(settings.VAPID_PRIVATE_KEY),
                           vapid_claims={"sub": settings.VAPID_SUBJECT}, ttl=TTL_SECONDS, timeout=10,
                           headers={"Topic": topic, "Urgency": "high" if urgent else "normal"})
    except WebPushException as exc:
        status = exc.response.status_code if exc.response is not None else 0
        if status in (404, 410):  # the browser dropped the subscription
            raise Gone(f"push subscription gone ({status})") from exc
        if status and 400 <= status < 500 and status != 429:
            raise Refused(f"push refused ({status})") from exc
        raise Retry(f"push failed ({status or 'no answer'})") from exc
    except (requests.RequestException, OSError, ValueError) as exc:
        raise Retry(f"push: {exc.__class__.__name__}") from exc
    return response.headers.get("Location", "") or str(response.status_code)


class Gone(Refused):
    """The subscription no longer exists: forget it."""
