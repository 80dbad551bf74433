"""The reports' one jinja2 Environment: their templates folder, escaping on, words from the message catalogue.

Escaping applies to every template whatever its suffix (.j2 too): site names and addresses are anyone's text.
The visible words of the templates are ``{% trans %}`` blocks and ``_("…")`` calls, looked up in
:mod:`maillage.i18n` when the page is rendered (French, the source language, needs no catalogue file).
"""

from __future__ import annotations

from jinja2 import Environment, PackageLoader

from maillage.i18n import install_gettext


def environment() -> Environment:
    return install_gettext(Environment(loader=PackageLoader("maillage.report", "templates"), autoescape=True))
