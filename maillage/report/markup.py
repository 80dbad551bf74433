"""Terminal text that mixes our markup with other people's words.

rich reads ``[bold]…[/]`` in everything it prints, so a site named ``Pôle [/]`` crashes a command and one
named ``[link=https://…]ici[/link]`` prints a live link in a planner's terminal. Our messages keep their
markup; every value filled into them — a site's or a scenario's name, a file's row, an error — is escaped
first. Numbers keep their format specifications (``{share:.1%}``).
"""

from __future__ import annotations

from numbers import Number
from typing import Any

from rich.markup import escape

__all__ = ["escape", "fill"]


def fill(template: str, /, **values: Any) -> str:
    """``template.format(**values)`` with every value but numbers escaped for rich markup (paths included)."""
    return template.format(**{k: v if isinstance(v, Number) else escape(str(v)) for k, v in values.items()})
