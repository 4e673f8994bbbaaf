"""The core (practice_desk, local_db) must run without Qt: no import of the GUI stack, anywhere."""

from __future__ import annotations

import ast
import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
CORE_PACKAGES = ["practice_desk", "local_db"]
FORBIDDEN = {"PySide6", "shiboken6", "pyqtgraph", "ui"}


def _core_files() -> list[Path]:
    return sorted(p for pkg in CORE_PACKAGES for p in (ROOT / pkg).rglob("*.py"))


def _module_name(path: Path, root: Path = ROOT) -> str:
    parts = list(path.relative_to(root).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def imported_names(path: Path, root: Path = ROOT) -> list[tuple[int, str]]:
    """Every module name a file imports, at any depth (functions, try blocks, conditionals),
    including relative imports resolved against the file's package and constant-string
    importlib.import_module / __import__ calls."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    module = _module_name(path, root)
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    found: list[tuple[int, str]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.extend((node.lineno, alias.name) for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - (node.level - 1)] if node.level > 1 else base
                name = ".".join([*base, node.module] if node.module else base)
            else:
                name = node.module or ""
            found.append((node.lineno, name))
            # `from x import ui` style: the imported names may themselves be modules
            found.extend((node.lineno, f"{name}.{alias.name}") for alias in node.names)
        elif isinstance(node, ast.Call):
            func = node.func
            called = (func.attr if isinstance(func, ast.Attribute)
                      else func.id if isinstance(func, ast.Name) else "")
            if (called in {"import_module", "__import__"} and node.args
                    and isinstance(node.args[0], ast.Constant)
                    and isinstance(node.args[0].value, str)):
                found.append((node.lineno, node.args[0].value))
    return found


def _forbidden(name: str) -> bool:
    return name.split(".")[0] in FORBIDDEN


def test_core_files_found():
    files = _core_files()
    names = {_module_name(p) for p in files}
    assert "practice_desk.importing.gpad" in names
    assert "local_db.connection" in names
    assert len(files) >= 15


def test_static_walker_catches_nested_and_relative_imports(tmp_path):
    """The checker itself must see imports hidden inside functions and behind importlib."""
    pkg = tmp_path / "practice_desk"
    pkg.mkdir()
    sample = pkg / "sneaky.py"
    sample.write_text(textwrap.dedent("""
        import importlib

        def later():
            from PySide6.QtCore import QObject
            return QObject

        class K:
            def m(self):
                import pyqtgraph as pg
                return importlib.import_module("shiboken6"), pg
    """))
    names = [n for _, n in imported_names(sample, tmp_path) if _forbidden(n)]
    assert any(n.startswith("PySide6") for n in names)
    assert "pyqtgraph" in names
    assert "shiboken6" in names


@pytest.mark.parametrize("path", _core_files(), ids=lambda p: str(p.relative_to(ROOT)))
def test_no_gui_import_statically(path):
    bad = [f"line {line}: {name}" for line, name in imported_names(path) if _forbidden(name)]
    assert not bad, f"{path.relative_to(ROOT)} imports GUI code: {bad}"


def _load_all_in_subprocess(packages: list[str], root: Path) -> dict:
    """Import every module of `packages` in a fresh interpreter and report what got loaded."""
    script = textwrap.dedent(f"""
        import importlib, json, pkgutil, sys
        forbidden = {sorted(FORBIDDEN)!r}
        imported, failed = [], []
        for top in {packages!r}:
            pkg = importlib.import_module(top)
            imported.append(top)
            for info in pkgutil.walk_packages(pkg.__path__, prefix=top + "."):
                try:
                    importlib.import_module(info.name)
                    imported.append(info.name)
                except Exception as exc:
                    failed.append(f"{{info.name}}: {{exc!r}}")
        loaded = sorted(m for m in sys.modules if m.split(".")[0] in forbidden)
        print(json.dumps({{"imported": imported, "failed": failed, "loaded": loaded}}))
    """)
    result = subprocess.run(
        [sys.executable, "-c", script], cwd=root, capture_output=True, text=True, timeout=120,
        env={"PATH": "", "PYTHONPATH": str(root), "QT_QPA_PLATFORM": "offscreen"},
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_dynamic_check_detects_a_gui_import(tmp_path):
    """The subprocess check must notice a module that pulls in `ui` only when imported."""
    (tmp_path / "ui").mkdir()
    (tmp_path / "ui" / "__init__.py").write_text("")
    core = tmp_path / "fakecore"
    core.mkdir()
    (core / "__init__.py").write_text("")
    (core / "innocent.py").write_text("X = 1\n")
    (core / "leaky.py").write_text("import ui  # noqa\n")
    outcome = _load_all_in_subprocess(["fakecore"], tmp_path)
    assert "fakecore.leaky" in outcome["imported"]
    assert outcome["loaded"] == ["ui"]


def test_no_gui_module_loaded_dynamically():
    """Import every module of the core in a fresh interpreter; no GUI module may be loaded."""
    outcome = _load_all_in_subprocess(CORE_PACKAGES, ROOT)
    assert not outcome["failed"], outcome["failed"]
    expected = {_module_name(p) for p in _core_files()}
    assert expected <= set(outcome["imported"]), expected - set(outcome["imported"])
    assert outcome["loaded"] == [], f"GUI modules loaded by the core: {outcome['loaded']}"


def test_starting_does_not_load_numpy_or_pandas():
    """The command line, the metrics and the importers of every kind start without numpy,
    pandas and pyarrow (about 0.3 s and 60 MB); only loading a call log imports them."""
    code = ("import sys; import practice_desk.cli, practice_desk.metrics, "
            "practice_desk.importing.detect; "
            "print(sorted(m for m in ('numpy', 'pandas', 'pyarrow') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


# --- import cycles -------------------------------------------------------------------------------
def _imported_modules(path: Path, modules: set[str], root: Path = ROOT) -> set[str]:
    """The core modules a file imports (at any depth). `from package import module` is an import
    of that module only, as the package's own __init__ is not what the file needs."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    module = _module_name(path, root)
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package.split(".")
                parts = parts[: len(parts) - (node.level - 1)]
                base = ".".join([*parts, node.module] if node.module else parts)
            subs = [f"{base}.{a.name}" for a in node.names if f"{base}.{a.name}" in modules]
            names = subs if len(subs) == len(node.names) else [base, *subs]
        else:
            continue
        for name in names:
            while name and name not in modules:
                name = name.rpartition(".")[0]
            if name and name != module:
                found.add(name)
    return found


def import_cycles(root: Path = ROOT, packages: list[str] = CORE_PACKAGES) -> list[list[str]]:
    """Groups of modules that import each other, directly or round a loop (strongly connected
    components of the import graph, imports inside functions included)."""
    files = {_module_name(p, root): p for pkg in packages for p in (root / pkg).rglob("*.py")}
    edges = {m: _imported_modules(p, set(files), root) for m, p in files.items()}
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    cycles: list[list[str]] = []

    def visit(node: str) -> None:  # Tarjan's algorithm
        index[node] = low[node] = len(index)
        stack.append(node)
        for nxt in edges[node]:
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            group = []
            while True:
                member = stack.pop()
                group.append(member)
                if member == node:
                    break
            if len(group) > 1:
                cycles.append(sorted(group))

    for node in sorted(edges):
        if node not in index:
            visit(node)
    return cycles


def test_cycle_finder_sees_a_loop_through_a_function_level_import(tmp_path):
    pkg = tmp_path / "practice_desk"
    (pkg / "sub").mkdir(parents=True)
    for name in ("__init__.py", "sub/__init__.py", "sub/c.py"):
        (pkg / name).write_text("")
    (pkg / "a.py").write_text("from practice_desk.sub import b\n")
    (pkg / "sub" / "b.py").write_text("def f():\n    from practice_desk import a\n")
    assert import_cycles(tmp_path, ["practice_desk"]) == [["practice_desk.a",
                                                            "practice_desk.sub.b"]]


def test_importers_form_no_import_cycle():
    """The list of importers (importing/formats.py) sits above every reader module: nothing in
    importing/ is part of an import cycle, and no cycle crosses from one package to another
    (importing/, telephony/, nhs_app/, metrics/ ...)."""
    bad = [group for group in import_cycles()
           if any(m.startswith("practice_desk.importing") for m in group)
           or len({m.rpartition(".")[0] for m in group}) > 1]
    assert not bad, f"import cycles: {bad}"


def test_every_module_imports_first():
    """Each core module can be the first one imported (as a test, the CLI or the app may do): no
    module finds another half-loaded, as a package __init__ that loads more than it needs can
    cause. Modules are forgotten between imports, in one fresh interpreter."""
    script = textwrap.dedent(f"""
        import importlib, json, sys
        failed = []
        for name in {sorted(_module_name(p) for p in _core_files())!r}:
            for loaded in [m for m in sys.modules if m.split(".")[0] in {CORE_PACKAGES!r}]:
                del sys.modules[loaded]
            try:
                importlib.import_module(name)
            except Exception as exc:
                failed.append(f"{{name}}: {{exc!r}}")
        print(json.dumps(failed))
    """)
    result = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=300,
        env={"PATH": "", "PYTHONPATH": str(ROOT), "QT_QPA_PLATFORM": "offscreen"},
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout.strip().splitlines()[-1]) == []
