"""Opening hours in French words, both ways: a planner's plain French → OSM syntax, OSM → French.

Planners type hours as they say them ("du lundi au vendredi de 9h à 17h", "le mardi matin"). This
module turns such a sentence into OSM ``opening_hours`` with a small, closed grammar — days, day
ranges and lists, time ranges, "matin"/"après-midi" — and refuses anything else with an example,
because a guessed opening time would silently change an audit. The planner sees the French reading
of the result (:func:`osm_to_french`) before it is stored.

Source hours are a different matter: free text from a source file is never parsed here; it is
transcribed by hand (see :mod:`maillage.registry.hours`).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from maillage.i18n import N_, _

DAY_CODES = ("Mo", "Tu", "We", "Th", "Fr", "Sa", "Su")
_DAY_WORDS = {
    "lundi": 0, "lun": 0, "mardi": 1, "mar": 1, "mercredi": 2, "mer": 2, "jeudi": 3, "jeu": 3,
    "vendredi": 4, "ven": 4, "samedi": 5, "sam": 5, "dimanche": 6, "dim": 6,
}  # fmt: skip
# A half-day named without hours: the convention is shown to the planner in the preview and can be
# overridden by typing the hours.
PERIOD_HOURS = {"matin": ("09:00", "12:00"), "apres-midi": ("14:00", "17:00"), "journee": ("09:00", "17:00")}
_FILLER = {"du", "de", "le", "les", "la", "des", "et", "ouvert", "ouverte", "toute", "tous", "chaque", "h", "a", "au"}
EXAMPLE_FR = N_(
    "par exemple « du lundi au vendredi de 9h à 17h », « lundi, mercredi et vendredi de 8h30 à 12h "
    "et de 13h30 à 17h ; samedi matin » ou, en syntaxe OSM, « Mo-Fr 09:00-17:00 »"
)

_TOKEN = re.compile(
    r"(?P<time>\d{1,2}\s?[h:]\d{2}|\d{1,2}\s?h|midi|minuit)"
    r"|(?P<word>[a-z]+(?:-midi)?)"
    r"|(?P<dash>[-–])"
    r"|(?P<sep>[;,/])"
)


@dataclass
class _Rule:
    days: list[int]
    ranges: list[tuple[str, str]]


def _plain(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text.lower().replace("’", "'"))
    out = "".join(c for c in decomposed if not unicodedata.combining(c))
    out = re.sub(r"\b(?:l|d)'", " ", out).replace("apres midi", "apres-midi")
    return re.sub(r"\btous les jours\b", "lundi au dimanche", out)


def _time(token: str) -> str:
    if token == "midi":
        return "12:00"
    if token == "minuit":
        return "24:00"
    hour, _sep, minute = re.sub(r"\s+", "", token).replace(":", "h").partition("h")
    h, m = int(hour), int(minute or 0)
    if h > 24 or m > 59 or (h == 24 and m):
        raise ValueError(_("heure impossible « {token} »").format(token=token))
    return f"{h:02d}:{m:02d}"


def _tokens(text: str) -> list[tuple[str, str]]:
    out, pos = [], 0
    for match in _TOKEN.finditer(text):
        gap = text[pos : match.start()].strip(" .")
        if gap:
            raise ValueError(_("« {gap} » n'est pas compris").format(gap=gap))
        pos = match.end()
        kind = match.lastgroup or ""
        out.append((kind, match.group(kind).strip()))
    if text[pos:].strip(" ."):
        raise ValueError(_("« {text} » n'est pas compris").format(text=text[pos:].strip()))
    return out


def parse_french(text: str) -> str:
    """OSM ``opening_hours`` for hours said in plain French; ValueError (French, with an example) else."""
    tokens = _tokens(_plain(text))
    rules: list[_Rule] = []
    current = _Rule([], [])
    pending_time: str | None = None
    range_from: int | None = None  # a day followed by "au"/"à"/"-": the next day closes a range
    for index, (kind, value) in enumerate(tokens):
        if kind == "word" and value in _DAY_WORDS:
            day = _DAY_WORDS[value]
            if range_from is None and current.ranges and current.days:
                rules.append(current)  # a new day after a complete rule starts the next one
                current = _Rule([], [])
            if range_from is not None:
                start, span = range_from, (day - range_from) % 7
                current.days.extend((start + i) % 7 for i in range(1, span + 1))
                range_from = None
            else:
                current.days.append(day)
        elif kind == "time":
            if pending_time is None:
                pending_time = _time(value)
            else:
                current.ranges.append((pending_time, _time(value)))
                pending_time = None
        elif kind == "word" and value in PERIOD_HOURS:
            current.ranges.append(PERIOD_HOURS[value])
        elif kind in ("dash", "word") and value in ("-", "–", "au", "a"):
            previous = tokens[index - 1] if index else ("", "")
            if previous[0] == "word" and previous[1] in _DAY_WORDS and pending_time is None:
                range_from = _DAY_WORDS[previous[1]]
        elif kind == "sep" or (kind == "word" and value in _FILLER):
            continue
        else:
            raise ValueError(_("« {value} » n'est pas compris").format(value=value))
    if pending_time is not None:
        raise ValueError(_("l'heure de fin manque après {pending_time}").format(pending_time=pending_time))
    rules.append(current)
    parts = []
    for rule in rules:
        if not rule.ranges:
            raise ValueError(_("il manque les heures (« de 9h à 17h », « matin »)"))
        if not rule.days:
            raise ValueError(_("il manque les jours (« du lundi au vendredi »)"))
        times = ",".join(f"{a}-{b}" for a, b in rule.ranges)
        parts.append(f"{_days_osm(rule.days)} {times}")
    return "; ".join(parts)


def _days_osm(days: list[int]) -> str:
    """Sorted unique days as OSM: [0..4] → Mo-Fr, [0, 2, 4] → Mo,We,Fr."""
    unique = sorted(set(days))
    groups: list[list[int]] = []
    for day in unique:
        if groups and day == groups[-1][-1] + 1:
            groups[-1].append(day)
        else:
            groups.append([day])
    return ",".join(
        DAY_CODES[g[0]] if len(g) == 1 else f"{DAY_CODES[g[0]]}{'-' if len(g) > 2 else ','}{DAY_CODES[g[-1]]}"
        for g in groups
    )


_OSM_WORDS_FR = {
    "Mo": N_("lun."), "Tu": N_("mar."), "We": N_("mer."), "Th": N_("jeu."), "Fr": N_("ven."), "Sa": N_("sam."),
    "Su": N_("dim."), "PH": N_("jours fériés"), "off": N_("fermé"), "Jan": N_("janv."), "Feb": N_("févr."),
    "Mar": N_("mars"), "Apr": N_("avr."), "May": N_("mai"), "Jun": N_("juin"), "Jul": N_("juil."), "Aug": N_("août"),
    "Sep": N_("sept."), "Oct": N_("oct."), "Nov": N_("nov."), "Dec": N_("déc."),
}  # fmt: skip
_OSM_WORD = re.compile(r"\b(" + "|".join(_OSM_WORDS_FR) + r")\b")


def osm_to_french(opening_hours: str | None) -> str:
    """OSM hours in French words: ``Mo-Fr 08:30-12:30`` → ``lun.-ven. 08:30-12:30``."""
    if not opening_hours:
        return ""
    text = _OSM_WORD.sub(lambda m: _(_OSM_WORDS_FR[m.group(1)]), opening_hours)
    return text.replace("; ", " ; ").replace(",", ", ")
