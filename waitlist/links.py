"""Absolute links for QR codes, personal links and the messages sent to diners."""

import os

from django.conf import settings

# For /healthz (monitoring reads English); the poster says it in the host's language.
SITE_URL_UNSET = "SITE_URL is not set: QR codes and links use the address each request came in on"


def site_url_unset_in_production() -> bool:
    """Behind a proxy the address a request came in on may be an internal one (127.0.0.1):
    in production the poster's QR code and the links sent to diners need SITE_URL."""
    return not settings.SITE_URL and not settings.DEBUG


def absolute_url(request, path: str) -> str:
    """SITE_URL when set (behind a proxy the request's own host may be internal), else the
    address the request came in on."""
    if settings.SITE_URL:
        return settings.SITE_URL.rstrip("/") + path
    return request.build_absolute_uri(path)


def site_url(path: str) -> str:
    """For messages sent outside a request: SITE_URL, else the address ``make run`` serves."""
    base = settings.SITE_URL or f"http://localhost:{os.getenv('PORT', '8000')}"
    return base.rstrip("/") + path
