"""The host's floor dashboard, its live stream, its one-click actions and the door poster.

Only staff of the restaurant (or a superuser) get in. Actions are form POSTs: with htmx
they answer a small message fragment (the dashboard itself updates from the stream, on
every open screen at once); without JavaScript they redirect back with a message.
"""

import unicodedata
import uuid

from asgiref.sync import sync_to_async
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponseRedirect
from django.middleware.csrf import get_token
from django.shortcuts import render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST
from django_htmx.http import reswap, retarget

from config.links import absolute_url
from restaurants import lookup
from restaurants.layout import layout_for
from restaurants.models import Restaurant, StaffMembership
from waitlist import live, queue
from waitlist.errors import BadInput, HoldExpired, NotReady, WaitlistError
from waitlist.events import host_channel
from waitlist.forms import JoinForm
from waitlist.presenters import render_notice
from waitlist.stream import Plan

from . import services
from .dashboard import dashboard_context, render_fragments


def can_host(user, restaurant: Restaurant) -> bool:
    return user.is_active and (
        user.is_superuser or StaffMembership.objects.filter(user=user, restaurant=restaurant).exists())


def staff_restaurant(request, slug) -> Restaurant:
    restaurant = lookup.by_slug(slug)
    if restaurant is None:
        raise Http404
    if not can_host(request.user, restaurant):
        raise PermissionDenied
    return restaurant


@login_required
@require_GET
def dashboard(request, slug):
    restaurant = staff_restaurant(request, slug)
    view = _current_view(restaurant)
    context = dashboard_context(restaurant=restaurant, view=view, csrf_token=get_token(request))
    context["walk_in"] = _walk_in_form(restaurant)
    return render(request, "seating/dashboard.html", context)


def _current_view(restaurant):
    """The shared view, at least as new as the live queue now (a change made since it was
    built, here or in another process, must show on this page)."""
    return live.view(restaurant, min_version=queue.version(restaurant_id=restaurant.id))


def _walk_in_form(restaurant, data=None):
    return JoinForm(data, restaurant=restaurant, preferences=layout_for(restaurant).preferences,
                    initial=None if data else {"request_id": uuid.uuid4().hex, "size": 2}, prefix="walkin")


def stream_plan(request, slug) -> Plan:
    """The dashboard's fragments as SSE, on the staff-only channel. (Served by
    config/asgi.py without a thread per stream; ``events`` serves the same through Django.)"""
    restaurant = staff_restaurant(request, slug)
    csrf_token = get_token(request)

    def render_fn(view):
        return render_fragments(restaurant=restaurant, view=view, csrf_token=csrf_token)

    return Plan(restaurant=restaurant, channel=host_channel(restaurant.id), render=render_fn)


@login_required
@require_GET
async def events(request, slug):
    return (await sync_to_async(stream_plan)(request, slug)).response()


def _done(request, restaurant, message, *, status=200, error=False):
    if request.htmx:
        return render(request, "seating/_toast.html", {"message": message, "error": error}, status=status)
    (messages.error if error else messages.success)(request, message)
    return HttpResponseRedirect(reverse("seating:dashboard", args=[restaurant.slug]), status=303)


def _int_field(request, name):
    try:
        return int(request.POST[name])
    except (KeyError, ValueError):
        raise BadInput(_("Choose a party and a table first.")) from None


# Errors whose own message speaks to the diner ("Your table ..."): what the host reads instead.
HOST_MESSAGES = {
    NotReady: gettext_lazy("That party has no table held for it right now."),
    HoldExpired: gettext_lazy("That party's hold has expired. Extend it (+5 min) to check them in, "
                              "or mark a no-show."),
}


def _act(request, slug, action):
    """Run one host action and report it. ``action(restaurant)`` returns the message."""
    restaurant = staff_restaurant(request, slug)
    try:
        message = action(restaurant)
    except WaitlistError as exc:
        return _done(request, restaurant, str(HOST_MESSAGES.get(type(exc), exc.message)),
                     status=exc.status if exc.status != 410 else 409, error=True)
    return _done(request, restaurant, message)


def _table_id(request, restaurant):
    table_id = _int_field(request, "table")
    if layout_for(restaurant).unit(table_id) is None:
        raise WaitlistError(_("That table is not in this restaurant."))
    return table_id


@login_required
@require_POST
def seat_next(request, slug):
    def action(restaurant):
        change = services.seat_next(restaurant=restaurant)
        party = queue.status(restaurant=restaurant, party_id=change.party_id)
        return _("Offered %(tables)s to %(name)s.") % {"tables": layout_for(restaurant).labels(change.table_ids),
                                                        "name": party.name}

    return _act(request, slug, action)


@login_required
@require_POST
def offer(request, slug):
    def action(restaurant):
        change = services.offer_table(restaurant=restaurant, party_id=_int_field(request, "party"),
                                      table_id=_table_id(request, restaurant))
        return _("Offered %(tables)s.") % {"tables": layout_for(restaurant).labels(change.table_ids)}

    return _act(request, slug, action)


@login_required
@require_POST
def walk_in(request, slug):
    restaurant = staff_restaurant(request, slug)
    form = _walk_in_form(restaurant, request.POST)
    if not form.is_valid():
        if request.htmx:
            # The form's own hx-target is the toast: put the form with its errors in its place.
            response = render(request, "seating/_walk_in.html", {"walk_in": form, "restaurant": restaurant},
                              status=400)
            return reswap(retarget(response, "#walk-in-form"), "outerHTML")
        view = _current_view(restaurant)
        context = dashboard_context(restaurant=restaurant, view=view, csrf_token=get_token(request))
        context["walk_in"] = form
        return render(request, "seating/dashboard.html", context, status=400)

    def action(restaurant):
        data = form.cleaned_data
        request_id = data["request_id"] or uuid.uuid4().hex
        queue.join(restaurant=restaurant, name=data["name"], size=data["size"], preference=data["preference"],
                   diner=f"walkin:{request_id}", request_id=request_id, source="walkin")
        services.after_change(restaurant=restaurant)
        return _("Added %(name)s, party of %(size)s.") % {"name": data["name"], "size": data["size"]}

    response = _act(request, slug, action)
    if request.htmx and response.status_code == 200:
        # The form stays on screen: swap in a fresh one (new request id) for the next walk-in,
        # or the next party typed into it would repeat this request and not be added.
        response.write(render_to_string("seating/_walk_in.html", {
            "walk_in": _walk_in_form(restaurant), "restaurant": restaurant, "oob": True}, request=request))
    return response


# action: (what it does, what the host is told, whether it may free a table)
PARTY_ACTIONS = {
    "notify": (lambda r, pid: queue.notify_again(restaurant=r, party_id=pid),
               gettext_lazy("Notified again."), False),
    "extend": (lambda r, pid: queue.notify_again(restaurant=r, party_id=pid, extend_minutes=5),
               gettext_lazy("Hold extended by 5 minutes."), False),
    "checkin": (lambda r, pid: queue.check_in(restaurant=r, party_id=pid),
                gettext_lazy("Checked in and seated."), False),
    "complete": (lambda r, pid: queue.complete(restaurant=r, party_id=pid),
                 gettext_lazy("Table sent to cleaning."), False),
    "no-show": (lambda r, pid: queue.leave(restaurant=r, party_id=pid, state="expired", reason="no_show"),
                gettext_lazy("Marked as a no-show."), True),
    "remove": (lambda r, pid: queue.leave(restaurant=r, party_id=pid, reason="removed"),
               gettext_lazy("Removed from the waitlist."), True),
}


@login_required
@require_POST
def party_action(request, slug, action):
    if action not in PARTY_ACTIONS:
        raise Http404
    run, message, frees = PARTY_ACTIONS[action]

    def act(restaurant):
        run(restaurant, _int_field(request, "party"))
        services.after_change(restaurant=restaurant, freed=frees)
        return str(message)

    return _act(request, slug, act)


@login_required
@require_POST
def table_action(request, slug, action):
    def act(restaurant):
        table_id = _table_id(request, restaurant)
        if action == "ready":
            queue.table_ready(restaurant=restaurant, table_id=table_id)
            services.after_change(restaurant=restaurant)
            return _("Table is ready.")
        if action == "clear":
            state = queue.snapshot(restaurant=restaurant).table(table_id)
            if state.state == "occupied" and state.party_id is not None:
                queue.complete(restaurant=restaurant, party_id=state.party_id)
            else:
                queue.clear_table(restaurant=restaurant, table_id=table_id)
            return _("Table sent to cleaning.")
        raise Http404

    return _act(request, slug, act)


ANNOUNCEMENT_MAX = 200


@login_required
@require_POST
def announce(request, slug):
    """A message to everyone following the restaurant; an empty message clears it."""
    def action(restaurant):
        text = " ".join((request.POST.get("message") or "").split())
        if len(text) > ANNOUNCEMENT_MAX:
            raise BadInput(_("Keep the message to %(max)s characters.") % {"max": ANNOUNCEMENT_MAX})
        if any(unicodedata.category(ch) in ("Cc", "Cf") for ch in text):
            raise BadInput(_("The message can only contain letters, numbers, spaces and punctuation."))
        queue.announce(restaurant=restaurant, text=text, html=render_notice(text))
        return _("Message sent to every diner.") if text else _("Message cleared.")

    return _act(request, slug, action)


@login_required
@require_GET
def poster(request, slug):
    import segno

    restaurant = staff_restaurant(request, slug)
    url = absolute_url(request, reverse("waitlist:page", args=[restaurant.slug]))
    qr = segno.make(url, error="q").svg_inline(scale=12, title=_("Join the waitlist"))
    return render(request, "seating/poster.html", {"restaurant": restaurant, "url": url, "qr_svg": qr})
