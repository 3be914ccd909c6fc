"""Spanish beside English: the catalogue is complete and keeps every placeholder, it is
compiled at install (never committed), pages follow Accept-Language or the diner's choice,
and messages sent to a diner are in the language they joined in."""

import dataclasses
import gettext
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from babel.messages.pofile import read_po
from django.utils import translation
from django.utils.translation import ngettext

from config import locales
from notifications.messages import note_for
from tests.support.diner_pages import join, text
from tests.support.factories import make_restaurant
from waitlist import queue
from waitlist.outbox import Message

ROOT = Path(__file__).resolve().parents[1]
SPANISH = ROOT / "locale" / "es" / "LC_MESSAGES" / "django.po"
PLACEHOLDER = re.compile(r"%\(\w+\)[sd]|%[sd]|\{\w*\}")


def catalogue():
    with SPANISH.open("rb") as source:
        return read_po(source, locale="es")


def test_every_message_is_translated_and_keeps_its_placeholders():
    missing, broken = [], []
    for message in catalogue():
        if not message.id:
            continue
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        if message.fuzzy or not all(strings):
            missing.append(ids[0])
            continue
        expected = sorted(PLACEHOLDER.findall(ids[-1]))
        for string in strings:
            if sorted(PLACEHOLDER.findall(string)) != expected and sorted(PLACEHOLDER.findall(ids[0])) != \
                    sorted(PLACEHOLDER.findall(string)):
                broken.append((ids[0], string))
    assert not missing, f"{len(missing)} messages without Spanish: {missing[:10]}"
    assert not broken, f"placeholders lost in translation: {broken[:10]}"


@pytest.mark.skipif(shutil.which("xgettext") is None, reason="needs GNU gettext's xgettext (Debian: gettext)")
def test_the_catalogue_holds_every_string_the_code_marks(tmp_path):
    """makemessages over the code finds nothing the committed catalogue lacks."""
    work = tmp_path / "tree"
    shutil.copytree(ROOT, work, ignore=shutil.ignore_patterns(".venv", ".git", "var", "test-artifacts", "*.mo",
                                                               "node_modules", "__pycache__"))
    subprocess.run([str(ROOT / ".venv" / "bin" / "python"), "manage.py", "makemessages", "-l", "es",
                    "--ignore=benchmarks", "--ignore=chaos", "--ignore=tests", "--no-obsolete", "-v", "0"],
                   cwd=work, check=True, env={"DEBUG": "1", "PATH": "/usr/bin:/bin"})
    with (work / "locale" / "es" / "LC_MESSAGES" / "django.po").open("rb") as source:
        fresh = {m.id for m in read_po(source, locale="es") if m.id}
    committed = {m.id for m in catalogue() if m.id}
    assert fresh - committed == set(), f"strings marked in the code but not in locale/es: {sorted(fresh - committed)[:10]}"


def test_compiled_at_install_and_never_committed(tmp_path):
    listed = subprocess.run(["git", "ls-files", "*.mo"], cwd=ROOT, capture_output=True, text=True, check=True)
    assert listed.stdout == ""
    po = tmp_path / "es" / "LC_MESSAGES" / "django.po"
    po.parent.mkdir(parents=True)
    po.write_text('msgid ""\nmsgstr "Content-Type: text/plain; charset=UTF-8\\n"\n\n'
                  'msgid "Table"\nmsgstr "Mesa"\n\n#, fuzzy\nmsgid "Seat"\nmsgstr "Sentar"\n', encoding="utf-8")
    assert locales.stale(tmp_path) == [po]
    assert [p.name for p in locales.compile_all(tmp_path)] == ["django.mo"]
    assert locales.stale(tmp_path) == []  # up to date: not written again
    with po.with_suffix(".mo").open("rb") as compiled:
        read = gettext.GNUTranslations(compiled)
    assert read.gettext("Table") == "Mesa"
    assert read.gettext("Seat") == "Seat"  # an unchecked (fuzzy) translation is not shown


def test_plural_forms():
    with translation.override("es"):
        one, many = (ngettext("%(n)s party waiting", "%(n)s parties waiting", n) % {"n": n} for n in (1, 3))
    assert one.startswith("1 ") and many.startswith("3 ") and one != many.replace("3", "1")


def test_accept_language_picks_spanish_and_the_choice_is_remembered(client, db):
    make_restaurant("bistro")
    english = client.get("/waitlist/bistro/")
    assert '<html lang="en">' in english.content.decode()
    spanish = client.get("/waitlist/bistro/", HTTP_ACCEPT_LANGUAGE="es-MX,es;q=0.9")
    assert '<html lang="es">' in spanish.content.decode()
    assert "Join the waitlist" not in text(spanish)

    chosen = client.post("/i18n/setlang/", {"language": "es", "next": "/waitlist/bistro/"})
    assert chosen.status_code == 302 and chosen["Location"] == "/waitlist/bistro/"
    cookie = chosen.cookies["django_language"]
    assert cookie.value == "es" and int(cookie["max-age"]) >= 300 * 24 * 3600
    assert "sessionid" not in chosen.cookies  # a cookie, not a session
    again = client.get("/waitlist/bistro/", HTTP_ACCEPT_LANGUAGE="en-US")
    assert '<html lang="es">' in again.content.decode()


def test_a_diner_who_joined_in_spanish_is_written_to_in_spanish(client, db):
    restaurant = make_restaurant("bistro", phone="+34 910 000 000")
    tables = {t.label: t.id for t in restaurant.tables.all()}
    join(client, "Lucía", slug="bistro", HTTP_ACCEPT_LANGUAGE="es")
    party = queue.snapshot(restaurant=restaurant).waiting[0]
    assert party.language == "es"
    party = queue.status(restaurant=restaurant, party_id=party.id)
    ready = Message(restaurant.id, "1-0", "ready", party.id, 0, {"dl": "1800000600000", "tb": str(tables["T4"])})
    english = note_for(restaurant, dataclasses.replace(party, language="en"), ready)
    spanish = note_for(restaurant, party, ready)
    assert "T4" in spanish.sms and spanish.sms != english.sms
    for word in ("table", "ready", "Reply", "check in"):
        assert word not in spanish.sms, spanish.sms
