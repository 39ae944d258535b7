"""Server sequence numbers (for sync) and the audit hash chain, both assigned at commit time.

Services call :func:`touch` for every row a client must see again and :func:`audit` for every
state change. Just before the transaction commits, :func:`_finalize` locks the single
``chain_head`` row, hands out consecutive sequence numbers and appends the audit events, each
hashing the previous one. Because the head row is locked *last* and released by the commit, the
sequence numbers become visible in commit order (a pull never skips a change that commits late)
and the audit chain is strictly linear — without serializing the work that precedes commit.
"""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import event, insert, select, update
from sqlalchemy.orm import Session, sessionmaker

GENESIS = "0" * 64


def canonical_json(obj: Any) -> str:
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False,
                      default=_json_default)


def _json_default(o: Any) -> Any:
    if isinstance(o, datetime):
        return o.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    return str(o)


def digest(obj: Any) -> str | None:
    if obj is None:
        return None
    return hashlib.sha256(canonical_json(obj).encode("utf-8")).hexdigest()


HASHED_FIELDS = ("seq", "ts", "actor_id", "actor", "device_id", "action", "entity_type",
                 "entity_id", "unit_id", "before_digest", "after_digest", "detail", "prev_hash")


def event_payload(ev: Any) -> dict[str, Any]:
    """Exactly the fields covered by an audit event's hash (from a row object or a dict)."""
    get = ev.get if isinstance(ev, dict) else (lambda k: getattr(ev, k))
    return {k: get(k) for k in HASHED_FIELDS}


def event_hash(ev: Any) -> str:
    return hashlib.sha256(canonical_json(event_payload(ev)).encode("utf-8")).hexdigest()


@dataclass
class Actor:
    id: int | None
    name: str | None
    device_id: str | None = None


SYSTEM = Actor(None, "system", None)


def touch(session: Session, obj: Any) -> None:
    """Give ``obj`` (a row with a ``seq`` column) a new server sequence number at commit."""
    pending = session.info.setdefault("chain_touch", {})
    pending[id(obj)] = obj


def insert_later(session: Session, model: Any, rows: list[dict[str, Any]], *,
                 sequenced: bool = False) -> None:
    """Bulk-insert ``rows`` at commit time (after the sequence numbers are known); with
    ``sequenced`` each row gets the next server sequence number in ``seq``. Used by imports."""
    session.info.setdefault("chain_inserts", []).append((model, rows, sequenced))


def audit(session: Session, *, actor: Actor, action: str, entity_type: str,
          entity_id: Any, unit_id: int | None = None, before: Any = None, after: Any = None,
          detail: dict[str, Any] | None = None) -> None:
    session.info.setdefault("chain_audit", []).append({
        "actor_id": actor.id, "actor": actor.name, "device_id": actor.device_id,
        "action": action, "entity_type": entity_type,
        "entity_id": None if entity_id is None else str(entity_id), "unit_id": unit_id,
        "before_digest": digest(before), "after_digest": digest(after),
        "detail": canonical_json({"after": after, **(detail or {})}),
    })


def _finalize(session: Session) -> None:
    if session.in_nested_transaction():
        # SQLAlchemy also fires before_commit when a SAVEPOINT is released: numbers and hashes
        # are handed out once, at the real commit, so the head row stays locked only briefly.
        return
    touched = session.info.pop("chain_touch", None)
    events = session.info.pop("chain_audit", None)
    inserts = session.info.pop("chain_inserts", None)
    if not touched and not events and not inserts:
        return
    from server.models import AuditEvent, ChainHead

    t = ChainHead.__table__
    # Core, not the ORM: the head is read and written once per commit, in a single UPDATE
    head = session.execute(select(t.c.sync_seq, t.c.audit_seq, t.c.audit_hash)
                           .where(t.c.id == 1).with_for_update()).one()
    seq = head.sync_seq
    for obj in (touched or {}).values():
        seq += 1
        obj.seq = seq
    for model, rows, sequenced in inserts or ():
        if sequenced:
            for row in rows:
                seq += 1
                row["seq"] = seq
        if rows:
            session.execute(insert(model), rows)
    audit_seq, prev = head.audit_seq, head.audit_hash
    if events:
        now = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
        rows = []
        for data in events:
            audit_seq += 1
            row = {"seq": audit_seq, "ts": now, "prev_hash": prev, **data}
            row["hash"] = prev = event_hash(row)
            rows.append(row)
        # the table, not the ORM entity: one executemany for all events (the ORM's bulk insert
        # splits the batch wherever the set of non-NULL columns changes)
        session.execute(insert(AuditEvent.__table__), rows)
    session.execute(update(t).where(t.c.id == 1)
                    .values(sync_seq=seq, audit_seq=audit_seq, audit_hash=prev))
    session.flush()
    # an ORM copy of the head loaded earlier in this session is now stale
    cached = session.identity_map.get(session.identity_key(ChainHead, 1))
    if cached is not None:
        session.expire(cached)


#: The transaction cache of rows this transaction holds a lock on (FOR UPDATE); dropped by any
#: rollback, savepoint included, because the database drops the locks taken inside it.
LOCKED_ROWS = "locked_rows"


def transaction_cache(session: Session, name: str) -> dict[Any, Any]:
    """A dict that lives until the current database transaction commits or rolls back (not
    just a savepoint): for reads a service may reuse across the commands of one push group."""
    return session.info.setdefault("chain_tx_caches", {}).setdefault(name, {})


def _drop_caches(session: Session) -> None:
    session.info.pop("chain_tx_caches", None)


def _on_begin(session: Session, transaction: Any) -> None:
    # A SAVEPOINT remembers what was pending when it began, so rolling it back forgets only
    # what was registered inside it (a push groups several commands in one transaction, each
    # in its own savepoint; see server.services.sync.push).
    if transaction.nested:
        session.info.setdefault("chain_marks", {})[id(transaction)] = (
            dict(session.info.get("chain_touch") or {}), len(session.info.get("chain_audit") or ()),
            len(session.info.get("chain_inserts") or ()))


def _on_end(session: Session, transaction: Any) -> None:
    # marks are looked up by after_soft_rollback, which fires after the savepoint has ended:
    # forget them only with the whole transaction
    # (a flush runs in an inner non-nested "subtransaction": only the outermost one counts)
    if transaction.parent is None:
        session.info.pop("chain_marks", None)
        _drop_caches(session)


def _on_rollback(session: Session, transaction: Any) -> None:
    session.info.get("chain_tx_caches", {}).pop(LOCKED_ROWS, None)
    mark = (session.info.get("chain_marks") or {}).get(id(transaction)) if transaction.nested else None
    if mark is None:
        session.info.pop("chain_touch", None)
        session.info.pop("chain_audit", None)
        session.info.pop("chain_inserts", None)
        return
    touched, n_audit, n_inserts = mark
    session.info["chain_touch"] = dict(touched)
    del session.info.setdefault("chain_audit", [])[n_audit:]
    del session.info.setdefault("chain_inserts", [])[n_inserts:]


def install(factory: sessionmaker[Session]) -> None:
    event.listen(factory, "before_commit", _finalize)
    event.listen(factory, "after_transaction_create", _on_begin)
    event.listen(factory, "after_transaction_end", _on_end)
    event.listen(factory, "after_soft_rollback", _on_rollback)


def ensure_head(session: Session) -> None:
    from server.models import ChainHead
    if session.get(ChainHead, 1) is None:
        session.add(ChainHead(id=1, sync_seq=0, audit_seq=0, audit_hash=GENESIS))
        session.flush()


@dataclass
class VerifyResult:
    ok: bool
    checked: int
    head_seq: int
    first_bad_seq: int | None = None
    reason: str | None = None

    def message(self) -> str:
        if self.ok:
            return f"审计链完整：共校验 {self.checked} 条事件，链头序号 {self.head_seq}。"
        return f"审计链被破坏：第一条异常事件序号 {self.first_bad_seq}，原因：{self.reason}"


def verify(session: Session, *, batch: int = 5000) -> VerifyResult:
    """Walk the whole chain in order. Names the first event that was edited, deleted, inserted or
    reordered; also detects a truncated tail via the head row."""
    from server.models import AuditEvent, ChainHead

    head = session.get(ChainHead, 1)
    head_seq = head.audit_seq if head else 0
    prev = GENESIS
    expected = 1
    checked = 0
    last = 0
    while True:
        rows = session.execute(select(AuditEvent).where(AuditEvent.seq > last)
                               .order_by(AuditEvent.seq).limit(batch)).scalars().all()
        if not rows:
            break
        for ev in rows:
            if ev.seq != expected:
                return VerifyResult(False, checked, head_seq, expected,
                                    f"缺少序号 {expected} 的事件（被删除或重排）")
            if ev.prev_hash != prev:
                return VerifyResult(False, checked, head_seq, ev.seq,
                                    "前序哈希不匹配（事件被删除、插入或重排）")
            if event_hash(ev) != ev.hash:
                return VerifyResult(False, checked, head_seq, ev.seq, "内容哈希不匹配（事件被修改）")
            prev = ev.hash
            expected += 1
            checked += 1
            last = ev.seq
        session.expunge_all()
    if head is not None and (last != head.audit_seq or prev != head.audit_hash):
        return VerifyResult(False, checked, head_seq, last + 1,
                            f"链尾与链头记录不一致（链头序号 {head.audit_seq}，实际 {last}）：事件被删除")
    return VerifyResult(True, checked, head_seq)
