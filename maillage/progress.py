"""A one-line progress display on stderr for the domain packages, which must not import rich (see
docs/architecture.md): the line is redrawn in place on a terminal and erased at the end, as rich's transient
spinner did; nothing is drawn when stderr is not a terminal (a log file, a pipe, a test), again like rich.
"""

from __future__ import annotations

import sys
import time
from types import TracebackType
from typing import TextIO


class Steps:
    """``with Steps(enabled) as steps: steps.say("reading …")`` — each ``say`` replaces the previous line."""

    def __init__(self, enabled: bool = True, stream: TextIO | None = None) -> None:
        self.enabled = enabled
        self.stream = stream if stream is not None else sys.stderr
        self.started_s = time.perf_counter()
        self._drawn = False

    def _live(self) -> bool:
        return self.enabled and getattr(self.stream, "isatty", lambda: False)()

    def say(self, text: str) -> None:
        if self._live():
            elapsed_s = int(time.perf_counter() - self.started_s)
            self.stream.write(f"\r\x1b[2K{text} {elapsed_s // 3600}:{elapsed_s // 60 % 60:02d}:{elapsed_s % 60:02d}")
            self.stream.flush()
            self._drawn = True

    def log(self, text: str) -> None:
        """A line that stays (when enabled), printed above the live line."""
        if self.enabled:
            self.clear()
            self.stream.write(text + "\n")
            self.stream.flush()

    def clear(self) -> None:
        if self._drawn:
            self.stream.write("\r\x1b[2K")
            self.stream.flush()
            self._drawn = False

    def __enter__(self) -> Steps:
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        self.clear()
