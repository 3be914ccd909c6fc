"""Project-wide views: health check and friendly error pages."""

import sys

from django.conf import settings
from django.core.exceptions import BadRequest
from django.db import connection
from django.http import HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST, require_safe

from waitlist import heartbeats, links
from waitlist.redis_client import get_redis

from .middleware import is_outage

# What the error pages say (templates/404.html and friends), in HTML or JSON.
NOT_FOUND = _("There is nothing at this address. Check the link you were given.")
FORBIDDEN = _("You do not have access to this page.")
CSRF_FAILED = _("This form could not be checked (it may have been open too long, or cookies are blocked). "
                "Go back, reload the page and submit it again.")
SERVER_ERROR = _("Sorry, that did not work. Please go back and try again.")


@require_safe
def home(request):
    """Staff see the dashboards they may open; anyone else is pointed to the QR code."""
    restaurants = []
    if request.user.is_authenticated:
        from restaurants.models import Restaurant

        restaurants = Restaurant.objects.all() if request.user.is_superuser else \
            Restaurant.objects.filter(staff__user=request.user)
    return render(request, "home.html", {"restaurants": restaurants})


def wants_json(request) -> bool:
    return "application/json" in request.headers.get("Accept", "")


def unavailable(request):
    """503 page; a small fragment for htmx requests so the page shows it in place; JSON for
    JSON clients."""
    if wants_json(request):
        response = JsonResponse({"error": "unavailable", "detail": "The waitlist is briefly unavailable. "
                                 "Please try again in a few seconds."}, status=503)
    else:
        template = "errors/503_fragment.html" if getattr(request, "htmx", False) else "errors/503.html"
        response = render(request, template, status=503)
    response["Retry-After"] = "5"
    return response


def bad_request(request, exception=None):
    """400, saying what was wrong when Django says it in words meant for the sender (a form
    body not sent as UTF-8, say); JSON for JSON clients."""
    detail = str(exception) if type(exception) is BadRequest else ""
    if wants_json(request):
        return JsonResponse({"error": "bad_request", "detail": detail}, status=400)
    return render(request, "400.html", {"detail": detail}, status=400)


def page_not_found(request, exception=None):
    """404, with the message a view gave (an expired personal link, say); JSON for JSON
    clients. An address no route matches says so in plain words, not as Django's
    Resolver404."""
    message = exception.args[0] if exception is not None and exception.args else None
    detail = str(message) if isinstance(message, str | Promise) else ""
    detail = detail or str(NOT_FOUND)
    if wants_json(request):
        return JsonResponse({"error": "not_found", "detail": detail}, status=404)
    return render(request, "404.html", {"detail": detail}, status=404)


def permission_denied(request, exception=None):
    if wants_json(request):
        return JsonResponse({"error": "forbidden", "detail": str(FORBIDDEN)}, status=403)
    return render(request, "403.html", {"detail": FORBIDDEN}, status=403)


def csrf_failure(request, reason=""):
    """CSRF_FAILURE_VIEW: the form's check failed (stale page, blocked cookies)."""
    if wants_json(request):
        return JsonResponse({"error": "csrf_failed", "detail": str(CSRF_FAILED)}, status=403)
    return render(request, "403_csrf.html", {"detail": CSRF_FAILED}, status=403)


def server_error(request):
    exc = sys.exc_info()[1]
    if exc is not None and is_outage(exc):
        return unavailable(request)
    if wants_json(request):
        return JsonResponse({"error": "server_error", "detail": str(SERVER_ERROR)}, status=500)
    return render(request, "errors/500.html", {"detail": SERVER_ERROR}, status=500)


@require_POST
def bare_post(request):
    """The baseline of the join benchmark: a POST through the same server and middleware
    (CSRF check included, as for any Django POST view) that does nothing else. Only served
    with BENCHMARK_ENDPOINTS on."""
    return HttpResponse("ok")


def _dependencies() -> dict[str, str]:
    checks = {}
    try:
        checks["redis"] = "ok" if get_redis().ping() else "down"
    except Exception as exc:  # any failure to answer means down, whatever its type
        checks["redis"] = f"down: {exc.__class__.__name__}"
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        checks["database"] = "ok"
    except Exception as exc:
        checks["database"] = f"down: {exc.__class__.__name__}"
    return checks


def _workers() -> dict[str, str]:
    checks = {}
    try:
        for name, age in heartbeats.ages_seconds().items():
            if age is None:
                checks[name] = "down: never seen"
            elif age > settings.WORKER_STALE_SECONDS:
                checks[name] = f"down: last seen {age:.0f}s ago"
            else:
                checks[name] = f"ok: {age:.1f}s ago"
    except Exception as exc:  # Redis away: the dependencies' check says so
        checks = {name: f"unknown: {exc.__class__.__name__}" for name in heartbeats.WORKERS}
    return checks


def _health(checks: dict[str, str], **extra) -> JsonResponse:
    healthy = all(value.startswith("ok") for value in checks.values())
    return JsonResponse({"status": "ok" if healthy else "degraded", **checks, **extra},
                        status=200 if healthy else 503)


def _warnings() -> list[str]:
    """What works but should be fixed: it never changes the status."""
    return [links.SITE_URL_UNSET] if links.site_url_unset_in_production() else []


@require_safe
@never_cache
def healthz(request):
    """The whole system: this server's dependencies and the workers' last pass (a stale
    timer worker means holds never expire); 503 when any is down. For monitoring, with the
    configuration's warnings (SITE_URL unset in production), which leave the status as it is."""
    return _health({**_dependencies(), **_workers()}, warnings=_warnings())


@require_safe
@never_cache
def healthz_web(request):
    """This web server and what it needs to answer pages: for a load balancer, which should
    not take every web server out because a worker is down."""
    return _health(_dependencies())
