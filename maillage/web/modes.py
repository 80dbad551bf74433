"""One search index per travel mode, the server's own mode at once and the others in the background.

Building an index costs one engine call per site (tens of seconds for a street graph on a loaded
machine): the server answers in its start-up mode as soon as that one is ready, while a daemon
thread builds the other modes; a request for a mode still being built waits for it (it never gets
the times of another mode under that mode's name).
"""

from __future__ import annotations

import threading
from collections.abc import Callable

from maillage.i18n import N_, _
from maillage.orientation.search import SearchIndex

MODE_ORDER = ("walk", "bike", "car", "transit")
# The page's words for each mode (radio labels); the answers use network.engine.MODE_LABELS_FR.
MODE_CHOICES_FR = {"walk": N_("À pied"), "bike": N_("À vélo"), "car": N_("En voiture"),
                   "transit": N_("En transports en commun")}  # fmt: skip  (marked: shown through _())
BUILD_WAIT_S = 600.0  # a request waits at most this long for a mode being built


class ModeUnavailable(LookupError):
    """The mode asked for is not offered here (no feed with timetables for transit) or failed to build."""


class ModeIndexes:
    """The index of each offered mode; :meth:`get` blocks until the mode asked for is built."""

    def __init__(self, ready: SearchIndex, builders: dict[str, Callable[[], SearchIndex]]) -> None:
        self.default = ready.mode
        self.modes = tuple(m for m in MODE_ORDER if m == ready.mode or m in builders)
        self._built: dict[str, SearchIndex] = {ready.mode: ready}
        self._errors: dict[str, str] = {}
        self._done = {m: threading.Event() for m in self.modes}
        self._done[ready.mode].set()
        self._builders = {m: b for m, b in builders.items() if m != ready.mode}

    def start(self) -> ModeIndexes:
        """Build the other modes in a daemon thread (the process may exit while it runs)."""
        if self._builders:
            threading.Thread(target=self._build_all, name="maillage-mode-indexes", daemon=True).start()
        return self

    def build_now(self) -> ModeIndexes:
        """Build the other modes in this thread (tests and scripts that want everything at once)."""
        self._build_all()
        return self

    def _build_all(self) -> None:
        for mode, build in self._builders.items():
            try:
                self._built[mode] = build()
            except Exception as exc:
                self._errors[mode] = str(exc)
            finally:
                self._done[mode].set()

    def ready(self, mode: str) -> bool:
        return mode in self._done and self._done[mode].is_set()

    def get(self, mode: str | None) -> SearchIndex:
        mode = mode or self.default
        if mode not in self._done:
            raise ModeUnavailable(_("mode {mode} non proposé ici").format(mode=repr(mode)))
        if not self._done[mode].wait(BUILD_WAIT_S) or mode not in self._built:
            raise ModeUnavailable(_("les temps {mode} ne sont pas disponibles : {reason}").format(
                mode=repr(mode), reason=self._errors[mode] if mode in self._errors else _("calcul en cours")))
        return self._built[mode]
