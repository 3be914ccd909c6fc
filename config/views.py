"""Project-wide views: health check and friendly error pages."""

import sys

from django.db import connection
from django.http import HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from waitlist.redis_client import get_redis

from .middleware import is_outage


@require_GET
def home(request):
    """Staff see the dashboards they may open; anyone else is pointed to the QR code."""
    restaurants = []
    if request.user.is_authenticated:
        from restaurants.models import Restaurant

        restaurants = Restaurant.objects.all() if request.user.is_superuser else \
            Restaurant.objects.filter(staff__user=request.user)
    return render(request, "home.html", {"restaurants": restaurants})


def unavailable(request):
    """503 page; a small fragment for htmx requests so the page shows it in place; JSON for
    JSON clients."""
    if "application/json" in request.headers.get("Accept", ""):
        response = JsonResponse({"error": "unavailable", "detail": "The waitlist is briefly unavailable. "
                                 "Please try again in a few seconds."}, status=503)
    else:
        template = "errors/503_fragment.html" if getattr(request, "htmx", False) else "errors/503.html"
        response = render(request, template, status=503)
    response["Retry-After"] = "5"
    return response


def server_error(request):
    exc = sys.exc_info()[1]
    if exc is not None and is_outage(exc):
        return unavailable(request)
    return render(request, "errors/500.html", status=500)


@require_POST
def bare_post(request):
    """The baseline of the join benchmark: a POST through the same server and middleware
    (CSRF check included, as for any Django POST view) that does nothing else. Only served
    with BENCHMARK_ENDPOINTS on."""
    return HttpResponse("ok")


@require_GET
@never_cache
def healthz(request):
    """Each dependency's state; 503 when any is down, so a load balancer takes us out."""
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
    healthy = all(value == "ok" for value in checks.values())
    return JsonResponse({"status": "ok" if healthy else "degraded", **checks}, status=200 if healthy else 503)
