"""Absolute links for QR codes and personal links."""

from django.conf import settings


def absolute_url(request, path: str) -> str:
    """SITE_URL when set (behind a proxy the request's own host may be internal), else the
    address the request came in on."""
    if settings.SITE_URL:
        return settings.SITE_URL.rstrip("/") + path
    return request.build_absolute_uri(path)
