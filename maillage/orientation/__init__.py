"""Orientation of residents ("Où m'adresser ?"): need → services → places ranked by travel time.

* :mod:`.search` — the precomputed cells × sites minutes and the raw ranked search;
* :mod:`.orient` — the resident's answer: urgent numbers, own pôle by sector, merged place cards;
* :mod:`.lookup` — one search box (commune, postcode, address) with "vouliez-vous dire";
* :mod:`.urgent` — national numbers from ``data/urgent_numbers.csv``;
* :mod:`.setup` — building all of it from a registry (CLI and web share it).
"""
