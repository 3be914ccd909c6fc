"""The host's controls on the floor beyond seating: undo, pausing joins, closing for the
night, quote and hold-time adjustments, editing and moving a party.

Hosts of the restaurant may use them all but the policy edits (the hold time), which take a
manager (StaffMembership.role) or a superuser. Without JavaScript, forms post plainly and
redirect back to the dashboard with a message. With htmx, the floor controls answer with their
card as it now is (the message in the toast), and the party editor with itself or nothing; a
refusal comes back as 422 with the message beside the field.
"""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from restaurants import caches
from restaurants.models import Preference, Restaurant
from waitlist import floor, queue
from waitlist.errors import BadInput, WaitlistError

from . import services
from .views import _act, _current_view, _done, _int_field, can_manage, htmx_status, run_action, staff_restaurant


def _refused(request, restaurant):
    message = _("Only a manager can change the restaurant's policies. Ask a manager, or change it in the admin.")
    if request.htmx:
        return _controls(request, restaurant, {"message": message, "status": 403, "error": True}, "")
    return render(request, "403.html", {"detail": message}, status=403)


INLINE = ("pause", "open", "quotes", "hold")  # the controls with a place for their own error


def _control(request, slug, field, act):
    """Run a floor control (``field`` names its form, where a refusal is shown)."""
    restaurant = staff_restaurant(request, slug)
    answer = run_action(request, restaurant, act)
    if not request.htmx:
        return _done(request, restaurant, answer["message"], status=answer["status"], error=answer["error"])
    return _controls(request, caches.restaurant(slug) or restaurant, answer, field)


def _controls(request, restaurant, answer, field):
    """The controls card for htmx: as the floor now is, the message in the toast (out of band)
    or, refused, beside the form that was posted, with what was typed."""
    snapshot = _current_view(restaurant).snapshot
    context = {"restaurant": restaurant, "paused": snapshot.paused, "quote_add": snapshot.quote_add,
               "can_manage": can_manage(request.user, restaurant)}
    if answer["error"]:
        context.update(error=answer["message"], error_in=field if field in INLINE else "",
                       posted=request.POST.get("message" if field == "pause" else "minutes", ""))
    response = render(request, "seating/_controls.html", context, status=htmx_status(answer["status"]))
    if not answer["error"]:
        response.write(render_to_string("seating/_toast.html", {"message": answer["message"], "oob": True}))
    return response


UNDONE = {
    "no_show": lambda name: _("%(name)s is back: the no-show is undone.") % {"name": name},
    "removed": lambda name: _("%(name)s is back in line.") % {"name": name},
    "offer": lambda name: _("The offer to %(name)s is undone; the table is free again.") % {"name": name},
}


@login_required
@require_POST
def undo(request, slug):
    def action(restaurant):
        party_id = _int_field(request, "party")
        done, _change = floor.undo(restaurant=restaurant, party_id=party_id)
        services.after_change(restaurant=restaurant, freed=done == "offer")
        return UNDONE[done](queue.status(restaurant=restaurant, party_id=party_id).name)

    return _act(request, slug, action)


@login_required
@require_POST
def joins(request, slug, action):
    """Pause or resume diners' joins, or close and reopen for the night."""
    if action not in ("pause", "resume", "close", "open"):
        raise Http404

    def act(restaurant):
        if action == "pause":
            floor.pause_joins(restaurant=restaurant, paused=True, message=request.POST.get("message", ""))
            return _("Joins paused. Diners see your message on the join page.")
        if action == "resume":
            floor.pause_joins(restaurant=restaurant, paused=False)
            return _("Joins resumed.")
        if action == "close":
            _set_open(restaurant, False)
            return _("Closed for the night: diners cannot join. Parties already waiting keep their place.")
        if not restaurant.tables.exists():
            raise BadInput(_("A restaurant with no tables cannot open: add a table first."))
        _set_open(restaurant, True)
        return _("Open: diners can join again.")

    return _control(request, slug, action, act)


def _save(restaurant, **fields):
    """Change fields of the restaurant's row; saving bumps updated_at and forgets the cached row."""
    row = Restaurant.objects.get(pk=restaurant.pk)
    for name, value in fields.items():
        setattr(row, name, value)
    row.save(update_fields=[*fields, "updated_at"])
    return row


def _set_open(restaurant, is_open: bool):
    floor.opened(restaurant=_save(restaurant, is_open=is_open), is_open=is_open)


def _minutes(request, name, low, high, message):
    try:
        value = int(request.POST.get(name, ""))
    except ValueError:
        raise BadInput(message) from None
    if not low <= value <= high:
        raise BadInput(message)
    return value


@login_required
@require_POST
def quotes(request, slug):
    def act(restaurant):
        minutes = _minutes(request, "minutes", 0, floor.QUOTE_ADD_MAX,
                           _("Add between 0 and %(max)s minutes.") % {"max": floor.QUOTE_ADD_MAX})
        floor.add_to_quotes(restaurant=restaurant, minutes=minutes)
        if not minutes:
            return _("Quotes are back to the estimate.")
        return _("Every quote now has %(n)s minutes added, until you clear it.") % {"n": minutes}

    return _control(request, slug, "quotes", act)


@login_required
@require_POST
def hold_time(request, slug):
    restaurant = staff_restaurant(request, slug)
    if not can_manage(request.user, restaurant):
        return _refused(request, restaurant)

    def act(restaurant):
        field = Restaurant._meta.get_field("checkin_timeout_minutes")
        message = _("Hold a table for 1 to 120 minutes.")
        minutes = _minutes(request, "minutes", 1, 120, message)
        try:
            field.run_validators(minutes)
        except ValidationError:
            raise BadInput(message) from None
        _save(restaurant, checkin_timeout_minutes=minutes)
        return _("Tables are now held %(n)s minutes for notified parties.") % {"n": minutes}

    return _control(request, slug, "hold", act)


def _party(restaurant, party_id):
    party = queue.snapshot(restaurant=restaurant).party(party_id)
    if party is None:
        raise Http404(_("That party is no longer on the floor."))
    return party


def _gone():
    """htmx: the party left the floor while its editor was open. The editor closes, the toast
    says why (not a 404, which django-htmx's debug script would put in place of the page)."""
    return HttpResponse(render_to_string("seating/_toast.html", {
        "message": _("That party is no longer on the floor."), "error": True, "oob": True}), status=409)


@login_required
@require_safe
def edit_page(request, slug, party_id):
    restaurant = staff_restaurant(request, slug)
    party = _floor_party(request, restaurant, party_id)
    return _gone() if party is None else _edit_page(request, restaurant, party)


def _edit_page(request, restaurant, party, *, error=None, error_in="", status=200, moved=""):
    """The editor: a page of its own, or (htmx) the card for the dashboard's #editor. After a
    refusal it shows what was typed."""
    preferences = [(p, Preference(p).label) for p in caches.layout(restaurant).preferences]
    posted = request.method == "POST" and error is not None and error_in != "move"  # a refused save
    form = {"size": request.POST.get("size", party.size) if posted else party.size,
            "preference": request.POST.get("preference", party.preference) if posted else party.preference,
            "notes": request.POST.get("notes", "") if posted else party.notes,
            "tags": request.POST.getlist("tags") if posted else party.tags}
    focus = ""
    if request.htmx:
        # Where focus goes in the dashboard: the first field when opened or after a refused save,
        # the reason after a refused move (its own autofocus), the button pressed after a move.
        focus = request.POST.get("direction", "") if moved else "" if error_in == "move" else "size"
    template = "seating/edit_party.html#editor" if request.htmx else "seating/edit_party.html"
    return render(request, template, {
        "restaurant": restaurant, "party": party, "preferences": preferences, "tags": restaurant.tag_list,
        "form": form, "editing": bool(request.htmx), "focus": focus, "error": error, "error_in": error_in,
        "moved": moved, "reason": request.POST.get("reason", "") if error_in == "move" or moved else "",
        "notes_max": floor.NOTES_MAX, "reason_max": floor.MOVE_REASON_MAX}, status=status)


def _floor_party(request, restaurant, party_id):
    try:
        return _party(restaurant, party_id)
    except Http404:
        if request.htmx:
            return None
        raise


@login_required
@require_POST
def edit(request, slug, party_id):
    restaurant = staff_restaurant(request, slug)
    party = _floor_party(request, restaurant, party_id)
    if party is None:
        return _gone()
    try:
        try:
            size = int(request.POST.get("size", ""))
        except ValueError:
            raise BadInput(_("Enter the party's size as a number.")) from None
        preference = request.POST.get("preference", party.preference)
        notes = request.POST.get("notes", "")
        tags = request.POST.getlist("tags")
        changed = ", ".join(name for name, old, new in (
            ("size", party.size, size), ("seating", party.preference, preference),
            ("notes", party.notes, " ".join(notes.split())), ("tags", party.tags, tuple(tags))) if old != new)
        floor.edit_party(restaurant=restaurant, party_id=party.id, size=size, preference=preference,
                         notes=notes, tags=tags, changed=changed)
    except WaitlistError as exc:
        return _edit_page(request, restaurant, party, error=exc.message,
                          status=_refusal_status(request, exc))
    message = _("Saved %(name)s.") % {"name": party.name}
    if request.htmx:  # the editor closes; the row shows the change from the stream
        return HttpResponse(render_to_string("seating/_toast.html", {"message": message, "oob": True}))
    return _done(request, restaurant, message)


def _refusal_status(request, exc):
    status = exc.status if exc.status != 410 else 409
    return htmx_status(status) if request.htmx else status


@login_required
@require_POST
def move(request, slug, party_id):
    restaurant = staff_restaurant(request, slug)
    party = _floor_party(request, restaurant, party_id)
    if party is None:
        return _gone()
    direction = request.POST.get("direction", "")
    try:
        floor.move_party(restaurant=restaurant, party_id=party.id, direction=direction,
                         reason=request.POST.get("reason", ""))
    except WaitlistError as exc:
        return _edit_page(request, restaurant, party, error=exc.message, error_in="move",
                          status=_refusal_status(request, exc))
    message = (_("Moved %(name)s up.") if direction == "up" else _("Moved %(name)s down.")) % {"name": party.name}
    if request.htmx:  # the editor stays open for another move, the reason kept
        moved = _floor_party(request, restaurant, party.id)
        return _gone() if moved is None else _edit_page(request, restaurant, moved, moved=message)
    return _done(request, restaurant, message)
