"""``python -m app.sync.cli {login,sync,status,store} ...`` — the headless commands without
the ``jincai`` entry point (same modules as app.cli's sub-commands)."""
from __future__ import annotations

import argparse
import importlib
import sys

COMMANDS = {
    "login": "联网登录 / sign in to the server",
    "sync": "同步 / sync with the server",
    "status": "状态 / local status",
    "store": "本地数据库检查、备份与恢复 / local database check, backup, recovery",
}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m app.sync.cli")
    sub = parser.add_subparsers(dest="command", required=True)
    for name, help_text in COMMANDS.items():
        p = sub.add_parser(name, help=help_text)
        importlib.import_module(f"app.sync.cli.{name}").add_arguments(p)
    args = parser.parse_args(argv)
    return int(importlib.import_module(f"app.sync.cli.{args.command}").run(args) or 0)


if __name__ == "__main__":
    sys.exit(main())
