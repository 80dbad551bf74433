"""Every word a person reads comes from one message catalogue, in French, and another language is a translation.

The catalogue template is up to date (re-extracted and compared); scans find the person-facing strings that
do not go through it (the command line's messages, the library's French error messages, the templates'
text); an English catalogue written here changes a --help text, a CLI message, a report's words and a plural.
"""

from __future__ import annotations

import ast
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from babel.messages.pofile import read_po, write_po

from maillage.i18n import install_gettext

ROOT = Path(__file__).resolve().parents[1]
TEMPLATE = ROOT / "maillage" / "locale" / "maillage.pot"
ENGLISH = re.compile(
    r"\b(the|of|and|with|without|default|file|folder|show|write|number|name|each|which|when|from|this|"
    r"output|input|run|load|print|per|rows|scheduler|local)\b"
)


def test_the_catalogue_template_is_up_to_date() -> None:
    """Re-extracted now, the template holds the same messages as the committed maillage.pot."""
    check = subprocess.run([sys.executable, "tools/extract_messages.py", "--check"], cwd=ROOT,
                           capture_output=True, text=True, timeout=120)  # fmt: skip
    assert check.returncode == 0, "run `python tools/extract_messages.py`:\n" + check.stdout


def test_the_source_strings_are_french() -> None:
    with TEMPLATE.open("rb") as handle:
        texts = [str(m.id) for m in read_po(handle) if m.id]
    assert len(texts) > 100
    # option names (--pole-kinds), values (walk, json), paths, {placeholders} and [markup] stay as typed;
    # the sentences are French
    # and French words spelled as English ones are French in their official names (the CLIC: "centre local …")
    prose = [re.sub(r"--[\w-]+|`[^`]*`|«[^»]*»|\{[^}]*\}|%\(\w+\)s|\[/?[a-z ]*\]|centre local d'information|"
                    r"\b(walk|bike|car|transit|table|json|csv|geojson|html)\b", "", t) for t in texts]  # fmt: skip
    english = [t for t, p in zip(texts, prose, strict=True) if ENGLISH.search(p)]
    assert not english, english[:5]


def test_another_language_is_a_translation_not_a_rewrite(tmp_path: Path) -> None:
    with TEMPLATE.open("rb") as handle:
        template = read_po(handle)
    source = "Lister, montrer, importer et exporter les sites."
    assert source in [m.id for m in template]
    english = Catalog(locale="en")
    english.add(source, "List, show, import and export the sites.")
    folder = tmp_path / "en" / "LC_MESSAGES"
    folder.mkdir(parents=True)
    with (folder / "maillage.po").open("wb") as handle:
        write_po(handle, english)
    env = {**os.environ, "MAILLAGE_LANG": "en", "MAILLAGE_LOCALE_DIR": str(tmp_path), "COLUMNS": "200"}
    shown = subprocess.run([sys.executable, "-m", "maillage", "--help"], env=env, capture_output=True, text=True,
                           timeout=120)  # fmt: skip
    assert "List, show, import and export the sites." in shown.stdout, shown.stdout
    french = subprocess.run([sys.executable, "-m", "maillage", "--help"], env={**env, "MAILLAGE_LANG": "fr"},
                            capture_output=True, text=True, timeout=120)  # fmt: skip
    assert source in french.stdout  # French needs no file: the source strings are French


LIEUX = ("{n} lieu pour ce besoin, du plus proche au plus loin :",
         "{n} lieux pour ce besoin, du plus proche au plus loin :")  # fmt: skip
def write_english_mo(folder: Path, messages: dict) -> None:
    """An English ``folder/en/LC_MESSAGES/maillage.mo`` of ``messages`` (French source → English), after checking
    that every source is a message of the catalogue, not an invented one."""
    from babel.messages.mofile import write_mo

    with TEMPLATE.open("rb") as handle:
        known = {m.id for m in read_po(handle)}
    assert set(messages) <= known  # sources of the catalogue, not invented ones
    english = Catalog(locale="en")
    for source, text in messages.items():
        english.add(source, text)
    target = folder / "en" / "LC_MESSAGES"
    target.mkdir(parents=True)
    with (target / "maillage.mo").open("wb") as handle:
        write_mo(handle, english)


ENGLISH_MO = {  # French source → English, one of each kind: a CLI message, a report's words, a plural
    "rôle « {role} » inconnu : --role planner (planification) ou --role admin (administration)":
        "unknown role “{role}”: --role planner (planning) or --role admin (administration)",
    "Hypothèses et notes": "Assumptions and notes",
    LIEUX: ("{n} place for this need, nearest first:", "{n} places for this need, nearest first:"),
}


def test_an_english_catalogue_changes_messages_reports_and_plurals(tmp_path: Path, monkeypatch) -> None:
    """A compiled .mo, alone in its folder: the CLI's error line, a report's heading and the plural rule of the
    language (English: 0 places; French: 0 lieu) all follow it; French is unchanged."""

    from maillage.i18n import ngettext
    from maillage.report.templating import environment

    write_english_mo(tmp_path, ENGLISH_MO)
    env = {**os.environ, "MAILLAGE_LANG": "en", "MAILLAGE_LOCALE_DIR": str(tmp_path)}
    expectations = (("en", "unknown role “chef”: --role planner"), ("fr", "rôle « chef » inconnu : --role planner"))
    for lang, expected in expectations:
        command = [sys.executable, "-m", "maillage", "user", "add", "x", "--role", "chef"]
        shown = subprocess.run(command, env={**env, "MAILLAGE_LANG": lang}, capture_output=True, text=True, timeout=120)
        assert shown.returncode == 1 and expected in shown.stderr, shown.stderr
    page = {"title": "t", "subtitle": "", "headline": "", "sections": [], "maps": [], "notes": [], "generated": "d"}
    monkeypatch.setenv("MAILLAGE_LOCALE_DIR", str(tmp_path))
    monkeypatch.setenv("MAILLAGE_LANG", "en")
    assert "<h2>Assumptions and notes</h2>" in environment().get_template("planning.html.j2").render(page)
    assert [ngettext(*LIEUX, n).format(n=n) for n in (0, 1, 2)] == [
        "0 places for this need, nearest first:", "1 place for this need, nearest first:",
        "2 places for this need, nearest first:"]  # fmt: skip
    monkeypatch.setenv("MAILLAGE_LANG", "fr")
    assert "<h2>Hypothèses et notes</h2>" in environment().get_template("planning.html.j2").render(page)
    assert [ngettext(*LIEUX, n).format(n=n)[:8] for n in (0, 1, 2)] == ["0 lieu p", "1 lieu p", "2 lieux "]


# ---- coverage: no person-facing text outside the catalogue ------------------------------------------------------

# calls whose first argument (or description=/title=) a person reads: console/err .print, the error line, prompts,
# spinner steps, table titles and headers, panels, chart titles and axis labels
SHOWN_BY = {"print", "echo", "fail", "_fail", "BadParameter", "prompt", "add_task", "update", "say", "Table",
            "add_column", "Exit", "Panel", "set_title", "set_xlabel", "set_ylabel", "suptitle", "set_label",
            "annotate", "HTTPException", "AccountError", "ModeUnavailable"}  # fmt: skip
# calls whose every positional argument a person reads (a table's cells: numbers are names or calls, never words)
SHOWN_ALL = {"add_row"}
SHOWN_AT = {"text": 2}  # fig.text(x, y, s): the text is the third argument
# keyword arguments a person reads, whatever the call (a legend's label=, a web error's detail=, a caption)
SHOWN_KEYWORDS = {"description", "title", "label", "detail", "caption", "xlabel", "ylabel"}
# the same words as members of a dict (the steering and planning tables, a JSON error body) or attributes set
SHOWN_KEYS = {"title", "columns", "rows", "notes", "header", "heading", "headline", "label", "detail", "caption",
              "alt", "error"}  # fmt: skip
MARKERS = {"_", "gettext", "ngettext", "N_"}
WORD = re.compile(r"[A-Za-zÀ-ÿ]{2,}")
MARKUP = re.compile(r"\[/?[a-z ]*\]|\{[^}]*\}")  # rich markup and str.format fields carry no words
# the library's French error messages (raised where the problem is found, shown by the CLI and the web)
FRENCH_HINT = re.compile(r"[éèêàùçôîœ«»]|\b(le|la|les|des|du|est|pas|une|aucun|doit|dans)\b", re.IGNORECASE)
RAISING = ["maillage/registry", "maillage/planning", "maillage/textinput.py", "maillage/orientation/text.py"]
# the modules that show what the library computed: terminal tables, HTML reports, charts, maps, web answers;
# every French literal of theirs goes through the catalogue, shown by a known call or not
PRESENTING = ["maillage/report", "maillage/web"]
NOT_SHOWN_BY = {"debug", "info", "warning", "error", "exception", "critical"}  # log lines, for engineers, in English
# the web API's OpenAPI document (route summaries, parameter and response descriptions) is fixed when the app is
# declared and read by programmers: it stays French text outside the catalogue, like a docstring
API_DOC_CALLS = {"FastAPI", "APIRouter", "Query", "Path", "Field", "Form", "Body", "Header", "Cookie", "get", "post",
                 "put", "patch", "delete", "api_route"}  # fmt: skip
API_DOC_KEYS = {"summary", "description", "title", "response_description"}
IDENTIFIER = re.compile(r"[a-z_]+")  # a key or an id ("le": pydantic's bound), never a sentence


def _name(call: ast.Call) -> str:
    f = call.func
    return f.id if isinstance(f, ast.Name) else f.attr if isinstance(f, ast.Attribute) else ""


def _unmarked(node: ast.expr) -> list[ast.expr]:
    """The literal parts of a shown expression that carry words and do not go through the catalogue."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return [node] if WORD.search(MARKUP.sub("", node.value)) else []
    if isinstance(node, ast.JoinedStr):
        text = "".join(v.value for v in node.values if isinstance(v, ast.Constant))
        return [node] if WORD.search(MARKUP.sub("", text)) else []
    if isinstance(node, ast.BinOp):
        return _unmarked(node.left) + _unmarked(node.right)
    if isinstance(node, ast.IfExp):
        return _unmarked(node.body) + _unmarked(node.orelse)
    if isinstance(node, ast.List | ast.Tuple):  # a header row, a list of cells
        return [n for elt in node.elts for n in _unmarked(elt)]
    if isinstance(node, ast.ListComp | ast.GeneratorExp):  # rows built from data: the literals of each row
        return _unmarked(node.elt)
    if isinstance(node, ast.Dict):  # {True: "oui", False: "non"}[flag]
        return [n for value in node.values if value is not None for n in _unmarked(value)]
    if isinstance(node, ast.Subscript):
        return _unmarked(node.value)
    if isinstance(node, ast.Starred):
        return _unmarked(node.value)
    return []  # a call (_() among them), a name, an attribute: text made elsewhere


def _built(node: ast.expr) -> bool:
    """An f-string, a concatenation or a formatted string: text the extractor cannot read. A name is fine: the
    translation of a message marked where it is defined (``N_``)."""
    return isinstance(node, ast.JoinedStr | ast.BinOp | ast.Call)


def _api_docs(tree: ast.AST) -> set[int]:
    """The nodes of the OpenAPI document: documenting keywords of the API's declarations, and the
    ``description``/``title`` members of a dict (a route's ``responses``, a schema patched in)."""
    docs: list[ast.expr] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and _name(node) in API_DOC_CALLS:
            docs += [k.value for k in node.keywords if k.arg in API_DOC_KEYS]
        elif isinstance(node, ast.Dict):
            docs += [v for k, v in zip(node.keys, node.values, strict=True)
                     if isinstance(k, ast.Constant) and k.value in API_DOC_KEYS]  # fmt: skip
    return {id(n) for doc in docs for n in ast.walk(doc)}


def _shown(node: ast.AST) -> list[ast.expr]:
    """The expressions of ``node`` a person reads: arguments of a showing call, shown keywords, shown dict
    members and attributes (``table.caption = …``)."""
    if isinstance(node, ast.Call):
        name = _name(node)
        shown = [k.value for k in node.keywords if k.arg in SHOWN_KEYWORDS]
        if name in SHOWN_ALL:
            shown += node.args
        elif name in SHOWN_AT:
            shown += node.args[SHOWN_AT[name]: SHOWN_AT[name] + 1]
        elif name in SHOWN_BY:
            shown += node.args[:1]
        return shown
    if isinstance(node, ast.Dict):
        return [v for k, v in zip(node.keys, node.values, strict=True)
                if isinstance(k, ast.Constant) and k.value in SHOWN_KEYS]  # fmt: skip
    if isinstance(node, ast.Assign) and any(isinstance(t, ast.Attribute) and t.attr in SHOWN_KEYS
                                            for t in node.targets):  # fmt: skip
        return [node.value]
    return []


def unmarked_python(source: str, api_docs: bool = False) -> list[str]:
    """``line: text`` of every string shown without ``_()`` (see :func:`_shown`), and every ``_()`` of a built
    string (the extractor would miss it). ``api_docs``: the OpenAPI document's texts are left out."""
    found = []
    tree = ast.parse(source)
    skip = _api_docs(tree) if api_docs else set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and _name(node) in MARKERS and any(
                _built(a) for a in node.args[: 2 if _name(node) == "ngettext" else 1]):  # fmt: skip
            found.append(f"{node.lineno}: _() of a built string (the extractor sees no literal)")
            continue
        shown = [arg for arg in _shown(node) if id(arg) not in skip]
        found += [f"{n.lineno}: {ast.unparse(n)[:70]}" for arg in shown for n in _unmarked(arg)]
    return sorted(set(found), key=lambda f: int(f.split(":")[0]))


def unmarked_raises(source: str) -> list[str]:
    """``line: text`` of every French message raised as a plain literal (English ones are for programmers)."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Raise) and isinstance(node.exc, ast.Call) and node.exc.args:
            for n in _unmarked(node.exc.args[0]):
                if FRENCH_HINT.search(ast.unparse(n)):
                    found.append(f"{n.lineno}: {ast.unparse(n)[:70]}")
    return found


def unmarked_french(source: str, api_docs: bool = False) -> list[str]:
    """``line: text`` of every French literal outside the catalogue, wherever it stands (a label in a dict, a
    word joined into a sentence): docstrings, log lines and the markers' own arguments left out, and with
    ``api_docs`` the OpenAPI document's texts."""
    tree = ast.parse(source)
    skip: set[int] = _api_docs(tree) if api_docs else set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and (_name(node) in MARKERS or _name(node) in NOT_SHOWN_BY):
            skip |= {id(n) for arg in [*node.args, *(k.value for k in node.keywords)] for n in ast.walk(arg)}
        elif isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef) and node.body:
            first = node.body[0]
            if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant):
                skip.add(id(first.value))  # a docstring
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.JoinedStr):
            skip |= {id(v) for v in node.values}
            text = "".join(v.value for v in node.values if isinstance(v, ast.Constant))
        elif isinstance(node, ast.Constant) and isinstance(node.value, str):
            text = node.value
        else:
            continue
        if id(node) not in skip and not IDENTIFIER.fullmatch(text) and FRENCH_HINT.search(MARKUP.sub("", text)):
            found.append(f"{node.lineno}: {ast.unparse(node)[:70]}")
    return found


def _sources(entries: list[str]) -> list[Path]:
    files: list[Path] = []
    for entry in entries:
        path = ROOT / entry
        files += sorted(path.rglob("*.py")) if path.is_dir() else [path]
    return files


def _python_sources() -> list[Path]:
    return sorted((ROOT / "maillage" / "cli").rglob("*.py")) + _sources(RAISING)


def test_every_shown_string_of_the_command_line_and_every_raised_message_is_in_the_catalogue() -> None:
    problems = []
    for path in _python_sources():
        source = path.read_text(encoding="utf-8")
        found = unmarked_python(source) if "/cli/" in str(path) else unmarked_raises(source) + [
            f for f in unmarked_python(source) if "built string" in f]  # fmt: skip
        problems += [f"{path.relative_to(ROOT)}:{f}" for f in found]
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("path", _sources(PRESENTING), ids=lambda p: str(p.relative_to(ROOT / "maillage")))
def test_every_french_word_of_the_reports_and_the_web_is_in_the_catalogue(path: Path) -> None:
    """Tables, captions, panels, charts, maps, HTML pages and web errors: every shown literal and every French
    literal of these modules goes through the catalogue."""
    source, web = path.read_text(encoding="utf-8"), "/web/" in str(path)
    found = unmarked_python(source, api_docs=web) + unmarked_raises(source) + unmarked_french(source, api_docs=web)
    assert sorted(set(found)) == []


# ---- label tables: the words a module keeps in a table (a dict of labels, a tuple of column headings, a French
# constant) are marked where they are defined (N_), in every layer, the domain included ---------------------------

# a table of words by its name: every literal with a word in it (dict keys aside: codes) is a label a person reads
TABLE_NAME = re.compile(r"(_FR|LABELS?)$")
# vocabularies matched against what people type or what source files say, never shown: they stay as typed
READ_NOT_SHOWN = {"MONTHS", "WEEKDAYS", "_FILLER", "PERIOD_HOURS", "MODE_WORDS", "SOURCE_KIND_MAP",
                  "_LOWER_ADDRESS_WORDS", "ELIDING_LETTERS"}  # fmt: skip
TABLES_NOT_YET_MARKED: list[str] = []  # every layer's tables are marked (the resident's orientation too)
REGEX = re.compile(r"^\^|\\[sSdDwWb().?]|\(\?:|\.\*|\(\.\+\)")  # a pattern matched against text, not a text


def unmarked_tables(source: str) -> list[str]:
    """``line: text`` of every label of a module- or class-level table outside the catalogue: a literal of a value
    whose name says it holds words (``KIND_LABELS_FR``, ``POLICY_LABELS``) or any French literal of a value (a
    tuple of column headings, a sentence kept in a constant). Dict keys, ``help=`` texts (extracted where declared),
    the OpenAPI document and the markers' own arguments are left out."""
    tree = ast.parse(source)
    skip = _api_docs(tree)
    found = []
    for scope in [tree, *(n for n in ast.walk(tree) if isinstance(n, ast.ClassDef))]:
        for node in scope.body:
            if isinstance(node, ast.Assign):
                targets, value = node.targets, node.value
            elif isinstance(node, ast.AnnAssign) and node.value is not None:
                targets, value = [node.target], node.value
            else:
                continue
            names = [t.id for t in targets if isinstance(t, ast.Name)]
            if not names or names[0] in READ_NOT_SHOWN:
                continue
            table, left_out = bool(TABLE_NAME.search(names[0])), set(skip)
            for n in ast.walk(value):
                if isinstance(n, ast.Call) and (_name(n) in MARKERS or _name(n) in NOT_SHOWN_BY):
                    left_out |= {id(m) for m in ast.walk(n)}
                elif isinstance(n, ast.Call):
                    left_out |= {id(m) for k in n.keywords if k.arg == "help" for m in ast.walk(k.value)}
                elif isinstance(n, ast.Dict):
                    left_out |= {id(k) for k in n.keys if k is not None}
            for n in ast.walk(value):
                if not (isinstance(n, ast.Constant) and isinstance(n.value, str)) or id(n) in left_out:
                    continue
                text = MARKUP.sub("", n.value)
                if REGEX.search(n.value) or (not table and IDENTIFIER.fullmatch(n.value)):
                    continue  # a pattern; a code or a word matched as typed ("le": pydantic's bound)
                if FRENCH_HINT.search(text) or (table and WORD.search(text)):
                    found.append(f"{n.lineno}: {names[0]}: {n.value[:60]!r}")
    return found


def _table_sources() -> list[Path]:
    left_out = [ROOT / p for p in TABLES_NOT_YET_MARKED]
    return sorted(p for p in (ROOT / "maillage").rglob("*.py")
                  if p.name != "i18n.py" and not any(p.is_relative_to(d) for d in left_out))  # fmt: skip


@pytest.mark.parametrize("path", _table_sources(), ids=lambda p: str(p.relative_to(ROOT / "maillage")))
def test_every_label_table_is_marked_for_the_catalogue(path: Path) -> None:
    """Mode, engine, kind, service, policy and column labels: ``N_()`` where the table is defined, ``_()`` where a
    label is shown — in the domain as in the reports."""
    assert unmarked_tables(path.read_text(encoding="utf-8")) == []


# ---- the domain's sentences: notes, alerts and errors a planner reads, built where the fact is known -----------

# the faces have their own scans; the resident's orientation is domain (its answers are built there)
DOMAIN_LEFT_OUT = ("report/", "web/", "cli/", "i18n.py")
# French literals of the domain that are not messages, each with its reason (module, literal as written)
AS_TYPED = {
    ("audit/capacity.py", "'défaut'"): "capacity_origin's code (JSON), compared as typed",
    ("audit/marginal.py", "'Détail'"): "a key of the director table's rows (plan JSON); its heading is N_()",
    ("planning/mobile.py", "'Unité mobile'"): "the default name of a unit, stored in the scenario as typed",
    ("planning/optimise.py", "'Optimal (énumération)'"): "a solver status kept in the JSON",
    ("planning/store.py", "'scénario'"): "the default file name of an imported text (data)",
    ("registry/listing.py", "f'« {c} »'"): "quotes around a suggested value",
    ("steering/models.py", "'«'"): "the quote mark a source is parsed by",
    ("steering/sources.py", "'février'"): "a month read in the seeds",
    ("steering/sources.py", "'décembre'"): "a month read in the seeds",
    ("orientation/orient.py", "'aeiouyéèêâîô'"): "the letters French elides \"de\" before (chooses a message)",
    ("orientation/orient.py", "'allée'"): "a word an address writes in lower case, matched in source addresses",
    ("orientation/orient.py", "'à'"): "a word an address writes in lower case, matched in source addresses",
}


def _domain_sources() -> list[Path]:
    return sorted(p for p in (ROOT / "maillage").rglob("*.py")
                  if not str(p.relative_to(ROOT / "maillage")).startswith(DOMAIN_LEFT_OUT))  # fmt: skip


def unmarked_domain(source: str, module: str) -> list[str]:
    """The French literals of a domain module outside the catalogue: patterns and :data:`AS_TYPED` aside."""
    found = []
    for line in unmarked_french(source):
        literal = line.split(": ", 1)[1]
        if (module, literal) in AS_TYPED or REGEX.search(literal.lstrip("rf").strip("'\"")):
            continue
        found.append(line)
    return found


@pytest.mark.parametrize("path", _domain_sources(), ids=lambda p: str(p.relative_to(ROOT / "maillage")))
def test_every_french_sentence_of_the_domain_is_in_the_catalogue(path: Path) -> None:
    """Notes, alerts, progress lines and errors are _() messages where the domain builds them (French source
    strings, named placeholders), so that a translation reaches them too."""
    module = str(path.relative_to(ROOT / "maillage"))
    assert unmarked_domain(path.read_text(encoding="utf-8"), module) == []


# ---- the pages' scripts: their words come from the page's JSON data block (maillage/web/planner_messages.py for
# the workspace, maillage/web/public_messages.py for the resident page) -------------------------------------------

STATIC_JS = ROOT / "maillage" / "web" / "static" / "js"
JS_NOT_YET_MARKED: set[str] = set()  # every script reads its words from the catalogue
JS_LITERAL = re.compile(r"//[^\n]*|/\*.*?\*/"  # comments, then "…", '…' and `…` literals
                        r"|\"((?:[^\"\\\n]|\\.)*)\"|'((?:[^'\\\n]|\\.)*)'|`((?:[^`\\]|\\.)*)`", re.DOTALL)
HTTP_WORDS = {"Accept", "Content-Type", "X-CSRF-Token", "GET", "POST", "PUT", "PATCH", "DELETE"}
KEY_NAMES = {"Enter", "Escape", "ArrowUp", "ArrowDown"}  # KeyboardEvent.key values compared as typed
# the class names of the pages' stylesheets: a literal made only of them is a class list ("num-marker pole")
CSS_CLASSES = {c for css in (ROOT / "maillage" / "web" / "static").rglob("*.css")
               for c in re.findall(r"\.([A-Za-z][\w-]*)", css.read_text(encoding="utf-8"))}  # fmt: skip
TITLE_WORD = re.compile(r"^[A-ZÀ-Ý][a-zà-ÿ]+[.,:;!?…]*$")


def catalogue_words() -> set[str]:
    """The French words of the catalogue (3 letters or more, lower case): a script's literal holding them is text."""
    with TEMPLATE.open("rb") as handle:
        texts = [t for m in read_po(handle) if m.id for t in ([m.id] if isinstance(m.id, str) else m.id)]
    # option names, code (`…`, <code>…</code>), fields and markup are not French words
    prose = [re.sub(r"--[\w-]+|`[^`]*`|<code>.*?</code>|<[^>]*>|\{[^}]*\}|\[/?[a-z ]*\]", "", t) for t in texts]
    return {w.lower() for t in prose for w in re.findall(r"[A-Za-zÀ-ÿ]{3,}", t)}


def unmarked_js(source: str, words: set[str]) -> list[str]:
    """``line: text`` of every string literal of a script that a person would read: French (accents, « », the
    French little words), a capitalised word (HTTP header names aside), or words of the catalogue in a phrase or
    glued to other text (" min"). Comments, codes, selectors, CSS classes and URLs pass."""
    found = []
    for m in JS_LITERAL.finditer(source):
        literal = next((g for g in m.groups() if g is not None), None)
        if literal is None:
            continue  # a comment
        text = MARKUP.sub("", literal)
        if not WORD.search(text):
            continue
        tokens = text.split()
        if len(tokens) > 1 and all(t in CSS_CLASSES for t in tokens):
            continue  # a list of CSS classes
        phrase = len(tokens) > 1 or text != text.strip()
        if (FRENCH_HINT.search(text) or any(TITLE_WORD.match(t) and t not in HTTP_WORDS | KEY_NAMES for t in tokens)
                or (phrase and any(t.lower().strip(".,:;!?…()") in words for t in tokens))):  # fmt: skip
            found.append(f"{source.count(chr(10), 0, m.start()) + 1}: {literal[:60]!r}")
    return found


def _scripts() -> list[Path]:
    return sorted(p for p in STATIC_JS.glob("*.js") if p.name not in JS_NOT_YET_MARKED)


def _page_messages(script: str) -> dict[str, object]:
    """The words of the page that loads ``script``: the resident page's for public.js, the workspace's otherwise."""
    from maillage.web.planner_messages import planner_messages
    from maillage.web.public_messages import public_messages

    return public_messages() if script == "public.js" else planner_messages()


@pytest.mark.parametrize("path", _scripts(), ids=lambda p: p.name)
def test_every_word_of_the_pages_scripts_comes_from_the_catalogue(path: Path) -> None:
    """planner.js, planner-map.js and public.js hold no French: they read their words (t("key")) from the data
    block the page renders from ``planner_messages()`` / ``public_messages()``, and every key they read exists
    there."""
    source = path.read_text(encoding="utf-8")
    assert unmarked_js(source, catalogue_words()) == []
    messages = _page_messages(path.name)
    if path.name == "public.js":  # its keys are also chosen in expressions (t(where)): each one is named in it
        assert [key for key in messages if f'"{key}"' not in source] == []
    for key in re.findall(r"\bt\(\"([\w.]+)\"", source):
        value: object = messages
        for part in key.rstrip(".").split("."):
            assert isinstance(value, dict) and part in value, f"{path.name}: t({key!r}) has no message"
            value = value[part]


# template text that is not a word to translate: names, abbreviations, formats
NOT_WORDS = {"Gini", "Palma", "SST", "PMI", "France", "Services", "API", "CSV", "GeoJSON", "sha", "maillage", "min"}
VISIBLE_ATTRIBUTES = re.compile(r'\b(?:aria-label|alt|title|placeholder)="([^"]*)"')
HIDDEN = re.compile(r"<(style|script)\b.*?</\1>|<!--.*?-->", re.DOTALL)
NOT_YET_MARKED: set[str] = set()  # every page's text is marked, the resident's page too


def _templates() -> list[Path]:
    folders = [ROOT / "maillage" / "report" / "templates", ROOT / "maillage" / "web" / "templates"]
    return sorted(p for f in folders for p in f.iterdir() if p.suffix in (".j2", ".html") and p.name not in
                  NOT_YET_MARKED)  # fmt: skip


def unmarked_template_text(source: str) -> list[str]:
    """Words of a template's literal text (outside ``{% trans %}`` and ``_()``), tags, styles and scripts removed;
    visible attributes (aria-label, alt, title, placeholder) are text too."""
    from jinja2 import Environment, nodes

    tree = install_gettext(Environment(autoescape=True)).parse(source)
    parts = []
    for output in tree.find_all(nodes.Output):
        parts += [child.data if isinstance(child, nodes.TemplateData) else "\x00" for child in output.nodes]
        parts.append("\x00")
    text = HIDDEN.sub("\x00", "".join(parts))
    shown = VISIBLE_ATTRIBUTES.findall(text) + re.split(r"<[^>]*>|&\w+;", text)
    words = [w for chunk in shown for w in WORD.findall(chunk) if w not in NOT_WORDS]
    return words


@pytest.mark.parametrize("path", _templates(), ids=lambda p: p.name)
def test_every_visible_word_of_a_template_is_in_the_catalogue(path: Path) -> None:
    assert unmarked_template_text(path.read_text(encoding="utf-8")) == []


def test_the_scans_find_what_is_outside_the_catalogue() -> None:
    """Each scan flags a planted string (a scan that finds nothing would pass every file)."""
    cli = 'err.print(f"[green]{n} sites ajoutés[/]")\nraise fail("donnez --lat")\nconsole.print(_(f"{n} ok"))\n' \
          'err.print(_("Écrit : {p}").format(p=p))\nconsole.print(f"[dim]{note}[/]")\n'  # fmt: skip
    assert [f.split(":")[0] for f in unmarked_python(cli)] == ["1", "2", "3"]
    raised = 'raise ValueError("le pas doit être positif")\nraise ValueError("max_minutes must be > 0")\n' \
             'raise ValueError(_("le pas doit être positif"))\n'  # fmt: skip
    assert [f.split(":")[0] for f in unmarked_raises(raised)] == ["1"]
    shown = [  # the reports' and the web's: (planted line, found)
        ('table.add_column("Gagnés")', True),  # a header
        ('ax.set_title(f"Décision modificative {year}")', True),  # a chart's title
        ('handles.append(Patch(color=c, label="Hors norme"))', True),  # a legend (any call's label=)
        ('table.add_row(escape(name), "non communiqué", _int(n))', True),  # a cell
        ('t["dm"] = {"title": "Contenu", "columns": ["Poste"], "rows": []}', True),  # a steering table
        ('table.caption = "Aucun changement."', True),  # an attribute shown
        ('raise HTTPException(status_code=404, detail="Adresse introuvable.")', True),  # a web error
        ('CHANGE_LABELS = {"added": "Site ajouté"}', True),  # a French literal, wherever it stands
        ('fig.text(0.01, 0.06, "Taux : rien", fontsize=8)', True),  # fig.text(x, y, s)
        ('console.print(Panel(head, title="Notes"))', True),
        ('table.add_row(str(n), f"{x:.0f}", f"[{style}]{pct}[/]", f"+{gain}")', False),  # numbers and markup
        ('log.info("écrit : %s", path)', False),  # a log line, for engineers
        ('BOUNDS = {"less_than_equal": ("le", N_("au plus"))}', False),  # a key; a marked label
        ('ax.set_xlabel(_("Montant (M€)"))', False),
        ('console.print(Panel(fill(_("Scénario « {name} »"), name=name), title=_("Notes")))', False),
        ('@router.get("/x", summary="Créer un scénario")\ndef f(): pass', False),  # the OpenAPI document
    ]
    source = "\n".join(line for line, _found in shown)
    found = {f.split(":")[0] for f in unmarked_python(source, api_docs=True) + unmarked_french(source, api_docs=True)}
    assert found == {str(n) for n, (_line, flagged) in enumerate(shown, start=1) if flagged}
    assert {f.split(":")[0] for f in unmarked_french(source)} - found == {str(len(shown))}  # summary=: outside the web
    tables = ('MODE_LABELS_FR = {"walk": "à pied"}\n'  # a table of labels
              'MEASURE_LABELS = {"total": "Total"}\n'  # a table by its name, even without an accent
              'DIRECTOR_COLUMNS = ("Site", "Détail")\n'  # column headings (a French one)
              'KIND_LABELS_FR = {"pmi": N_("Centre de PMI")}\n'  # marked
              'REQUIRED_COLUMNS = ("id", "name", "stops.txt")\n'  # codes
              'MONTHS = ("janvier", "février")\n'  # read from source files, never shown
              'USAGE_FR = [(r"^Missing option (.+)", N_(r"Option manquante : \\1"))]\n'  # a pattern, a marked text
              'class Standard:\n    ROOM_FR = "bureau d\'entretien"\n')  # a French constant of a class
    assert [f.split(":")[0] for f in unmarked_tables(tables)] == ["1", "2", "3", "9"]
    domain = ('notes.append(f"Matrice des temps : {pairs} paires.")\n'  # a note built in the domain
              'MONTH_RE = re.compile(r"^(?:le\\s+)?(janvier|février)$")\n'  # a pattern
              'origin = "défaut"\n'  # a code listed in AS_TYPED for audit/capacity.py
              'say(_("Calcul des temps…"))\n')  # a message
    assert [f.split(":")[0] for f in unmarked_domain(domain, "audit/capacity.py")] == ["1"]
    script = ('var a = "Retirer";\n'  # a capitalised word
              'var b = Math.round(v) + " min";\n'  # a word of the catalogue glued to a number
              'var c = "site sans nom";\n'  # a phrase of the catalogue's words
              'var d = "Zone masquée.";  // a comment: "Rien ici"\n'  # French (an accent); the comment passes
              'var e = el("p", t("empty_cell"), "popup-note why");\n'  # a key and CSS classes
              'headers["X-CSRF-Token"] = csrf; fetch("/planner/api" + path, { method: "DELETE" });\n'
              "/* Le bloc « messages » */ var f = 'secondary small';\n")  # fmt: skip
    assert [f.split(":")[0] for f in unmarked_js(script, catalogue_words())] == ["1", "2", "3", "4"]
    page = ('<style>h1 { color: red }</style><h1>{{ _("Cartes") }}</h1><p>Par commune</p>'
            '<p>{% trans %}Produit par maillage{% endtrans %} {{ subtitle }}</p><a aria-label="Fermer la fiche">×</a>'
            '<td>Gini</td>')  # fmt: skip
    assert unmarked_template_text(page) == ["Fermer", "la", "fiche", "Par", "commune"]


def test_the_scans_find_what_the_resident_page_kept_outside_the_catalogue() -> None:
    """The resident's side as it was before it was marked: orientation's answers, public.js and public.html."""
    orientation = ('message = f"Le code postal {p} couvre plusieurs communes : choisissez la vôtre."\n'  # a message
                   'return Place(f"{name} (centre de la commune)", code)\n'  # a label built with a word
                   'message = _("Le code postal {p} couvre plusieurs communes.").format(p=p)\n'  # a message
                   'return de_fr(name) if name[:1] in "aeiouyéè" else name\n')  # not a listed as-typed literal
    assert [f.split(":")[0] for f in unmarked_domain(orientation, "orientation/lookup.py")] == ["1", "2", "4"]
    assert unmarked_domain(orientation.splitlines()[3], "orientation/orient.py") == ["1: 'aeiouyéè'"]
    hints = ('NEED_HINTS_FR = {Service.PMI: "suivi de grossesse", Service.LOGEMENT: N_("risque d\'expulsion")}\n'
             '_BOOKING_WORDS = {"oui": "Sur rendez-vous"}\n'  # a French label of a table not named as one
             '_LOWER_ADDRESS_WORDS = frozenset({"allée", "à"})\n')  # words matched in addresses, never shown
    assert [f.split(":")[0] for f in unmarked_tables(hints)] == ["1"]
    assert unmarked_french(hints.splitlines()[1]) == []  # no accent: the table scan's name rule is what catches
    script = ('status.textContent = "Point choisi " + how + " : " + lat + ", " + lon;\n'
              'el.setAttribute("aria-label", "Carte des communes.");\n'
              'status.textContent = "Recherche de votre position…";\n'
              'choose(e.latlng, "point_on_map"); status.textContent = t(where, { lat: lat, lon: lon });\n'
              'if (e.key === "Enter") { pin(ll, node, rank === "★" ? "num-marker pole" : "num-marker"); }\n')
    assert [f.split(":")[0] for f in unmarked_js(script, catalogue_words())] == ["1", "2", "3"]
    page = ('<legend>Vous venez</legend><input placeholder="ex. : 13 rue Jean-Pierre Timbaud">'
            "<h2>{{ n }} lieu{{ 'x' if n > 1 }} pour ce besoin</h2>"
            '<label>{% trans %}Votre besoin{% endtrans %}</label>'
            '<script type="application/json" id="messages">{{ messages|tojson }}</script>')
    assert unmarked_template_text(page) == ["ex", "rue", "Jean", "Pierre", "Timbaud", "Vous", "venez", "lieu",
                                            "pour", "ce", "besoin"]  # fmt: skip


RESIDENT_MO = {  # French source → English: the page's text, its script's words, orientation's sentences
    "Votre besoin": "Your need",
    "Point de départ": "Starting point",
    "colis, épicerie sociale, aide d'urgence": "food parcels, social grocery, emergency aid",
    "Indiquez une commune, un code postal ou une adresse.": "Type a town, a postcode or an address.",
}


def test_an_english_catalogue_changes_the_resident_page(tmp_path: Path, monkeypatch) -> None:
    """public.html's text, public.js's words (the JSON data block) and orientation's messages follow a compiled
    English catalogue; French is unchanged without it."""
    from types import SimpleNamespace

    from jinja2 import Environment, FileSystemLoader

    from maillage.orientation.lookup import PlaceFinder
    from maillage.orientation.search import need_hint
    from maillage.registry.vocab import Service, service_label
    from maillage.web.app import french_datetime, french_minutes
    from maillage.web.public_messages import public_messages

    write_english_mo(tmp_path, RESIDENT_MO)
    env = install_gettext(Environment(loader=FileSystemLoader(ROOT / "maillage" / "web" / "templates"),
                                      autoescape=True))  # fmt: skip
    env.filters |= {"fr_datetime": french_datetime, "fr_minutes": french_minutes}

    def page() -> str:
        need = Service.AIDE_ALIMENTAIRE
        return env.get_template("public.html").render(
            needs=[{"code": need.value, "label": service_label(need), "hint": need_hint(need)}], modes=[],
            mode="walk", communes=[], query={}, answer=None, lookup=None, errors=[], messages=public_messages(),
            request=SimpleNamespace(url=SimpleNamespace(path="/")))  # fmt: skip

    monkeypatch.setenv("MAILLAGE_LOCALE_DIR", str(tmp_path))
    monkeypatch.setenv("MAILLAGE_LANG", "en")
    shown = page()
    assert '<label for="need">Your need</label>' in shown and "food parcels, social grocery" in shown
    assert '"start_point": "Starting point"' in shown  # the script's word, in the data block
    assert PlaceFinder({}, {}).find(" ").message_fr == "Type a town, a postcode or an address."
    monkeypatch.setenv("MAILLAGE_LANG", "fr")
    shown = page()
    assert '<label for="need">Votre besoin</label>' in shown and "colis, épicerie sociale" in shown
    assert PlaceFinder({}, {}).find(" ").message_fr == "Indiquez une commune, un code postal ou une adresse."
