"""Suggestions while a resident types in the search box: communes, postcodes and streets of the territory.

Each word typed must begin a word of the suggestion ("jean pier timb" → "Rue Jean-Pierre Timbaud,
Issy-les-Moulineaux"); a leading house number is kept in front of the streets proposed. Every
suggestion is a text that :meth:`~maillage.orientation.lookup.PlaceFinder.find` resolves, so
choosing one and submitting the form finds that place. A nearly right commune name ("bagnex")
is proposed by similarity when no word matches.
"""

from __future__ import annotations

import difflib
import re

from maillage.registry.geocode import normalise_text

_NUMBER = re.compile(r"^(\d{1,4}(?:\s?(?:bis|ter))?)\s+(.+)$")
MIN_QUERY_CHARS = 2
SIMILAR_NAME = 0.7


class Suggester:
    """Candidates in display form with their normalised words (a space in front, for word-start tests)."""

    def __init__(
        self,
        commune_names: dict[str, str],
        postcodes: dict[str, list[str]],
        streets: list[tuple[str, str]],
    ) -> None:
        self._communes = sorted(((f" {normalise_text(n)}", n) for n in commune_names.values()), key=lambda t: t[1])
        self._postcodes = sorted(
            (p, f"{p} {commune_names[c]}") for p, codes in postcodes.items() for c in codes if c in commune_names
        )
        seen: dict[str, str] = {}
        for street, code in streets:
            if street and code in commune_names:
                # " rue jean pierre timbaud| issy les moulineaux": left of "|" are the street's own words
                key = f" {normalise_text(street)}| {normalise_text(commune_names[code])}"
                seen.setdefault(key, f"{street}, {commune_names[code]}")
        self._streets = sorted(seen.items(), key=lambda kv: kv[1])
        self._names = {normalise_text(n): n for n in commune_names.values()}

    def suggest(self, text: str, limit: int = 8) -> list[str]:
        norm = normalise_text(text)
        if len(norm) < MIN_QUERY_CHARS:
            return []
        if norm.isdigit():
            return [label for p, label in self._postcodes if p.startswith(norm)][:limit]
        number, rest = (m.group(1), m.group(2)) if (m := _NUMBER.match(norm)) else (None, norm)
        needles = [f" {w}" for w in rest.split()]

        def matches(key: str) -> bool:
            return all(n in key for n in needles)

        out = [] if number else [label for key, label in self._communes if matches(key)]
        for key, label in self._streets:
            if len(out) >= limit:
                break
            # at least one word of the street itself: a commune's name alone proposes the commune
            if matches(key) and any(n in key[: key.index("|")] for n in needles):
                out.append(f"{number} {label}" if number else label)
        if not out and not number:
            close = difflib.get_close_matches(norm, list(self._names), n=limit, cutoff=SIMILAR_NAME)
            out = [self._names[k] for k in close]
        return out[:limit]
