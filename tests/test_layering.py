"""The layering of shared/architecture.md, enforced by the import-linter contracts in pyproject.toml.

The first test runs the contracts on the real tree. The others prove the contracts can fail: they
copy the same contracts onto a scratch tree (packages renamed with a prefix so that they cannot be
confused with the installed ones) and add one forbidden import at a time.
"""
from __future__ import annotations

import json
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")
PREFIX = "lt_"


def run_lint(cwd: Path, config: Path | None = None, pythonpath: Path | None = None):
    env = {"PATH": "/usr/bin:/bin", "PYTHONPATH": str(pythonpath or cwd)}
    args = [str(LINT_IMPORTS), "--no-cache"] + (["--config", str(config)] if config else [])
    return subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True, timeout=120, check=False)


def test_real_tree_keeps_every_contract():
    result = run_lint(ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout


def _renamed(module: str, roots: set[str]) -> str:
    head = module.split(".")[0]
    return PREFIX + module if head in roots else module


def _rename_rule(rule: str, roots: set[str]) -> str:
    left, arrow, right = rule.partition(" -> ")
    return f"{_renamed(left, roots)}{arrow}{_renamed(right, roots)}"


@pytest.fixture()
def scratch(tmp_path: Path) -> Path:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["importlinter"]
    roots = set(config["root_packages"])
    lines = ["[tool.importlinter]",
             f"root_packages = {json.dumps([PREFIX + r for r in config['root_packages']])}",
             "include_external_packages = true", ""]
    for contract in config["contracts"]:
        lines.append("[[tool.importlinter.contracts]]")
        for key, value in contract.items():
            if key in ("modules", "source_modules") or (key == "forbidden_modules"):
                value = [_renamed(m, roots) for m in value]
            elif key == "ignore_imports":
                value = [_rename_rule(r, roots) for r in value]
            lines.append(f"{key} = {json.dumps(value, ensure_ascii=False)}")
        lines.append("")
    (tmp_path / "contracts.toml").write_text("\n".join(lines), encoding="utf-8")
    for package in ["fiscal", "server", "app", "app/models", "app/migrations", "app/services", "app/sync",
                    "app/capture", "app/ocr", "app/excel", "app/ui"]:
        folder = tmp_path / (PREFIX + package)
        folder.mkdir(parents=True)
        (folder / "__init__.py").write_text("")
    (tmp_path / f"{PREFIX}app/db.py").write_text("")
    (tmp_path / f"{PREFIX}app/ui/window.py").write_text("import PySide6.QtWidgets\nimport lt_app.services\n")
    (tmp_path / f"{PREFIX}app/capture/camera.py").write_text("import PySide6.QtMultimedia\n")
    (tmp_path / f"{PREFIX}server/api.py").write_text("import lt_fiscal\n")
    return tmp_path


def test_scratch_tree_without_violations_passes(scratch: Path):
    result = run_lint(scratch, scratch / "contracts.toml")
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize(
    ("module", "source", "broken"),
    [
        ("app/services/pay.py", "import PySide6.QtCore\n", "no Qt below the UI"),
        ("app/ocr/engine.py", "from PySide6 import QtGui\n", "no Qt below the UI"),
        ("app/models/rows.py", "import lt_app.ui.window\n", "no Qt below the UI"),
        ("app/capture/folder.py", "import PySide6.QtCore\n", "capture uses Qt only inside its camera adapter"),
        ("server/leak.py", "import lt_app.services\n", "app and server never import each other"),
        ("app/sync/leak.py", "import lt_server.api\n", "app and server never import each other"),
        ("fiscal/db.py", "import sqlalchemy\n", "fiscal is pure"),
        ("fiscal/ui.py", "import PySide6\n", "fiscal is pure"),
        ("fiscal/up.py", "import lt_app\n", "fiscal is pure"),
    ],
)
def test_a_forbidden_import_breaks_a_contract(scratch: Path, module: str, source: str, broken: str):
    (scratch / (PREFIX + module)).write_text(source)
    result = run_lint(scratch, scratch / "contracts.toml")
    assert result.returncode != 0, result.stdout
    broken_lines = [line for line in result.stdout.splitlines() if " BROKEN" in line]
    assert any(line.startswith(broken) for line in broken_lines), result.stdout
