"""Template context for every page."""

from urllib.parse import urlsplit

from django.utils.http import url_has_allowed_host_and_scheme

from waitlist.clock import now_ms


def server_clock(request):
    """The server's time on each full page, so countdowns tick on the server's clock even
    when the phone's clock is off. Fragments pushed later do not carry it (they would
    differ on every push and defeat the stream's "send only what changed")."""
    return {"server_now_ms": now_ms()}


def language_next(request):
    """Where the language buttons return to: this page, or, on the answer to a form (a POST
    address a browser cannot open again), the page the form was sent from."""
    if request.method in ("GET", "HEAD"):
        return {"language_next": request.get_full_path()}
    referer = request.META.get("HTTP_REFERER", "")
    safe = url_has_allowed_host_and_scheme(referer, allowed_hosts={request.get_host()},
                                           require_https=request.is_secure())
    return {"language_next": urlsplit(referer)._replace(scheme="", netloc="").geturl() if safe and referer else "/"}
