"""Developer helper: ``python -m app.migrations revision -m MSG`` / ``heads`` / ``history``.

``revision`` builds a scratch database at head, then autogenerates the difference to the
models (``--empty`` for a hand-written data migration). Revision ids are numbered 0001, 0002…
Autogenerate does not see CHECK-constraint changes: write those by hand (see 0003). Check
the generated file: replace app.models types by plain SQLAlchemy types so that a revision
never changes after it has shipped.
"""
from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

from alembic import command

from app.migrations import alembic_config


def _next_rev_id() -> str:
    from alembic.script import ScriptDirectory

    numbers = [
        int(r.revision) for r in ScriptDirectory.from_config(alembic_config()).walk_revisions()
        if r.revision.isdigit()
    ]
    return f"{max(numbers, default=0) + 1:04d}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m app.migrations")
    sub = parser.add_subparsers(dest="cmd", required=True)
    rev = sub.add_parser("revision")
    rev.add_argument("-m", "--message", required=True)
    rev.add_argument("--empty", action="store_true")
    rev.add_argument("--rev-id", help="e.g. 0005 (default: the next number)")
    sub.add_parser("heads")
    sub.add_parser("history")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{Path(tmp) / 'scratch.sqlite3'}"
        cfg = alembic_config(url=url)
        if args.cmd == "revision":
            command.upgrade(cfg, "head")
            rev_id = args.rev_id or _next_rev_id()
            command.revision(cfg, message=args.message, autogenerate=not args.empty,
                             rev_id=rev_id)
        elif args.cmd == "heads":
            command.heads(cfg)
        else:
            command.history(cfg)
    return 0


if __name__ == "__main__":
    sys.exit(main())
