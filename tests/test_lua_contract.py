"""The Lua scripts and the Python that reads them speak of the same things: the field codes
of a party hash (listed in lua/_lib.lua's header, decoded by waitlist/state.py alone), the
party and table states (domain/values.py), and each script's documented header."""

import re
from dataclasses import fields

import pytest

from domain import values
from waitlist.lua_scripts import LUA_DIR
from waitlist.state import FIELDS, Party

LIB = (LUA_DIR / "_lib.lua").read_text()
SCRIPTS = {path.stem: path.read_text() for path in sorted(LUA_DIR.glob("*.lua"))}


@pytest.fixture(autouse=True)
def clean_redis():
    """Nothing here touches Redis."""
    yield


def header_codes() -> set[str]:
    start = LIB.index("-- The party hash")
    table = LIB[start:LIB.index("-- A table's state", start)]
    return set(re.findall(r"(?:--|\s{2,})\s*([a-z][a-z0-9]{0,2})\s{2,}\S", table))


def codes_written_by_scripts() -> set[str]:
    """Field names the scripts write to or read from a party hash."""
    found = set()
    for text in SCRIPTS.values():
        for args in re.findall(r"redis\.call\('H(?:SET|GET|DEL|INCRBY|EXISTS)', (?:pkey\(\w+\)|key), ([^)]*)\)", text):
            found.update(re.findall(r"'([a-z][a-z0-9]{0,2})'", args))
        found.update(re.findall(r"\bp\.([a-z][a-z0-9]{0,2})\b", text))
    return found - {"id", "v", "ahead"}  # what status_of adds to the party it answers with


def test_the_header_lists_every_field_code_python_knows():
    assert header_codes() == set(FIELDS)


def test_every_code_the_scripts_use_is_listed_in_the_header():
    assert codes_written_by_scripts() <= set(FIELDS), codes_written_by_scripts() - set(FIELDS)


def test_one_decoder_reads_every_code_into_the_party():
    record = {"id": "7", "n": "Ann", "s": "3", "p": "either", "st": "dining", "j": "11", "src": "walkin",
              "tk": "tok", "o": "12", "dl": "13", "tb": "4,5", "sk": "2", "nc": "3", "hu": "14", "wr": "15",
              "ov": "16", "se": "17", "e": "18", "why": "completed", "ql": "5", "qh": "9", "ch": "ps", "lg": "es",
              "p4": "4567", "gk": "key", "mk": "ready", "mc": "s", "ms": "sent", "om": "19", "eta": "10", "ea": "20",
              "rn": "running late", "cl": "21", "th": "12", "nt": "high chair by the door", "tg": "birthday,VIP",
              "ahead": 1, "v": 4}
    party = Party.from_script(record)
    decoded = {code: getattr(party, attribute) for code, attribute in FIELDS.items() if attribute}
    assert decoded == {"n": "Ann", "s": 3, "p": "either", "st": "dining", "j": 11, "src": "walkin", "tk": "tok",
                       "o": 12, "dl": 13, "tb": (4, 5), "sk": 2, "nc": 3, "hu": 14, "wr": 15, "ov": 16, "se": 17,
                       "e": 18, "why": "completed", "ql": 5, "qh": 9, "ch": "ps", "lg": "es", "p4": "4567", "gk": "key",
                       "mk": "ready", "mc": "s", "ms": "sent", "om": 19, "eta": 10, "ea": 20, "rn": "running late",
                       "cl": 21, "th": 12, "nt": "high chair by the door", "tg": ("birthday", "VIP")}
    assert {f.name for f in fields(Party)} - set(FIELDS.values()) == {"id", "ahead", "version"}


def test_the_states_the_scripts_set_are_the_domains():
    written = set()
    for text in SCRIPTS.values():
        written.update(re.findall(r"'HSET', pkey\(\w+\), (?:'\w+', \w+, )*'st', '(\w+)'", text))
        written.update(re.findall(r"p\.st [~=]= '(\w+)'", text))
        written.update(re.findall(r"end_party\(p, '(\w+)'", text))
    assert written and written <= {*values.ACTIVE_STATES, *values.END_STATES}
    # leave.lua takes its end state from Python: the states it may be given are the domain's.
    assert {values.LEFT, values.EXPIRED} <= set(values.END_STATES)


def test_table_states_are_the_domains():
    written = set()
    for text in SCRIPTS.values():
        written.update(re.findall(r"set_table\(tid, '(\w+)'", text))
        written.update(re.findall(r"t\.state [~=]= '(\w+)'", text))
    assert written == {values.TABLE_READY, values.TABLE_OCCUPIED, values.TABLE_CLEANING}


@pytest.mark.parametrize("name", [name for name in SCRIPTS if name != "_lib"])
def test_every_script_documents_itself(name):
    head = SCRIPTS[name].split("\n", 1)[0]
    assert head.startswith(f"-- {name}.lua: ")
    assert "-- Returns" in SCRIPTS[name]
