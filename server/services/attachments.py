"""Content-addressed attachments: the SHA-256 of the bytes is the name; the type is sniffed from
the bytes (never trusted from the client); visibility is per unit (:class:`BlobGrant`).

Large files can be sent in chunks (``PATCH …/upload`` with ``offset``); the partial file survives
a broken connection, so the client resumes from ``GET …/upload``'s ``received``.
"""
from __future__ import annotations

import hashlib
import os
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from fiscal.media import sniff_media_type
from server import chain
from server.errors import ApiError
from server.models import Blob, BlobGrant
from server.services.org import Principal
from server.settings import Settings

UPLOAD_ROLES = ("accountant", "unit_finance_head", "unit_head")


def sniff(head: bytes, path: Path | None = None) -> str | None:
    """Media type from magic bytes (fiscal.media: the client judges files the same way)."""
    return sniff_media_type(head, path)


def blob_path(settings: Settings, sha256: str) -> Path:
    return settings.blob_dir / sha256[:2] / sha256[2:4] / sha256


def partial_path(settings: Settings, sha256: str, unit_id: int) -> Path:
    return settings.data_dir / "partial" / f"{unit_id}-{sha256}.part"


def _unit_id(principal: Principal) -> int:
    principal.require_role(*UPLOAD_ROLES)
    if principal.user.unit_id is None:
        raise ApiError(403, "unit_required", "当前用户未绑定单位，不能上传附件。")
    return principal.user.unit_id


def _finish(session: Session, settings: Settings, principal: Principal, sha256: str,
            tmp: Path, size: int) -> Blob:
    unit_id = principal.user.unit_id
    h = hashlib.sha256()
    with tmp.open("rb") as f:
        head = f.read(8192)
        h.update(head)
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    if h.hexdigest() != sha256:
        tmp.unlink(missing_ok=True)
        raise ApiError(422, "sha256_mismatch", "上传内容的 SHA-256 与地址中的不一致，文件可能在传输中损坏，请重新上传。",
                       {"expected": sha256, "actual": h.hexdigest()})
    media = sniff(head, tmp)
    if media is None:
        tmp.unlink(missing_ok=True)
        raise ApiError(415, "unsupported_media_type",
                       "不支持的附件类型：只接受 JPEG、PNG、TIFF、PDF、OFD 和 XML 文件（按文件内容识别）。")
    final = blob_path(settings, sha256)
    final.parent.mkdir(parents=True, exist_ok=True)
    if final.exists():
        tmp.unlink(missing_ok=True)
    else:
        os.replace(tmp, final)
    blob = session.get(Blob, sha256)
    if blob is None:
        try:
            with session.begin_nested():
                blob = Blob(sha256=sha256, size=size, media_type=media)
                session.add(blob)
        except IntegrityError:
            blob = session.get(Blob, sha256)
    if session.execute(select(BlobGrant.id).where(BlobGrant.sha256 == sha256,
                                                  BlobGrant.unit_id == unit_id)).first() is None:
        try:
            with session.begin_nested():
                session.add(BlobGrant(sha256=sha256, unit_id=unit_id, created_by=principal.user.id))
        except IntegrityError:
            pass
        chain.audit(session, actor=principal.actor, action="attachment.upload",
                    entity_type="attachment", entity_id=sha256, unit_id=unit_id,
                    after={"sha256": sha256, "size": size, "media_type": media})
    return blob


def put_whole(session: Session, settings: Settings, *, principal: Principal, sha256: str,
              data: bytes) -> tuple[Blob, bool]:
    unit_id = _unit_id(principal)
    if len(data) == 0:
        raise ApiError(422, "empty_file", "附件内容为空。")
    if len(data) > settings.max_attachment_bytes:
        raise ApiError(413, "attachment_too_large",
                       f"附件超过大小上限 {settings.max_attachment_bytes // (1024 * 1024)} MB。")
    existing = session.get(Blob, sha256)
    if existing is not None and hashlib.sha256(data).hexdigest() == sha256:
        granted = session.execute(select(BlobGrant.id).where(
            BlobGrant.sha256 == sha256, BlobGrant.unit_id == unit_id)).first()
        if granted:
            return existing, False
    tmp = partial_path(settings, sha256, unit_id).with_suffix(".whole")
    tmp.parent.mkdir(parents=True, exist_ok=True)
    tmp.write_bytes(data)
    return _finish(session, settings, principal, sha256, tmp, len(data)), existing is None


def upload_status(settings: Settings, *, principal: Principal, session: Session,
                  sha256: str) -> dict:
    unit_id = _unit_id(principal)
    if session.execute(select(BlobGrant.id).where(BlobGrant.sha256 == sha256,
                                                  BlobGrant.unit_id == unit_id)).first():
        blob = session.get(Blob, sha256)
        return {"sha256": sha256, "received": blob.size, "complete": True}
    p = partial_path(settings, sha256, unit_id)
    return {"sha256": sha256, "received": p.stat().st_size if p.exists() else 0, "complete": False}


def put_chunk(session: Session, settings: Settings, *, principal: Principal, sha256: str,
              offset: int, data: bytes, final: bool) -> dict:
    unit_id = _unit_id(principal)
    p = partial_path(settings, sha256, unit_id)
    p.parent.mkdir(parents=True, exist_ok=True)
    have = p.stat().st_size if p.exists() else 0
    if offset != have:
        raise ApiError(409, "offset_mismatch", f"分片偏移量不正确：服务器已收到 {have} 字节，请从该位置继续上传。",
                       {"received": have})
    if have + len(data) > settings.max_attachment_bytes:
        p.unlink(missing_ok=True)
        raise ApiError(413, "attachment_too_large",
                       f"附件超过大小上限 {settings.max_attachment_bytes // (1024 * 1024)} MB。")
    with p.open("ab") as f:
        f.write(data)
    size = have + len(data)
    if not final:
        return {"sha256": sha256, "received": size, "complete": False}
    _finish(session, settings, principal, sha256, p, size)
    return {"sha256": sha256, "received": size, "complete": True}


def get_visible(session: Session, principal: Principal, sha256: str) -> Blob:
    q = select(Blob).join(BlobGrant, BlobGrant.sha256 == Blob.sha256).where(Blob.sha256 == sha256)
    if principal.unit_ids is not None:
        q = q.where(BlobGrant.unit_id.in_(principal.unit_ids or {-1}))
    blob = session.execute(q.limit(1)).scalars().first()
    if blob is None:
        raise ApiError(404, "attachment_not_found", f"附件 {sha256[:12]}… 不存在或无权访问。")
    return blob
