"""Staged indicator imports: an Excel import of any size is all-or-nothing on the server.

``POST /indicators/bulk`` takes at most 5,000 rows (and 2 MiB) per request, so a bigger
workbook used to be sent as several independent requests. Here it is one *batch*:

1. ``open_batch`` — the client chooses the batch id (a UUID), so a retried create is a no-op;
2. ``add_chunk`` — up to 5,000 rows each, numbered 0, 1, 2 …, each with an idempotency key:
   the same key with the same rows answers as before, the same key with other rows is refused;
   rows are only format-checked here and stored, nothing touches the indicators;
3. ``commit`` — checks that every chunk announced is there, re-validates *all* rows (format,
   duplicates across chunks, units within the caller's scope, classification codes of the
   year, 调减 against what is already used — :func:`server.services.indicators.upsert_many`)
   and applies them in the one transaction of the request. Any bad row: nothing is written,
   the batch becomes ``rejected`` with every error located by chunk and row. A retried commit
   answers exactly as the first one (stored result);
4. ``abort`` — drops the staged rows. A batch never committed has no effect at all.

Every transition is an audit event (``indicator_import.open|commit|reject|abort|expire``); the
indicators themselves get their usual ``indicator.create|update`` events from ``upsert_many``.
Staged rows are deleted when the batch is finished; a batch left open for 24 hours is given up
(``expire``) the next time its user opens a batch.
"""
from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Sequence
from datetime import timedelta
from typing import Any

from pydantic import ValidationError
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from fiscal.schemas.indicators import IndicatorUpsert
from server import chain
from server.errors import ApiError, conflict, not_found
from server.models import IndicatorImportBatch, IndicatorImportChunk, utcnow
from server.services import indicators as inds
from server.services.org import Principal

MAX_CHUNK_ROWS = 5000  # the same as one /indicators/bulk request
MAX_BATCH_ROWS = 200_000  # a whole year's indicators of a big 区划, with room to spare
MAX_CHUNKS = 10_000
EXPIRE_AFTER = timedelta(hours=24)  # an open batch untouched this long is given up (client gone)

STATUS_NAMES = {"open": "上传中", "committed": "已提交", "rejected": "已被拒绝", "aborted": "已放弃"}


def public(batch: IndicatorImportBatch) -> dict[str, Any]:
    out: dict[str, Any] = {"id": str(batch.id), "status": batch.status,
                           "status_name": STATUS_NAMES.get(batch.status, batch.status),
                           "file_name": batch.file_name, "chunk_count": batch.chunk_count,
                           "row_count": batch.row_count, "created_at": batch.created_at,
                           "finished_at": batch.finished_at, "result": None}
    if batch.result:
        out["result"] = json.loads(batch.result)
    return out


def _batch(session: Session, principal: Principal, batch_id: uuid.UUID, *,
           lock: bool = False) -> IndicatorImportBatch:
    """The caller's own batch (someone else's answers 404: existence does not leak)."""
    q = select(IndicatorImportBatch).where(IndicatorImportBatch.id == batch_id)
    if lock:  # serializes chunk uploads, commit and abort of one batch
        q = q.with_for_update().execution_options(populate_existing=True)
    batch = session.execute(q).scalar_one_or_none()
    if batch is None or batch.user_id != principal.user.id:
        raise not_found("指标导入批次", batch_id)
    return batch


def get_batch(session: Session, *, principal: Principal, batch_id: uuid.UUID) -> dict[str, Any]:
    batch = _batch(session, principal, batch_id)
    out = public(batch)
    out["chunks"] = list(session.execute(
        select(IndicatorImportChunk.chunk_index).where(IndicatorImportChunk.batch_id == batch_id)
        .order_by(IndicatorImportChunk.chunk_index)).scalars())
    return out


def open_batch(session: Session, *, principal: Principal, batch_id: uuid.UUID,
               file_name: str | None) -> tuple[IndicatorImportBatch, bool]:
    """Create the batch, or return it when the same caller already created it (a retry)."""
    principal.require_role(*inds.WRITER_ROLES)
    batch = session.get(IndicatorImportBatch, batch_id)
    if batch is not None:
        if batch.user_id != principal.user.id:
            raise conflict("batch_id_taken", f"批次编号 {batch_id} 已被使用，请换一个批次编号。")
        return batch, False
    expire_abandoned(session, principal=principal)
    batch = IndicatorImportBatch(id=batch_id, user_id=principal.user.id, status="open",
                                 file_name=file_name, chunk_count=0, row_count=0)
    session.add(batch)
    session.flush()
    chain.audit(session, actor=principal.actor, action="indicator_import.open",
                entity_type="indicator_import", entity_id=batch_id,
                after={"file_name": file_name})
    return batch, True


def expire_abandoned(session: Session, *, principal: Principal) -> int:
    """Give up the caller's batches left open longer than :data:`EXPIRE_AFTER` (a client that
    crashed or lost the network for good): their staged rows are dropped, nothing else changes.
    Runs when the same user opens a new batch, so staging never piles up."""
    cutoff = utcnow() - EXPIRE_AFTER
    stale = session.execute(select(IndicatorImportBatch).where(
        IndicatorImportBatch.user_id == principal.user.id, IndicatorImportBatch.status == "open",
        IndicatorImportBatch.updated_at < cutoff).with_for_update()).scalars().all()
    for batch in stale:
        batch.status = "aborted"
        batch.finished_at = batch.updated_at = utcnow()
        session.execute(delete(IndicatorImportChunk).where(IndicatorImportChunk.batch_id == batch.id))
        chain.audit(session, actor=principal.actor, action="indicator_import.expire",
                    entity_type="indicator_import", entity_id=batch.id,
                    detail={"rows": batch.row_count, "chunks": batch.chunk_count})
    return len(stale)


def _require_open(batch: IndicatorImportBatch) -> None:
    if batch.status != "open":
        raise conflict("batch_not_open",
                       f"指标导入批次 {batch.id} {STATUS_NAMES.get(batch.status, batch.status)}，"
                       "不能再修改。如需重新导入，请新建批次。", {"status": batch.status})


def _hash(items: Sequence[dict[str, Any]]) -> str:
    return hashlib.sha256(chain.canonical_json(list(items)).encode("utf-8")).hexdigest()


def add_chunk(session: Session, *, principal: Principal, batch_id: uuid.UUID, index: int,
              key: str, items: Sequence[IndicatorUpsert]) -> dict[str, Any]:
    """Stage one chunk. Idempotent by ``key``: the same rows again answer ``replayed``."""
    principal.require_role(*inds.WRITER_ROLES)
    batch = _batch(session, principal, batch_id, lock=True)
    rows = [it.model_dump(mode="json") for it in items]
    body_hash = _hash(rows)
    same = session.execute(select(IndicatorImportChunk).where(
        IndicatorImportChunk.batch_id == batch_id,
        IndicatorImportChunk.idempotency_key == key)).scalar_one_or_none()
    if same is not None:
        if same.body_hash != body_hash or same.chunk_index != index:
            raise conflict("idempotency_key_reused",
                           f"幂等键 {key} 已用于本批次第 {same.chunk_index + 1} 块的其他内容；"
                           "重试时请发送完全相同的内容，新内容请换一个幂等键。")
        return {"index": index, "rows": same.row_count, "replayed": True,
                "batch_rows": batch.row_count, "batch_chunks": batch.chunk_count}
    _require_open(batch)
    if not 0 <= index < MAX_CHUNKS:
        raise ApiError(422, "chunk_index_invalid", f"块序号必须在 0 到 {MAX_CHUNKS - 1} 之间。")
    if session.execute(select(IndicatorImportChunk.id).where(
            IndicatorImportChunk.batch_id == batch_id,
            IndicatorImportChunk.chunk_index == index)).first() is not None:
        raise conflict("chunk_index_taken",
                       f"本批次第 {index + 1} 块已用另一个幂等键上传过，不能覆盖。")
    if batch.row_count + len(rows) > MAX_BATCH_ROWS:
        raise ApiError(422, "batch_too_large",
                       f"一个导入批次最多 {MAX_BATCH_ROWS:,} 行指标，本批次已有 {batch.row_count:,} 行，"
                       f"再加 {len(rows):,} 行将超出。请把文件拆开导入。")
    session.add(IndicatorImportChunk(batch_id=batch_id, chunk_index=index, idempotency_key=key,
                                     body_hash=body_hash, row_count=len(rows),
                                     items=json.dumps(rows, ensure_ascii=False)))
    batch.chunk_count += 1
    batch.row_count += len(rows)
    batch.updated_at = utcnow()
    session.flush()
    return {"index": index, "rows": len(rows), "replayed": False,
            "batch_rows": batch.row_count, "batch_chunks": batch.chunk_count}


class BatchRejected(Exception):
    """The batch has bad rows: the caller rolls the attempt back, then :func:`record_rejection`."""

    def __init__(self, error: ApiError) -> None:
        super().__init__(error.message)
        self.error = error


def commit(session: Session, *, principal: Principal, batch_id: uuid.UUID,
           expected_chunks: int, expected_rows: int) -> dict[str, Any]:
    """Validate the whole batch and apply it (in the caller's transaction). A committed batch
    answers its stored result again; a rejected one its stored refusal."""
    principal.require_role(*inds.WRITER_ROLES)
    batch = _batch(session, principal, batch_id, lock=True)
    if batch.status == "committed":
        return {**json.loads(batch.result or "{}"), "replayed": True}
    if batch.status == "rejected":
        body = json.loads(batch.result or "{}")
        raise ApiError(422, body.get("code", "indicator_rows_invalid"), body.get("message", ""),
                       body.get("details"))
    _require_open(batch)
    have = list(session.execute(select(IndicatorImportChunk.chunk_index).where(
        IndicatorImportChunk.batch_id == batch_id).order_by(IndicatorImportChunk.chunk_index)
    ).scalars())
    if have != list(range(expected_chunks)) or batch.row_count != expected_rows:
        missing = sorted(set(range(expected_chunks)) - set(have))
        extra = sorted(set(have) - set(range(expected_chunks)))
        what = []
        if missing:
            what.append("缺少第 " + "、".join(str(i + 1) for i in missing[:20]) + " 块")
        if extra:
            what.append("多出第 " + "、".join(str(i + 1) for i in extra[:20]) + " 块")
        if not what:
            what.append(f"服务器收到 {batch.row_count} 行，客户端声明 {expected_rows} 行")
        raise conflict("import_incomplete",
                       f"指标导入批次不完整（{'；'.join(what)}），尚未写入任何数据。"
                       "请补传缺少的块后再提交。",
                       {"missing": missing, "extra": extra, "received_rows": batch.row_count,
                        "expected_rows": expected_rows})
    items: list[IndicatorUpsert] = []
    where: list[tuple[int, int]] = []  # global row -> (chunk, row in chunk)
    errors: list[dict[str, Any]] = []
    for chunk_index in have:  # one chunk's text at a time: 100,000 rows must not sit twice in memory
        text = session.execute(select(IndicatorImportChunk.items).where(
            IndicatorImportChunk.batch_id == batch_id,
            IndicatorImportChunk.chunk_index == chunk_index)).scalar_one()
        for j, raw in enumerate(json.loads(text)):
            # Staged rows are re-validated: the rules may have changed since the upload, and
            # the stored text is not trusted just because it was checked once.
            try:
                items.append(IndicatorUpsert.model_validate(raw))
            except ValidationError as exc:
                first = exc.errors()[0]
                field = ".".join(str(x) for x in first.get("loc", ()))
                errors.append({"index": len(where), "id": raw.get("id") if isinstance(raw, dict) else None,
                               "code": "invalid_row",
                               "message": f"第 {chunk_index + 1} 块第 {j + 1} 行：{field} {first.get('msg', '')}"})
                items.append(None)  # type: ignore[arg-type] - keeps positions; never applied
            where.append((chunk_index, j))
    if errors:
        raise BatchRejected(_rejection(errors, where, len(where)))
    try:
        out = inds.upsert_many(session, principal=principal, items=items)
    except ApiError as exc:
        if exc.status != 422:
            raise
        found = (exc.details or {}).get("errors") if isinstance(exc.details, dict) else None
        raise BatchRejected(_rejection(found or [{"index": None, "code": exc.code,
                                                  "message": exc.message}], where, len(items))) from exc
    result = {"batch_id": str(batch_id), "created": out["created"], "updated": out["updated"],
              "unchanged": out["unchanged"], "rows": len(items), "chunks": len(have)}
    batch.status = "committed"
    batch.result = json.dumps(result, ensure_ascii=False)
    batch.finished_at = batch.updated_at = utcnow()
    session.execute(delete(IndicatorImportChunk).where(IndicatorImportChunk.batch_id == batch_id))
    chain.audit(session, actor=principal.actor, action="indicator_import.commit",
                entity_type="indicator_import", entity_id=batch_id, after=result)
    session.flush()
    return {**result, "replayed": False}


def _rejection(errors: list[dict[str, Any]], where: list[tuple[int, int]], rows: int) -> ApiError:
    located = []
    for e in errors:
        i = e.get("index")
        e = dict(e)
        if isinstance(i, int) and 0 <= i < len(where):
            e["chunk"], e["chunk_row"] = where[i]
        located.append(e)
    return ApiError(422, "indicator_rows_invalid",
                    f"指标导入批次共 {rows} 行，其中 {len({e.get('index') for e in located})} 行有错误，"
                    "整批未写入任何数据。请按错误清单修改后重新导入。", {"errors": located})


def record_rejection(session: Session, *, principal: Principal, batch_id: uuid.UUID,
                     error: ApiError) -> None:
    """After the failed attempt was rolled back: remember the refusal (so a retried commit
    answers the same), drop the staged rows, audit. Changes no indicator."""
    batch = _batch(session, principal, batch_id, lock=True)
    if batch.status != "open":
        return
    batch.status = "rejected"
    batch.result = json.dumps(error.body(), ensure_ascii=False)
    batch.finished_at = batch.updated_at = utcnow()
    session.execute(delete(IndicatorImportChunk).where(IndicatorImportChunk.batch_id == batch_id))
    errors = (error.details or {}).get("errors") or []
    chain.audit(session, actor=principal.actor, action="indicator_import.reject",
                entity_type="indicator_import", entity_id=batch_id,
                detail={"rows": batch.row_count, "errors": len(errors),
                        "codes": sorted({str(e.get("code")) for e in errors})})
    session.flush()


def abort(session: Session, *, principal: Principal, batch_id: uuid.UUID) -> dict[str, Any]:
    """Give the batch up (the client's cancel). Idempotent; a committed batch cannot be."""
    batch = _batch(session, principal, batch_id, lock=True)
    if batch.status == "committed":
        raise conflict("batch_committed",
                       f"指标导入批次 {batch_id} 已提交，不能放弃；如需更正，请导入更正后的指标。")
    if batch.status == "open":
        batch.status = "aborted"
        batch.finished_at = batch.updated_at = utcnow()
        session.execute(delete(IndicatorImportChunk).where(IndicatorImportChunk.batch_id == batch_id))
        chain.audit(session, actor=principal.actor, action="indicator_import.abort",
                    entity_type="indicator_import", entity_id=batch_id,
                    detail={"rows": batch.row_count, "chunks": batch.chunk_count})
        session.flush()
    return public(batch)
