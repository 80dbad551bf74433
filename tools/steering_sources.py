"""Write maillage/data/steering/sources.csv (file, title, date) from the press releases' own headers.

Usage: python tools/steering_sources.py SEEDS_DIR. The titles and dates are read by
:func:`maillage.steering.sources.seed_header`; nothing is typed by hand.
"""

from __future__ import annotations

import csv
import sys
from pathlib import Path

from maillage.steering.sources import SHIPPED, headers_from_folder


def main(folder: str) -> None:
    out = Path(__file__).resolve().parents[1] / "maillage" / "data" / "steering" / SHIPPED
    with out.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh, lineterminator="\n")
        writer.writerow(["file", "title", "date_fr"])
        for h in headers_from_folder(Path(folder)).values():
            writer.writerow([h.file, h.title, h.date_fr])
    print(out)


if __name__ == "__main__":
    main(sys.argv[1])
