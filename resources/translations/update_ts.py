"""Regenerate jincai_en.ts from the source and the English texts in en_strings.json.

    .venv/bin/python resources/translations/update_ts.py [--check] [--compile]

Qt's lupdate cannot see strings passed to ``tr`` through variables (navigation titles,
status names), and would mark them obsolete; this script extracts every literal given to
``self.tr(...)``, ``QCoreApplication.translate(ctx, ...)`` (and its local aliases) from
``app/ui/**.py``, keeps the contexts PySide6 uses (the class name), adds the known dynamic
strings, and writes a complete .ts. ``--check`` exits 1 when a string has no English text;
``--compile`` also runs pyside6-lrelease.
"""
from __future__ import annotations

import ast
import json
import subprocess
import sys
from collections import defaultdict
from pathlib import Path
from xml.sax.saxutils import escape

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
SOURCES = sorted((ROOT / "app" / "ui").rglob("*.py"))
STRINGS = HERE / "en_strings.json"
TS = HERE / "jincai_en.ts"
TRANSLATE_ALIASES = {"t": None, "_tr": "PrintApplication"}
# screens other engineers own: their missing English is reported, not fatal for --check
OTHER_OWNERS = {"import_wizard.py", "capture_panel.py", "voucher_review.py"}


def _const(node: ast.AST) -> str | None:
    return node.value if isinstance(node, ast.Constant) and isinstance(node.value, str) else None


def extract(path: Path) -> list[tuple[str, str, int]]:
    tree = ast.parse(path.read_text("utf-8"))
    found: list[tuple[str, str, int]] = []

    def visit(node: ast.AST, cls: str | None) -> None:
        if isinstance(node, ast.ClassDef):
            for child in node.body:
                visit(child, node.name)
            return
        if isinstance(node, ast.Call):
            f = node.func
            args = node.args
            if isinstance(f, ast.Attribute) and f.attr == "tr" and args and cls:
                text = _const(args[0])
                if text is not None:
                    found.append((cls, text, node.lineno))
            elif isinstance(f, ast.Attribute) and f.attr == "translate" and len(args) >= 2:
                ctx, text = _const(args[0]), _const(args[1])
                if ctx and text is not None:
                    found.append((ctx, text, node.lineno))
            elif isinstance(f, ast.Name) and f.id in TRANSLATE_ALIASES:
                fixed = TRANSLATE_ALIASES[f.id]
                if fixed is None and len(args) >= 2:
                    ctx, text = _const(args[0]), _const(args[1])
                    if ctx and text is not None:
                        found.append((ctx, text, node.lineno))
                elif fixed is not None and args and _const(args[0]) is not None:
                    found.append((fixed, _const(args[0]) or "", node.lineno))
        for child in ast.iter_child_nodes(node):
            visit(child, cls)

    visit(tree, None)
    return found


def dynamic() -> list[tuple[str, str]]:
    """Strings handed to tr() through variables."""
    sys.path.insert(0, str(ROOT))
    out = [("language", "zh_CN")]
    try:
        from app.services.ui_queries import DEMO_USERS

        out += [("SignInDialog", u.role_name) for u in DEMO_USERS]
        from app.ui.embedded import ROLE_NAMES

        out += [("SignInDialog", name) for name in ROLE_NAMES.values()]
    except Exception as exc:  # noqa: BLE001 - the script still works without them
        print("warning: demo users not read:", exc, file=sys.stderr)
    src = (ROOT / "app" / "ui" / "main_window.py").read_text("utf-8")
    tree = ast.parse(src)
    for node in ast.walk(tree):
        if isinstance(node, ast.Assign) and any(isinstance(t, ast.Name) and t.id == "PAGES"
                                                for t in node.targets):
            for tup in node.value.elts:  # type: ignore[attr-defined]
                _key, title, desc = (_const(e) for e in tup.elts)
                out += [("MainWindow", title or ""), ("MainWindow", desc or "")]
    return out


def main() -> int:
    english: dict[str, object] = json.loads(STRINGS.read_text("utf-8"))
    messages: dict[str, dict[str, list[str]]] = defaultdict(dict)
    for path in SOURCES:
        rel = path.relative_to(ROOT).as_posix()
        for ctx, text, line in extract(path):
            messages[ctx].setdefault(text, []).append(f"{rel}:{line}")
    for ctx, text in dynamic():
        messages[ctx].setdefault(text, [])
    missing = []
    out = ['<?xml version="1.0" encoding="utf-8"?>', "<!DOCTYPE TS>",
           '<TS version="2.1" language="en_US" sourcelanguage="zh_CN">']
    for ctx in sorted(messages):
        out.append("<context>")
        out.append(f"    <name>{escape(ctx)}</name>")
        for text in sorted(messages[ctx]):
            value = english.get(f"{ctx}|{text}", english.get(text))
            if not isinstance(value, str) or not value:
                missing.append((ctx, text))
                value = ""
            out.append("    <message>")
            for loc in messages[ctx][text][:3]:
                file, line = loc.rsplit(":", 1)
                out.append(f'        <location filename="../../{escape(file)}" line="{line}"/>')
            out.append(f"        <source>{escape(text)}</source>")
            if value:
                out.append(f"        <translation>{escape(value)}</translation>")
            else:
                out.append('        <translation type="unfinished"></translation>')
            out.append("    </message>")
        out.append("</context>")
    out.append("</TS>")
    if "--check" in sys.argv:
        fatal = 0
        for ctx, text in missing:
            locs = messages[ctx][text]
            theirs = bool(locs) and all(Path(loc.rsplit(":", 1)[0]).name in OTHER_OWNERS
                                        for loc in locs)
            print(f"missing English{' (other owner)' if theirs else ''}: [{ctx}] {text}")
            fatal += not theirs
        return 1 if fatal else 0
    TS.write_text("\n".join(out) + "\n", "utf-8")
    total = sum(len(v) for v in messages.values())
    print(f"{TS.name}: {total} messages, {len(missing)} without English")
    for ctx, text in missing:
        print(f"  missing: [{ctx}] {text}")
    if "--compile" in sys.argv:
        lrelease = Path(sys.executable).with_name("pyside6-lrelease")
        subprocess.run([str(lrelease), str(TS), "-qm", str(TS.with_suffix(".qm"))], check=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
