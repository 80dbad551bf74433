"""French ``--help`` screens: value placeholders a person reads, no ``<bool>`` on flags, French panel words.

Typer prints each option's Python type as its placeholder (``--week <bool>``, ``--db <str>``) and its
panels and defaults in English. :func:`install` (called once by :mod:`maillage.cli`) swaps the
placeholders for French words (``TEXTE``, ``NOMBRE``, ``CHEMIN`` …), prints none for on/off flags,
writes decimal defaults with a French comma (and lets decimal options take one), and sets typer's
panel strings and click's ``--help`` text in French. Option names stay English.

typer imports its ``rich_utils`` (and with it rich's Markdown, about 0.15 s) only to draw a help screen or an
error; the panel strings are set the moment it does, so a command that runs pays nothing for them.
"""

from __future__ import annotations

import re
import sys
from types import ModuleType
from typing import Any

import typer._adapters
import typer.core
import typer.main

# typer 0.29 vendors click as typer._click: its Command, not the installed click's, builds --help
from typer import _click as click

from maillage.i18n import N_, _
from maillage.numbers import fr_number

PLACEHOLDERS = {"str": N_("TEXTE"), "int": N_("ENTIER"), "float": N_("NOMBRE"), "path": N_("CHEMIN"),
                "Path": N_("CHEMIN"), "file": N_("FICHIER"), "directory": N_("DOSSIER"), "datetime": N_("DATE"),
                "bool": N_("OUI|NON")}  # fmt: skip
# A command's arguments by their Python names (scenario, site_id…): what the usage line, the Arguments panel and
# « Argument manquant : … » show instead of the name in the code
ARGUMENT_LABELS = {"name": N_("NOM"), "other": N_("AUTRE_SCÉNARIO"), "scenario": N_("SCÉNARIO"),
                   "site_id": N_("SITE"), "site": N_("SITE"), "file": N_("FICHIER"), "files": N_("FICHIERS"),
                   "folders": N_("DOSSIERS"), "where": N_("LIEU"), "username": N_("IDENTIFIANT"),
                   "hours": N_("HORAIRES"), "services": N_("SERVICES"), "commune": N_("COMMUNE"),
                   "sector": N_("SECTEUR")}  # fmt: skip
SUBCOMMAND_LABEL = N_("COMMANDE [ARGUMENTS]...")  # click's "COMMAND [ARGS]..." in a group's usage line
HELP_TEXT = N_("Afficher cette aide et quitter.")
_original_option_type = typer.core.TyperOption.display_type_rich
_original_argument_type = typer.core.TyperArgument.display_type_rich
_original_help_option = click.core.Command.get_help_option
_original_write_usage = click.formatting.HelpFormatter.write_usage
_original_get_command = typer.main.get_command
_original_usage_pieces = typer.core.TyperGroup.collect_usage_pieces
_original_default_string = typer.core.TyperOption._get_default_string
_original_number_adapter = typer._adapters._build_number_adapter
USAGE_PREFIX = N_("Utilisation : ")


def placeholder(typer_label: str | None) -> str | None:
    """``<list[Path]>`` → ``CHEMIN``, ``<float>`` → ``NOMBRE``; choices (``<a|b>``) kept as ``a|b``."""
    if typer_label is None:
        return None
    label = typer_label.strip("<>")
    label = re.sub(r"^(int|float) range$", r"\1", label)  # typer's IntRange; its bounds: _number_range
    repeated = label.endswith("...")
    label = re.sub(r"^list\[(.*)\]$", r"\1", label.removesuffix("..."))
    word = _(PLACEHOLDERS[label]) if label in PLACEHOLDERS else label
    return word + ("..." if repeated else "")


def _option_type(self: typer.core.TyperOption, ctx: click.Context) -> str | None:
    if self.metavar is None and self.is_bool_flag:
        return None  # an on/off flag takes no value: nothing to show
    return placeholder(_original_option_type(self, ctx))


def _argument_type(self: typer.core.TyperArgument, ctx: click.Context) -> str | None:
    return placeholder(_original_argument_type(self, ctx))


def _help_option(self: click.core.Command, ctx: click.Context) -> click.Option | None:
    option = _original_help_option(self, ctx)
    if option is not None:
        option.help = _(HELP_TEXT)
        # Unset, typer's help flag is None, and coercing None to a bool loads pydantic (about 0.13 s) in the
        # group of every sub-command's --help; False is what the flag means when absent.
        option.default = False
    return option


def _number_range(self: Any) -> str | None:
    """An option's bounds as French writes them (« au moins 1 », « de 0 à 1 »), not typer's ``x>=1``."""
    low, high = getattr(self, "min", None), getattr(self, "max", None)
    if low is None and high is None:
        return None
    if high is None:
        return _("au moins {low}").format(low=fr_number(low))
    if low is None:
        return _("au plus {high}").format(high=fr_number(high))
    return _("de {low} à {high}").format(low=fr_number(low), high=fr_number(high))


def _default_string(self: Any, *, ctx: click.Context, show_default_is_str: bool, default_value: Any) -> str:
    """A decimal default as French writes it (``20``, ``0,05``), not Python's ``20.0``."""
    if isinstance(default_value, float) and not show_default_is_str:
        return fr_number(default_value)
    return _original_default_string(self, ctx=ctx, show_default_is_str=show_default_is_str,
                                    default_value=default_value)  # fmt: skip


def french_decimal(value: Any) -> Any:
    """« 0,05 » as 0.05: a decimal option takes the French comma its help shows, and the point."""
    if isinstance(value, str) and value.count(",") == 1 and "." not in value:
        return value.replace(",", ".")
    return value


def _number_adapter(number_class: Any, *, min: Any, max: Any, clamp: Any) -> Any:
    if number_class is float and not clamp:
        # pydantic is typer's converter: imported here, when a value is converted, as typer itself does
        from typing import Annotated

        from pydantic import BeforeValidator

        number_class = Annotated[float, BeforeValidator(french_decimal)]
    return _original_number_adapter(number_class, min=min, max=max, clamp=clamp)


def _write_usage(self: Any, prog: str, args: str = "", prefix: str | None = None) -> None:
    _original_write_usage(self, prog, args, _(USAGE_PREFIX) if prefix is None else prefix)


# click's usage errors, as typer's vendored click writes them (no gettext there): pattern → French
USAGE_ERRORS_FR = [
    (r"\bValue error, ", ""),  # pydantic's prefix of a validator's own (French) message
    (r"^Missing argument '?([^'.]+)'?\.?", N_(r"Argument manquant : \1.")),
    (r"^Missing option '?([^'.]+)'?\.?", N_(r"Option manquante : \1.")),
    (r"^Missing parameter: (.+)", N_(r"Valeur manquante : \1")),
    (r"^No such option: (\S+)", N_(r"Option inconnue : \1")),
    (r"\(Possible options: (.+)\)", N_(r"(options proches : \1)")),
    (r"Did you mean (.+)\?", N_(r"Vouliez-vous dire \1 ?")),
    (r"^No such command '([^']+)'\.", N_(r"Commande inconnue : « \1 ».")),
    (r"^Missing command\.", N_("Commande manquante.")),
    (r"^Got unexpected extra arguments?(?:\(s\))? \((.+)\)", N_(r"Argument(s) en trop : \1")),
    (r"^Option '([^']+)' requires an argument\.", N_(r"L'option \1 attend une valeur.")),
    (r"^Option '([^']+)' requires (\d+) arguments\.", N_(r"L'option \1 attend \2 valeurs.")),
    (r"^Invalid value for '?([^':]+)'?: ", N_(r"Valeur invalide pour \1 : ")),
    (r"^Invalid value: ", N_("Valeur invalide : ")),
    (r"(?:Value )?'([^']*)' is not a valid (?:float|integer|int)\.", N_(r"« \1 » n'est pas un nombre.")),
    (r"(?:Value )?'([^']*)' is not one of (.+)\.", N_(r"« \1 » n'est pas l'un de : \2.")),
    (r"Path '([^']*)' does not exist\.", N_(r"le chemin « \1 » n'existe pas.")),
    (r"Input should be a valid integer.*", N_("un nombre entier est attendu.")),
    (r"Input should be greater than or equal to (\S+?)\.?$", N_(r"une valeur d'au moins \1 est attendue.")),
    (r"Input should be less than or equal to (\S+?)\.?$", N_(r"une valeur d'au plus \1 est attendue.")),
    (r"Input should be greater than (\S+?)\.?$", N_(r"une valeur supérieure à \1 est attendue.")),
    (r"Input should be less than (\S+?)\.?$", N_(r"une valeur inférieure à \1 est attendue.")),
    (r"Input should be a valid number.*", N_("un nombre est attendu, par exemple 2,25 ou 20.")),
    (r"Vouliez-vous dire '([^']+)' \?", N_(r"Vouliez-vous dire « \1 » ?")),
]


def usage_error_fr(message: str) -> str:
    """A click usage error in French (unknown wordings pass unchanged)."""
    # the possible values without Python's quotes: « n'est pas l'un de : table, json, csv. »
    message = re.sub(r"(is not one of )(.+)\.", lambda m: m.group(1) + m.group(2).replace("'", "") + ".", message)
    for pattern, french in USAGE_ERRORS_FR:
        message = re.sub(pattern, _(french), message)
    return message


def _french_errors() -> None:
    import typer.exceptions

    classes = [*vars(click.exceptions).values(), typer.exceptions.TyperException]
    for value in classes:
        if (
            isinstance(value, type)
            and issubclass(value, typer.exceptions.TyperException)
            and "format_message" in vars(value)
            and not getattr(value.format_message, "_french", False)
        ):
            original = value.format_message

            def format_message(self: Any, _original: Any = original) -> str:
                return usage_error_fr(_original(self))

            format_message._french = True  # type: ignore[attr-defined]
            value.format_message = format_message  # type: ignore[method-assign]


def _french_panels(ru: ModuleType) -> None:
    ru.DEFAULT_STRING = _("[défaut : {}]")
    ru.RANGE_STRING = " ({})"
    ru.ENVVAR_STRING = _("[variable d'environnement : {}]")
    ru.REQUIRED_LONG_STRING = _("[obligatoire]")
    ru.ARGUMENTS_PANEL_TITLE = _("Arguments")
    ru.OPTIONS_PANEL_TITLE = _("Options")
    ru.COMMANDS_PANEL_TITLE = _("Commandes")
    ru.ERRORS_PANEL_TITLE = _("Erreur")
    ru.ABORTED_TEXT = _("Abandon.")
    ru.RICH_HELP = _("Aide : [blue]« {command_path} {help_option} »[/]")


class _LoaderThenFrench:
    """Runs typer.rich_utils as its own loader would, then sets the French strings on it."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner

    def __getattr__(self, name: str) -> Any:  # get_source, is_package…: the file loader's own
        return getattr(self.inner, name)

    def create_module(self, spec: Any) -> ModuleType | None:
        return self.inner.create_module(spec)

    def exec_module(self, module: ModuleType) -> None:
        self.inner.exec_module(module)
        _french_panels(module)


class _FrenchWhenImported:
    """A meta-path finder that only wraps the loader of typer.rich_utils; every other import passes by."""

    def find_spec(self, fullname: str, path: Any, target: Any = None) -> Any:
        if fullname != "typer.rich_utils":
            return None
        for finder in sys.meta_path:
            if finder is self or not hasattr(finder, "find_spec"):
                continue
            spec = finder.find_spec(fullname, path, target)
            if spec is not None and spec.loader is not None:
                spec.loader = _LoaderThenFrench(spec.loader)
                return spec
        return None


def _argument_name(self: typer.core.TyperArgument) -> str:
    """An argument as the usage line, its panel and « Argument manquant » show it: its French label
    (:data:`ARGUMENT_LABELS`), not its Python name."""
    if self.metavar is not None:
        return self.metavar
    return _(ARGUMENT_LABELS[self.name]) if self.name in ARGUMENT_LABELS else str(self.name)


def _usage_pieces(self: Any, ctx: click.Context) -> list[str]:
    pieces = _original_usage_pieces(self, ctx)
    return [_(SUBCOMMAND_LABEL) if piece == "COMMAND [ARGS]..." else piece for piece in pieces]


def _translated(command: Any) -> Any:
    """The click command tree with every help text looked up in the catalogue (``MAILLAGE_LANG``)."""
    from maillage import i18n

    if i18n.language() == i18n.SOURCE_LANGUAGE:
        return command
    stack = [command]
    while stack:
        node = stack.pop()
        node.help = i18n.translate(node.help) if node.help else node.help
        for param in getattr(node, "params", []):
            if getattr(param, "help", None):
                param.help = i18n.translate(param.help)
        stack.extend(getattr(node, "commands", {}).values())
    return command


def _get_command(typer_instance: Any) -> Any:
    return _translated(_original_get_command(typer_instance))


def install() -> None:
    """Apply the French help settings (idempotent)."""
    import typer.main

    if typer.main.get_command is not _get_command:
        typer.main.get_command = _get_command
    typer.core.TyperOption.display_type_rich = _option_type  # type: ignore[method-assign]
    typer.core.TyperArgument.display_type_rich = _argument_type  # type: ignore[method-assign]
    typer.core.TyperArgument.display_name_raw = property(_argument_name)  # type: ignore[assignment]
    typer.core.TyperGroup.collect_usage_pieces = _usage_pieces  # type: ignore[method-assign]
    typer.core.TyperOption._get_default_string = _default_string  # type: ignore[method-assign]
    typer.core.TyperOption._get_number_range_help_str = _number_range  # type: ignore[method-assign]
    typer.core.TyperArgument._get_number_range_help_str = _number_range  # type: ignore[method-assign]
    typer._adapters._build_number_adapter = _number_adapter
    click.core.Command.get_help_option = _help_option  # type: ignore[method-assign]
    click.formatting.HelpFormatter.write_usage = _write_usage  # type: ignore[method-assign]
    _french_errors()
    if "typer.rich_utils" in sys.modules:
        _french_panels(sys.modules["typer.rich_utils"])
    elif not any(isinstance(finder, _FrenchWhenImported) for finder in sys.meta_path):
        sys.meta_path.insert(0, _FrenchWhenImported())
