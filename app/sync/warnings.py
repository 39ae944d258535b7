"""Sync side of the offline warning dispositions (``warning.explain`` / ``warning.dispose``,
queued by :mod:`app.services.warnings`).

A queued disposition lives in the local warning's ``details``: ``pending`` (what was typed, the
files, the state it was made on) while the warning shows 待发送 (status ``pending_send``), and
``refused`` (the same plus the server's message) once the server refused it — so nothing typed
is lost. Both are local-only keys: a pulled copy of the warning keeps them.
"""
from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models import MonitoringWarning, OutboxCommand, utcnow

log = logging.getLogger(__name__)

PENDING_STATUS = "pending_send"   # shown as 待发送
COMMAND_KINDS = ("warning.explain", "warning.dispose")
LOCAL_KEYS = ("pending", "refused", "server_state")


def local_state(row: MonitoringWarning) -> dict[str, Any]:
    """The local-only part of a warning's details (kept across pulls)."""
    d = row.details or {}
    return {k: d[k] for k in LOCAL_KEYS if k in d}


def carry_local(row: MonitoringWarning, kept: dict[str, Any]) -> None:
    """After a pulled copy replaced ``row``: put the local-only keys back. A disposition not yet
    answered by the server keeps the warning 待发送 (the server's state is remembered)."""
    if not kept:
        return
    details = dict(row.details or {})
    if "refused" in kept:
        details["refused"] = kept["refused"]
    if "pending" in kept:
        details["pending"] = kept["pending"]
        details["server_state"] = row.status
        details["explanation"] = kept["pending"].get("note", details.get("explanation"))
        row.status = PENDING_STATUS
    row.details = details


def _settle(row: MonitoringWarning) -> dict[str, Any] | None:
    """Drop ``pending`` and give the row its server state back; returns what was pending."""
    details = dict(row.details or {})
    pending = details.pop("pending", None)
    server_state = details.pop("server_state", None)
    if pending is not None:
        details["explanation"] = pending.get("server_explanation", "")
        details.pop("explanation_unsent", None)
    if row.status == PENDING_STATUS:
        row.status = server_state or (pending or {}).get("from_state") or "raised"
    row.details = details
    return pending


def apply_result(s: Session, cmd: OutboxCommand, result: dict[str, Any], *,
                 transient: bool) -> str:
    """Record the server's answer to a warning command; returns the command's new state.
    ``transient`` (decided by the caller's rules): kept pending with the server's message
    shown (e.g. an older server that does not run these commands yet)."""
    from app.sync.apply import apply_warning

    row = s.get(MonitoringWarning, cmd.entity_id)
    if result.get("status") == "ok":
        cmd.state, cmd.sent_at, cmd.last_error = "done", utcnow(), None
        data = result.get("data") or {}
        if row is not None:
            _settle(row)
            details = dict(row.details or {})
            details.pop("refused", None)
            row.details = details
            seq = int(data.get("seq") or 0)
            # a replayed (older) answer must not roll back a newer pulled copy
            if data.get("id") is not None and seq >= (row.server_seq or 0):
                apply_warning(s, data, seq)
        return "done"
    http_status = int(result.get("http_status") or 0)
    code = result.get("code") or "error"
    message = result.get("message") or code
    cmd.last_error = f"{http_status} {code}: {message}"
    if transient:
        cmd.state = "pending"
        if row is not None and "pending" in (row.details or {}):
            details = dict(row.details)
            details["pending"] = {**details["pending"], "message": message}
            row.details = details
        return "pending"
    cmd.state = "refused"
    if row is None:
        return "refused"
    pending = _settle(row) or dict(cmd.payload)
    current = ((result.get("data") or {}).get("details") or {}).get("current")
    if isinstance(current, dict) and current.get("id") is not None and \
            int(current.get("seq") or 0) >= (row.server_seq or 0):
        apply_warning(s, current, int(current.get("seq") or 0))  # show where it moved to
    details = dict(row.details or {})
    details["refused"] = {**{k: v for k, v in pending.items() if k != "message"},
                          "message": message, "code": code, "at": utcnow().isoformat()}
    row.details = details
    return "refused"


def command_files(s: Session, batch: list[dict[str, Any]],
                  files_dir: Path) -> list[tuple[str, Path, str]]:
    """(sha256, local path, media type) of the files the warning commands in ``batch`` refer
    to: they must reach the server before the commands run (the server checks the unit holds
    them), whereas application vouchers wait for the upload stage."""
    out: dict[str, tuple[str, Path, str]] = {}
    for c in batch:
        if c["type"] not in COMMAND_KINDS:
            continue
        row = s.get(MonitoringWarning, c["entity_id"])
        files = ((row.details or {}).get("pending") or {}).get("files") or {} if row else {}
        for sha in c["payload"].get("attachments") or ():
            path = files_dir / sha[:2] / sha
            if not path.exists():
                log.error("warning %s: attachment %s missing from %s", c["entity_id"], sha, path)
                continue  # the server answers attachment_not_found; the user sees it
            media = (files.get(sha) or {}).get("media_type") or "application/octet-stream"
            out[sha] = (sha, path, media)
    return list(out.values())


def unanswered(s: Session, warning_id: str) -> OutboxCommand | None:
    return s.scalar(select(OutboxCommand).where(
        OutboxCommand.entity_type == "warning", OutboxCommand.entity_id == warning_id,
        OutboxCommand.state.in_(("pending", "sending"))).limit(1))
