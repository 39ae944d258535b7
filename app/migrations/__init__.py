"""Alembic migrations of the client's local database, run programmatically by ``app.db``.

For developers: ``python -m app.migrations revision -m "what changed"`` autogenerates a
new revision against a scratch database at head; ``python -m app.migrations heads``.
"""
from __future__ import annotations

from pathlib import Path

from alembic.config import Config

MIGRATIONS_DIR = Path(__file__).resolve().parent


def alembic_config(connection=None, *, url: str | None = None) -> Config:
    """An Alembic ``Config`` without alembic.ini; ``connection`` is used by env.py if given."""
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    if url:
        cfg.set_main_option("sqlalchemy.url", url)
    if connection is not None:
        cfg.attributes["connection"] = connection
    return cfg


def head_revision() -> str:
    from alembic.script import ScriptDirectory

    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert head is not None
    return head
