"""Command line, one module per command group; :data:`app` (``maillage.cli:app``) is the ``maillage`` command.

:mod:`.main` holds the root app and its own commands (init, audit, serve, user, audit-many, orient) and mounts
:mod:`.sites`, :mod:`.scenario`, :mod:`.plan` and :mod:`.steering`; :mod:`.common` is what they share.
"""

from maillage.cli.main import app

__all__ = ["app"]
