"""Headless commands (issue 5, item 6), each a module with ``add_arguments(parser)`` and
``run(args) -> int`` for ``app.cli``'s SUBCOMMANDS table:

    "login":  ("app.sync.cli.login",  "联网登录 / sign in to the server")
    "sync":   ("app.sync.cli.sync",   "同步 / sync with the server")
    "status": ("app.sync.cli.status", "状态 / local status (--json)")
    "store":  ("app.sync.cli.store",  "本地数据库检查、备份与恢复 / local database check, backup, recovery")

Exit codes: 0 ok, 1 refused or failed, 2 no OS keyring, 3 upgrade required,
4 sign-in required, 5 server unreachable, 6 local database damaged, 130 interrupted.
"""
from __future__ import annotations

import sys
from pathlib import Path

from app.db import Database, LocalDatabaseError, open_database

EXIT_OK, EXIT_FAILED, EXIT_NO_KEYRING, EXIT_UPGRADE, EXIT_AUTH, EXIT_NETWORK, EXIT_DAMAGED = (
    0, 1, 2, 3, 4, 5, 6,
)
EXIT_INTERRUPTED = 130


def say(message: str) -> None:
    print(message, file=sys.stderr)


def add_db_argument(parser) -> None:
    parser.add_argument("--db", type=Path, default=None,
                        help="本地数据库文件（默认在数据目录，可用 JINCAI_DATA_DIR 改变）")


def open_db(args) -> Database | None:
    """Open the local database, or explain what is wrong and how to recover."""
    try:
        return open_database(getattr(args, "db", None))
    except LocalDatabaseError as exc:
        say(exc.message)
        say("恢复 / recover: jincai store restore  或/or  jincai store fresh")
        return None
