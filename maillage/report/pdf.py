"""HTML → PDF with the system's Chromium (headless print): A4 pages, page numbers from CSS.

The page size, margins and footer (``@page`` and its margin boxes) are the stylesheet's; Chromium
only prints. It is the browser the tests already drive (``scripts/browser.sh`` installs Debian's),
never a downloaded one. ``pdftotext`` (poppler-utils), when present, tells on which page each
heading fell, so a table of contents can carry page numbers after a second print.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

from maillage.i18n import _

CANDIDATES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")


class PdfUnavailableError(RuntimeError):
    """No Chromium to print with (the message is the French sentence to show)."""


def chromium_path() -> str:
    explicit = os.environ.get("MAILLAGE_CHROMIUM")
    found = explicit if explicit and Path(explicit).is_file() else None
    found = found or next(filter(None, map(shutil.which, CANDIDATES)), None)
    if found is None:
        raise PdfUnavailableError(_(
            "PDF non produit : Chromium est introuvable (installez le paquet chromium, ou donnez son chemin "
            "dans MAILLAGE_CHROMIUM) ; le rapport HTML est écrit."
        ))
    return found


def print_pdf(html: str, pdf_path: Path) -> None:
    """Print ``html`` (a self-contained page) to ``pdf_path`` with headless Chromium."""
    with tempfile.TemporaryDirectory(prefix="maillage-pdf-") as tmp:
        page = Path(tmp) / "page.html"
        page.write_text(html, encoding="utf-8")
        # a profile of its own: several prints (or a running browser) never share one
        command = [chromium_path(), "--headless", "--no-sandbox", "--disable-gpu", "--no-pdf-header-footer",
                   f"--user-data-dir={tmp}/profile", f"--print-to-pdf={pdf_path}", page.as_uri()]  # fmt: skip
        done = subprocess.run(command, capture_output=True, text=True, timeout=180, check=False)
        if done.returncode != 0 or not pdf_path.is_file():
            raise PdfUnavailableError(_("PDF non produit : Chromium a échoué ({error})").format(
                error=done.stderr.strip()[-300:]))


def page_texts(pdf_path: Path) -> list[str] | None:
    """Each page's text (``pdftotext -layout``), or None when poppler-utils is not installed."""
    tool = shutil.which("pdftotext")
    if tool is None:
        return None
    done = subprocess.run([tool, "-layout", str(pdf_path), "-"], capture_output=True, text=True, timeout=60,
                          check=False)  # fmt: skip
    return done.stdout.split("\f") if done.returncode == 0 else None


def heading_pages(pages: list[str], headings: list[str], first_page: int = 1) -> dict[str, int]:
    """1-based page of each heading: the first page from ``first_page`` with a line equal to it."""
    found: dict[str, int] = {}
    for number, text in enumerate(pages, start=1):
        if number < first_page:
            continue
        lines = {" ".join(line.split()) for line in text.splitlines()}
        for h in headings:
            if h not in found and " ".join(h.split()) in lines:
                found[h] = number
    return found
