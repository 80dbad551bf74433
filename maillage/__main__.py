"""``python -m maillage …``: the same command as the installed ``maillage``."""

from maillage.cli import app

app(prog_name="maillage")
