"""Where each write comes from, recorded in every ``write_log`` row (who, when, what, from where).

``detail["origin"]`` is set on insert (a mapper event in :mod:`maillage.registry.models`), so no
writer can forget it: the client address of the web
request being served (set by the web app for the duration of a request), else this machine and
process for the command line. ``local_actor`` names the command-line user.
"""

from __future__ import annotations

import getpass
import os
import socket
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from maillage.i18n import _

_ORIGIN: ContextVar[str | None] = ContextVar("maillage_write_origin", default=None)


def local_actor() -> str:
    """Who writes from the command line."""
    try:
        return f"cli:{getpass.getuser()}"
    except Exception:  # no user name in some containers
        return "cli"


def actor_fr(actor: str | None) -> str:
    """Who made a change, as a planner reads it: "root (ligne de commande)" for ``cli:root``."""
    if not actor:
        return ""
    if actor == "cli":
        return _("ligne de commande")
    if actor.startswith("cli:"):
        return _("{user} (ligne de commande)").format(user=actor[4:])
    return actor


def local_origin() -> str:
    return f"poste {socket.gethostname()} (processus {os.getpid()})"


def current_origin() -> str:
    return _ORIGIN.get() or local_origin()


@contextmanager
def writes_from(origin: str) -> Iterator[None]:
    """Record ``origin`` on every write made inside the block (one web request)."""
    token = _ORIGIN.set(origin)
    try:
        yield
    finally:
        _ORIGIN.reset(token)
