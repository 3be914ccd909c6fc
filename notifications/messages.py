"""What each message says, in the diner's language: a text short enough for one SMS where it
can be, a push notification's title and body, and an email's subject, text and HTML.

Kinds come from the Lua scripts that queue them (waitlist/lua/): joined, confirm, close,
ready, hold_expiring, extended, no_show, removed, limit_soon, notice, later, restored.
"""

from dataclasses import dataclass, field

from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from domain.values import READY, WAITING
from restaurants import caches
from restaurants.models import Restaurant
from waitlist.links import site_url
from waitlist.outbox import Message
from waitlist.presenters import local_time
from waitlist.state import Party

# Kinds that ask the diner to act: their push notification offers "On my way" and "Leave",
# and their text says how to answer.
ACTIONABLE = {"close", "ready", "hold_expiring"}
# Kinds that are urgent: the push asks to stay on screen until seen.
URGENT = {"ready", "hold_expiring"}
# Kinds that only inform: the push shows without sound or vibration (the diner was already
# alerted to the table; the host giving them more time is no new alarm).
QUIET = {"extended", "restored"}


@dataclass(frozen=True)
class Note:
    kind: str
    title: str
    text: str  # the message in one or two sentences (a text message's body, without the link)
    link: str  # the party's page
    short_link: str = ""  # the same, short enough for a text
    actionable: bool = False
    urgent: bool = False
    quiet: bool = False
    extra: dict = field(default_factory=dict)

    @property
    def sms(self) -> str:
        body = f"{self.title}: {self.text}"
        if self.actionable:
            body += " " + _("Reply 1 if you're on your way, 9 to leave.")
        elif self.kind in ("joined", "confirm"):
            body += " " + (self.short_link or self.link) + " " + _("Reply STOP to opt out.")
        return body

    def email(self) -> tuple[str, str, str]:
        """(subject, text, HTML)."""
        context = {"note": self}
        subject = f"{self.title}: {self.text}"
        return (subject if len(subject) <= 120 else subject[:119] + "…",
                render_to_string("notifications/email.txt", context),
                render_to_string("notifications/email.html", context))


def _minutes(low, high) -> str:
    return _("%(low)s-%(high)s min") % {"low": low, "high": high}


def _later(fields: dict) -> str:
    """The wait grew: the new range, or (open-ended, no high end) the hours it is past."""
    if fields.get("hi") == "" and fields.get("lo", "").isdigit():
        n = int(fields["lo"]) // 60
        return ngettext("Sorry, your wait has grown to more than %(n)s hour. You keep your place.",
                        "Sorry, your wait has grown to more than %(n)s hours. You keep your place.", n) % {"n": n}
    return _("Sorry, the wait now looks like %(range)s. You keep your place.") % {
        "range": _minutes(fields.get("lo", "?"), fields.get("hi", "?"))}


def _restored(party: Party, deadline: str) -> str:
    """The host took back a no-show, a removal or an offer: where the diner stands now (the
    place as it is when the message goes out)."""
    if deadline and party.state == READY:
        return _("Sorry, our mistake: your table is still held for you until %(time)s.") % {"time": deadline}
    if party.state == WAITING and party.position is not None:
        return _("Sorry, our mistake: you're back on the list at place %(n)s.") % {"n": party.position}
    return _("Sorry, our mistake: you are still on the waitlist, in your place.")


def note_for(restaurant: Restaurant, party: Party, message: Message) -> Note:
    with translation.override(party.language or None):
        return _note(restaurant, party, message)


def _note(restaurant: Restaurant, party: Party, message: Message) -> Note:
    fields, kind = message.fields, message.kind
    link = site_url(reverse("waitlist:link", args=[restaurant.slug, party.token])) if party.token else \
        site_url(reverse("waitlist:page", args=[restaurant.slug]))
    short = site_url(reverse("short_link", args=[restaurant.id, party.token])) if party.token else link
    deadline = local_time(restaurant, int(fields["dl"])) if fields.get("dl") else ""
    tables = caches.layout(restaurant).labels(int(t) for t in fields.get("tb", "").split(",") if t)
    call = (_("Call us at %(phone)s.") % {"phone": restaurant.phone}) if restaurant.phone else \
        _("Please speak to the host.")
    texts = {
        "joined": _("You're on the waitlist, party of %(size)s. Your place:") % {"size": party.size},
        "confirm": _("We'll tell you here when your table is ready:"),
        "close": _("Your table is nearly ready. Please head over now."),
        "ready": (_("Your table is ready: %(tables)s. Please check in by %(time)s.") % {"tables": tables,
                                                                                     "time": deadline}
                  if tables else _("Your table is ready. Please check in by %(time)s.") % {"time": deadline}),
        "hold_expiring": _("We're holding your table until %(time)s. Are you on your way?") % {"time": deadline},
        "extended": _("Your hold was extended to %(time)s. Your table is still waiting for you.") % {
            "time": deadline},
        "no_show": _("Your table hold expired and the table went to the next guests.") + " " + call,
        "removed": _("The host has taken you off the waitlist.") + " " + call,
        "limit_soon": _("A heads-up: your table is needed again soon. Thank you!"),
        "notice": fields.get("t", ""),
        "later": _later(fields),
        # The host took back a no-show, a removal or an offer (lua/undo.lua).
        "restored": _restored(party, deadline),
    }
    return Note(kind=kind, title=restaurant.name, text=texts.get(kind, ""), link=link, short_link=short,
                actionable=kind in ACTIONABLE, urgent=kind in URGENT, quiet=kind in QUIET)
