"""One message catalogue for the words people read: French source strings, other languages as translations.

maillage's users read French, so the source strings are French and French needs no file. Every
``--help`` text of the command line (option help, command docstrings, group help) is collected into
``maillage/locale/maillage.pot`` by ``tools/extract_messages.py`` (Babel); an interface in another
language is a ``maillage/locale/<lang>/LC_MESSAGES/maillage.po`` translated from that template and
chosen with ``MAILLAGE_LANG`` (e.g. ``en``) — a translation, not a rewrite of the code. A missing
entry falls back to the French source.

A neutral module (standard library, Babel only when a translation is asked for).
"""

from __future__ import annotations

import os
from functools import cache
from pathlib import Path

DOMAIN = "maillage"
SOURCE_LANGUAGE = "fr"
LOCALE_DIR = Path(__file__).parent / "locale"


def locale_dir() -> Path:
    """The shipped catalogues, or a folder of one's own translations (``MAILLAGE_LOCALE_DIR``)."""
    return Path(os.environ.get("MAILLAGE_LOCALE_DIR") or LOCALE_DIR)


def language() -> str:
    return os.environ.get("MAILLAGE_LANG", SOURCE_LANGUAGE).strip().lower() or SOURCE_LANGUAGE


@cache
def _catalogue(lang: str, locale_dir: Path) -> dict[str, str]:
    po = locale_dir / lang / "LC_MESSAGES" / f"{DOMAIN}.po"
    if lang == SOURCE_LANGUAGE or not po.is_file():
        return {}
    from babel.messages.pofile import read_po

    with po.open("rb") as handle:
        catalog = read_po(handle)
    return {str(m.id): str(m.string) for m in catalog if m.id and m.string and not m.fuzzy}


def translate(text: str, lang: str | None = None, locale_dir: Path | None = None) -> str:
    """``text`` (a French source string) in the interface language; the source when untranslated."""
    if not text:
        return text
    return _catalogue(lang or language(), locale_dir or globals()["locale_dir"]()).get(text, text)
