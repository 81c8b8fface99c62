"""The floors of the house (docs/architecture.md) hold: the layers contract in pyproject.toml is kept,
every package stands on a floor, no imports form a cycle, and no module takes another package's
private (underscore) names."""

from __future__ import annotations

import ast
import sys
import textwrap
import tomllib
from pathlib import Path

import grimp
import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "crmtool"


def _layers() -> list[str]:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    (contract,) = [c for c in config["tool"]["importlinter"]["contracts"] if c["type"] == "layers"]
    return contract["layers"]


def _lint(config: Path, cwd: Path) -> tuple[int, str]:
    """import-linter on `config`, run in a child process (it imports the packages it analyses)."""
    import subprocess

    done = subprocess.run([sys.executable, "-c", "import sys; from importlinter.cli import lint_imports; "
                           f"sys.exit(lint_imports(config_filename={str(config)!r}, no_cache=True))"],
                          cwd=cwd, capture_output=True, text=True, env={"PYTHONPATH": str(cwd), "PATH": "/usr/bin:/bin"})
    return done.returncode, done.stdout + done.stderr


def test_the_layers_contract_is_kept():
    code, output = _lint(ROOT / "pyproject.toml", ROOT)
    assert code == 0, output
    assert "1 kept, 0 broken" in output


def test_the_contract_catches_an_upward_import(tmp_path):
    """The same kind of contract over a small package whose lower floor imports its upper one fails."""
    pkg = tmp_path / "house"
    pkg.mkdir()
    (pkg / "__init__.py").write_text("")
    (pkg / "run.py").write_text("from house import model\n")
    (pkg / "model.py").write_text("def rows():\n    from house import run\n    return run\n")
    config = tmp_path / "contract.toml"
    config.write_text(textwrap.dedent("""
        [tool.importlinter]
        root_package = "house"
        [[tool.importlinter.contracts]]
        name = "floors"
        type = "layers"
        layers = ["house.run", "house.model"]
    """))
    code, output = _lint(config, tmp_path)
    assert code != 0 and "house.model -> house.run" in output, output


def test_every_package_and_module_stands_on_a_floor():
    named = {name.strip() for layer in _layers() for name in layer.split("|")}
    present = {f"crmtool.{p.stem}" for p in PACKAGE.glob("*.py") if p.stem != "__init__"}
    present |= {f"crmtool.{p.name}" for p in PACKAGE.iterdir() if (p / "__init__.py").is_file()}
    assert present - named == set(), "add these to the layers in pyproject.toml and docs/architecture.md"
    assert named - present == set(), "the layers name modules that do not exist"


def _cycles(graph) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack, on_stack, found = [], set(), []
    for start in sorted(graph.modules):
        if start in index:
            continue
        work = [(start, iter(sorted(graph.find_modules_directly_imported_by(start))))]
        index[start] = low[start] = len(index)
        stack.append(start)
        on_stack.add(start)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph.find_modules_directly_imported_by(child)))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1:
                    found.append(sorted(component))
    return found


def test_no_import_cycles_between_or_inside_packages():
    """Every import counts: module level, inside functions, and under TYPE_CHECKING."""
    graph = grimp.build_graph("crmtool", exclude_type_checking_imports=False)
    assert _cycles(graph) == []


def test_the_cycle_finder_finds_a_cycle():
    class Graph:
        modules = {"a", "b", "c", "d"}
        edges = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}

        def find_modules_directly_imported_by(self, m):
            return self.edges[m]

    assert _cycles(Graph()) == [["a", "b", "c"]]


def _package(module: str) -> str:
    return ".".join(module.split(".")[:2])


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _private_uses(path: Path) -> list[str]:
    """`from crmtool.x import _name` and `m._name` on a module imported as `import crmtool.x as m`,
    where crmtool.x is another package than the file's own."""
    own = _package(_module_name(path))
    tree = ast.parse(path.read_text(encoding="utf-8"))
    aliases: dict[str, str] = {}
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.level == 0 and (node.module or "").startswith("crmtool."):
            for alias in node.names:
                private = alias.name.startswith("_") and not alias.name.startswith("__")
                if private and _package(node.module) != own:
                    found.append(f"{path.relative_to(ROOT)}:{node.lineno}: from {node.module} import {alias.name}")
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.startswith("crmtool.") and alias.asname:
                    aliases[alias.asname] = alias.name
    for node in ast.walk(tree):
        if (isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id in aliases
                and node.attr.startswith("_") and not node.attr.startswith("__")
                and _package(aliases[node.value.id]) != own):
            found.append(f"{path.relative_to(ROOT)}:{node.lineno}: {aliases[node.value.id]}.{node.attr}")
    return found


def test_no_module_takes_private_names_of_another_package():
    found = [use for path in sorted(PACKAGE.rglob("*.py")) for use in _private_uses(path)]
    assert found == []


@pytest.mark.parametrize("source, expected", [
    ("from crmtool.cleanse.detect import _norm_header\n", 1),
    ("import crmtool.cleanse.divisions as d\nd._table()\n", 1),
    ("from crmtool.mapper.fields import _halfwidth\n", 0),  # its own package
    ("from crmtool import __version__\n", 0),
])
def test_the_private_name_check_sees_them(tmp_path, monkeypatch, source, expected):
    path = PACKAGE / "mapper" / "probe_for_the_architecture_test.py"
    monkeypatch.setattr(Path, "read_text", lambda self, encoding=None: source)
    assert len(_private_uses(path)) == expected


def _surfaces() -> dict[str, set[str]]:
    """Packages whose __init__ declares `__all__`: their public surface."""
    surfaces = {}
    for init in PACKAGE.glob("*/__init__.py"):
        for node in ast.parse(init.read_text(encoding="utf-8")).body:
            if isinstance(node, ast.Assign) and any(getattr(t, "id", None) == "__all__" for t in node.targets):
                surfaces[f"crmtool.{init.parent.name}"] = set(ast.literal_eval(node.value))
    return surfaces


def test_the_stage_packages_have_a_surface():
    assert {"crmtool.mapper", "crmtool.load", "crmtool.run", "crmtool.model", "crmtool.read"} <= set(_surfaces())


def test_other_packages_use_only_a_surfaced_package_s_surface():
    """`from crmtool.mapper import map_object`, not `from crmtool.mapper.transform import map_object`."""
    surfaces = _surfaces()
    found = []
    for path in sorted(PACKAGE.rglob("*.py")):
        own = _package(_module_name(path))
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not (isinstance(node, ast.ImportFrom) and node.level == 0 and (node.module or "").startswith("crmtool.")):
                continue
            package = _package(node.module)
            if package == own or package not in surfaces:
                continue
            names = {a.name for a in node.names}
            if node.module != package or not names <= surfaces[package]:
                found.append(f"{path.relative_to(ROOT)}:{node.lineno}: from {node.module} import {', '.join(sorted(names))}")
    assert found == []


def test_every_name_a_module_exports_is_defined_there():
    """A name left in `__all__` after its function moved to another module would break `import *` and
    mislead a reader about where the function lives."""
    import importlib

    missing = []
    for path in sorted(PACKAGE.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        if not any(isinstance(n, ast.Assign) and any(getattr(t, "id", None) == "__all__" for t in n.targets)
                   for n in tree.body):
            continue
        module = importlib.import_module(_module_name(path))
        missing += [f"{module.__name__}.{name}" for name in module.__all__ if not hasattr(module, name)]
    assert missing == []
