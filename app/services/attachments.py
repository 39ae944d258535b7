"""Attachments: voucher files kept once in ``<data dir>/files/<sha[:2]>/<sha256>`` and linked
to applications; OCR results and the invoice duplicate key are stored with the link."""
from __future__ import annotations

import hashlib
import os
import re
import shutil
import tempfile
from pathlib import Path
from typing import Any

from sqlalchemy import select

from app.db import Database
from app.models import EDITABLE_STATUSES, Attachment, PaymentApplication
from app.services.errors import InvalidField, NotEditable, NotFound, ServiceError
from app.services.results import AttachmentView, Changes

ROLES = ("invoice", "contract", "basis", "receipt", "other")
MAX_BYTES = 50 * 1024 * 1024  # the server's max_attachment_bytes


def blob_path(db: Database, sha256: str) -> Path:
    return db.files_dir / sha256[:2] / sha256


def store_file(*, db: Database, source: Path) -> tuple[str, int]:
    """Copy ``source`` into the content-addressed store (atomic, fsynced); returns
    (sha256, size). Storing the same content twice keeps one file."""
    source = Path(source)
    size = source.stat().st_size
    if size > MAX_BYTES:
        raise InvalidField(f"附件 {source.name} 超过 50 MB，请压缩或拆分后再上传。", field="file")
    db.files_dir.mkdir(parents=True, exist_ok=True)
    digest = hashlib.sha256()
    fd, tmp = tempfile.mkstemp(dir=db.files_dir, prefix=".incoming-")
    try:
        with os.fdopen(fd, "wb") as out, open(source, "rb") as src:
            for block in iter(lambda: src.read(1 << 20), b""):
                digest.update(block)
                out.write(block)
            out.flush()
            os.fsync(out.fileno())
        sha = digest.hexdigest()
        target = blob_path(db, sha)
        if target.exists():
            os.unlink(tmp)
        else:
            target.parent.mkdir(parents=True, exist_ok=True)
            os.replace(tmp, target)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
    return sha, size


def attach_file(
    *, db: Database, application_id: str, source: Path, role: str = "other",
    media_type: str = "application/octet-stream", ocr_result: dict[str, Any] | None = None,
    invoice_key: str | None = None,
) -> tuple[AttachmentView, Changes]:
    """Store ``source`` and link it to an editable application. An invoice already attached
    to another application (same ``invoice_key``) is refused: one invoice, one payment."""
    if role not in ROLES:
        raise InvalidField(f"附件类型只能是 {', '.join(ROLES)}。", field="role")
    sha, size = store_file(db=db, source=source)
    with db.transaction() as s:
        app = s.get(PaymentApplication, application_id)
        if app is None:
            raise NotFound(f"找不到支付申请 {application_id}。")
        if app.local_status not in EDITABLE_STATUSES:
            raise NotEditable("只有草稿或被退回的申请可以添加附件。", status=app.local_status)
        if invoice_key:
            other = s.scalar(select(Attachment).where(
                Attachment.invoice_key == invoice_key, Attachment.application_id != app.id))
            if other is not None:
                raise ServiceError(
                    f"这张发票（{invoice_key}）已附在另一笔支付申请上，不能重复报销。",
                    field="invoice_key", other_application_id=other.application_id,
                )
        att = s.scalar(select(Attachment).where(
            Attachment.application_id == app.id, Attachment.sha256 == sha))
        if att is None:
            att = Attachment(application_id=app.id, sha256=sha, file_name=Path(source).name[:260],
                             size=size)
            s.add(att)
        att.role, att.media_type = role, media_type
        if ocr_result is not None:
            att.ocr_result = ocr_result
        if invoice_key is not None:
            att.invoice_key = invoice_key
        app.dirty = True
        s.flush()
        view = AttachmentView(att.id, att.sha256, att.file_name, att.media_type, att.size,
                              att.role, att.invoice_key, att.uploaded)
    return view, Changes(applications=frozenset({application_id}),
                         attachments=frozenset({view.id}))


def export_file(*, db: Database, sha256: str, target: Path) -> Path:
    """Copy a stored file out (e.g. to open it with the system viewer)."""
    src = blob_path(db, sha256)
    if not src.exists():
        raise NotFound("附件文件不在本机，请同步后再试。")
    shutil.copyfile(src, target)
    return Path(target)


def get_ocr_result(*, db: Database, attachment_id: str) -> dict[str, Any] | None:
    """The recognition result stored with an attachment (with the user's corrections and the
    values first read beside them), or None."""
    with db.read() as s:
        att = s.get(Attachment, attachment_id)
        if att is None:
            raise NotFound(f"找不到附件 {attachment_id}。")
        return None if att.ocr_result is None else dict(att.ocr_result)


def save_ocr_result(*, db: Database, attachment_id: str,
                    ocr_result: dict[str, Any]) -> tuple[AttachmentView, Changes]:
    """Store a corrected recognition result with its attachment (app.ocr.corrections keeps the
    original values inside it). When the invoice code/number were corrected on an editable
    application the duplicate key follows them — and is refused, like at attach time, when
    that invoice is already on another application."""
    from fiscal.ids import IdError, invoice_key

    if not isinstance(ocr_result, dict) or not isinstance(ocr_result.get("fields"), dict):
        raise InvalidField("识别结果格式不对（缺少 fields）。", field="ocr_result")
    fields = ocr_result["fields"]

    def value(name: str) -> Any:
        f = fields.get(name)
        return f.get("value") if isinstance(f, dict) else None

    with db.transaction() as s:
        att = s.get(Attachment, attachment_id)
        if att is None:
            raise NotFound(f"找不到附件 {attachment_id}。")
        app = s.get(PaymentApplication, att.application_id)
        key = att.invoice_key
        if att.invoice_key is not None or att.role == "invoice":
            try:
                key = invoice_key(value("invoice_code") or None, str(value("invoice_number") or ""))
            except IdError:
                key = att.invoice_key
        if key != att.invoice_key and app is not None and app.local_status in EDITABLE_STATUSES:
            other = s.scalar(select(Attachment).where(
                Attachment.invoice_key == key, Attachment.application_id != app.id))
            if other is not None:
                raise ServiceError(
                    f"更正后的发票（{key}）已附在另一笔支付申请上，不能重复报销。",
                    field="invoice_key", other_application_id=other.application_id)
            att.invoice_key = key
        att.ocr_result = ocr_result
        s.flush()
        view = AttachmentView(att.id, att.sha256, att.file_name, att.media_type, att.size,
                              att.role, att.invoice_key, att.uploaded)
    return view, Changes(attachments=frozenset({view.id}))


def _signed_in_transport(db: Database) -> Any:
    from app.models import Account
    from app.sync.credentials import device_id
    from app.sync.http import HttpTransport

    with db.read() as s:
        acct = s.scalar(select(Account).where(Account.signed_in.is_(True))
                        .order_by(Account.last_online_sign_in_at.desc()))
        who = (acct.server_url, acct.username) if acct else None
    if who is None or not who[0]:
        raise ServiceError("附件不在本机，需要从服务器下载：请先登录服务器。", field="sha256")
    return HttpTransport(server_url=who[0], username=who[1], device_id=device_id(db.data_dir))


def ensure_local(*, db: Database, sha256: str, transport: Any = None) -> Path:
    """The local path of attachment ``sha256``, downloaded from the server first when only the
    server has it (a reviewer's or a second device's copy of an application). The bytes are
    checked against the SHA-256 before they enter the store; a file that fails the check is
    discarded. ``transport`` defaults to the signed-in account's HTTPS transport. Blocking:
    the UI calls it through its task runner."""
    from app.sync.http import RequestRefused
    from app.sync.transport import AuthRequired, TransportError

    sha256 = (sha256 or "").strip().lower()
    if len(sha256) != 64 or any(c not in "0123456789abcdef" for c in sha256):
        raise InvalidField(f"附件编号 {sha256[:70]!r} 不是 64 位十六进制 SHA-256。", field="sha256")
    target = blob_path(db, sha256)
    if target.exists():
        return target
    own = transport is None
    transport = transport or _signed_in_transport(db)
    db.files_dir.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=db.files_dir, prefix=".download-")
    try:
        digest = hashlib.sha256()

        class _Hashing:  # hashes while the bytes stream to disk: no second read
            def __init__(self, f: Any) -> None:
                self.f, self.size = f, 0

            def write(self, block: bytes) -> int:
                self.size += len(block)
                if self.size > MAX_BYTES:
                    raise ServiceError(f"附件 {sha256[:12]}… 超过 50 MB，已停止下载。", field="sha256")
                digest.update(block)
                return self.f.write(block)

        with os.fdopen(fd, "wb") as out:
            try:
                transport.download_attachment(sha256, _Hashing(out))
            except RequestRefused as exc:
                if exc.status == 404:
                    raise NotFound(f"服务器上没有附件 {sha256[:12]}…，或您无权查看它。") from None
                if exc.status == 410:
                    raise ServiceError(f"附件 {sha256[:12]}… 的文件在服务器上缺失，请联系管理员。",
                                       field="sha256") from None
                raise ServiceError(f"下载附件 {sha256[:12]}… 被服务器拒绝：{exc.message}",
                                   field="sha256") from None
            except AuthRequired:
                raise ServiceError("登录已过期，请重新登录后再打开附件。", field="sha256") from None
            except TransportError:
                raise ServiceError(f"附件 {sha256[:12]}… 不在本机，且暂时无法连接服务器，"
                                   "请联网后再试。", field="sha256") from None
            out.flush()
            os.fsync(out.fileno())
        if digest.hexdigest() != sha256:
            raise ServiceError(f"下载的附件 {sha256[:12]}… 与其 SHA-256 不符（文件已损坏或被篡改），"
                               "未保存；请联系管理员核对服务器上的文件。", field="sha256")
        target.parent.mkdir(parents=True, exist_ok=True)
        os.replace(tmp, target)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
        if own:
            transport.close()
    return target


_INVOICE_CODE = re.compile(r"^(\d{10}|\d{12})$")
_INVOICE_NUMBER = re.compile(r"^(\d{8}|\d{20})$")
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def attachment_link(att: Attachment) -> dict[str, Any]:
    """The ``application.attach`` payload (fiscal.schemas.applications.AttachmentLink) of a
    local attachment: the file by hash, its role and, for an invoice, what the server needs for
    its duplicate check (code/number from the local invoice key, the total and date as read)."""
    link: dict[str, Any] = {"sha256": att.sha256, "role": att.role if att.role in ROLES else "other"}
    if link["role"] != "invoice" or not att.invoice_key:
        return link
    code, _, number = att.invoice_key.rpartition(":")
    if not _INVOICE_NUMBER.match(number) or (code and not _INVOICE_CODE.match(code)) or (
            not code and len(number) != 20):
        return link  # a key the wire cannot carry: the server then has no invoice to check
    invoice: dict[str, Any] = {"number": number, "code": code or None}
    fields = (att.ocr_result or {}).get("fields") if isinstance(att.ocr_result, dict) else None
    if isinstance(fields, dict):
        def value(name: str) -> Any:
            f = fields.get(name)
            return f.get("value") if isinstance(f, dict) else None
        total = value("total_fen")
        if isinstance(total, int) and not isinstance(total, bool) and total > 0:
            invoice["amount_fen"] = total
        date = value("issue_date")
        if isinstance(date, str) and _ISO_DATE.match(date):
            invoice["issue_date"] = date
        kind = (att.ocr_result or {}).get("kind")
        if isinstance(kind, str) and kind:
            invoice["kind"] = kind[:40]
    link["invoice"] = invoice
    return link

