"""What every report file shares: written atomically (a reader never sees half a report, a failure never
leaves one), and its own Content-Security-Policy (opened from disk, no server sends one)."""

from __future__ import annotations

from maillage.atomic import write_atomic

__all__ = ["REPORT_CSP", "write_atomic"]

# A report is one self-contained file: inline styles and data: images (the maps' rasters), nothing else.
# No script may run in it, whatever a site, commune or scenario name holds, and nothing is fetched.
REPORT_CSP = ("default-src 'none'; script-src 'none'; style-src 'unsafe-inline'; img-src data:; "
              "base-uri 'none'; form-action 'none'")  # fmt: skip
