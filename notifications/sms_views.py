"""What comes back from the text-message provider (Twilio): the diner's replies, and
whether a text reached the phone. Every request must carry Twilio's signature of its URL
and fields, made with the account's auth token; without it nothing is read or changed.

Replies, as the diner is told in the texts: "1" (or OK, YES) on my way; "9" (or LEAVE)
leave the waitlist; a number of minutes ("10", "10 min") how far away; STOP (and the other
words carriers treat so) no more texts, START texts again; HELP what to send. Anything else
is shown to the host as the diner's note.
"""

import re
from xml.sax.saxutils import escape

from django.conf import settings
from django.http import HttpResponse, HttpResponseForbidden
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from restaurants.models import Restaurant
from waitlist import contacts, queue
from waitlist.errors import UnknownParty, WaitlistError

ON_MY_WAY = {"1", "OK", "YES", "Y", "OMW", "ON MY WAY"}
LEAVE = {"9", "LEAVE"}
STOP = {"STOP", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT", "OPTOUT", "REVOKE"}
START = {"START", "UNSTOP", "YES START"}
HELP = {"HELP", "INFO"}
MINUTES = re.compile(r"^(\d{1,3})\s*(m|min|mins|minutes)?\.?$", re.I)


def signed(request) -> bool:
    from twilio.request_validator import RequestValidator

    if not settings.TWILIO_AUTH_TOKEN:
        return False
    url = (settings.SITE_URL.rstrip("/") + request.get_full_path()) if settings.SITE_URL \
        else request.build_absolute_uri()
    signature = request.headers.get("X-Twilio-Signature", "")
    return RequestValidator(settings.TWILIO_AUTH_TOKEN).validate(url, request.POST.dict(), signature)


def twiml(text: str = "") -> HttpResponse:
    body = f"<Message>{escape(text)}</Message>" if text else ""
    return HttpResponse(f'<?xml version="1.0" encoding="UTF-8"?><Response>{body}</Response>',
                        content_type="text/xml")


@csrf_exempt
@require_POST
def inbound(request):
    if not signed(request):
        return HttpResponseForbidden("bad signature")
    sender, text = request.POST.get("From", ""), " ".join(request.POST.get("Body", "").split())
    found = contacts.party_for_phone(sender)
    restaurant = Restaurant.objects.filter(pk=found[0]).first() if found else None
    if restaurant is None:
        return twiml("" if text.upper() in STOP else _("We could not find your place on a waitlist."))
    try:
        party = queue.status(restaurant=restaurant, party_id=found[1])
    except UnknownParty:
        return twiml()
    with translation.override(party.language or None):
        return twiml(_reply(restaurant, party, sender, text))


def _reply(restaurant, party, sender: str, text: str) -> str:
    word = text.upper().rstrip("!.")
    try:
        if word in STOP:
            contacts.remove(restaurant=restaurant, party_id=party.id, channel=contacts.TEXT)
            contacts.forget_phone(sender)
            return ""  # the carrier and Twilio confirm an opt-out themselves
        if word in START:
            contacts.add_phone(restaurant=restaurant, party_id=party.id, phone=sender)
            return ""
        if word in HELP:
            return _("%(name)s waitlist: reply 1 if you're on your way, 9 to leave, or how many minutes "
                     "away you are. STOP ends texts.") % {"name": restaurant.name}
        if word in ON_MY_WAY:
            contacts.say_eta(restaurant=restaurant, party_id=party.id, minutes=0)
            return _("Thanks, see you soon!")
        if word in LEAVE:
            queue.leave(restaurant=restaurant, party_id=party.id)
            return _("You have left the waitlist. Thanks for letting us know.")
        minutes = MINUTES.match(text.strip())
        if minutes and 1 < int(minutes.group(1)) <= 180:
            contacts.say_eta(restaurant=restaurant, party_id=party.id, minutes=int(minutes.group(1)))
            return _("Thanks, we'll time your table for when you get here.")
        contacts.say_eta(restaurant=restaurant, party_id=party.id, minutes=None, note=text)
        return _("Thanks, we passed your message to the host.")
    except WaitlistError:
        return _("Your visit has already ended. Thanks!")


@csrf_exempt
@require_POST
def status(request):
    """Twilio's report on a text sent with ?r=<restaurant>&p=<party> as its callback."""
    if not signed(request):
        return HttpResponseForbidden("bad signature")
    reported = request.POST.get("MessageStatus", "")
    state = {"delivered": "delivered", "undelivered": "failed", "failed": "failed"}.get(reported)
    try:
        restaurant_id, party_id = int(request.GET["r"]), int(request.GET["p"])
    except (KeyError, ValueError):
        return HttpResponse(status=204)
    if state:
        contacts.message_state(restaurant_id=restaurant_id, party_id=party_id, state=state, channel=contacts.TEXT)
    return HttpResponse(status=204)
