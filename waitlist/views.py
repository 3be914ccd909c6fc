"""The diner's pages: join, live status, check in, leave, personal link, and the SSE stream.

Every action is a plain form POST answered by a redirect, so the pages work with
JavaScript off; with it on, the status fragment is swapped live from the stream.
Requests with ``Accept: application/json`` get JSON instead of HTML.
"""

import uuid
from functools import lru_cache

from asgiref.sync import sync_to_async
from django.conf import settings
from django.http import Http404, HttpResponse, HttpResponseRedirect, JsonResponse
from django.middleware.csrf import get_token
from django.shortcuts import render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from domain.values import DINING
from restaurants import caches
from restaurants.models import Restaurant
from waitlist.links import absolute_url

from . import contacts, diners, live_view, queue, quotes
from .bus import hub
from .errors import NotReady, RestaurantClosed, UnknownParty, WaitlistError
from .events import restaurant_channel
from .forms import JoinForm
from .presenters import (
    channels_context,
    render_notice,
    render_place,
    render_status,
    status_context,
    status_json,
    status_key,
)
from .stream import Plan, StreamResponse


def restaurant_or_404(slug) -> Restaurant:
    restaurant = caches.restaurant(slug)
    if restaurant is None:
        raise Http404(_("Unknown restaurant."))
    return restaurant


def _wants_json(request) -> bool:
    # META, not request.headers: that builds a dict of every header on first use.
    return "application/json" in request.META.get("HTTP_ACCEPT", "")


@lru_cache(maxsize=1024)
def _page_url(slug: str) -> str:
    return reverse("waitlist:page", args=[slug])


def _join_page(request, restaurant, form=None, *, error=None, status=200):
    layout = caches.layout(restaurant)
    if form is None:
        form = JoinForm(restaurant=restaurant, preferences=layout.preferences,
                        initial={"request_id": uuid.uuid4().hex, "size": 2})
    current = quotes.current(restaurant)
    # Counted now, in one round trip that reads no party: this process's cached view is only
    # kept current while it serves open streams, and a snapshot of a long line is costly.
    summary = queue.summary(restaurant=restaurant)
    if _wants_json(request):
        return JsonResponse({"state": None, "open": restaurant.is_open, "paused": summary.paused,
                             "error": error and str(error),
                             "errors": form.errors.get_json_data() if form.is_bound else {},
                             "parties_waiting": summary.waiting_count,
                             "current_wait": [{"preference": p, "size": s, "low": w and w[0], "high": w and w[1]}
                                              for p, s, w in current.rows]}, status=status)
    return render(request, "waitlist/join.html", {
        "restaurant": restaurant, "form": form, "error": error, "waiting_count": summary.waiting_count,
        # No wait is quoted while joins are paused: nobody can join to have it.
        "waits": current.table if restaurant.is_open and summary.paused is None else [],
        "wait_preferences": current.preferences,
        "notice": summary.notice, "paused": summary.paused,
        "gated": not restaurant.is_open or summary.paused is not None,
    }, status=status)


def status_page(request, restaurant, party, *, error=None, status=200, channel_error="", channel_field=""):
    """The party's live status page (or its JSON), with an error to show when given."""
    current = live_view.view(restaurant, min_version=party.version)
    view = current.diner(party)
    if _wants_json(request):
        body = status_json(view)
        if error:
            body["error"] = str(error)
        return JsonResponse(body, status=status)
    path = reverse("waitlist:link", args=[restaurant.slug, party.token])
    link = absolute_url(request, path)
    context = status_context(restaurant=restaurant, view=view, csrf_token=get_token(request))
    context.update({"error": error, "personal_link": link, "qr_svg": _qr(link), "notice": current.snapshot.notice})
    context.update(channels_context(restaurant, view.party, error=channel_error, field=channel_field))
    return render(request, "waitlist/status.html", context, status=status)


def _qr(url: str) -> str:
    import segno

    return segno.make(url, error="m").svg_inline(scale=5, dark="#111", light="#fff", title=_("Your personal link"))


@require_safe
@never_cache
def page(request, slug):
    restaurant = restaurant_or_404(slug)
    party = diners.current_party(request, restaurant)
    if party is None or (not party.is_active and request.GET.get("new")):
        # This browser's id now, with the form: a double-submitted form (a second POST
        # before the first answer came back) then carries the same session, so the
        # request id makes one party.
        diners.browser_key(request)
        return _join_page(request, restaurant)
    return status_page(request, restaurant, party)


@require_POST
def join(request, slug):
    restaurant = restaurant_or_404(slug)
    form = JoinForm(request.POST, restaurant=restaurant, preferences=caches.layout(restaurant).preferences)
    if not restaurant.is_open:
        return _join_page(request, restaurant, form, error=RestaurantClosed.message, status=409)
    if not form.is_valid():
        return _join_page(request, restaurant, form, status=400)
    data = form.cleaned_data
    cached = quotes.current(restaurant, max_age_ms=quotes.JOIN_QUOTE_MAX_AGE_MS)
    known, quote = cached.known(data["size"], data["preference"])
    try:
        result = queue.join(restaurant=restaurant, name=data["name"], size=data["size"],
                            preference=data["preference"], diner=diners.browser_key(request),
                            request_id=data["request_id"] or uuid.uuid4().hex, quote=quote,
                            client=request.META.get("REMOTE_ADDR", ""), language=get_language(),
                            phone=data.get("phone", ""), email=data.get("email", ""))
    except WaitlistError as exc:
        return _join_page(request, restaurant, form, error=exc.message, status=exc.status)
    if result.created and data.get("phone"):
        contacts.remember_phone(data["phone"], restaurant_id=restaurant.id, party_id=result.party_id)
    if result.created and not known:
        quotes.record_later(restaurant, result.party_id, data["size"], data["preference"])
    elif result.created and cached.version < result.version - 1:
        # Every change adds one to the version: the queue the party joined had changed
        # since the quote was computed.
        quotes.refine_later(restaurant, result.party_id, result.version)
    if _wants_json(request):
        party = queue.status(restaurant=restaurant, party_id=result.party_id, at_least=result.version)
        return status_page(request, restaurant, party, status=201 if result.created else 200)
    return HttpResponseRedirect(_page_url(slug), status=303)


def _act(request, slug, action):
    """Run ``action(restaurant, party)`` for this browser's party, then show its status."""
    restaurant = restaurant_or_404(slug)
    party = diners.current_party(request, restaurant)
    if party is None:
        if _wants_json(request):
            return JsonResponse({"error": str(UnknownParty.message)}, status=404)
        return render(request, "waitlist/no_party.html", {"restaurant": restaurant}, status=404)
    try:
        response = action(restaurant, party)
    except WaitlistError as exc:
        return status_page(request, restaurant, diners.current_party(request, restaurant) or party,
                            error=exc.message, status=exc.status)
    if response is not None:
        return response
    if _wants_json(request):
        return status_page(request, restaurant, queue.status(restaurant=restaurant, party_id=party.id))
    return HttpResponseRedirect(_page_url(slug), status=303)


@require_POST
def checkin(request, slug):
    def action(restaurant, party):
        try:
            queue.check_in(restaurant=restaurant, party_id=party.id)
        except NotReady:
            # A second tap on "check in" (or two at once): already seated is success.
            if queue.status(restaurant=restaurant, party_id=party.id).state != DINING:
                raise

    return _act(request, slug, action)


@require_POST
def leave(request, slug):
    def action(restaurant, party):
        if not party.is_active or party.state == DINING:
            raise WaitlistError(_("You are no longer on the waitlist."))
        # One tap plus a confirm: with JavaScript the browser asks and sends confirm=yes;
        # without it, this page asks.
        if request.POST.get("confirm") != "yes" and not _wants_json(request):
            return render(request, "waitlist/leave_confirm.html", {"restaurant": restaurant, "party": party})
        queue.leave(restaurant=restaurant, party_id=party.id)
        return None

    return _act(request, slug, action)


@require_http_methods(["GET", "HEAD", "POST"])
def personal_link(request, slug, token):
    """Open a party's status in any browser: this browser follows that party from now on.
    A browser that follows an active party of its own here is asked first which to follow
    (a POST of its answer), so that opening someone else's link does not orphan its own."""
    restaurant = restaurant_or_404(slug)
    try:
        linked = queue.find_by_token(restaurant=restaurant, token=token)
    except UnknownParty:
        raise Http404(_("This waitlist link is not valid or has expired.")) from None
    own = diners.current_party(request, restaurant)
    asking = own is not None and own.is_active and own.id != linked.id
    if request.method == "POST":
        if request.POST.get("follow") != "linked":
            return HttpResponseRedirect(_page_url(slug), status=303)
    elif asking:
        return render(request, "waitlist/which_party.html", {"restaurant": restaurant, "own": own, "linked": linked})
    try:
        diners.follow(request, restaurant, token)
    except UnknownParty:
        raise Http404(_("This waitlist link is not valid or has expired.")) from None
    return HttpResponseRedirect(_page_url(slug), status=303)


@require_safe
def short_link(request, restaurant_id, token):
    """The personal link as texts carry it (short enough for one SMS): to the full one."""
    restaurant = Restaurant.objects.filter(pk=restaurant_id).first()
    if restaurant is None:
        raise Http404(_("This waitlist link is not valid or has expired."))
    return HttpResponseRedirect(reverse("waitlist:link", args=[restaurant.slug, token]), status=303)


@require_safe
def events(request, slug):
    """This browser's own status as SSE. The party comes from the session, never from the
    request, so a client cannot listen to another party. Without a party: the public
    aggregates of the join page. (The stream itself is served on the event loop:
    waitlist/stream.py.)"""
    restaurant = restaurant_or_404(slug)
    party = diners.current_party(request, restaurant)
    channel, language = restaurant_channel(restaurant.id), get_language()
    if party is None:
        address = request.META.get("REMOTE_ADDR", "")
        if 0 < settings.PUBLIC_STREAMS_PER_ADDRESS <= hub.public_streams(address):
            # A page keeps working without its stream (it shows the wait as drawn).
            return HttpResponse(_("Too many open pages from this address."), status=429,
                                content_type="text/plain; charset=utf-8", headers={"Retry-After": "60"})
        return StreamResponse(Plan(restaurant=restaurant, channel=channel, language=language, shared=True,
                                   render=_public_renderer(restaurant), address=address,
                                   idle_seconds=settings.PUBLIC_STREAM_IDLE_SECONDS, idle=_paused,
                                   every_seconds=settings.PUBLIC_STREAM_EVERY_SECONDS))
    return StreamResponse(Plan(restaurant=restaurant, channel=channel, language=language,
                               render=_diner_renderer(restaurant, party, get_token(request)),
                               min_version=party.version, party_id=party.id))


def _diner_renderer(restaurant, party, csrf_token):
    """A diner's fragments from a view. ``render_fn.now`` renders without awaiting anything
    (the fan-out writes a diner's change itself: waitlist/hub.py), or answers None when the
    party has left the live queue and one status read must tell how it ended first."""
    state = {"party": party, "key": None}

    def fragments(current):
        view = current.diner(state["party"])
        rendered = {"notice": render_notice(current.snapshot.notice)}
        key = status_key(view)
        if key != state["key"]:
            state["key"] = key
            rendered["status"] = render_status(restaurant=restaurant, view=view, csrf_token=csrf_token)
        else:
            # Only the place in line moved: the small fragment, not the whole status.
            rendered["place"] = render_place(view)
        return rendered

    def now(current):
        if current.party(state["party"].id) is None and state["party"].is_active:
            return None
        return fragments(current)

    async def render_fn(current):
        rendered = now(current)
        if rendered is not None:
            return rendered
        # Gone from the live queue: it ended. One status read tells how.
        try:
            state["party"] = await sync_to_async(queue.status)(restaurant=restaurant, party_id=party.id)
        except UnknownParty:
            return {}
        return fragments(current)

    render_fn.now = now
    return render_fn


def _public_renderer(restaurant):
    """What every browser without a party sees: the same bytes for all of them, rendered once
    per change (Plan.shared), from quotes already at hand (never computed on the loop)."""
    def render_fn(current):
        # The view's row, not the one the stream began with: closing for the night saves the
        # row and publishes a change, and the view is rebuilt from the row as it is then.
        row, paused = current.restaurant, current.snapshot.paused
        # Quotes of another version of the row (a manager saved it since) until the new ones
        # are computed in the background: the page keeps a wait table rather than losing it.
        known = quotes.available(row) or quotes.last(row)
        return {"waits": render_to_string("waitlist/_waits.html", {
                    "restaurant": row, "waiting_count": current.waiting_count,
                    "waits": known.table if known and row.is_open and paused is None else [],
                    "wait_preferences": known.preferences if known else []}),
                "notice": render_notice(current.snapshot.notice),
                "gate": render_to_string("waitlist/_gate.html", {"is_open": row.is_open, "paused": paused})}

    return render_fn


def _paused() -> str:
    return render_to_string("waitlist/_paused.html")
