"""The diner's channels and answers, the notification's buttons, and the service worker.

Under /waitlist/<slug>/notify/ (the party is this browser's, from its session, as on every
diner page): turn text, email or push on or off, and say how far away they are. Each is a
plain form POST answered by a redirect back to the status page (or, with htmx, the card
again), so it works with JavaScript off. ``act`` is what a push notification's buttons
post from the service worker, which has no page and so no CSRF token: it proves itself with
a credential only the message to that party carried.
"""

import hmac
import json

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.http import HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST, require_safe

from waitlist import contacts, diners, queue
from waitlist.errors import UnknownParty, WaitlistError
from waitlist.forms import clean_phone
from waitlist.presenters import ETA_CHOICES, channels_context
from waitlist.views import restaurant_or_404, status_page

from .delivery import action_credential

SUBSCRIPTION_MAX = 4096


def _party_or_404(request, restaurant):
    party = diners.current_party(request, restaurant)
    if party is None or not party.is_active:
        raise UnknownParty()
    return party


def _answer(request, restaurant, *, error: str = "", field: str = "", status: int = 200):
    """The card again for htmx and fetch (error inline), else back to the status page."""
    party = diners.current_party(request, restaurant)
    if request.htmx or request.headers.get("Accept", "").startswith("application/json"):
        if "application/json" in request.headers.get("Accept", ""):
            return JsonResponse({"channels": party.channels if party else "", "error": error},
                                status=status if error else 200)
        context = channels_context(restaurant, party, error=error, field=field)
        return render(request, "notifications/_channels.html", context, status=status if error else 200)
    if error:
        return status_page(request, restaurant, party, channel_error=error, channel_field=field, status=status)
    return HttpResponseRedirect(reverse("waitlist:page", args=[restaurant.slug]), status=303)


def _act(request, slug, action):
    restaurant = restaurant_or_404(slug)
    try:
        party = _party_or_404(request, restaurant)
    except UnknownParty:
        if "application/json" in request.headers.get("Accept", ""):
            return JsonResponse({"error": str(UnknownParty.message)}, status=404)
        return render(request, "waitlist/no_party.html", {"restaurant": restaurant}, status=404)
    try:
        error = action(restaurant, party)
    except WaitlistError as exc:
        return _answer(request, restaurant, error=str(exc.message), status=exc.status)
    if error:
        return _answer(request, restaurant, error=error[1], field=error[0], status=400)
    return _answer(request, restaurant)


@require_POST
def phone(request, slug):
    def action(restaurant, party):
        try:
            number = clean_phone(request.POST.get("phone", ""), restaurant.country)
        except ValidationError as exc:
            return "phone", exc.messages[0]
        if not number:
            return "phone", _("Please enter your mobile number.")
        contacts.add_phone(restaurant=restaurant, party_id=party.id, phone=number)
        return None

    return _act(request, slug, action)


@require_POST
def email(request, slug):
    def action(restaurant, party):
        address = (request.POST.get("email") or "").strip()
        try:
            validate_email(address)
        except ValidationError:
            return "email", _("Please enter an email address like name@example.com.")
        contacts.add_email(restaurant=restaurant, party_id=party.id, email=address[:254])
        return None

    return _act(request, slug, action)


@require_POST
def push(request, slug):
    """The browser's PushSubscription, as JSON (posted by static/js/push.js)."""
    def action(restaurant, party):
        try:
            subscription = json.loads(request.body[:SUBSCRIPTION_MAX] or b"{}")
            endpoint = subscription["endpoint"]
            keys = subscription["keys"]
            if not (endpoint.startswith(("https://", "http://")) and keys["p256dh"] and keys["auth"]):
                raise ValueError
        except (ValueError, KeyError, TypeError, AttributeError):
            return "push", _("This browser sent a subscription we cannot use.")
        clean = json.dumps({"endpoint": endpoint, "keys": {"p256dh": keys["p256dh"], "auth": keys["auth"]}})
        contacts.add_push(restaurant=restaurant, party_id=party.id, subscription=clean, endpoint=endpoint)
        return None

    return _act(request, slug, action)


@require_POST
def stop(request, slug):
    """Turn one channel off ("s", "e", "p" with the endpoint), or every one ("all")."""
    def action(restaurant, party):
        channel = request.POST.get("channel", "all")
        if channel not in (contacts.TEXT, contacts.EMAIL, contacts.PUSH, "all"):
            return "channel", _("Choose what to stop.")
        if channel == contacts.TEXT and party.phone_last4:
            found = contacts.contacts(restaurant_id=restaurant.id, party_id=party.id).phone
            if found:
                contacts.forget_phone(found)
        contacts.remove(restaurant=restaurant, party_id=party.id, channel=None if channel == "all" else channel,
                        endpoint=request.POST.get("endpoint", ""))
        return None

    return _act(request, slug, action)


@require_POST
def eta(request, slug):
    """How far away the diner is: "0" on my way, or minutes."""
    def action(restaurant, party):
        try:
            minutes = int(request.POST.get("minutes", ""))
        except ValueError:
            minutes = -1
        if minutes != 0 and minutes not in ETA_CHOICES:
            return "minutes", _("Choose how far away you are.")
        contacts.say_eta(restaurant=restaurant, party_id=party.id, minutes=minutes)
        return None

    return _act(request, slug, action)


@csrf_exempt
@require_POST
def act(request, slug):
    """A push notification's button: {"party", "credential", "action": "on-my-way"|"leave"}."""
    restaurant = restaurant_or_404(slug)
    try:
        body = json.loads(request.body[:1024] or b"{}")
        party = queue.status(restaurant=restaurant, party_id=int(body["party"]))
        given, action = str(body["credential"]), body["action"]
    except (ValueError, KeyError, TypeError, UnknownParty):
        return JsonResponse({"error": "unknown"}, status=404)
    if not hmac.compare_digest(given, action_credential(restaurant.id, party)):
        return JsonResponse({"error": "forbidden"}, status=403)
    try:
        if action == "on-my-way":
            contacts.say_eta(restaurant=restaurant, party_id=party.id, minutes=0)
        elif action == "leave":
            queue.leave(restaurant=restaurant, party_id=party.id)
        else:
            return JsonResponse({"error": "unknown action"}, status=400)
    except WaitlistError as exc:
        return JsonResponse({"error": str(exc.message)}, status=exc.status)
    return JsonResponse({"ok": True})


@require_safe
def service_worker(request):
    """Served from the root so that it may control every diner page."""
    response = HttpResponse(render_to_string("notifications/sw.js"), content_type="text/javascript")
    response["Service-Worker-Allowed"] = "/"
    response["Cache-Control"] = "no-cache"
    return response


@require_safe
@never_cache
def manifest(request, slug):
    """Lets a diner add the restaurant's page to the home screen (where iOS allows push)."""
    restaurant = restaurant_or_404(slug)
    page = reverse("waitlist:page", args=[restaurant.slug])
    body = {"name": restaurant.name, "short_name": restaurant.name[:12], "start_url": page, "scope": page,
            "display": "standalone", "background_color": "#ffffff", "theme_color": "#0b6e4f",
            "icons": [{"src": settings.STATIC_URL + "favicon.svg", "sizes": "any", "type": "image/svg+xml"}]}
    return JsonResponse(body, content_type="application/manifest+json")
