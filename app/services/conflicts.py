"""Conflicts: a record the server changed while the user was editing it. Both versions are
kept until the user chooses; nothing is overwritten silently."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from sqlalchemy import select

from app.db import Database
from app.models import Conflict, PaymentApplication, utcnow
from app.services.errors import NotFound, ServiceError
from app.services.results import Changes


@dataclass(frozen=True, slots=True)
class ConflictView:
    id: int
    entity_type: str
    entity_id: str
    reason: str
    local_version: dict[str, Any]
    server_version: dict[str, Any]
    detected_at: datetime


def list_conflicts(*, db: Database, include_resolved: bool = False) -> list[ConflictView]:
    stmt = select(Conflict).order_by(Conflict.detected_at, Conflict.id)
    if not include_resolved:
        stmt = stmt.where(Conflict.resolved_at.is_(None))
    with db.read() as s:
        return [
            ConflictView(c.id, c.entity_type, c.entity_id, c.reason, dict(c.local_version),
                         dict(c.server_version), c.detected_at)
            for c in s.scalars(stmt)
        ]


def resolve_conflict(
    *, db: Database, conflict_id: int, keep: Literal["local", "server"]
) -> Changes:
    """``keep="local"``: the user's edit stays a draft, now based on the server's current
    version (queueing it again sends it with that version, so the server can still refuse
    if it changes once more). ``keep="server"``: the local edit is dropped and the server's
    copy is taken (it is applied in full at the next sync if it is not complete here)."""
    from app.sync.apply import overwrite_from_server

    if keep not in ("local", "server"):
        raise ServiceError("keep 只能是 local 或 server。", field="keep")
    with db.transaction() as s:
        c = s.get(Conflict, conflict_id)
        if c is None or c.resolved_at is not None:
            raise NotFound(f"冲突 {conflict_id} 不存在或已处理。")
        app = s.get(PaymentApplication, c.entity_id) if c.entity_type == "application" else None
        server = dict(c.server_version)
        if app is not None:
            if keep == "local":
                if server.get("deleted"):
                    app.server_version = app.base_server_version = None
                    app.app_no = None
                elif "version" in server:
                    app.base_server_version = server["version"]
                app.dirty = True
                if app.local_status not in ("draft", "returned"):
                    app.local_status = "draft"
            elif server.get("deleted"):
                s.delete(app)
            elif "version" in server:
                overwrite_from_server(s, app, server)
            else:  # nothing usable from the server yet: drop the edit, re-download
                app.dirty = False
                app.base_server_version = app.server_version
        c.resolved_at = utcnow()
        c.resolution = "keep_local" if keep == "local" else "take_server"
        entity = c.entity_id
    return Changes(applications=frozenset({entity}), conflicts=True)
