"""`jincai` command line: no sub-command starts the desktop client; sub-commands run headless.

Each sub-command lives in its own module that provides ``add_arguments(parser)`` and
``run(args) -> int``; they are imported only when used so that ``jincai --version`` stays fast.
"""
from __future__ import annotations

import argparse
import importlib
import sys

from app import __version__

# name -> (module, one-line help). Modules are imported lazily.
SUBCOMMANDS: dict[str, tuple[str, str]] = {
    "ocr": ("app.ocr.cli", "识别凭证 / OCR vouchers and print their fields as JSON"),
    "excel": ("app.excel.cli", "Excel 模板、导入与导出 / Excel templates, imports and exports"),
    "login": ("app.sync.cli.login", "联网登录 / sign in to the server"),
    "sync": ("app.sync.cli.sync", "同步 / synchronise with the server"),
    "status": ("app.sync.cli.status", "状态 / local status (--json)"),
    "store": ("app.sync.cli.store", "本地数据库检查与恢复 / local database check, backup, recovery"),
}


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="jincai", description="金财桌面端 Jincai Desk")
    parser.add_argument("--version", action="version", version=f"jincai {__version__}")
    parser.add_argument("--self-test", action="store_true",
                        help="自检：Qt、中文字体、数据库、OCR、Excel / check the installation and exit")
    sub = parser.add_subparsers(dest="command")
    for name, (module_name, help_text) in SUBCOMMANDS.items():
        sub_parser = sub.add_parser(name, help=help_text)
        sub_parser.set_defaults(_module=module_name)
        try:
            importlib.import_module(module_name).add_arguments(sub_parser)
        except ModuleNotFoundError as exc:
            if exc.name != module_name:
                raise
            sub_parser.set_defaults(_missing=True)
    return parser


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["--ocr-worker"]:  # the OCR engine child process of a frozen build
        import ast

        from app.ocr.engines.worker import serve

        serve(argv[1], ast.literal_eval(argv[2]) if len(argv) > 2 else {})
        return 0
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.self_test:
        from app.selftest import run_self_test

        return run_self_test()
    if args.command is None:
        from app.ui.application import run_desktop

        return run_desktop()
    if getattr(args, "_missing", False):
        parser.error(f"sub-command {args.command!r} is not available in this build")
    return int(importlib.import_module(args._module).run(args) or 0)


if __name__ == "__main__":
    sys.exit(main())
