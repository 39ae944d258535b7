"""预警处置 from the desktop, offline-capable (issues #5, #6).

The unit's written explanation (书面说明) and answers (核实无误 / 已整改), and the bureau's
rulings (认定正常 / 需要核实 / 认定违规 / 确认整改), are queued in the outbox as
``warning.explain`` / ``warning.dispose`` commands; their files are kept by SHA-256 in the local
store and uploaded by the sync just before the command. The warning shows 待发送 until the server
answers; then it carries the server's state (the answer, then the next pull). A refusal — the
warning moved on meanwhile, a role that may not do it — comes back with the server's message,
and what was typed stays on the warning (``details['refused']``) to send again.

The checks here are the fiscal state machine's (``fiscal.warnings.dispose``) for quick feedback
offline; the server runs them again with the user's real role and unit.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from app.db import Database
from app.models import MonitoringWarning, OutboxCommand, new_uuid, utcnow
from app.services.attachments import store_file
from app.services.errors import InvalidField, NotEditable, NotFound
from app.services.results import Changes
from app.sync.warnings import PENDING_STATUS, unanswered
from fiscal import warnings as fw
from fiscal.media import file_media_type

# local rows mirrored before the server's states were used say 'open' for 待处理
_LEGACY_STATES = {"open": "raised"}
_LEVELS = {"red": fw.Level.RED, "yellow": fw.Level.YELLOW, "blue": fw.Level.BLUE}
MAX_NOTE = 2000      # the server's limits (server/services/sync_approvals.WarningCommand)
MAX_CONTACT = 120
MAX_FILES = 20


@dataclass(frozen=True, slots=True)
class QueuedDisposition:
    warning_id: str
    action: str
    action_name: str
    idempotency_key: str
    attachments: tuple[str, ...]
    from_state: str


def server_state(row: MonitoringWarning) -> str:
    """The warning's state as the server last said (also while a disposition is 待发送)."""
    status = row.status
    if status == PENDING_STATUS:
        status = (row.details or {}).get("server_state") or "raised"
    return _LEGACY_STATES.get(status, status)


def allowed_actions(row: MonitoringWarning) -> tuple[str, ...]:
    """What may be done on the warning now (both sides; the server checks the role)."""
    if row.status == PENDING_STATUS:
        return ()
    try:
        state = fw.DispositionState(server_state(row))
    except ValueError:
        return ()
    level = _LEVELS.get(row.severity, fw.Level.YELLOW)
    return tuple(a.value for a in fw.allowed_actions(state)
                 if a is not fw.DispositionAction.EXPLAIN or level in fw.EXPLAIN_LEVELS)


def side_for_roles(roles: Sequence[str]) -> str:
    """Which side of the loop a signed-in user acts on, as the server decides it
    (server/services/monitoring._side): 财政 roles and the admin rule, everyone else answers."""
    from fiscal.schemas.auth import BUREAU_ROLES

    return "bureau" if any(r in BUREAU_ROLES or r == "admin" for r in roles) else "unit"


@dataclass(frozen=True, slots=True)
class ActionOption:
    action: str
    name: str                 # 认定正常 / 需要核实 / … (fiscal.warnings.ACTION_NAMES)
    note_required: bool
    attachment_required: bool  # a unit answer on a red/yellow warning
    files_allowed: bool        # the bureau's rulings carry no files


def actions_for(warning: Any, side: str) -> tuple[ActionOption, ...]:
    """The steps ``side`` may take on a warning now (a :class:`MonitoringWarning` or anything
    with its ``status`` / ``severity`` / ``details``), in the state machine's order."""
    side_e = fw.Side(side)
    level = _LEVELS.get(warning.severity, fw.Level.YELLOW)
    out = []
    for a in allowed_actions(warning):
        action = fw.DispositionAction(a)
        who = next(w for (_s, act), (_n, w) in fw.TRANSITIONS.items() if act is action)
        if who is not side_e:
            continue
        unit = who is fw.Side.UNIT
        out.append(ActionOption(action.value, fw.ACTION_NAMES[action],
                                action in fw.NOTE_REQUIRED,
                                unit and level in fw.ATTACHMENT_LEVELS, unit))
    return tuple(out)


def media_type(path: Path) -> str | None:
    """The attachment types the server accepts, by content as the server judges them
    (fiscal.media): JPEG, PNG, TIFF, PDF, OFD, XML; else None."""
    return file_media_type(path)


def dispose_warning(
    *, db: Database, warning_id: str, action: str, note: str = "",
    files: Sequence[Path | str] = (), attachments: Sequence[str] = (), contact: str = "",
) -> tuple[QueuedDisposition, Changes]:
    """Queue one disposition step of a mirrored warning for the next sync. ``files`` are copied
    into the local store; ``attachments`` are SHA-256s already there. Refused here (nothing
    queued) when the fiscal state machine would refuse it: wrong state, no note, a unit answer
    without an attachment at red/yellow, or another step still waiting to be sent."""
    try:
        action_e = fw.DispositionAction(action)
    except ValueError:
        raise InvalidField(f"未知的预警处理动作 {action!r}。", field="action") from None
    note, contact = (note or "").strip(), (contact or "").strip()
    if len(note) > MAX_NOTE:
        raise InvalidField(f"说明不能超过 {MAX_NOTE} 字（现为 {len(note)} 字）。", field="note")
    if len(contact) > MAX_CONTACT:
        raise InvalidField(f"联系人信息不能超过 {MAX_CONTACT} 字。", field="contact")
    side = next(who for (_s, a), (_n, who) in fw.TRANSITIONS.items() if a is action_e)
    if files and side is not fw.Side.UNIT:
        raise InvalidField("财政部门的认定不附附件。", field="files")
    hashes = list(dict.fromkeys(a.lower() for a in attachments))
    for h in hashes:
        if len(h) != 64 or any(c not in "0123456789abcdef" for c in h):
            raise InvalidField(f"附件标识 {h[:16]!r} 不是 SHA-256。", field="attachments")
        if not (db.files_dir / h[:2] / h).exists():
            raise InvalidField(f"本机没有附件 {h[:12]}…，请重新选择文件。", field="attachments")
    stored: dict[str, dict[str, str]] = {}
    for f in files:
        path = Path(f)
        if not path.is_file():
            raise InvalidField(f"找不到文件 {path}。", field="files")
        media = media_type(path)
        if media is None:
            raise InvalidField(f"文件 {path.name} 的类型服务器不接受：附件只能是 JPEG、PNG、TIFF、PDF、"
                               "OFD 或 XML 文件。", field="files")
        sha, _size = store_file(db=db, source=path)
        stored[sha] = {"name": path.name, "media_type": media}
        if sha not in hashes:
            hashes.append(sha)
    if len(hashes) > MAX_FILES:
        raise InvalidField(f"附件最多 {MAX_FILES} 个（现为 {len(hashes)} 个）。", field="files")
    with db.transaction() as s:
        row = s.get(MonitoringWarning, str(warning_id))
        if row is None:
            raise NotFound(f"找不到预警 {warning_id}，请先同步。")
        if row.status == PENDING_STATUS or unanswered(s, row.id) is not None:
            raise NotEditable("该预警已有待发送的处理，请先同步，收到服务器答复后再继续。",
                              status=PENDING_STATUS)
        state = server_state(row)
        level = _LEVELS.get(row.severity, fw.Level.YELLOW)
        try:
            fw.dispose(fw.Disposition(level=level, state=fw.DispositionState(state)), action_e,
                       side=side, by="local", at=datetime.now(UTC), note=note,
                       attachments=hashes, contact=contact)
        except ValueError as exc:  # DispositionError, or a state this client does not know
            raise InvalidField(getattr(exc, "message", None) or
                               f"预警状态 {state!r} 无法识别，请先同步。",
                               field="attachments" if getattr(exc, "code", "") ==
                               "attachment_required" else "note") from None
        key = new_uuid()
        kind = "warning.explain" if action_e is fw.DispositionAction.EXPLAIN else "warning.dispose"
        payload: dict[str, Any] = {"note": note, "attachments": hashes, "expected_state": state}
        if kind == "warning.dispose":
            payload["action"] = action_e.value
        if contact:
            payload["contact"] = contact
        if row.server_version:
            payload["expected_version"] = row.server_version
        s.add(OutboxCommand(idempotency_key=key, kind=kind, entity_type="warning",
                            entity_id=row.id, payload=payload))
        details = dict(row.details or {})
        refused = details.pop("refused", None) or {}
        known_files = {**(refused.get("files") or {}), **stored}
        details["pending"] = {
            "key": key, "action": action_e.value, "action_name": fw.ACTION_NAMES[action_e],
            "note": note, "attachments": hashes, "contact": contact, "from_state": state,
            "files": {h: known_files[h] for h in hashes if h in known_files},
            "queued_at": utcnow().isoformat(),
            "server_explanation": details.get("explanation") or "",
        }
        details["server_state"] = state
        details["explanation"] = note
        details["explanation_unsent"] = True  # the key the old ui_queries code set
        row.details = details
        row.status = PENDING_STATUS
        queued = QueuedDisposition(row.id, action_e.value, fw.ACTION_NAMES[action_e], key,
                                   tuple(hashes), state)
    return queued, Changes(outbox=True)


def explain_warning(*, db: Database, warning_id: str, explanation: str,
                    files: Sequence[Path | str] = (), attachments: Sequence[str] = ()) -> Changes:
    """The unit's written explanation (书面说明) of a yellow warning, with at least one file;
    sent at the next sync."""
    explanation = (explanation or "").strip()
    if not explanation:
        raise InvalidField("请填写情况说明。", field="explanation")
    return dispose_warning(db=db, warning_id=warning_id, action="explain", note=explanation,
                           files=files, attachments=attachments)[1]

