"""HTTP routes of staged indicator imports (``/api/v1/indicator-imports``). Thin: the rules are
in :mod:`server.services.indicator_imports`."""
from __future__ import annotations

import uuid
from typing import Any

from fastapi import APIRouter, Response
from pydantic import Field

from fiscal.schemas.common import ErrorBody, PublicModel, WireModel
from fiscal.schemas.indicators import IndicatorUpsert
from server.api.deps import CurrentPrincipal, ReadSessionDep, SessionDep
from server.services import indicator_imports as svc

router = APIRouter(prefix="/api/v1", tags=["indicator-imports"],
                   responses={403: {"model": ErrorBody}, 404: {"model": ErrorBody},
                              409: {"model": ErrorBody}, 422: {"model": ErrorBody}})


class ImportBatchCreate(WireModel):
    id: uuid.UUID = Field(description="客户端生成的批次编号（UUID），重试创建时不变")
    file_name: str | None = Field(default=None, max_length=255)


class ImportChunk(WireModel):
    index: int = Field(ge=0, lt=svc.MAX_CHUNKS, description="块序号，从 0 开始连续编号")
    idempotency_key: str = Field(min_length=8, max_length=64, pattern=r"^[0-9A-Za-z:_\-]+$")
    items: list[IndicatorUpsert] = Field(min_length=1, max_length=svc.MAX_CHUNK_ROWS)


class ImportCommit(WireModel):
    expected_chunks: int = Field(ge=1, le=svc.MAX_CHUNKS)
    expected_rows: int = Field(ge=1, le=svc.MAX_BATCH_ROWS)


class ImportBatchPublic(PublicModel):
    id: str
    status: str
    status_name: str
    file_name: str | None = None
    chunk_count: int
    row_count: int
    created_at: Any = None
    finished_at: Any = None
    result: dict[str, Any] | None = None
    chunks: list[int] | None = None


class ImportChunkResult(PublicModel):
    index: int
    rows: int
    replayed: bool
    batch_rows: int
    batch_chunks: int


class ImportCommitResult(PublicModel):
    batch_id: str
    created: int
    updated: int
    unchanged: int
    rows: int
    chunks: int
    replayed: bool


@router.post("/indicator-imports", response_model=ImportBatchPublic, status_code=201,
             summary="新建指标导入批次（按批次编号幂等）", responses={200: {"model": ImportBatchPublic}})
def open_batch(body: ImportBatchCreate, principal: CurrentPrincipal, session: SessionDep,
               response: Response) -> dict:
    batch, created = svc.open_batch(session, principal=principal, batch_id=body.id,
                                    file_name=body.file_name)
    session.commit()
    response.status_code = 201 if created else 200
    return svc.public(batch)


@router.get("/indicator-imports/{batch_id}", response_model=ImportBatchPublic,
            summary="指标导入批次状态（已收到的块）")
def get_batch(batch_id: uuid.UUID, principal: CurrentPrincipal, session: ReadSessionDep) -> dict:
    return svc.get_batch(session, principal=principal, batch_id=batch_id)


@router.post("/indicator-imports/{batch_id}/chunks", response_model=ImportChunkResult,
             summary="上传一块指标行（≤ 5,000 行，按幂等键幂等；提交前不写入指标）")
def add_chunk(batch_id: uuid.UUID, body: ImportChunk, principal: CurrentPrincipal,
              session: SessionDep) -> dict:
    out = svc.add_chunk(session, principal=principal, batch_id=batch_id, index=body.index,
                        key=body.idempotency_key, items=body.items)
    session.commit()
    return out


@router.post("/indicator-imports/{batch_id}/commit", response_model=ImportCommitResult,
             summary="校验整批并在一个事务中写入（全部成功或全部不写入；重试幂等）")
def commit_batch(batch_id: uuid.UUID, body: ImportCommit, principal: CurrentPrincipal,
                 session: SessionDep) -> dict:
    try:
        out = svc.commit(session, principal=principal, batch_id=batch_id,
                         expected_chunks=body.expected_chunks, expected_rows=body.expected_rows)
    except svc.BatchRejected as exc:
        session.rollback()  # nothing of the attempt survives; then the refusal is recorded
        svc.record_rejection(session, principal=principal, batch_id=batch_id, error=exc.error)
        session.commit()
        raise exc.error from None
    session.commit()
    return out


@router.post("/indicator-imports/{batch_id}/abort", response_model=ImportBatchPublic,
             summary="放弃指标导入批次（取消；未提交的批次不产生任何影响）")
def abort_batch(batch_id: uuid.UUID, principal: CurrentPrincipal, session: SessionDep) -> dict:
    out = svc.abort(session, principal=principal, batch_id=batch_id)
    session.commit()
    return out
