"""The import graph of ``maillage/`` keeps its layers (see docs/architecture.md).

Read with :mod:`ast` from the source files, nothing is imported: every ``import`` statement counts, at module
level or inside a function (a lazy import is still a dependency), except those under ``if TYPE_CHECKING:``,
which never run. An edge goes to the module named; ``from maillage.x import y`` goes to ``maillage.x.y`` when
that is a module, else to ``maillage.x``. The implicit import of a parent package's ``__init__`` is not an edge:
every ``__init__`` here is small and imports no sibling that imports back.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "maillage"
# The domain, lowest tier first: a domain package may import its own tier and those below, never one above.
DOMAIN_TIERS = (("network",), ("registry",), ("population",), ("audit",), ("planning", "steering", "orientation"))
DOMAIN = tuple(package for tier in DOMAIN_TIERS for package in tier)
PRESENTATION_LIBS = ("typer", "click", "rich", "jinja2", "matplotlib", "fastapi", "starlette")
# Above the domain: the library entry points (api, scale) and the three faces (cli, report, web).
UPPER_LAYERS = ("maillage.api", "maillage.scale", "maillage.cli", "maillage.report", "maillage.web")
WEB_FORBIDDEN = ("typer", "matplotlib")


def module_name(path: Path, root: Path = PACKAGE) -> str:
    parts = list(path.relative_to(root.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _is_type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _imports(tree: ast.AST) -> Iterator[ast.Import | ast.ImportFrom]:
    for node in ast.iter_child_nodes(tree):
        if isinstance(node, ast.If) and _is_type_checking(node):
            yield from (n for child in node.orelse for n in _imports_of(child))
            continue
        yield from _imports_of(node)


def _imports_of(node: ast.AST) -> Iterator[ast.Import | ast.ImportFrom]:
    if isinstance(node, ast.Import | ast.ImportFrom):
        yield node
        return
    yield from _imports(node)


def import_graph(root: Path = PACKAGE) -> dict[str, set[str]]:
    """Module → every module name it imports (internal ones resolved to modules, external ones as written)."""
    files = {module_name(p, root): p for p in root.rglob("*.py")}
    packages = {module_name(p, root) for p in root.rglob("__init__.py")}
    graph: dict[str, set[str]] = {}
    for name, path in files.items():
        targets: set[str] = set()
        for node in _imports(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
            if isinstance(node, ast.Import):
                targets.update(alias.name for alias in node.names)
                continue
            if node.level:
                base = name.split(".") if name in packages else name.split(".")[:-1]
                base = base[: len(base) - node.level + 1]
                source = ".".join([*base, node.module] if node.module else base)
            else:
                source = node.module or ""
            for alias in node.names:
                candidate = f"{source}.{alias.name}"
                targets.add(candidate if candidate in files else source)
        graph[name] = targets
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one internal module (Tarjan), or a module importing itself."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in sorted(graph[v] & graph.keys()):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1 or v in graph[v]:
                found.append(sorted(component))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return found


def _under(name: str, prefixes: tuple[str, ...]) -> bool:
    return any(name == p or name.startswith(p + ".") for p in prefixes)


def _tier(name: str) -> int | None:
    parts = name.split(".")
    for rank, tier in enumerate(DOMAIN_TIERS):
        if parts[0] == "maillage" and len(parts) > 1 and parts[1] in tier:
            return rank
    return None


def violations(graph: dict[str, set[str]]) -> list[str]:
    """Each import that crosses a layer the wrong way, as ``module → imported``."""
    bad = []
    domain = tuple(f"maillage.{d}" for d in DOMAIN)
    for module, targets in sorted(graph.items()):
        for target in sorted(targets):
            upward = _under(target, PRESENTATION_LIBS) or _under(target, UPPER_LAYERS)
            rank, target_rank = _tier(module), _tier(target)
            tier_up = rank is not None and target_rank is not None and target_rank > rank
            web_bad = _under(module, ("maillage.web",)) and _under(target, WEB_FORBIDDEN)
            if (_under(module, domain) and (upward or tier_up)) or web_bad:
                bad.append(f"{module} → {target}")
    return bad


def test_the_graph_is_read():
    """The reader finds real edges: a graph with no edges would pass every rule below."""
    graph = import_graph()
    assert "maillage.cli.main" in graph["maillage.cli"]
    assert "typer" in graph["maillage.cli.main"]
    assert "maillage.audit.standard" in graph["maillage.audit.guarantee"]


def test_no_import_cycle():
    assert cycles(import_graph()) == []


def test_domain_imports_no_presentation_and_web_no_cli_libraries():
    assert violations(import_graph()) == []


def test_the_rules_catch_a_bad_tree(tmp_path):
    """A cycle through a relative import, a lazy jinja2 import in the domain, typer in web, the registry importing
    steering (a tier above) and planning importing the api: all found, the allowed imports not."""
    root = tmp_path / "maillage"
    for package in ("", "network", "web", "report", "registry", "steering", "planning"):
        (root / package).mkdir(parents=True, exist_ok=True)
        (root / package / "__init__.py").write_text("")
    (root / "network" / "a.py").write_text("from . import b\n")
    (root / "network" / "c.py").write_text("from maillage.registry import sites\n")
    (root / "registry" / "sites.py").write_text("")
    (root / "network" / "b.py").write_text(
        "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    import rich\n"
        "def f():\n    from maillage.network.a import x\n    import jinja2\n"
    )
    (root / "web" / "app.py").write_text("import typer.core\nfrom maillage.report import page\n")
    (root / "report" / "page.py").write_text("import matplotlib\n")
    (root / "api.py").write_text("")
    (root / "registry" / "loader.py").write_text("from maillage.steering.importer import f\nimport maillage.network.a")
    (root / "steering" / "importer.py").write_text("from maillage.registry import loader\n")
    (root / "planning" / "cli.py").write_text("from maillage import api\nfrom maillage.steering import importer\n")
    graph = import_graph(root)
    assert cycles(graph) == [
        ["maillage.network.a", "maillage.network.b"],
        ["maillage.registry.loader", "maillage.steering.importer"],
    ]
    assert violations(graph) == [
        "maillage.network.b → jinja2",
        "maillage.network.c → maillage.registry.sites",
        "maillage.planning.cli → maillage.api",
        "maillage.registry.loader → maillage.steering.importer",
        "maillage.web.app → typer.core",
    ]
