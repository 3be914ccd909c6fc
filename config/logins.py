"""Sign-ins that cannot be ground down (django-axes on every login form: the host login and
Django admin's, README "Security").

A user and address pair is locked out after LOGIN_FAILURE_LIMIT wrong passwords until
LOGIN_COOLOFF_MINUTES after the last one. A locked-out attempt is refused by axes'
backend before Django's own backend runs, so it costs a database read, never a password
hash: a client hammering the form cannot make the server burn CPU for it.

Django hashes even for a username that does not exist (so that timing does not tell which
do), so a client trying new usernames would make the server hash for each one; an address
is therefore also locked after LOGIN_ADDRESS_FAILURE_LIMIT failures of any usernames.
"""

from axes.attempts import get_cool_off_threshold
from axes.handlers.database import AxesDatabaseHandler
from axes.models import AccessAttempt
from django.conf import settings
from django.db.models import Sum
from django.http import JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _


class LoginAttempts(AxesDatabaseHandler):
    """axes' database handler (its records are in admin), with the per-address ceiling."""

    def is_locked(self, request, credentials=None) -> bool:
        return super().is_locked(request, credentials) or self.address_failures(request) >= \
            settings.LOGIN_ADDRESS_FAILURE_LIMIT

    @staticmethod
    def address_failures(request) -> int:
        attempts = AccessAttempt.objects.filter(ip_address=request.axes_ip_address,
                                                attempt_time__gte=get_cool_off_threshold(request))
        return attempts.aggregate(total=Sum("failures_since_start"))["total"] or 0


def locked_out(request, original_response=None, credentials=None):
    """The answer to a locked-out sign-in (AXES_LOCKOUT_CALLABLE): 429 with Retry-After; JSON
    for JSON clients."""
    minutes = max(1, round(settings.AXES_COOLOFF_TIME.total_seconds() / 60))
    detail = _("Too many failed sign-ins. Please wait %(minutes)s minutes and try again.") % {"minutes": minutes}
    if "application/json" in request.headers.get("Accept", ""):
        response = JsonResponse({"error": "locked_out", "detail": detail}, status=429)
    else:
        response = render(request, "registration/locked_out.html", {"detail": detail}, status=429)
    response["Retry-After"] = str(int(settings.AXES_COOLOFF_TIME.total_seconds()))
    return response
