"""The host's floor dashboard, its live stream, its one-click actions and the door poster.

Only staff of the restaurant (or a superuser) get in. Actions are form POSTs: with htmx
they answer a small message fragment (the dashboard itself updates from the stream, on
every open screen at once); without JavaScript they redirect back with a message.
"""
import copy
import unicodedata
import uuid
from importlib import import_module

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import get_user
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponseRedirect
from django.middleware.csrf import get_token
from django.shortcuts import render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe
from django_htmx.http import reswap, retarget

from domain.values import TABLE_OCCUPIED
from restaurants import caches
from restaurants.models import Restaurant, StaffMembership, StaffRole
from waitlist import contacts, links, live_view, once, queue
from waitlist.errors import BadInput, HoldExpired, NotReady, WaitlistError
from waitlist.events import host_channel
from waitlist.forms import JoinForm
from waitlist.links import absolute_url
from waitlist.presenters import render_notice
from waitlist.stream import Plan, StreamResponse

from . import services
from .dashboard import dashboard_context, render_fragments


def can_host(user, restaurant: Restaurant) -> bool:
    return user.is_active and (
        user.is_superuser or StaffMembership.objects.filter(user=user, restaurant=restaurant).exists())


def can_manage(user, restaurant: Restaurant) -> bool:
    """Managers (and superusers) may also change the restaurant's policies from the floor."""
    return user.is_active and (user.is_superuser or StaffMembership.objects.filter(
        user=user, restaurant=restaurant, role=StaffRole.MANAGER).exists())


def staff_restaurant(request, slug) -> Restaurant:
    restaurant = caches.restaurant(slug)
    if restaurant is None:
        raise Http404
    if not can_host(request.user, restaurant):
        raise PermissionDenied
    return restaurant


@login_required
@require_safe
def dashboard(request, slug):
    restaurant = staff_restaurant(request, slug)
    view = _current_view(restaurant)
    context = dashboard_context(restaurant=restaurant, view=view, csrf_token=get_token(request))
    context["walk_in"] = _walk_in_form(restaurant)
    context["can_manage"] = can_manage(request.user, restaurant)
    return render(request, "seating/dashboard.html", context)


def _current_view(restaurant):
    """The shared view, at least as new as the live queue now (a change made since it was
    built, here or in another process, must show on this page)."""
    return live_view.view(restaurant, min_version=queue.version(restaurant_id=restaurant.id))


def _walk_in_form(restaurant, data=None):
    form = JoinForm(data, restaurant=restaurant, preferences=caches.layout(restaurant).preferences,
                    initial=None if data else {"request_id": uuid.uuid4().hex, "size": 2}, prefix="walkin")
    # Said to the host about the party in front of them, not Django's "This field is required."
    # A copy of the field: JoinForm's fields are shared by every form (the diner's too).
    field = copy.copy(form.fields["preference"])
    field.error_messages = {**field.error_messages, "required": _("Choose where the party would like to sit.")}
    form.fields["preference"] = field
    return form


@login_required
@require_safe
def events(request, slug):
    """The dashboard's fragments as SSE, on the staff-only channel. The stream asks every
    few seconds whether this browser may still host here, and ends when it may not. (The
    stream itself is served on the event loop: waitlist/stream.py.)"""
    restaurant = staff_restaurant(request, slug)
    csrf_token = get_token(request)

    manages = can_manage(request.user, restaurant)

    def render_fn(view):
        # The view's row: closing or opening saves it and publishes, and the view is rebuilt from it.
        return render_fragments(restaurant=view.restaurant, view=view, csrf_token=csrf_token, can_manage=manages)

    return StreamResponse(Plan(restaurant=restaurant, channel=host_channel(restaurant.id), render=render_fn,
                               language=get_language(),
                               still_allowed=_still_hosting(request.session.session_key, restaurant),
                               recheck_seconds=settings.STAFF_STREAM_RECHECK_SECONDS))


def _still_hosting(session_key: str, restaurant: Restaurant):
    """Is the browser with this session still signed in as someone who may host here? A
    logout ends the session, a password change its hash, a removed membership or a
    deactivated account the rights; Django's own ``get_user`` and ``can_host`` decide."""
    session_store = import_module(settings.SESSION_ENGINE).SessionStore

    def check() -> bool:
        probe = HttpRequest()
        probe.session = session_store(session_key)
        user = get_user(probe)
        if not user.is_authenticated:
            # Django's cache sessions read a store they cannot reach as an empty session:
            # ask again, so that an outage raises (the stream waits) instead of signing out.
            probe.session.exists(session_key)
        return can_host(user, restaurant)

    return check


def htmx_status(status: int) -> int:
    """A form to correct answers htmx with 422, its convention: django-htmx's debug script
    (DEBUG on) replaces the whole document with a 400 answer, which would end the live stream."""
    return 422 if status == 400 else status


def _done(request, restaurant, message, *, status=200, error=False):
    if request.htmx:
        return render(request, "seating/_toast.html", {"message": message, "error": error},
                      status=htmx_status(status))
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
    answer = run_action(request, restaurant, action)
    return _done(request, restaurant, answer["message"], status=answer["status"], error=answer["error"])


def run_action(request, restaurant, action) -> dict:
    """Run ``action(restaurant)``: {message, status, error}. A form posted twice with the same
    version of the floor (a double click) is acted on once and gets the first answer again."""
    def work():
        try:
            return {"message": str(action(restaurant)), "status": 200, "error": False}
        except WaitlistError as exc:
            return {"message": str(HOST_MESSAGES.get(type(exc), exc.message)),
                    "status": exc.status if exc.status != 410 else 409, "error": True}

    seen = request.POST.get("rv", "")
    if not seen.isascii() or not seen.isdigit():
        return work()
    target = "|".join(request.POST.get(name, "") for name in ("party", "table", "message"))
    answer = once.first_answer(restaurant.id, f"{request.path}|{target}|{seen}|{request.user.pk}", work)
    if answer is None:
        answer = {"message": _("That is still being done; the floor shows it in a moment."), "status": 409,
                  "error": True}
    return answer


def _table_id(request, restaurant):
    table_id = _int_field(request, "table")
    if caches.layout(restaurant).unit(table_id) is None:
        raise WaitlistError(_("That table is not in this restaurant."))
    return table_id


@login_required
@require_POST
def seat_next(request, slug):
    def action(restaurant):
        change = services.seat_next(restaurant=restaurant, undoable=True)
        party = queue.status(restaurant=restaurant, party_id=change.party_id, at_least=change.version)
        return _("Offered %(tables)s to %(name)s.") % {"tables": caches.layout(restaurant).labels(change.table_ids),
                                                        "name": party.name}

    return _act(request, slug, action)


@login_required
@require_POST
def offer(request, slug):
    def action(restaurant):
        change = services.offer_table(restaurant=restaurant, party_id=_int_field(request, "party"),
                                      table_id=_table_id(request, restaurant), undoable=True)
        return _("Offered %(tables)s.") % {"tables": caches.layout(restaurant).labels(change.table_ids)}

    return _act(request, slug, action)


@login_required
@require_POST
def walk_in(request, slug):
    restaurant = staff_restaurant(request, slug)
    form = _walk_in_form(restaurant, request.POST)
    if not form.is_valid():
        if request.htmx:
            # The form's own hx-target is the toast: put the form with its errors in its place.
            # 422, htmx's convention for a form to correct: django-htmx's debug script (DEBUG on)
            # replaces the whole document with any 400 answer, which ended the live stream.
            response = render(request, "seating/_walk_in.html", {"walk_in": form, "restaurant": restaurant},
                              status=422)
            return reswap(retarget(response, "#walk-in-form"), "outerHTML")
        view = _current_view(restaurant)
        context = dashboard_context(restaurant=restaurant, view=view, csrf_token=get_token(request))
        context["walk_in"] = form
        return render(request, "seating/dashboard.html", context, status=400)

    def action(restaurant):
        data = form.cleaned_data
        request_id = data["request_id"] or uuid.uuid4().hex
        joined = queue.join(restaurant=restaurant, name=data["name"], size=data["size"],
                            preference=data["preference"], diner=f"walkin:{request_id}", request_id=request_id,
                            source="walkin", language=get_language(), phone=data["phone"], email=data["email"])
        if joined.created and data["phone"]:
            contacts.remember_phone(data["phone"], restaurant_id=restaurant.id, party_id=joined.party_id)
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
    "no-show": (lambda r, pid: queue.leave(restaurant=r, party_id=pid, state="expired", reason="no_show",
                                           undoable=True),
                gettext_lazy("Marked as a no-show. You can undo it for a few minutes."), True),
    "remove": (lambda r, pid: queue.leave(restaurant=r, party_id=pid, reason="removed", undoable=True),
               gettext_lazy("Removed from the waitlist. You can undo it for a few minutes."), True),
}
# Actions a host confirms first: with JavaScript in a dialog (hx-confirm), without it on a page.
CONFIRM = {
    "no-show": (gettext_lazy("Mark %(name)s as a no-show?"), gettext_lazy("Mark no-show")),
    "remove": (gettext_lazy("Remove %(name)s from the waitlist?"), gettext_lazy("Remove")),
}


@login_required
@require_POST
def party_action(request, slug, action):
    if action not in PARTY_ACTIONS:
        raise Http404
    run, message, frees = PARTY_ACTIONS[action]
    if action in CONFIRM and not request.htmx and request.POST.get("confirmed") != "1":
        return _confirm(request, slug, action)

    def act(restaurant):
        run(restaurant, _int_field(request, "party"))
        services.after_change(restaurant=restaurant, freed=frees)
        return str(message)

    return _act(request, slug, act)


def _confirm(request, slug, action):
    """The page a host without JavaScript sees before a no-show or a removal is made."""
    restaurant = staff_restaurant(request, slug)
    try:
        party = queue.status(restaurant=restaurant, party_id=_int_field(request, "party"))
    except WaitlistError as exc:
        return _done(request, restaurant, str(exc.message), status=exc.status, error=True)
    question, button = CONFIRM[action]
    return render(request, "seating/confirm.html", {
        "restaurant": restaurant, "party": party, "action": action, "question": question % {"name": party.name},
        "button": button, "rv": request.POST.get("rv", "")})


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
            if state.state == TABLE_OCCUPIED and state.party_id is not None:
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
@require_safe
def poster(request, slug):
    import segno

    restaurant = staff_restaurant(request, slug)
    url = absolute_url(request, reverse("waitlist:page", args=[restaurant.slug]))
    qr = segno.make(url, error="q").svg_inline(scale=12, title=_("Join the waitlist"))
    return render(request, "seating/poster.html", {"restaurant": restaurant, "url": url, "qr_svg": qr,
                                                   "site_url_unset": links.site_url_unset_in_production()})
