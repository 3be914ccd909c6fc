"""Email through Django's backend (EMAIL_BACKEND: console for make run, locmem in tests,
SMTP or an Anymail backend in production): a text and an HTML part."""

import smtplib

from django.conf import settings
from django.core.mail import EmailMultiAlternatives

from . import Refused, Retry


def send(*, to: str, subject: str, text: str, html: str, message_id: str) -> str:
    """Send it; returns the Message-ID, the same for the same outbox message, so that a
    copy sent again after a crash is seen by mail programs as the same mail."""
    mail = EmailMultiAlternatives(subject=subject, body=text, from_email=settings.DEFAULT_FROM_EMAIL, to=[to],
                                  headers={"Message-ID": message_id})
    mail.attach_alternative(html, "text/html")
    try:
        mail.send()
    except smtplib.SMTPRecipientsRefused as exc:
        raise Refused(f"smtp refused {to!r}") from exc
    except (smtplib.SMTPException, OSError) as exc:
        raise Retry(f"smtp: {exc.__class__.__name__}") from exc
    return message_id
