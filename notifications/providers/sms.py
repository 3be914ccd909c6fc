"""Text messages, through the backend SMS_BACKEND names, in the manner of Django's email
backends: ``console`` prints them (make run), ``locmem`` keeps them in ``outbox`` (tests),
``twilio`` sends them with Twilio's REST API, ``""`` turns text messages off."""

import itertools
import logging
import sys
from functools import cache

from django.conf import settings

from . import Refused, Retry

log = logging.getLogger("notifications.sms")

outbox: list[dict] = []  # what the locmem backend "sent"
_ids = itertools.count(1)


def enabled() -> bool:
    return bool(settings.SMS_BACKEND)


def send(*, to: str, body: str, status_callback: str = "") -> str:
    """Send ``body`` to ``to`` (E.164); returns the provider's message id."""
    return backend()(to=to, body=body, status_callback=status_callback)


def backend():
    name = settings.SMS_BACKEND
    if name == "console":
        return _console
    if name == "locmem":
        return _locmem
    if name == "twilio":
        return _twilio_client(settings.TWILIO_ACCOUNT_SID, settings.TWILIO_AUTH_TOKEN, settings.TWILIO_BASE_URL).send
    raise Refused(f"no SMS backend ({name!r})")


def _console(*, to: str, body: str, status_callback: str = "") -> str:
    sys.stdout.write(f"[sms to {to}] {body}\n")
    sys.stdout.flush()
    return f"console-{next(_ids)}"


def _locmem(*, to: str, body: str, status_callback: str = "") -> str:
    sid = f"locmem-{next(_ids)}"
    outbox.append({"to": to, "body": body, "sid": sid, "status_callback": status_callback})
    return sid


@cache
def _twilio_client(account: str, token: str, base_url: str):
    return TwilioSender(account, token, base_url)


class TwilioSender:
    """Twilio's Programmable Messaging through the ``twilio`` package."""

    # Twilio's errors that no retry will fix: an invalid or unreachable number, one that
    # replied STOP, a message Twilio will not carry.
    PERMANENT = {21211, 21408, 21610, 21612, 21614, 30003, 30004, 30005, 30006, 30007}

    def __init__(self, account: str, token: str, base_url: str) -> None:
        from twilio.http.http_client import TwilioHttpClient
        from twilio.rest import Client

        base = base_url.rstrip("/")

        class BaseUrlClient(TwilioHttpClient):
            """Twilio's own HTTP client, sending to TWILIO_BASE_URL instead of api.twilio.com."""

            def request(self, method, url, *args, **kwargs):
                if base and url.startswith("https://api.twilio.com"):
                    url = base + url[len("https://api.twilio.com"):]
                return super().request(method, url, *args, **kwargs)

        self.client = Client(account, token, http_client=BaseUrlClient(timeout=10))

    def send(self, *, to: str, body: str, status_callback: str = "") -> str:
        from twilio.base.exceptions import TwilioException, TwilioRestException

        sender = settings.TWILIO_FROM
        options = {"messaging_service_sid": sender} if sender.startswith("MG") else {"from_": sender}
        if status_callback:
            options["status_callback"] = status_callback
        try:
            return self.client.messages.create(to=to, body=body, **options).sid
        except TwilioRestException as exc:
            if exc.code in self.PERMANENT or (400 <= exc.status < 500 and exc.status != 429):
                raise Refused(f"twilio {exc.status} {exc.code}: {exc.msg}") from exc
            raise Retry(f"twilio {exc.status} {exc.code}") from exc
        except (TwilioException, OSError) as exc:  # connection refused, timeout, a broken answer
            raise Retry(f"twilio: {exc.__class__.__name__}") from exc
