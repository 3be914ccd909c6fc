"""The host's controls on the floor beyond seating: undo, pausing joins, closing for the
night, quote and hold-time adjustments, editing and moving a party.

Hosts of the restaurant may use them all but the policy edits (the hold time), which take a
manager (StaffMembership.role) or a superuser. Forms post plainly and redirect back to the
dashboard with a message; the ones on queue rows also answer htmx with the toast.
"""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from restaurants import caches
from restaurants.models import Preference, Restaurant
from waitlist import floor, queue
from waitlist.errors import BadInput, WaitlistError

from . import services
from .views import _act, _done, _int_field, can_manage, staff_restaurant


def _refused(request, restaurant):
    message = _("Only a manager can change the restaurant's policies. Ask a manager, or change it in the admin.")
    if request.htmx:
        return _done(request, restaurant, message, status=403, error=True)
    return render(request, "403.html", {"detail": message}, status=403)


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

    return _act(request, slug, act)


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

    return _act(request, slug, act)


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

    return _act(request, slug, act)


def _party(restaurant, party_id):
    party = queue.snapshot(restaurant=restaurant).party(party_id)
    if party is None:
        raise Http404(_("That party is no longer on the floor."))
    return party


@login_required
@require_safe
def edit_page(request, slug, party_id):
    restaurant = staff_restaurant(request, slug)
    return _edit_page(request, restaurant, _party(restaurant, party_id))


def _edit_page(request, restaurant, party, *, error=None, status=200):
    preferences = [(p, Preference(p).label) for p in caches.layout(restaurant).preferences]
    return render(request, "seating/edit_party.html", {
        "restaurant": restaurant, "party": party, "preferences": preferences, "tags": restaurant.tag_list,
        "error": error, "notes_max": floor.NOTES_MAX, "reason_max": floor.MOVE_REASON_MAX}, status=status)


@login_required
@require_POST
def edit(request, slug, party_id):
    restaurant = staff_restaurant(request, slug)
    party = _party(restaurant, party_id)
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
        return _edit_page(request, restaurant, party, error=exc.message, status=exc.status if exc.status != 410 else 409)
    return _done(request, restaurant, _("Saved %(name)s.") % {"name": party.name})


@login_required
@require_POST
def move(request, slug, party_id):
    restaurant = staff_restaurant(request, slug)
    party = _party(restaurant, party_id)
    direction = request.POST.get("direction", "")
    try:
        floor.move_party(restaurant=restaurant, party_id=party.id, direction=direction,
                         reason=request.POST.get("reason", ""))
    except WaitlistError as exc:
        return _edit_page(request, restaurant, party, error=exc.message, status=exc.status)
    message = _("Moved %(name)s up.") if direction == "up" else _("Moved %(name)s down.")
    return _done(request, restaurant, message % {"name": party.name})
