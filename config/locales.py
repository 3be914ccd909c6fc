"""Compiles the translations (locale/<language>/LC_MESSAGES/*.po) into the .mo files Django
reads, with Babel, so that a machine without GNU gettext's tools can install the project.
Only compiled files older than their source are written again; none are committed.

    python -m config.locales          # what `make install` and the Dockerfile run
"""

import sys
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

LOCALE_DIR = Path(__file__).resolve().parent.parent / "locale"


def stale(locale_dir: Path = LOCALE_DIR) -> list[Path]:
    """The catalogues whose compiled file is missing or older than they are."""
    found = []
    for po in sorted(locale_dir.glob("*/LC_MESSAGES/*.po")):
        mo = po.with_suffix(".mo")
        if not mo.exists() or mo.stat().st_mtime < po.stat().st_mtime:
            found.append(po)
    return found


def compile_catalogue(po: Path) -> Path:
    """One .po into its .mo, written whole or not at all. Fuzzy entries stay out, as with
    msgfmt: a translation nobody has checked is not shown."""
    language = po.parent.parent.name
    with po.open("rb") as source:
        catalogue = read_po(source, locale=language)
    mo = po.with_suffix(".mo")
    partial = mo.with_suffix(".mo.partial")
    with partial.open("wb") as target:
        write_mo(target, catalogue, use_fuzzy=False)
    partial.replace(mo)
    return mo


def compile_all(locale_dir: Path = LOCALE_DIR) -> list[Path]:
    return [compile_catalogue(po) for po in stale(locale_dir)]


if __name__ == "__main__":
    written = compile_all()
    if written:
        print(f"translations: {len(written)} catalogue(s) compiled", file=sys.stderr)
