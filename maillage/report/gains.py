"""Residents gained and lost by a scenario, in words: one phrasing for the terminal, the HTML report and maps.

« +63 357 habitants gagnés, aucun perdu » rather than « −0 perdus »: a zero is said as « aucun ».
"""

from __future__ import annotations

from maillage.i18n import _
from maillage.numbers import fr_int


def gains_fr(gained: float, lost: float, *, markup: bool = False) -> str:
    """The phrase; ``markup``: the figures coloured for rich (green gained, red lost); the figures are numbers
    formatted here, so the markup cannot be injected."""
    win, loss = fr_int(gained), fr_int(lost)
    if markup:
        win, loss = f"[green]+{win}[/]", f"[red]−{loss}[/]"
    else:
        win, loss = f"+{win}", f"−{loss}"
    if round(gained) and round(lost):
        return _("{gained} habitants gagnés, {lost} perdus").format(gained=win, lost=loss)
    if round(gained):
        return _("{gained} habitants gagnés, aucun perdu").format(gained=win)
    if round(lost):
        return _("aucun habitant gagné, {lost} perdus").format(lost=loss)
    return _("aucun habitant gagné ni perdu")


def lost_label_fr(lost: float) -> str:
    """The legend of the lost cells on a gains-and-losses map."""
    return _("Perdus : −{n} hab.").format(n=fr_int(lost)) if round(lost) else _("Perdus : aucun")
