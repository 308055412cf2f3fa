"""The shape of the code stays true: an AST scan of every module in the package.

- Nothing imports Textual outside ``orbit_tui/cli.py`` and ``orbit_tui/ui/``.
- Nothing below the UI imports ``orbit_tui.ui``: the client (``api``), ``rules``, ``bulk``,
  the cache, config, the gate, the runtime (the app is handed what it builds), the policy
  and the sandbox. Data flows one way: ``cli``/``ui`` → ``runtime`` → ``bulk``/``cache`` → ``api``.
- The sandbox never imports the client side (the client, the cache, bulk jobs, the gate,
  the runtime); it may use ``api.models``, ``rules`` and ``policy``.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

PACKAGE_ROOT = Path(__file__).resolve().parent.parent / "orbit_tui"


def module_name(path: Path, root: Path = PACKAGE_ROOT) -> str:
    parts = list(path.relative_to(root.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def imported_modules(source: str, module: str, is_package: bool) -> Iterator[tuple[int, str]]:
    """(line, absolute module name) of every import, including importlib by constant."""
    tree = ast.parse(source)
    package_parts = module.split(".") if is_package else module.split(".")[:-1]
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base_parts = package_parts[: len(package_parts) - (node.level - 1)]
                base = ".".join(base_parts)
                target = f"{base}.{node.module}" if node.module else base
            else:
                target = node.module or ""
            yield node.lineno, target
            for alias in node.names:  # `from orbit_tui import ui` imports orbit_tui.ui
                yield node.lineno, f"{target}.{alias.name}"
        elif isinstance(node, ast.Call):
            func = node.func
            name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
            if name in {"import_module", "__import__"} and node.args:
                first = node.args[0]
                if isinstance(first, ast.Constant) and isinstance(first.value, str):
                    yield node.lineno, first.value


def is_under(name: str, package: str) -> bool:
    return name == package or name.startswith(package + ".")


BELOW_UI = ("api", "rules", "bulk", "cache", "config", "gate", "runtime", "policy", "sandbox")
"""Modules (and prefixes of sibling modules: ``cache_db``, ``config_write``…) under the UI."""
CLIENT_SIDE = ("orbit_tui.api.client", "orbit_tui.api.base", "orbit_tui.api.pacing",
               "orbit_tui.cache", "orbit_tui.bulk", "orbit_tui.gate", "orbit_tui.runtime",
               "orbit_tui.ui")


def below_ui(module: str) -> bool:
    head = module.split(".")[1] if module.count(".") else ""
    return any(head == name or head.startswith(name + "_") for name in BELOW_UI)


def client_side(target: str) -> bool:
    return any(is_under(target, name) or target.startswith(name + "_") for name in CLIENT_SIDE)


def violations(root: Path = PACKAGE_ROOT) -> list[str]:
    found: dict[tuple[str, int, str], str] = {}
    for path in sorted(root.rglob("*.py")):
        module = module_name(path, root)
        rel = path.relative_to(root.parent).as_posix()
        textual_allowed = rel == "orbit_tui/cli.py" or is_under(module, "orbit_tui.ui")
        must_not_see_ui = below_ui(module)
        in_sandbox = is_under(module, "orbit_tui.sandbox")
        source = path.read_text(encoding="utf-8")
        for line, target in imported_modules(source, module, path.name == "__init__.py"):
            if not textual_allowed and is_under(target, "textual"):
                found.setdefault(
                    (rel, line, "textual"),
                    f"{rel}:{line} imports {target} (Textual only in cli.py and ui/)",
                )
            if must_not_see_ui and is_under(target, "orbit_tui.ui"):
                found.setdefault(
                    (rel, line, "ui"),
                    f"{rel}:{line} imports {target} (nothing below the UI imports ui)",
                )
            elif in_sandbox and client_side(target):
                found.setdefault(
                    (rel, line, "client"),
                    f"{rel}:{line} imports {target} (the sandbox never imports the client side)",
                )
    return list(found.values())


def test_package_has_modules_to_scan() -> None:
    assert (PACKAGE_ROOT / "cli.py").exists()
    assert len(list(PACKAGE_ROOT.rglob("*.py"))) >= 5


def test_layering_holds() -> None:
    assert violations() == []


# --- the scanner itself must catch what it is for --------------------------------------


def make_package(tmp_path: Path, files: dict[str, str]) -> Path:
    root = tmp_path / "orbit_tui"
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    for folder in {p.parent for p in root.rglob("*.py")}:
        (folder / "__init__.py").touch()
    return root


@pytest.mark.parametrize(
    ("rel", "text"),
    [
        ("config.py", "import textual\n"),
        ("bulk/engine.py", "from textual.app import App\n"),
        ("cache.py", "def f():\n    import textual.widgets\n"),
        ("rules/x.py", "import importlib\nimportlib.import_module('textual.app')\n"),
        ("sandbox/app.py", "from orbit_tui.ui.app import run\n"),
        ("sandbox/app.py", "from ..ui import widgets\n"),
        ("api/client.py", "from orbit_tui import ui\n"),
        ("api/sub/deep.py", "from ...ui.app import run\n"),
        ("api/client.py", "import orbit_tui.ui.status\n"),
        ("runtime.py", "from orbit_tui.ui.app import OrbitApp\n"),
        ("gate.py", "from orbit_tui.ui import context\n"),
        ("cache_writes.py", "from orbit_tui.ui.safe import clean\n"),
        ("config_write.py", "import orbit_tui.ui.themes\n"),
        ("bulk/engine.py", "from orbit_tui.ui.bulk_runner import BulkRunner\n"),
        ("sandbox/app.py", "from orbit_tui.api.client import OrbitClient\n"),
        ("sandbox/app.py", "from orbit_tui.cache_store import PageCache\n"),
        ("sandbox/child.py", "from orbit_tui.runtime import DemoServer\n"),
    ],
)
def test_scanner_catches_violations(tmp_path: Path, rel: str, text: str) -> None:
    root = make_package(tmp_path, {rel: text, "cli.py": ""})
    assert len(violations(root)) == 1


@pytest.mark.parametrize(
    ("rel", "text"),
    [
        ("cli.py", "from textual.app import App\n"),
        ("ui/app.py", "import textual\nfrom orbit_tui.api import client\n"),
        ("ui/widgets/table.py", "from textual.widgets import DataTable\n"),
        ("sandbox/app.py", "from orbit_tui.api.models import Contact\nfrom .. import rules\n"),
        ("bulk/engine.py", "from orbit_tui.ui_helpers import x\n"),  # a name merely starting with ui
        ("api/client.py", "import textualize_not_textual\n"),
        ("sandbox/child.py", "from orbit_tui.policy import DEMO_API_KEY\n"),
        ("runtime.py", "from orbit_tui.gate import Gate\nfrom orbit_tui.api.client import OrbitClient\n"),
        ("screenshots.py", "from orbit_tui.ui.app import OrbitApp\n"),
    ],
)
def test_scanner_allows_what_is_allowed(tmp_path: Path, rel: str, text: str) -> None:
    root = make_package(tmp_path, {rel: text, "cli.py": ""})
    assert violations(root) == []
