"""The treasury's payment desk (issues #4 and #6): 支付凭证, 代理银行支付文件, 回单文件, 退款, 更正
and 对账, all on the central server — online only by nature (the bank file and the ledger are
the server's), so nothing here touches the local store.

Every call goes through the signed-in user's :class:`app.sync.http.HttpTransport` (``call``:
tokens from the keyring, transparent refresh). Offline, or when the server cannot be reached,
the caller gets :class:`PaymentsOffline` ("需要联网 …"); a refusal is a :class:`PaymentRefused`
carrying the server's Chinese message, and for a write-back file every bad line verbatim
(line, field, value, reason).

Retries never double-spend: issuing a voucher and importing a write-back file are idempotent on
the server (per application / per bank serial), an export and a correction carry a request id
that is reused when the answer was lost, so they are retried once automatically. A refund has
no such key on the server, so it is never retried here: a lost answer says so and asks the user
to refresh and check before trying again.
"""
from __future__ import annotations

import hashlib
import logging
import os
import tempfile
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from app.services.errors import ServiceError
from app.sync.http import error_body
from app.sync.transport import AuthRequired, TransportError

log = logging.getLogger(__name__)

API = "/api/v1"
FORMATS = ("xml", "csv")
STATUS_NAMES = {"issued": "待回单", "paid": "已支付", "bounced": "已退票", "refunded": "已退款"}
EXPORT_TIMEOUT_S = 300.0  # a batch of thousands of vouchers is rendered in one request
IMPORT_TIMEOUT_S = 600.0  # 2,000 lines take a few seconds; big files more


class PaymentsOffline(ServiceError):
    code = "offline"


class PaymentRefused(ServiceError):
    """The server refused (``status``/``code`` as it answered, ``message`` in Chinese)."""

    code = "refused"

    def __init__(self, message: str, *, status: int = 0, code: str = "refused",
                 details: dict | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.code = code  # the server's code (instance attribute shadows the class default)
        self.server_details = details or {}


@dataclass(frozen=True)
class LineError:
    """One bad line of a write-back file, as the server named it."""

    line: int
    field: str
    value: str | None
    reason: str

    def text(self) -> str:
        v = "" if self.value is None else f"“{self.value}”"
        return f"第 {self.line} 行 {self.field}{v}：{self.reason}"


class WritebackRefused(PaymentRefused):
    """The whole write-back file was refused; nothing was imported."""

    def __init__(self, message: str, errors: list[LineError], **kw: Any) -> None:
        super().__init__(message, **kw)
        self.errors = errors


@dataclass(frozen=True)
class VoucherRow:
    id: int
    voucher_no: str
    application_id: str
    app_no: str
    unit_code: str
    unit_name: str
    payee_name: str
    payee_account: str
    use_des: str
    indicator_id: str
    amount_fen: int
    status: str
    paid_fen: int
    refunded_fen: int
    bank_serial: str | None
    batches: tuple[str, ...]
    func_code: str | None = None
    dep_eco_code: str | None = None

    @property
    def status_name(self) -> str:
        return STATUS_NAMES.get(self.status, self.status)

    @property
    def batch(self) -> str:
        """The last batch the voucher was sent in ('' = not sent to the bank yet)."""
        return self.batches[-1] if self.batches else ""

    @property
    def refundable_fen(self) -> int:
        return self.paid_fen - self.refunded_fen if self.status in ("paid", "refunded") else 0


@dataclass(frozen=True)
class AwaitingRow:
    application_id: str
    app_no: str
    unit_code: str
    unit_name: str
    payee_name: str
    amount_fen: int
    use_des: str
    indicator_id: str


@dataclass(frozen=True)
class Desk:
    vouchers: list[VoucherRow]
    awaiting: list[AwaitingRow]
    can_act: bool  # treasury/admin act; a bureau division only looks


@dataclass(frozen=True)
class ExportResult:
    batch_no: str
    path: Path
    voucher_count: int
    total_fen: int
    sha256: str
    profile: str


@dataclass(frozen=True)
class WritebackResult:
    message: str
    lines: int
    paid: int
    bounced: int
    unmatched: int
    duplicates: int
    already_imported: bool


@dataclass(frozen=True)
class Reconciliation:
    """对账: 凭证无回单 (vouchers still waiting for the bank) / 回单无凭证 (write-backs whose voucher
    number is unknown)."""

    vouchers_without_writeback: list[dict] = field(default_factory=list)
    writebacks_without_voucher: list[dict] = field(default_factory=list)
    summary: dict = field(default_factory=dict)


@dataclass(frozen=True)
class Bank:
    code: str
    name: str


# ---------------------------------------------------------------------------------- transport

OFFLINE_MESSAGE = "支付业务需要联网：请先联网登录服务器（离线时无法生成凭证、导出银行文件或导入回单）。"


def transport_for(db: Any) -> Any:
    """The signed-in user's transport on ``db``, or :class:`PaymentsOffline`."""
    from app.services.imports import signed_in_transport

    transport = signed_in_transport(db)
    if transport is None:
        raise PaymentsOffline(OFFLINE_MESSAGE)
    return transport


def _call(transport: Any, method: str, path: str, *, what: str, **kw: Any) -> Any:
    """One request; refusals become :class:`PaymentRefused`, network trouble
    :class:`PaymentsOffline`. Returns the httpx response (status < 400)."""
    if transport is None:
        raise PaymentsOffline(OFFLINE_MESSAGE)
    try:
        r = transport.call(method, path, **kw)
    except AuthRequired as exc:
        raise PaymentsOffline(f"需要联网重新登录：登录已失效，无法{what}。{exc}".rstrip()) from exc
    except TransportError as exc:
        log.info("payments: %s %s failed: %s", method, path, exc)
        raise PaymentsOffline(f"需要联网：无法连接服务器，{what}未完成。请检查网络后重试。") from exc
    if r.status_code >= 400:
        code, message = error_body(r)
        try:
            details = (r.json() or {}).get("details") or {}
        except ValueError:
            details = {}
        raise PaymentRefused(message, status=r.status_code, code=code,
                             details=details if isinstance(details, dict) else {})
    return r


def _json(transport: Any, method: str, path: str, *, what: str, **kw: Any) -> Any:
    return _call(transport, method, path, what=what, **kw).json()


def _retry_once(fn: Callable[[], Any]) -> Any:
    """For idempotent requests only: a lost answer is asked again once (same request id)."""
    try:
        return fn()
    except PaymentsOffline as exc:
        if not isinstance(exc.__cause__, TransportError):
            raise
        return fn()


# ---------------------------------------------------------------------------------- reads

def banks() -> list[Bank]:
    """The agent banks configured in ``rules/bank_file_format.json`` (the server resolves the
    same file); '' = the default profile."""
    from fiscal.resources import load_json

    try:
        data = load_json("rules", "bank_file_format.json")
    except (OSError, ValueError):
        return []
    return [Bank(code, str(b.get("name") or code)) for code, b in (data.get("banks") or {}).items()]


def load_desk(*, transport: Any, limit: int = 1000) -> Desk:
    d = _json(transport, "GET", f"{API}/payments/vouchers", params={"limit": limit},
              what="读取支付凭证")
    vouchers = [VoucherRow(
        id=int(v["id"]), voucher_no=v["voucher_no"], application_id=v["application_id"],
        app_no=v.get("app_no") or "", unit_code=v.get("unit_code") or "",
        unit_name=v.get("unit_name") or "", payee_name=v.get("payee_name") or "",
        payee_account=v.get("payee_account") or "", use_des=v.get("use_des") or "",
        indicator_id=v.get("indicator_id") or "", amount_fen=int(v["amount_fen"]),
        status=v["status"], paid_fen=int(v.get("paid_fen") or 0),
        refunded_fen=int(v.get("refunded_fen") or 0), bank_serial=v.get("bank_serial"),
        batches=tuple(v.get("batches") or ()), func_code=v.get("func_code"),
        dep_eco_code=v.get("dep_eco_code")) for v in d.get("vouchers", [])]
    awaiting = [AwaitingRow(
        application_id=a["application_id"], app_no=a["app_no"], unit_code=a["unit_code"],
        unit_name=a["unit_name"], payee_name=a["payee_name"], amount_fen=int(a["amount_fen"]),
        use_des=a.get("use_des") or "", indicator_id=a.get("indicator_id") or "")
        for a in d.get("awaiting_voucher", [])]
    return Desk(vouchers, awaiting, bool(d.get("can_act")))


def list_batches(*, transport: Any, limit: int = 100) -> list[dict]:
    return _json(transport, "GET", f"{API}/payments/batches", params={"limit": limit},
                 what="读取支付文件批次")


def reconciliation(*, transport: Any) -> Reconciliation:
    d = _json(transport, "GET", f"{API}/payments/reconciliation", what="生成对账报告")
    return Reconciliation(list(d.get("vouchers_without_writeback") or []),
                          list(d.get("writebacks_without_voucher") or []),
                          dict(d.get("summary") or {}))


def corrections(*, transport: Any, voucher_id: int) -> list[dict]:
    return _json(transport, "GET", f"{API}/vouchers/{int(voucher_id)}/corrections",
                 what="读取更正记录")


# ---------------------------------------------------------------------------------- actions

def issue_voucher(*, transport: Any, application_id: str) -> dict:
    """支付凭证 for an approved application (idempotent on the server: one per application)."""
    app_id = str(uuid.UUID(str(application_id)))
    return _retry_once(lambda: _json(transport, "POST", f"{API}/applications/{app_id}/voucher",
                                     what="生成支付凭证"))


class PaymentCancelled(ServiceError):
    code = "cancelled"


def _check_cancel(cancelled: Callable[[], bool] | None) -> None:
    """A cancelled export writes no file (the batch stays on the server: download it again)."""
    if cancelled is not None and cancelled():
        raise PaymentCancelled("已取消，未保存文件。")


def _write_atomically(dest: Path, content: bytes) -> None:
    """The bank file appears whole or not at all (a half-written file sent to a bank is worse
    than none)."""
    dest.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".jincai-", suffix=".part", dir=dest.parent)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(content)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, dest)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def export_bank_file(*, transport: Any, fmt: str, dest: str | os.PathLike,
                     bank: str | None = None, resend: list[str] | None = None,
                     request_id: str | None = None,
                     cancelled: Callable[[], bool] | None = None) -> ExportResult:
    """Export every voucher not yet sent (or ``resend``) as one recorded batch and save the
    file at ``dest``. The request id makes a retry return the same batch, never a second one."""
    fmt = (fmt or "").lower()
    if fmt not in FORMATS:
        raise ServiceError(f"文件格式“{fmt}”无效，应为 xml 或 csv。", field="format")
    dest = Path(dest)
    if dest.is_dir():
        raise ServiceError(f"保存位置“{dest}”是文件夹，请选择文件名。", field="dest")
    body: dict[str, Any] = {"format": fmt, "request_id": request_id or uuid.uuid4().hex}
    if bank:
        body["bank"] = bank
    if resend:
        body["resend"] = list(resend)
    r = _retry_once(lambda: _call(transport, "POST", f"{API}/payments/export", json=body,
                                  timeout=EXPORT_TIMEOUT_S, what="导出银行支付文件"))
    content = r.content
    sha = hashlib.sha256(content).hexdigest()
    expected = r.headers.get("X-Jincai-Sha256")
    if expected and expected != sha:  # the bytes the bank gets must be the bytes recorded
        raise PaymentsOffline("下载的支付文件不完整（校验值不符），请重新导出（将得到同一批次）。")
    _check_cancel(cancelled)
    _write_atomically(dest, content)
    return ExportResult(batch_no=r.headers.get("X-Jincai-Batch-No", ""), path=dest,
                        voucher_count=int(r.headers.get("X-Jincai-Voucher-Count") or 0),
                        total_fen=int(r.headers.get("X-Jincai-Total-Fen") or 0), sha256=sha,
                        profile=r.headers.get("X-Jincai-Profile", ""))


def download_batch_file(*, transport: Any, batch_no: str, dest: str | os.PathLike,
                        cancelled: Callable[[], bool] | None = None) -> ExportResult:
    """The file of an exported batch again, byte for byte (a file lost on the way to the bank,
    or an export whose answer never arrived)."""
    batch_no = (batch_no or "").strip()
    if not batch_no:
        raise ServiceError("请指定批次号。", field="batch_no")
    r = _call(transport, "GET", f"{API}/payments/batches/{batch_no}/file",
              timeout=EXPORT_TIMEOUT_S, what="下载支付文件")
    content = r.content
    sha = hashlib.sha256(content).hexdigest()
    if r.headers.get("X-Jincai-Sha256") not in (None, sha):
        raise PaymentsOffline("下载的支付文件不完整（校验值不符），请重新下载。")
    dest = Path(dest)
    _check_cancel(cancelled)
    _write_atomically(dest, content)
    return ExportResult(batch_no=r.headers.get("X-Jincai-Batch-No", batch_no), path=dest,
                        voucher_count=int(r.headers.get("X-Jincai-Voucher-Count") or 0),
                        total_fen=int(r.headers.get("X-Jincai-Total-Fen") or 0), sha256=sha,
                        profile=r.headers.get("X-Jincai-Profile", ""))


def import_writeback(*, transport: Any, path: str | os.PathLike, bank: str | None = None
                     ) -> WritebackResult:
    """Import the bank's 回单 file (all-or-nothing, idempotent by bank serial on the server).
    A refused file raises :class:`WritebackRefused` with every bad line the server named."""
    path = Path(path)
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise ServiceError(f"找不到回单文件：{path}", field="path") from None
    except OSError as exc:
        raise ServiceError(f"无法读取回单文件“{path}”：{exc.strerror or exc}", field="path") from None
    if not data.strip():
        raise ServiceError(f"回单文件“{path.name}”是空文件，未导入任何记录。", field="path")
    params = {"file_name": path.name}
    if bank:
        params["bank"] = bank
    attempts = 0

    def send() -> Any:
        nonlocal attempts
        attempts += 1
        return _json(transport, "POST", f"{API}/payments/writeback-import", content=data,
                     params=params, headers={"Content-Type": "application/octet-stream"},
                     timeout=IMPORT_TIMEOUT_S, what="导入回单文件")
    try:
        d = _retry_once(send)
    except PaymentRefused as exc:
        raw = exc.server_details.get("errors")
        if isinstance(raw, list):
            errors = [LineError(int(e.get("line") or 0), str(e.get("field") or ""),
                                None if e.get("value") is None else str(e.get("value")),
                                str(e.get("reason") or "")) for e in raw if isinstance(e, dict)]
            raise WritebackRefused(exc.message, errors, status=exc.status, code=exc.code,
                                   details=exc.server_details) from None
        raise
    message = str(d.get("message") or "")
    if attempts > 1 and d.get("already_imported"):
        # the first attempt's answer was lost on the way back: say what actually happened
        message = (f"回单文件已导入（{int(d.get('lines') or 0)} 条）：第一次请求的应答因网络中断丢失，"
                   "重试时服务器确认已入账，未重复入账。请刷新查看凭证状态。")
    return WritebackResult(message=message, lines=int(d.get("lines") or 0),
                           paid=int(d.get("paid") or 0), bounced=int(d.get("bounced") or 0),
                           unmatched=int(d.get("unmatched") or 0),
                           duplicates=int(d.get("duplicates") or 0),
                           already_imported=bool(d.get("already_imported")))


def refund(*, transport: Any, voucher_id: int, amount_fen: int, reason: str) -> dict:
    """退款 (restores the indicator balance). Not retried: the server has no retry key for it,
    so a lost answer is reported and the user checks before trying again."""
    if not isinstance(amount_fen, int) or isinstance(amount_fen, bool) or amount_fen <= 0:
        raise ServiceError("退款金额应大于 0。", field="amount")
    reason = (reason or "").strip()
    if not reason:
        raise ServiceError("请填写退款原因。", field="reason")
    try:
        return _json(transport, "POST", f"{API}/vouchers/{int(voucher_id)}/refund",
                     json={"amount_fen": amount_fen, "reason": reason}, what="退款")
    except PaymentsOffline as exc:
        if isinstance(exc.__cause__, TransportError):
            raise PaymentsOffline("需要联网：与服务器的连接中断，退款结果未知。请联网后刷新，核对该凭证的"
                                  "已退款金额，再决定是否重新退款。") from exc
        raise


def correct(*, transport: Any, voucher_id: int, reason: str, indicator_id: str | None = None,
            func_code: str | None = None, dep_eco_code: str | None = None,
            gov_eco_code: str | None = None, request_id: str | None = None) -> dict:
    """更正 (调整书): new classification codes and/or indicator; no money moves."""
    reason = (reason or "").strip()
    if len(reason) < 2:
        raise ServiceError("请填写更正原因（至少 2 个字）。", field="reason")
    body: dict[str, Any] = {"reason": reason, "request_id": request_id or uuid.uuid4().hex}
    changes = {"indicator_id": indicator_id, "func_code": func_code,
               "dep_eco_code": dep_eco_code, "gov_eco_code": gov_eco_code}
    changes = {k: v.strip() for k, v in changes.items() if v and v.strip()}
    if not changes:
        raise ServiceError("请至少填写一项更正内容：指标、功能分类或经济分类。", field="indicator_id")
    body.update(changes)
    return _retry_once(lambda: _json(transport, "POST",
                                     f"{API}/vouchers/{int(voucher_id)}/corrections",
                                     json=body, what="更正"))


# ---------------------------------------------------------------------------------- Excel

RECONCILIATION_COLUMNS = [
    ("kind", "类别", "text"), ("voucher_no", "支付凭证号", "code"), ("amount_fen", "金额（元）", "money"),
    ("batches", "已发送批次 / 银行流水号", "text"), ("date", "日期", "date"), ("note", "说明", "text")]


def reconciliation_rows(report: Reconciliation) -> list[dict]:
    rows = []
    for v in report.vouchers_without_writeback:
        batches = "、".join(v.get("batches") or [])
        rows.append({"kind": "凭证无回单", "voucher_no": v.get("voucher_no"),
                     "amount_fen": v.get("amount_fen"), "batches": batches or "未发送银行",
                     "date": str(v.get("created_at") or "")[:10],
                     "note": "已发送，等待银行回单" if batches else "尚未导出给代理银行"})
    for w in report.writebacks_without_voucher:
        rows.append({"kind": "回单无凭证", "voucher_no": w.get("voucher_no"),
                     "amount_fen": w.get("amount_fen"), "batches": w.get("bank_serial"),
                     "date": w.get("paid_on"),
                     "note": ("支付成功" if w.get("success") else "退票") + "；本系统无此凭证号，请与代理银行核实"})
    return rows


def export_reconciliation(*, report: Reconciliation, dest: str | os.PathLike) -> Path:
    """The reconciliation as one Excel sheet (both lists, a 类别 column tells them apart)."""
    from app.excel.export import write_table

    return write_table(dest, reconciliation_rows(report), columns=RECONCILIATION_COLUMNS,
                       title="对账报告（凭证无回单 / 回单无凭证）", sheet="对账", total=False)
