"""Developer helper: ``python -m app.migrations revision -m MSG`` / ``heads`` / ``history``.

``revision`` builds a scratch database at head, then autogenerates the difference to the
models (``--empty`` for a hand-written data migration).
"""
from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

from alembic import command

from app.migrations import alembic_config


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m app.migrations")
    sub = parser.add_subparsers(dest="cmd", required=True)
    rev = sub.add_parser("revision")
    rev.add_argument("-m", "--message", required=True)
    rev.add_argument("--empty", action="store_true")
    sub.add_parser("heads")
    sub.add_parser("history")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{Path(tmp) / 'scratch.sqlite3'}"
        cfg = alembic_config(url=url)
        if args.cmd == "revision":
            command.upgrade(cfg, "head")
            command.revision(cfg, message=args.message, autogenerate=not args.empty)
        elif args.cmd == "heads":
            command.heads(cfg)
        else:
            command.history(cfg)
    return 0


if __name__ == "__main__":
    sys.exit(main())
