"""Product targets of Excel imports (issue 8): where ``app.excel``'s validated rows go.

The importer (:func:`app.excel.importer.import_workbook`) validates every row and writes
through an ``ImportSink`` (``begin → write… → commit | rollback``). The sinks here are the
product's:

* :class:`ServerIndicatorSink` — 预算指标 go to the central server, which owns them, as one
  *staged import batch* (``/api/v1/indicator-imports``, :mod:`server.services.indicator_imports`)
  over the client's authenticated transport (:class:`app.sync.http.HttpTransport`: tokens from
  the keyring, transparent refresh). Rows are staged in a temporary file while the workbook is
  read (memory stays flat), checked against the wire schema and the units the user may write
  to, and sent at ``commit``: open a batch (client-chosen UUID) → upload chunks of ≤ 5,000 rows
  / ≤ 2 MiB, each with its idempotency key → ``commit``, which re-validates the whole batch on
  the server and applies it in **one transaction**. So an import of any size is all-or-nothing:
  a refused row, a lost connection or a cancel (= ``abort``) leaves the server unchanged.
  Every step is idempotent and retried with back-off on network errors; if the answer to the
  commit itself is lost, re-importing the same file is safe (the rows come back ``unchanged``).
  A sync then brings the rows into the local mirror (:func:`sync_after_import`).
* :class:`LocalPayeeSink` — 收款人 into the local payee address book, one local transaction.
* :class:`LocalDraftSink` — 批量支付申请 become local drafts through the existing
  :func:`app.services.applications.save_draft`, all of them in one local transaction (the
  service runs against a database handle bound to the sink's open session).

Each sink also answers ``ExistingKeys`` (duplicates against existing data) where that makes
sense; :class:`LocalIndicatorKeys` answers which indicators exist locally, so that a batch of
applications must name indicators the user has.
"""
from __future__ import annotations

import hashlib
import json
import logging
import re
import tempfile
import time
import uuid
from collections.abc import Callable, Collection, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.db import Database
from app.excel.errors import RowError
from app.excel.sinks import ImportRecord
from app.models import Indicator, Payee, PaymentApplication
from app.services.applications import DraftInput, _normalise_account, save_draft
from app.services.errors import ServiceError
from app.sync.http import error_body
from app.sync.transport import TransportError

log = logging.getLogger(__name__)

API = "/api/v1"
BULK_MAX_ROWS = 5000  # fiscal.schemas.indicators.IndicatorBulkUpsert
BULK_MAX_BYTES = 1_800_000  # the server refuses JSON bodies over 2 MiB (JINCAI_MAX_BODY_BYTES)
SQLITE_IN_CHUNK = 900
COMMIT_TIMEOUT_S = 600.0  # the commit validates and writes the whole batch (100k rows: tens of s)
# "第 12 行（指标 X）：" / "第 2 块第 3 行：" — the server's position, replaced by the Excel row
_POSITION_RE = re.compile(r"^第\s*\d+\s*(?:块第\s*\d+\s*)?行(?:（[^）]*）)?[：:]\s*")


class ImportRefused(Exception):
    """The target refused the rows (nothing written, or only what ``written`` says).

    ``errors`` are located by Excel row; ``written`` counts the rows the target made
    permanent before the refusal — 0 for every product sink, all of which are all-or-nothing;
    ``cancelled`` marks the user's cancel."""

    def __init__(self, message: str, errors: Sequence[RowError] = (), written: int = 0, *,
                 cancelled: bool = False) -> None:
        super().__init__(message)
        self.message = message
        self.errors = list(errors)
        self.written = written
        self.cancelled = cancelled  # the user cancelled (the result says "cancelled")


# ------------------------------------------------------------------------ indicators → server

# fiscal.schemas.indicators.IndicatorUpsert field <- app.excel record field
_IND_WIRE = {
    "fiscal_year": "fiscal_year", "unit_code": "agency_code", "func_code": "func_code",
    "dep_eco_code": "dep_eco_code", "gov_eco_code": "gov_eco_code",
    "fund_type_code": "fund_type", "source_type_code": "bgt_source", "bgt_type_code": "bgt_type",
    "pro_code": "project_code", "pro_name": "project_name", "doc_no": "doc_no",
    "doc_title": "doc_title",
}
# server error code / wire field -> Excel field (for locating a refusal in the workbook)
_FIELD_OF = {
    "unit_not_found": "agency_code", "unit_change": "agency_code", "id_conflict": "bgt_code",
    "duplicate_id": "bgt_code", "unknown_func_code": "func_code",
    "unknown_dep_eco_code": "dep_eco_code", "unknown_gov_eco_code": "gov_eco_code",
    "decrease_exceeds_available": "amount",
}
_WIRE_TO_EXCEL = {**{w: e for w, e in _IND_WIRE.items()}, "id": "bgt_code", "amount_fen": "amount",
                  "memo": "summary", "is_gov_procurement": "is_gov_pur", "executable": "executable"}


def indicator_id(record: ImportRecord) -> str:
    """The server id (BGT_ID) of an imported indicator: its 指标编码, or — when the sheet has
    none — a stable id derived from the record's identity, so a re-import updates the same
    indicator instead of creating another."""
    code = record.data.get("bgt_code")
    if code:
        return str(code)
    return "XL" + hashlib.sha256(record.key.encode("utf-8")).hexdigest()[:32].upper()


def indicator_wire(record: ImportRecord) -> dict[str, Any]:
    """An ``IndicatorUpsert`` body for one imported indicator row."""
    d = record.data
    out: dict[str, Any] = {"id": indicator_id(record)}
    for wire, key in _IND_WIRE.items():
        value = d.get(key)
        if value not in (None, ""):
            out[wire] = value
    out["is_gov_procurement"] = bool(d.get("is_gov_pur") or False)
    out["executable"] = d.get("executable") is not False  # blank = 可执行
    out["amount_fen"] = int(d["amount"])
    if d.get("summary"):  # 指标说明 → the memo of the ledger line (≤ 300, checked by the template)
        out["memo"] = str(d["summary"])
    return out


def _row_error(row: int | None, result_columns: dict[str, str] | None, key: str | None,
               value: Any, reason: str, code: str) -> RowError:
    from app.excel.schema import synonyms

    column = None
    if key:
        column = (result_columns or {}).get(key) or synonyms().get(key, [key])[0]
    return RowError(row, column, None if value is None else str(value), reason, key, None, code)


class ServerIndicatorSink:
    """ImportSink sending indicators to the server as one staged batch (see the module doc).

    ``transport`` is an :class:`app.sync.http.HttpTransport` (anything with its ``call``);
    ``progress(sent, total)`` follows the upload; ``cancel()`` returning True between chunks
    aborts the batch on the server (nothing is written)."""

    def __init__(self, transport: Any, *, chunk_rows: int = BULK_MAX_ROWS,
                 max_bytes: int = BULK_MAX_BYTES, attempts: int = 4, backoff_s: float = 1.0,
                 sleep: Callable[[float], None] = time.sleep,
                 progress: Callable[[int, int], None] | None = None,
                 cancel: Callable[[], bool] | None = None,
                 commit_timeout_s: float = COMMIT_TIMEOUT_S,
                 sync_db: Database | None = None) -> None:
        self.transport = transport
        self.sync_db = sync_db  # when given, a sync follows a successful commit
        self.chunk_rows = max(1, min(chunk_rows, BULK_MAX_ROWS))
        self.max_bytes = max_bytes
        self.attempts = max(1, attempts)
        self.backoff_s = backoff_s
        self.commit_timeout_s = commit_timeout_s
        self._sleep = sleep
        self.progress = progress
        self.cancel = cancel
        self._tmp: Any = None
        self._count = 0
        self._partial = False
        self._file: str | None = None
        self._errors: list[RowError] = []
        self._ids: dict[str, int] = {}
        self._units: set[str] = set()
        self._sent_rows: list[int] = []  # Excel row of each row sent, in batch order
        self._dept_rows: list[tuple[int, str, str]] = []  # (row, unit, 主管部门代码 written)
        # filled by commit(), for the caller's message
        self.batch_id: str | None = None
        self.created = self.updated = self.unchanged = 0
        self.written = 0
        self.requests = 0
        self.chunks = 0
        self.refusal: ImportRefused | None = None
        self.skipped: list[RowError] = []  # rows left out of a --partial import
        self.sync_report: Any = None
        self.sync_problem: str | None = None

    # -- ImportSink
    def begin(self, kind: str, meta: dict) -> None:
        if kind != "indicators":
            raise ValueError(f"ServerIndicatorSink takes indicators, not {kind}")
        self.rollback()
        self._tmp = tempfile.TemporaryFile(mode="w+", encoding="utf-8", prefix="jincai-import-")  # noqa: SIM115 - closed by commit/rollback
        self._count = 0
        self._partial = bool(meta.get("partial"))
        self._file = Path(str(meta["file"])).name[:255] if meta.get("file") else None
        self._errors, self._ids, self._units, self._sent_rows = [], {}, set(), []
        self._dept_rows = []
        self.created = self.updated = self.unchanged = self.written = self.requests = 0
        self.chunks = 0
        self.batch_id = None
        self.refusal = None
        self.skipped = []

    def write(self, records: Sequence[ImportRecord]) -> None:
        from pydantic import ValidationError

        from fiscal.schemas.indicators import IndicatorUpsert

        assert self._tmp is not None, "begin() first"
        lines = []
        for record in records:
            body = indicator_wire(record)
            try:
                IndicatorUpsert.model_validate(body)
            except ValidationError as exc:
                first = exc.errors()[0]
                wire = str(first.get("loc", ("",))[0])
                key = _WIRE_TO_EXCEL.get(wire)
                self._errors.append(_row_error(
                    record.row, None, key, body.get(wire),
                    f"不符合服务器的指标格式（{wire}：{first.get('msg', '')}）", "server_format"))
                continue
            first_row = self._ids.get(body["id"])
            if first_row is not None:
                self._errors.append(_row_error(
                    record.row, None, "bgt_code", body["id"],
                    f"与第{first_row}行对应同一条指标（指标主键 {body['id']}）", "duplicate_id"))
                continue
            self._ids[body["id"]] = record.row
            self._units.add(body["unit_code"])
            if record.data.get("dept_code"):  # checked against the unit's department
                self._dept_rows.append((record.row, body["unit_code"], str(record.data["dept_code"])))
            lines.append(json.dumps([record.row, body], ensure_ascii=False, separators=(",", ":")))
        if lines:
            self._tmp.write("\n".join(lines) + "\n")
        self._count += len(lines)

    def commit(self) -> int:
        assert self._tmp is not None, "begin() first"
        try:
            self._check_units()
            if self._errors and not self._partial:
                raise ImportRefused(
                    f"{len(self._errors)} 行不能发送到服务器，未导入任何数据。", self._errors)
            self.skipped = list(self._errors)
            self._send_batch()
            if self.sync_db is not None and self.written:
                self.sync_report, self.sync_problem = sync_after_import(
                    db=self.sync_db, transport=self.transport)
        except ImportRefused as exc:
            self.refusal = exc
            raise
        finally:
            self._close()
        return self.written

    def rollback(self) -> None:
        self._close()

    # -- internals
    def summary(self) -> str:
        """What the server did, and whether the local mirror has it, for the user."""
        text = (f"服务器：新建 {self.created}，更新 {self.updated}，未变 {self.unchanged}"
                f"（一个批次 {self.chunks} 块，在一个事务中写入）。")
        if self.sync_problem:
            text += self.sync_problem
        elif self.sync_report is not None:
            text += f"已同步到本机（下载变更 {self.sync_report.pulled}）。"
        return text

    def _close(self) -> None:
        if self._tmp is not None:
            self._tmp.close()
            self._tmp = None

    def _rows(self) -> Iterator[tuple[int, dict[str, Any]]]:
        self._tmp.seek(0)
        for line in self._tmp:
            if line.strip():
                row, body = json.loads(line)
                yield row, body

    def _check_units(self) -> None:
        """Units the user may not write to (or that do not exist) are refused by the server
        for the whole batch: find them before anything is sent."""
        if not self._units:
            return
        r = self.transport.call("GET", f"{API}/units")
        if r.status_code >= 400:
            raise ImportRefused(f"服务器拒绝了导入：{error_body(r)[1]}。未导入任何数据。")
        units = {u["code"]: u for u in r.json()}
        unknown = self._units - set(units)
        bad_dept = set()
        for row, unit, dept in self._dept_rows:
            registered = units.get(unit, {}).get("department_code")
            if registered and registered != dept:
                bad_dept.add(row)
                self._errors.append(_row_error(
                    row, None, "dept_code", dept,
                    f"单位 {unit} 在服务器登记的主管部门是 {registered}，与所填部门代码 {dept} 不一致："
                    "请核对单位代码或部门代码", "dept_mismatch"))
        if not unknown and not bad_dept:
            return
        kept = []
        for row, body in self._rows():
            if row in bad_dept:
                continue
            if body["unit_code"] in unknown:
                self._errors.append(_row_error(
                    row, None, "agency_code", body["unit_code"],
                    f"单位 {body['unit_code']} 不存在或不在您的管辖范围内，服务器不会接受", "unit_not_found"))
            else:
                kept.append((row, body))
        if self._partial:  # rewrite the staging file without those rows
            self._tmp.seek(0)
            self._tmp.truncate()
            self._tmp.write("".join(json.dumps([row, body], ensure_ascii=False) + "\n"
                                    for row, body in kept))
            self._count = len(kept)

    def _chunks(self) -> Iterator[list[tuple[int, str]]]:
        chunk: list[tuple[int, str]] = []
        size = 0
        for row, body in self._rows():
            text = json.dumps(body, ensure_ascii=False, separators=(",", ":"))
            n = len(text.encode("utf-8")) + 1
            if chunk and (len(chunk) >= self.chunk_rows or size + n > self.max_bytes):
                yield chunk
                chunk, size = [], 0
            chunk.append((row, text))
            size += n
        if chunk:
            yield chunk

    def _call(self, method: str, path: str, **kw: Any) -> Any:
        """One request, retried with back-off on network errors. Safe for every call here:
        opening (batch id), chunks (idempotency key), commit and abort are idempotent."""
        for attempt in range(self.attempts):
            try:
                r = self.transport.call(method, path, **kw)
                self.requests += 1
                return r
            except TransportError:
                if attempt + 1 >= self.attempts:
                    raise
                delay = self.backoff_s * 2**attempt
                log.warning("indicator import %s %s: network error, retry %d in %.1fs",
                            method, path, attempt + 1, delay)
                self._sleep(delay)
        raise AssertionError("unreachable")  # pragma: no cover

    def _abort(self) -> bool:
        """Give the staged batch up (best effort: a batch never committed changes nothing)."""
        if self.batch_id is None:
            return True
        try:
            r = self.transport.call("POST", f"{API}/indicator-imports/{self.batch_id}/abort")
            return r.status_code < 400
        except TransportError:
            return False

    def _cancelled(self) -> ImportRefused:
        where = ("服务器上暂存的批次已放弃" if self._abort()
                 else "暂存的批次未提交，不会生效")
        return ImportRefused(f"导入已取消：{where}，未写入任何指标。", cancelled=True)

    def _refused(self, r: Any, *, stage: str, chunk: list[tuple[int, str]] | None = None) -> ImportRefused:
        _code, message = error_body(r)
        if r.status_code == 403:
            message = (f"当前用户无权导入指标（{message}）：指标由财政业务处室下达，"
                       "请用有指标管理权限的账号登录。")
        if r.status_code == 422 and stage in ("chunk", "commit"):
            errors = self._server_row_errors(r, chunk)
            return ImportRefused(f"服务器拒绝了这批指标（{message}），未导入任何数据。", errors)
        return ImportRefused(f"服务器拒绝了导入：{message}。未导入任何数据。")

    def _send_batch(self) -> None:
        total = self._count
        if not total:
            return
        self.batch_id = str(uuid.uuid4())
        base = f"{API}/indicator-imports/{self.batch_id}"
        try:
            r = self._call("POST", f"{API}/indicator-imports",
                           json={"id": self.batch_id, "file_name": self._file})
            if r.status_code >= 400:
                raise self._refused(r, stage="open")
            sent = 0
            for index, chunk in enumerate(self._chunks()):
                if self.cancel is not None and self.cancel():
                    raise self._cancelled()
                key = f"{self.batch_id}:{index}:" + hashlib.sha256(
                    "".join(t for _, t in chunk).encode("utf-8")).hexdigest()[:16]
                payload = (f'{{"index":{index},"idempotency_key":"{key}","items":['
                           + ",".join(t for _, t in chunk) + "]}").encode("utf-8")
                r = self._call("POST", f"{base}/chunks", content=payload,
                               headers={"Content-Type": "application/json"})
                if r.status_code >= 400:
                    refusal = self._refused(r, stage="chunk", chunk=chunk)
                    self._abort()
                    raise refusal
                self._sent_rows.extend(row for row, _ in chunk)
                self.chunks = index + 1
                sent += len(chunk)
                if self.progress is not None:
                    self.progress(sent, total)
            if self.cancel is not None and self.cancel():
                raise self._cancelled()
        except TransportError as exc:
            self._abort()
            raise ImportRefused(f"网络中断（{exc}），服务器未写入任何指标（未提交的批次不会生效）。"
                                "请稍后重新导入同一文件。") from exc
        try:
            r = self._call("POST", f"{base}/commit", timeout=self.commit_timeout_s,
                           json={"expected_chunks": self.chunks, "expected_rows": sent})
        except TransportError as exc:
            raise ImportRefused(
                f"网络中断（{exc}），无法确认服务器是否已提交导入批次 {self.batch_id}。服务器对整批"
                "要么全部写入、要么全部未写入；稍后重新导入同一文件是安全的（已写入的指标显示为“未变”）。"
            ) from exc
        if r.status_code >= 400:
            raise self._refused(r, stage="commit")
        answer = r.json()
        self.created = int(answer.get("created", 0))
        self.updated = int(answer.get("updated", 0))
        self.unchanged = int(answer.get("unchanged", 0))
        self.written = int(answer.get("rows", sent))

    def _server_row_errors(self, r: Any, chunk: list[tuple[int, str]] | None) -> list[RowError]:
        """Locate the server's row errors in the workbook: at commit by the row's position in
        the batch, for a refused chunk by its position in the chunk (pydantic's ``loc``)."""
        try:
            body = r.json()
        except ValueError:
            body = {}
        details = body.get("details")
        items = details.get("errors") if isinstance(details, dict) else None
        out = []
        if items is not None:  # the service's own refusal (commit)
            for item in items:
                index = item.get("index")
                row = (self._sent_rows[index] if isinstance(index, int)
                       and 0 <= index < len(self._sent_rows) else None)
                key = _FIELD_OF.get(item.get("code") or "")
                message = _POSITION_RE.sub("", str(item.get("message") or item.get("code")))
                out.append(_row_error(row, None, key, item.get("id"), "服务器拒绝：" + message,
                                      str(item.get("code") or "server_refused")))
            return out
        for item in details if isinstance(details, list) else []:  # request validation (chunk)
            loc = item.get("loc") or []
            index = next((int(x) for x in loc[2:3] if str(x).isdigit()), None) if "items" in loc else None
            row = chunk[index][0] if chunk and index is not None and index < len(chunk) else None
            wire = str(loc[3]) if len(loc) > 3 else ""
            out.append(_row_error(row, None, _WIRE_TO_EXCEL.get(wire), None,
                                  "服务器拒绝：" + str(item.get("message") or item.get("type")),
                                  "server_format"))
        return out or [_row_error(None, None, None, None, "服务器拒绝：" + str(body.get("message")),
                                  str(body.get("code") or "server_refused"))]


def sync_after_import(*, db: Database, transport: Any) -> tuple[Any | None, str | None]:
    """One sync so the imported indicators reach the local mirror. Returns (report, None) or
    (None, a message for the user) — the import itself stays done either way."""
    from app.sync.engine import SyncEngine

    try:
        report = SyncEngine(db=db, transport=transport,
                            server_url=getattr(transport, "server_url", None)).run()
    except Exception as exc:  # noqa: BLE001 - reported, never a traceback
        message = getattr(exc, "message", None) or f"{type(exc).__name__}: {exc}"
        log.warning("sync after import failed: %s", message)
        return None, f"同步到本机未完成（{message}），稍后运行 jincai sync 即可。"
    return report, None


# ------------------------------------------------------------------------ local sinks

class _BoundDatabase:
    """A :class:`Database` stand-in whose units of work are the sink's one open session, so
    that services (``save_draft``) run inside the import's single transaction."""

    def __init__(self, db: Database, session: Session) -> None:
        self._db, self._session = db, session
        self.path, self.engine = db.path, db.engine

    @property
    def data_dir(self):  # pragma: no cover - for services that store files
        return self._db.data_dir

    @property
    def files_dir(self):  # pragma: no cover
        return self._db.files_dir

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        with self._session.begin_nested():  # a failing service call undoes only itself
            yield self._session

    @contextmanager
    def read(self) -> Iterator[Session]:
        yield self._session


class _LocalSink:
    """One local ``BEGIN IMMEDIATE`` transaction from ``begin`` to ``commit``/``rollback``."""

    kind = ""

    def __init__(self, db: Database) -> None:
        self.db = db
        self._cm: Any = None
        self.session: Session | None = None
        self._count = 0
        self.meta: dict = {}
        self.refusal: ImportRefused | None = None
        self.skipped: list[RowError] = []

    def begin(self, kind: str, meta: dict) -> None:
        if kind != self.kind:
            raise ValueError(f"{type(self).__name__} takes {self.kind}, not {kind}")
        self.rollback()
        self.refusal = None
        self.meta = dict(meta)
        self._cm = self.db.transaction()
        self.session = self._cm.__enter__()
        self._count = 0

    def commit(self) -> int:
        cm, self._cm, self.session = self._cm, None, None
        if cm is not None:
            cm.__exit__(None, None, None)
        return self._count

    def rollback(self) -> None:
        cm, self._cm, self.session = self._cm, None, None
        if cm is not None:
            error = _RolledBack()
            try:
                cm.__exit__(_RolledBack, error, None)
            except _RolledBack:
                pass

    def _in_chunks(self, keys: Collection[str]) -> Iterator[list[str]]:
        keys = list(keys)
        for i in range(0, len(keys), SQLITE_IN_CHUNK):
            yield keys[i:i + SQLITE_IN_CHUNK]

    @contextmanager
    def _reader(self) -> Iterator[Session]:
        if self.session is not None:
            yield self.session
        else:
            with self.db.read() as s:
                yield s


class _RolledBack(Exception):
    pass


def _text(value: Any) -> str | None:
    text = str(value).strip() if value is not None else ""
    return text or None


class LocalPayeeSink(_LocalSink):
    """收款人 → the local payee address book (``app.models.Payee``), all in one transaction.
    An entry with the same account and name is updated (bank, 联行号, USCC, 身份证号, 联系电话,
    备注, kind)."""

    kind = "payees"

    def write(self, records: Sequence[ImportRecord]) -> None:
        s = self.session
        assert s is not None, "begin() first"
        accounts = [_normalise_account(r.data["payee_account"]) for r in records]
        have: dict[tuple[str, str], Payee] = {}
        for part in self._in_chunks(set(accounts)):
            for p in s.scalars(select(Payee).where(Payee.account_no.in_(part))):
                have[(p.account_no, p.name)] = p
        for record, account in zip(records, accounts, strict=True):
            d = record.data
            name = str(d["payee_name"]).strip()
            kind = "person" if d.get("payee_type") == "个人" else "unit"
            payee = have.get((account, name))
            if payee is None:
                payee = Payee(name=name, account_no=account, source="local", use_count=0)
                s.add(payee)
                have[(account, name)] = payee
            payee.bank_name = str(d.get("payee_bank") or payee.bank_name or "")
            payee.bank_code = d.get("bank_code") or payee.bank_code
            payee.uscc = d.get("uscc") or payee.uscc
            # an empty cell keeps what the address book has (a re-import never erases)
            payee.id_no = d.get("id_no") or payee.id_no
            payee.phone = _text(d.get("phone")) or payee.phone
            payee.remark = _text(d.get("remark")) or payee.remark
            payee.kind = kind
        s.flush()
        self._count += len(records)

    def existing_keys(self, kind: str, keys: Collection[str]) -> set[str]:
        if kind != "payees":
            return set()
        wanted = {k.removeprefix("acct:"): k for k in keys if k.startswith("acct:")}
        found: set[str] = set()
        with self._reader() as s:
            for part in self._in_chunks(wanted):
                found.update(s.scalars(select(Payee.account_no).where(Payee.account_no.in_(part))))
        return {wanted[a] for a in found if a in wanted}


class LocalDraftSink(_LocalSink):
    """批量支付申请 → local drafts through :func:`save_draft`, all in one transaction: one
    refused row (e.g. an indicator that is not in the local mirror) rolls the batch back.
    Each draft remembers where it came from in ``extra`` (``import_key`` — used to refuse
    importing the same row twice —, the file and row, the 申请编号 and the payee's ID number)."""

    kind = "applications"

    def __init__(self, db: Database) -> None:
        super().__init__(db)
        self.application_ids: list[str] = []

    def begin(self, kind: str, meta: dict) -> None:
        super().begin(kind, meta)
        self.application_ids = []
        # The same cumulative pre-check as the importer's checker, inside this transaction:
        # a caller that passed no checker still cannot import rows beyond the balance.
        self.budget = ImportBudget()

    def write(self, records: Sequence[ImportRecord]) -> None:
        try:
            self._write(records)
        except ImportRefused as exc:
            self.refusal = exc
            raise

    def _write(self, records: Sequence[ImportRecord]) -> None:
        from app.sync.dictionaries import local_dictionaries

        s = self.session
        assert s is not None, "begin() first"
        modes = local_dictionaries(s, self.meta.get("region")).settlement_modes
        bound = _BoundDatabase(self.db, s)
        wanted = {str(r.data["bgt_code"]) for r in records}
        inds: dict[str, Indicator] = {}
        for part in self._in_chunks(wanted):
            inds.update((i.id, i) for i in s.scalars(select(Indicator).where(Indicator.id.in_(part))))
        over = self.budget.check(s, [r for r in records if str(r.data["bgt_code"]) in inds])
        if over:
            raise ImportRefused(f"{len(over)} 行超出指标可用余额（不得超指标），未导入任何数据。", over)
        for record in records:
            d = record.data
            ind = inds.get(str(d["bgt_code"]))
            if ind is None:
                raise ImportRefused(f"第{record.row}行：本机没有指标 {d['bgt_code']}，请先同步。", [
                    _row_error(record.row, None, "bgt_code", d["bgt_code"],
                               f"本机没有指标 {d['bgt_code']}：请先同步，或检查指标编码", "unknown_indicator")])
            unit = d.get("agency_code") or ind.unit_code
            if unit != ind.unit_code:
                raise ImportRefused(f"第{record.row}行：单位代码与指标所属单位不一致。", [
                    _row_error(record.row, None, "agency_code", unit,
                               f"指标 {ind.id} 属于单位 {ind.unit_code}，与所填单位 {unit} 不一致",
                               "unit_mismatch")])
            extra = {"import_key": record.key, "import_file": self.meta.get("file"),
                     "import_row": record.row}
            for key, name in (("app_no", "unit_app_no"),
                              ("needs_payment_basis", "needs_payment_basis")):
                if d.get(key):
                    extra[name] = d[key]
            draft = DraftInput(
                indicator_id=ind.id, amount=int(d["amount"]), use_des=str(d["use_des"]),
                payee_name=str(d["payee_name"]), payee_account=str(d["payee_account"]),
                payee_bank=d.get("payee_bank"), payee_is_personal=bool(d.get("id_no")),
                payee_id_number=d.get("id_no") or None,
                fiscal_year=ind.fiscal_year, region_code=ind.region_code or "", unit_code=unit,
                func_code=d.get("func_code") or ind.func_code, dep_eco_code=d.get("dep_eco_code"),
                gov_eco_code=d.get("gov_eco_code"), pay_type_code=d.get("pay_type"),
                settlement_mode=modes.get(d.get("settlement_mode"), d.get("settlement_mode")),
                contract_no=d.get("contract_no"), card_not_accepted=bool(d.get("card_not_accepted")),
                extra=extra,
            )
            try:
                saved = save_draft(db=bound, draft=draft)  # type: ignore[arg-type]
            except ServiceError as exc:
                message = getattr(exc, "message", None) or str(exc)
                raise ImportRefused(f"第{record.row}行：{message}", [
                    _row_error(record.row, None, getattr(exc, "field", None), None, message,
                               "refused")]) from exc
            self.application_ids.append(saved.application.id)
        self._count += len(records)

    def existing_keys(self, kind: str, keys: Collection[str]) -> set[str]:
        if kind != "applications":
            return set()
        wanted = set(keys)
        col = func.json_extract(PaymentApplication.extra, "$.import_key")
        found: set[str] = set()
        with self._reader() as s:
            for part in self._in_chunks(wanted):
                found.update(s.scalars(select(col).where(col.in_(part))))
        return found & wanted


@dataclass(frozen=True, slots=True)
class _Figures:
    """What the pre-check reads of an indicator (plain values, no session needed)."""

    id: str
    available: int


class ImportBudget:
    """The offline budget pre-check of typed applications (:func:`app.services.budget.evaluate_budget`,
    rule 不得超指标 of ``fiscal.rules.budget``) applied to imported batch applications, row by
    row in file order and **cumulative within the file**: ten rows against one indicator add
    up. Available = the server-confirmed balance − the user's own applications the server has
    not confirmed yet (queued / submitted but not pulled) − the rows of this file accepted so
    far. A refused row does not count against later rows (it is not imported)."""

    def __init__(self) -> None:
        self.used: dict[str, int] = {}  # indicator -> Σ accepted rows of this file
        self.rows: dict[str, int] = {}  # indicator -> how many accepted rows
        self._known: dict[str, tuple[_Figures | None, int]] = {}

    def _load(self, s: Session, ids: Collection[str]) -> None:
        from app.services.budget import pending_condition

        wanted = [i for i in ids if i not in self._known]
        for start in range(0, len(wanted), SQLITE_IN_CHUNK):
            part = wanted[start:start + SQLITE_IN_CHUNK]
            inds = {r.id: _Figures(r.id, int(r.available)) for r in s.execute(
                select(Indicator.id, Indicator.available).where(Indicator.id.in_(part)))}
            pending = dict(s.execute(
                select(PaymentApplication.indicator_id, func.sum(PaymentApplication.amount))
                .where(PaymentApplication.indicator_id.in_(part), pending_condition())
                .group_by(PaymentApplication.indicator_id)).all())
            for i in part:
                self._known[i] = (inds.get(i), int(pending.get(i) or 0))

    def check(self, s: Session, records: Sequence[ImportRecord]) -> list[RowError]:
        from app.services.budget import evaluate_budget

        self._load(s, {str(r.data["bgt_code"]) for r in records})
        errors = []
        for record in records:
            ind_id = str(record.data["bgt_code"])
            ind, pending = self._known[ind_id]
            if ind is None:  # the existence check names it (unknown_indicator)
                continue
            amount = int(record.data["amount"])
            before = self.used.get(ind_id, 0)
            check = evaluate_budget(indicator=ind, requested=amount, pending_own=pending + before)
            if check.ok:
                self.used[ind_id] = before + amount
                self.rows[ind_id] = self.rows.get(ind_id, 0) + 1
                continue
            in_file = (f"、本文件前面 {self.rows[ind_id]} 行已用 {_fen(before)} 元"
                       if before else "")
            errors.append(RowError(
                record.row, None, _fen(amount),
                f"{check.rule_name}（离线预检）：指标 {ind_id} 服务器确认的可用余额 "
                f"{_fen(check.confirmed_available)} 元，扣除您尚未被服务器确认的申请 {_fen(pending)} 元"
                f"{in_file}后可用 {_fen(check.available_after_pending)} 元；本行金额 {_fen(amount)} 元，"
                f"超出 {_fen(check.shortfall)} 元。请减少金额、改用其他指标或申请追加指标",
                "amount", None, check.rule_code))
        return errors


def _fen(fen: int) -> str:
    from fiscal.rules.budget import format_fen

    return format_fen(fen)


class LocalIndicatorKeys:
    """``ExistingKeys`` over the local indicator mirror: which ``bgt:<id>`` exist (active);
    also the :class:`app.excel.sinks.RowChecker` of batch applications (:class:`ImportBudget`),
    so that the preview and the import refuse rows that exceed an indicator's balance."""

    def __init__(self, db: Database) -> None:
        self.db = db
        self.budget = ImportBudget()

    def start_checks(self, kind: str) -> None:
        self.budget = ImportBudget()

    def check_rows(self, kind: str, records: Sequence[ImportRecord]) -> list[RowError]:
        if kind != "applications":
            return []
        with self.db.read() as s:
            return self.budget.check(s, records)

    def existing_keys(self, kind: str, keys: Collection[str]) -> set[str]:
        if kind != "indicators":
            return set()
        wanted = {k.removeprefix("bgt:"): k for k in keys if k.startswith("bgt:")}
        ids = list(wanted)
        found: set[str] = set()
        with self.db.read() as s:
            for i in range(0, len(ids), SQLITE_IN_CHUNK):
                found.update(s.scalars(select(Indicator.id).where(
                    Indicator.id.in_(ids[i:i + SQLITE_IN_CHUNK]), Indicator.active.is_(True))))
        return {wanted[i] for i in found}


# ------------------------------------------------------------------------ targets

class _RefusingSink:
    """A target that cannot be used now (e.g. indicators while nobody is signed in online):
    the import is refused with ``message`` before anything is written."""

    def __init__(self, message: str) -> None:
        self.message = message
        self.refusal: ImportRefused | None = None
        self.skipped: list[RowError] = []

    def begin(self, kind: str, meta: dict) -> None:
        self.refusal = None

    def write(self, records: Sequence[ImportRecord]) -> None:
        self.refusal = ImportRefused(self.message)
        raise self.refusal

    def commit(self) -> int:
        self.refusal = ImportRefused(self.message)
        raise self.refusal

    def rollback(self) -> None:
        pass


def signed_in_transport(db: Database) -> Any | None:
    """The HTTP transport of the account signed in on this local database, or None."""
    from app.models import Account
    from app.sync.credentials import device_id
    from app.sync.http import HttpTransport

    with db.read() as s:
        acct = s.scalar(select(Account).where(Account.signed_in.is_(True))
                        .order_by(Account.last_online_sign_in_at.desc()))
        who = (acct.server_url, acct.username) if acct else None
    if who is None or not who[0]:
        return None
    return HttpTransport(server_url=who[0], username=who[1], device_id=device_id(db.data_dir))


class ProductTargets:
    """The product's import targets for one local database, per kind (the import wizard's
    ``sink_factory`` / ``existing_factory`` / ``indicators_factory``): indicators → the
    server as the signed-in user (then a sync), payees → the address book, batch
    applications → local drafts checked against the local indicator mirror."""

    def __init__(self, db: Database, *,
                 transport_factory: Callable[[Database], Any | None] = signed_in_transport) -> None:
        self.db = db
        self._transport_factory = transport_factory

    def sink(self, kind: str) -> Any:
        if kind == "payees":
            return LocalPayeeSink(self.db)
        if kind == "applications":
            return LocalDraftSink(self.db)
        transport = self._transport_factory(self.db)
        if transport is None:
            return _RefusingSink("预算指标由服务器管理：请先联网登录，再导入指标（导入后自动同步到本机）。")
        return ServerIndicatorSink(transport, sync_db=self.db)

    def existing(self, kind: str) -> Any | None:
        return self.sink(kind) if kind in ("payees", "applications") else None

    def indicators(self) -> LocalIndicatorKeys:
        return LocalIndicatorKeys(self.db)

    def describe(self, kind: str) -> str:
        return {"indicators": "服务器（随后同步到本机）", "payees": "本地收款人地址簿",
                "applications": "本地草稿"}.get(kind, "本地数据库")


def import_to_product(path: Any, kind: str, **kwargs: Any) -> Any:
    """``import_workbook`` followed by :func:`finish_result` (the wizard's ``import_fn``);
    closes the server transport of a server sink."""
    from app.excel.importer import import_workbook

    sink = kwargs.get("sink")
    if isinstance(sink, ServerIndicatorSink):  # the upload reports progress and obeys cancel too
        sink.progress = sink.progress or kwargs.get("progress")
        sink.cancel = sink.cancel or kwargs.get("cancel")
    db = getattr(sink, "db", None) or getattr(sink, "sync_db", None)
    if db is not None and "dicts" not in kwargs:
        from app.sync.dictionaries import local_dictionaries

        # Validate cells (结算方式, 资金性质…) against the server's dictionaries as last synced.
        with db.read() as s:
            kwargs["dicts"] = local_dictionaries(s, kwargs.get("region"))
    try:
        result = import_workbook(path, kind, **kwargs)
        finish_result(result, sink)
        if isinstance(sink, ServerIndicatorSink) and result.outcome == "ok" and result.imported_rows:
            result.message += sink.summary()
    finally:
        if isinstance(sink, ServerIndicatorSink) and hasattr(sink.transport, "close"):
            sink.transport.close()
    return result


# ------------------------------------------------------------------------ results

def _located(result: Any, errors: Sequence[RowError]) -> list[RowError]:
    columns = getattr(result, "columns", {}) or {}
    index = getattr(result, "column_index", {}) or {}
    out = []
    for error in errors:
        if error.field and error.field in columns:
            error = RowError(error.row, columns[error.field], error.value, error.reason,
                             error.field, index.get(error.field), error.code)
        out.append(error)
    return out


def finish_result(result: Any, sink: Any) -> None:
    """Complete an ImportResult with what the sink knows: when it refused (the importer only
    saw a ``SinkFailure``), the located row errors, what was written (nothing: the sinks are
    all-or-nothing) and whether it was a cancel; after a ``--partial`` import, the rows the
    sink itself had to leave out."""
    refusal = getattr(sink, "refusal", None)
    extra = list(refusal.errors) if refusal is not None else list(getattr(sink, "skipped", []))
    if refusal is None and not extra:
        return
    for error in _located(result, extra):
        result.errors.append(error)
        result.error_count += 1
    result.error_rows += len({e.row for e in extra if e.row is not None})
    result.errors.sort(key=lambda e: (e.row or 0, e.col_index if e.col_index is not None else -1))
    if refusal is not None:
        result.imported_rows = refusal.written
        result.outcome = "cancelled" if refusal.cancelled else "rejected"
        result.message = refusal.message
    else:
        result.message += f"另有 {len(extra)} 行服务器不会接受，已跳过（见错误清单）。"
