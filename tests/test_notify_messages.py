"""Each message says what happened in a few words: every kind fits one SMS segment (160
characters of the GSM alphabet) with a restaurant name of 30 characters."""

import pytest

from notifications.messages import note_for
from tests.support.factories import make_restaurant
from waitlist import queue
from waitlist.outbox import Message

KINDS = {"joined": {}, "confirm": {"c": "s"}, "close": {}, "ready": {"dl": "1800000600000", "tb": ""},
         "hold_expiring": {"dl": "1800000600000"}, "extended": {"dl": "1800000900000"}, "no_show": {},
         "removed": {}, "limit_soon": {}, "later": {"lo": "45", "hi": "60"}, "later-open": {"lo": "180", "hi": ""},
         "notice": {"t": "We are running about 15 minutes behind, sorry!"},
         "restored": {"dl": "1800000900000"}, "restored-in-line": {}}
GSM = set("@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿"
          "abcdefghijklmnopqrstuvwxyzäöñüà")


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_every_text_fits_one_segment(db, kind):
    restaurant = make_restaurant("the-long-named-restaurant", name="The Long Named Restaurant & Bar",
                                 phone="+44 20 7946 0000")
    tables = {t.label: t.id for t in restaurant.tables.all()}
    pid = queue.join(restaurant=restaurant, name="Ann", size=4, preference="table", diner="d", request_id="r-1-req",
                     phone="+447911123456", language="en").party_id
    party = queue.status(restaurant=restaurant, party_id=pid)
    fields = dict(KINDS[kind])
    if "tb" in fields:
        fields["tb"] = str(tables["T4"])
    text = note_for(restaurant, party, Message(restaurant.id, "1-0", kind.split("-")[0], pid, 0, fields)).sms
    assert len(text) <= 160, (len(text), text)
    assert set(text) <= GSM, set(text) - GSM
