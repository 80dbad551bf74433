"""One message catalogue for the words people read: French source strings, other languages as translations.

maillage's users read French, so the source strings are French and French needs no file. Every text a
person reads goes through this module: the command line's ``--help`` texts (read from the typer
declarations), its messages and the errors the library raises (``_("…")``, ``ngettext(…)``), the report
and web templates (``{% trans %}``, through :func:`install_gettext`). ``tools/extract_messages.py``
(Babel) collects them all into ``maillage/locale/maillage.pot``; an interface in another language is a
``maillage/locale/<lang>/LC_MESSAGES/maillage.po`` (or its compiled ``.mo``) translated from that template
and chosen with ``MAILLAGE_LANG`` (e.g. ``en``) — a translation, not a rewrite of the code. A missing entry
falls back to the French source.

Placeholders are named and filled after translation (``_("{n} sites ajoutés.").format(n=…)``), so that a
translation may move them; a message is never built with an f-string inside ``_()``.

A neutral module (standard library, Babel only when a ``.po`` has to be compiled): domain packages import it.
"""

from __future__ import annotations

import gettext as _gettext
import io
import os
from collections.abc import Mapping
from functools import cache
from pathlib import Path
from typing import Any

DOMAIN = "maillage"
SOURCE_LANGUAGE = "fr"
LOCALE_DIR = Path(__file__).parent / "locale"


def locale_dir() -> Path:
    """The shipped catalogues, or a folder of one's own translations (``MAILLAGE_LOCALE_DIR``)."""
    return Path(os.environ.get("MAILLAGE_LOCALE_DIR") or LOCALE_DIR)


def language() -> str:
    return os.environ.get("MAILLAGE_LANG", SOURCE_LANGUAGE).strip().lower() or SOURCE_LANGUAGE


class _French(_gettext.NullTranslations):
    """The source language: every msgid as written, with the French plural (0 and 1 take the singular)."""

    def ngettext(self, msgid1: str, msgid2: str, n: int) -> str:  # type: ignore[override]
        return msgid1 if abs(n) < 2 else msgid2


def _compiled(po: Path) -> bytes:
    """A ``.po`` file as ``.mo`` bytes (fuzzy entries left out, as msgfmt does)."""
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    with po.open("rb") as handle:
        catalog = read_po(handle)
    buffer = io.BytesIO()
    write_mo(buffer, catalog)
    return buffer.getvalue()


@cache
def translations(lang: str, folder: Path) -> _gettext.NullTranslations:
    """The catalogue of ``lang`` in ``folder`` (``.mo`` if compiled, else the ``.po``), French underneath."""
    source = _French()
    base = folder / lang / "LC_MESSAGES" / DOMAIN
    mo, po = base.with_suffix(".mo"), base.with_suffix(".po")
    if lang == SOURCE_LANGUAGE or not (mo.is_file() or po.is_file()):
        return source
    found = _gettext.GNUTranslations(io.BytesIO(mo.read_bytes() if mo.is_file() else _compiled(po)))
    found.add_fallback(source)
    return found


def _current() -> _gettext.NullTranslations:
    return translations(language(), locale_dir())


def translate(text: str, lang: str | None = None, folder: Path | None = None) -> str:
    """``text`` (a French source string) in the interface language; the source when untranslated."""
    if not text:
        return text  # gettext("") is the catalogue's header, never a message
    return translations(lang or language(), folder or locale_dir()).gettext(text)


def gettext(message: str) -> str:
    return translate(message)


_ = gettext


def ngettext(singular: str, plural: str, n: int) -> str:
    """The form for ``n`` in the interface language (French: singular for 0 and 1)."""
    return _current().ngettext(singular, plural, n)


def N_(message: str) -> str:
    """Marks a message for the catalogue where it is defined; whoever shows it calls ``_()`` on it."""
    return message


def install_gettext(env: Any) -> Any:
    """A jinja2 Environment with ``{% trans %}`` and ``_()`` looked up here (jinja2 itself is not imported)."""
    env.add_extension("jinja2.ext.i18n")
    env.install_gettext_callables(gettext, ngettext, newstyle=True)
    return env


def label_of(labels: Mapping[Any, str], code: Any) -> str:
    """``code``'s label in ``labels`` (marked with :func:`N_`), translated; the code itself when it has none.

    StrEnum keys match their plain string codes, so ``label_of(KIND_LABELS_FR, "pmi")`` works.
    """
    return _(labels[code]) if code in labels else str(code)
