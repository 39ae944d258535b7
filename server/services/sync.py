"""Sync: pull pages of changes since a server sequence number; push idempotent commands."""
from __future__ import annotations

import hashlib
import json
import time
import uuid
from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError
from sqlalchemy import insert, select
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.orm import Session, selectinload

from fiscal.schemas.applications import ApplicationDraft
from fiscal.schemas.sync import SUPPORTED_COMMANDS, PushCommand
from server import chain
from server.errors import ApiError
from server.models import (
    Application,
    ApplicationApproval,
    ChainHead,
    CodeTableVersion,
    IdempotencyRecord,
    Indicator,
    MonitorWarning,
    Tombstone,
    Unit,
    utcnow,
)
from server.services import applications as apps
from server.services import codes
from server.services import dictionary_versions as dict_versions
from server.services import sync_approvals as approvals_sync
from server.services.org import Principal, unit_public


def _scoped(q, col, principal: Principal):
    if principal.unit_ids is not None:
        q = q.where(col.in_(principal.unit_ids or {-1}))
    return q


def pull(session: Session, *, principal: Principal, since: int, limit: int) -> dict:
    # Everything up to the head's value has committed (the head is bumped under lock at commit),
    # so bounding every query by it keeps the three reads consistent with each other.
    upper = session.execute(select(ChainHead.sync_seq).where(ChainHead.id == 1)).scalar_one()
    if since > upper:
        raise ApiError(409, "sync_cursor_ahead",
                       f"客户端同步位置 {since} 超过服务器当前序号 {upper}：服务器数据可能已从备份恢复。"
                       "请从头重新同步（since=0），本地未上传的修改会保留。",
                       {"since": since, "server_seq": upper})
    changes: list[tuple[int, str, str, str, Any]] = []
    fetch = limit + 1
    # Indicators are the bulk of a first sync (100,000 rows): plain rows, no ORM objects.
    t = Indicator.__table__
    cols = [c for c in t.c if c.name not in ("unit_id", "created_at", "amount", "frozen",
                                             "reserved", "paid", "available")]
    ind_rows = session.execute(
        _scoped(select(*cols, Unit.code.label("unit_code"), t.c.amount.label("amount_fen"),
                       t.c.frozen.label("frozen_fen"), t.c.reserved.label("reserved_fen"),
                       t.c.paid.label("paid_fen"), t.c.available.label("available_fen"))
                .join(Unit, Unit.id == t.c.unit_id), t.c.unit_id, principal)
        .where(t.c.seq > since, t.c.seq <= upper).order_by(t.c.seq).limit(fetch)).mappings().all()
    changes += [(r["seq"], "indicator", r["id"], "upsert", dict(r)) for r in ind_rows]
    app_rows = session.execute(_scoped(select(Application), Application.unit_id, principal)
                               .where(Application.seq > since, Application.seq <= upper)
                               .options(selectinload(Application.attachments))
                               .order_by(Application.seq).limit(fetch)).unique().scalars().all()
    changes += [(r.seq, "application", str(r.id), "upsert", r) for r in app_rows]
    unit_rows = session.execute(_scoped(select(Unit), Unit.id, principal)
                                .where(Unit.seq > since, Unit.seq <= upper)
                                .order_by(Unit.seq).limit(fetch)).unique().scalars().all()
    changes += [(r.seq, "unit", r.code, "upsert", r) for r in unit_rows]
    tombs = session.execute(_scoped(select(Tombstone), Tombstone.unit_id, principal)
                            .where(Tombstone.seq > since, Tombstone.seq <= upper)
                            .order_by(Tombstone.seq).limit(fetch)).scalars().all()
    changes += [(t.seq, t.entity, t.entity_id, "delete", None) for t in tombs]
    code_rows = session.execute(select(CodeTableVersion)
                                .where(CodeTableVersion.seq > since, CodeTableVersion.seq <= upper)
                                .order_by(CodeTableVersion.seq).limit(fetch)).scalars().all()
    changes += [(v.seq, "code_tables", str(v.fiscal_year), "upsert", v) for v in code_rows]
    changes += dict_versions.pull_rows(session, principal, since, upper, fetch)
    # Approval tasks are costly to build (the caller's right to decide now), so find where this
    # page ends from plain sequence numbers first and build only the tasks up to there.
    aq = select(ApplicationApproval.seq).where(ApplicationApproval.seq > since,
                                               ApplicationApproval.seq <= upper)
    wq = select(MonitorWarning.seq).where(MonitorWarning.seq > since, MonitorWarning.seq <= upper)
    seqs = [c[0] for c in changes]
    seqs += session.execute(_scoped(aq, ApplicationApproval.unit_id, principal)
                            .order_by(ApplicationApproval.seq).limit(fetch)).scalars().all()
    seqs += session.execute(_scoped(wq, MonitorWarning.unit_id, principal)
                            .order_by(MonitorWarning.seq).limit(fetch)).scalars().all()
    bound = sorted(seqs)[limit] if len(seqs) > limit else upper  # the first seq beyond the page
    changes += approvals_sync.pull_rows(session, principal, since, bound, fetch)
    changes.sort(key=lambda c: c[0])
    has_more = len(changes) > limit
    page = changes[:limit]
    out = []
    for seq, entity, ident, op, row in page:
        data = None
        if row is not None:
            if entity == "indicator":
                data = row
            elif entity == "application":
                data = apps.public(row)
            elif entity == "unit":
                data = unit_public(row)
            elif entity == "code_tables":
                data = {**codes.table_payload(row.fiscal_year), "digest": row.digest}
            elif entity == "dictionaries":
                data = dict_versions.payload(row)
            elif entity in ("approval_task", "warning"):
                data = approvals_sync.payload(session, principal, entity, row)
        out.append({"seq": seq, "entity": entity, "id": ident, "op": op, "data": data})
    next_since = page[-1][0] if has_more else upper
    return {"changes": out, "next_since": max(next_since, since), "has_more": has_more,
            "server_seq": upper}


def _request_hash(cmd: PushCommand) -> str:
    raw = json.dumps(cmd.model_dump(mode="json"), sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(raw.encode("utf-8")).hexdigest()


def _run(session: Session, principal: Principal, cmd: PushCommand) -> tuple[int, dict]:
    if cmd.type.startswith("warning."):  # entity_id = warning number, not an application UUID
        return approvals_sync.run_warning(session, principal, cmd)
    try:
        app_id = uuid.UUID(cmd.entity_id)
    except ValueError:
        raise ApiError(422, "invalid_entity_id", f"entity_id {cmd.entity_id!r} 不是有效的 UUID。") from None
    if cmd.type == "application.save_draft":
        try:
            draft = ApplicationDraft.model_validate(cmd.payload)
        except ValidationError as exc:
            first = exc.errors()[0]
            loc = ".".join(str(x) for x in first.get("loc", ()))
            raise ApiError(422, "invalid_payload", f"字段 {loc or '(整体)'} 无效：{first.get('msg')}",
                           {"errors": json.loads(exc.json(include_url=False))}) from None
        absent = session.info.get(_ABSENT_DRAFTS)
        seen_absent = absent is not None and app_id in absent
        if seen_absent:
            absent.discard(app_id)  # a second save_draft of the same id in this push updates it
        app, created = apps.save_draft(session, principal=principal, app_id=app_id, data=draft,
                                       caller_savepoint=True, seen_absent=seen_absent)
        status = 201 if created else 200
    elif cmd.type == "application.submit":
        ev = cmd.payload.get("expected_version")
        app = apps.submit(session, principal=principal, app_id=app_id,
                          expected_version=ev if isinstance(ev, int) else None)
        status = 200
    elif cmd.type == "application.withdraw":
        app = apps.withdraw(session, principal=principal, app_id=app_id)
        status = 200
    elif cmd.type == "application.void":
        app = apps.void(session, principal=principal, app_id=app_id)
        status = 200
    else:  # application.attach / approval.decide (issue 4)
        return approvals_sync.run(session, principal, cmd, app_id)
    session.flush()
    return status, apps.public(app)


# A push groups consecutive commands into one database transaction, each command (its effect
# and its idempotency record together) in its own SAVEPOINT, and commits the group after this
# long. One commit per command made PostgreSQL wait for a WAL flush 2,000 times for 1,000
# applications (~4 ms each here); the bound keeps the row locks a group holds (indicator,
# number counter) short for other clients.
GROUP_SECONDS = 0.15
GROUP_COMMANDS = 50


def _unsupported(cmd: PushCommand) -> dict:
    return {"idempotency_key": cmd.idempotency_key, "status": "error", "http_status": 422,
            "code": "unsupported_command",
            "message": f"服务器暂不支持命令 {cmd.type}，该命令保留在本地，待服务器升级后再同步。",
            "data": None, "replayed": False}


def _known(session: Session, principal: Principal, keys: list[str]) -> dict[str, IdempotencyRecord]:
    """The stored answers among ``keys`` — one query for the whole chunk."""
    out: dict[str, IdempotencyRecord] = {}
    unique = list(dict.fromkeys(keys))
    for b in range(0, len(unique), 500):
        out.update((r.key, r) for r in session.execute(select(IdempotencyRecord).where(
            IdempotencyRecord.user_id == principal.user.id,
            IdempotencyRecord.key.in_(unique[b:b + 500]))).scalars())
    return out


#: session.info key: draft ids of this push that had neither an application nor a tombstone
#: when the push began (see apps.save_draft's ``seen_absent``); used only without savepoints
_ABSENT_DRAFTS = "jincai_absent_drafts"


def _absent_drafts(session: Session, commands: list[PushCommand]) -> set[uuid.UUID]:
    """The save_draft ids among ``commands`` that no application or tombstone has: two queries
    for the chunk instead of two per draft."""
    ids = set()
    for c in commands:
        if c.type == "application.save_draft":
            try:
                ids.add(uuid.UUID(c.entity_id))
            except ValueError:
                pass
    if not ids:
        return set()
    taken = set(session.execute(select(Application.id).where(Application.id.in_(ids))).scalars())
    taken |= {uuid.UUID(t) for t in session.execute(select(Tombstone.entity_id).where(
        Tombstone.entity == "application", Tombstone.entity_id.in_([str(i) for i in ids]))).scalars()}
    return ids - taken


def _lock_submissions(session: Session, upcoming: list[PushCommand], known: dict) -> None:
    """Lock the applications of the next submissions in one statement (each submission would
    lock its own: one round trip each). Locks taken early are held only until the group
    commits, as each submission's own lock would be."""
    ids = []
    for c in upcoming:
        if c.type == "application.submit" and c.idempotency_key not in known:
            try:
                ids.append(uuid.UUID(c.entity_id))
            except ValueError:
                pass
    apps.lock_many(session, ids)


class _RedoCarefully(Exception):
    """A command failed in a group run without savepoints: the group is redone with them."""


def push(session: Session, *, principal: Principal, commands: list[PushCommand]) -> dict:
    """Each command's effect and its stored answer commit (or roll back) together, grouped
    into transactions (see GROUP_SECONDS). A group first runs without savepoints (two round
    trips per command fewer); if a command in it is refused or the database fails it, the group
    is rolled back whole — nothing of it has committed — and redone: a refusal redoes it with
    each command in a SAVEPOINT (a refused one rolls back only its own effects; the rest of the
    request keeps savepoints), a database failure (a deadlock, a busy SQLite file, the same
    key stored meanwhile by a concurrent retry) redoes its commands one transaction each.
    Answers are written with the group's other answers just before the group commits."""
    results: list[dict | None] = [None] * len(commands)
    known: dict[str, Any] = _known(session, principal, [c.idempotency_key for c in commands])
    pending: list[dict] = []  # idempotency records of the open group
    i, group_start, group_began = 0, 0, time.monotonic()
    grouping, savepoints = True, False
    session.info[_ABSENT_DRAFTS] = _absent_drafts(session, commands)

    def redo(*, one_by_one: bool) -> int:
        nonlocal known, grouping, savepoints
        session.info.pop(_ABSENT_DRAFTS, None)  # rolled back: read each draft again from here on
        session.rollback()
        pending.clear()
        for k in range(group_start, min(i + 1, len(commands))):
            results[k] = None
        known = _known(session, principal, [c.idempotency_key for c in commands])
        savepoints = True
        if one_by_one:
            grouping = False
        return group_start

    while i < len(commands):
        cmd = commands[i]
        if cmd.type not in SUPPORTED_COMMANDS:  # answered, not stored: a later server may know it
            results[i] = _unsupported(cmd)
        else:
            rh = _request_hash(cmd)
            rec = known.get(cmd.idempotency_key)
            if rec is not None:
                results[i] = _replay(rec, cmd, rh)
            else:
                try:
                    if cmd.type == "application.submit":  # (a deadlock here is redone too)
                        ahead = GROUP_COMMANDS if grouping else 1  # one by one: each its own
                        _lock_submissions(session, commands[i:i + ahead], known)
                    answer, row = _one(session, principal, cmd, rh, savepoint=savepoints)
                except _RedoCarefully:
                    i = redo(one_by_one=False)
                    continue
                except DBAPIError:
                    if not grouping:
                        raise
                    i = redo(one_by_one=True)  # nothing of this group has committed
                    continue
                results[i] = answer
                pending.append(row)
                known[cmd.idempotency_key] = _Stored(rh, row["response"])  # same key again later
        i += 1
        if not grouping or i - group_start >= GROUP_COMMANDS or \
                time.monotonic() - group_began >= GROUP_SECONDS or i == len(commands):
            try:
                if pending:
                    session.execute(insert(IdempotencyRecord.__table__), pending)
                session.commit()
            except IntegrityError:
                if grouping:
                    i = redo(one_by_one=True)
                    continue
                # one command alone: its key was stored by a concurrent request meanwhile
                session.rollback()
                key = commands[i - 1].idempotency_key
                other = session.execute(select(IdempotencyRecord).where(
                    IdempotencyRecord.user_id == principal.user.id,
                    IdempotencyRecord.key == key)).scalar_one()
                results[i - 1] = _replay(other, commands[i - 1], pending[0]["request_hash"])
            except DBAPIError:
                if not grouping:
                    raise
                i = redo(one_by_one=True)
                continue
            pending.clear()
            group_start, group_began = i, time.monotonic()
    session.info.pop(_ABSENT_DRAFTS, None)
    upper = session.execute(select(ChainHead.sync_seq).where(ChainHead.id == 1)).scalar_one()
    session.commit()
    return {"results": results, "server_seq": upper}


@dataclass
class _Stored:
    """An answer stored earlier in the same (uncommitted) group, for a repeated key."""
    request_hash: str
    response: str


def _one(session: Session, principal: Principal, cmd: PushCommand, rh: str, *,
         savepoint: bool = True) -> tuple[dict, dict]:
    """Run one command; returns its answer and the idempotency record to store. With
    ``savepoint`` it runs in a SAVEPOINT and a refusal rolls back only its own effects; without,
    a refusal or an integrity error raises :class:`_RedoCarefully` (the caller rolls the whole
    group back and runs it again with savepoints)."""
    if not savepoint:
        try:
            status, data = _run(session, principal, cmd)
        except (ApiError, IntegrityError):
            raise _RedoCarefully() from None
        return _answer(principal, cmd, rh, {
            "idempotency_key": cmd.idempotency_key, "status": "ok", "http_status": status,
            "code": None, "message": None, "data": data})
    sp = session.begin_nested()
    try:
        try:
            status, data = _run(session, principal, cmd)
        except IntegrityError:
            if cmd.type != "application.save_draft":
                raise
            # the same draft id created meanwhile by a concurrent request (save_draft runs in
            # this savepoint, see caller_savepoint): run again, answered as its repeat
            sp.rollback()
            sp = session.begin_nested()
            status, data = _run(session, principal, cmd)
        sp.commit()
        result = {"idempotency_key": cmd.idempotency_key, "status": "ok", "http_status": status,
                  "code": None, "message": None, "data": data}
    except ApiError as exc:
        sp.rollback()
        result = {"idempotency_key": cmd.idempotency_key, "status": "error",
                  "http_status": exc.status, "code": exc.code, "message": exc.message,
                  "data": {"details": exc.details} if exc.details is not None else None}
    except BaseException:
        if sp.is_active:
            sp.rollback()
        raise
    return _answer(principal, cmd, rh, result)


def _answer(principal: Principal, cmd: PushCommand, rh: str, result: dict) -> tuple[dict, dict]:
    stored = json.loads(json.dumps(result, default=str, ensure_ascii=False))
    row = {"user_id": principal.user.id, "key": cmd.idempotency_key, "request_hash": rh,
           "http_status": result["http_status"], "response": json.dumps(stored, ensure_ascii=False),
           "created_at": utcnow()}
    return stored | {"replayed": False}, row


def _replay(rec: IdempotencyRecord, cmd: PushCommand, rh: str) -> dict:
    if rec.request_hash != rh:
        return {"idempotency_key": cmd.idempotency_key, "status": "error", "http_status": 409,
                "code": "idempotency_key_reused",
                "message": "该幂等键已用于另一条内容不同的命令，请为新命令生成新的幂等键。",
                "data": None, "replayed": True}
    return json.loads(rec.response) | {"replayed": True}


_ = chain  # audit events are written by the services each command calls
