"""Duplicate-voucher flagging before a voucher is attached.

An invoice is the same invoice when :func:`fiscal.ids.invoice_key` says so (same code + number,
or the same 20-digit 数电 number); a bank receipt by its serial number; any file by the SHA-256
of its bytes. Where else it was attached is asked through ``lookup`` — a callback that the
client store provides (local attachments, and the server when online) and that returns a short
Chinese description of the existing attachment, or None. Within one batch the checker also
remembers what it has seen.

Invoices are also asked of the server when online (``server_check``: a callable that takes
invoice keys and returns the rows of ``POST /api/v1/invoices/check``, or None when offline). The
server knows every unit's attachments; it names the application only within the user's scope.
Offline — or when the server cannot be reached — the local check still runs and the result says
the server check is pending (``result.server_check == "pending"``), so nobody mistakes a local
"no duplicate" for a system-wide one.
"""
from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import Any

from app.ocr.model import VoucherResult
from fiscal.ids import IdError, invoice_key

#: (key type, key) -> description of where it is already attached, or None when it is new.
#: Key types: "invoice" (fiscal.ids.invoice_key), "fiscal_bill" (invoice_key of 票据代码/号码),
#: "bank_serial" (回单流水号), "sha256" (hex digest of the original file).
DuplicateLookup = Callable[[str, str], str | None]
#: invoice keys -> rows ``{key, used, app_no?, status?, same_unit?}`` from the server, or None
#: when there is no server connection right now (offline mode, not signed in).
ServerCheck = Callable[[list[str]], list[dict[str, Any]] | None]

log = logging.getLogger(__name__)

SERVER_PENDING = "离线：只查了本机的附件，服务器上的重复报销检查待联网后进行。"
SERVER_FAILED = "暂时连不上服务器：只查了本机的附件，服务器上的重复报销检查待恢复连接后进行。"


def voucher_keys(result: VoucherResult) -> list[tuple[str, str]]:
    """(type, key) pairs that identify this voucher, most specific first."""
    keys = []
    f = result.fields
    number = f.get("invoice_number")
    code = f.get("invoice_code")
    if number is not None and number.value:
        try:
            key = invoice_key(code.value if code is not None else None, str(number.value))
            keys.append(("fiscal_bill" if result.kind == "fiscal_receipt" else "invoice", key))
        except IdError:
            pass
    serial = f.get("serial_no")
    if result.kind == "bank_receipt" and serial is not None and serial.value:
        keys.append(("bank_serial", str(serial.value)))
    if result.sha256:
        keys.append(("sha256", result.sha256))
    return keys


def describe_server_use(row: dict[str, Any]) -> str:
    """Where the server says the invoice is used, in words (no other unit's details: the
    server does not send them)."""
    if row.get("app_no"):
        whose = "本单位" if row.get("same_unit") else "所辖单位"
        return f"服务器上{whose}的支付申请 {row['app_no']}"
    return "服务器上另一单位的支付申请"


class DuplicateChecker:
    def __init__(self, lookup: DuplicateLookup | None = None,
                 server_check: ServerCheck | None = None):
        self.lookup = lookup
        self.server_check = server_check
        self._batch: dict[tuple[str, str, int], str] = {}
        self._lock = threading.Lock()

    def flag(self, result: VoucherResult) -> str | None:
        """Set and return ``result.duplicate_of`` when the voucher is already known."""
        keys = voucher_keys(result)
        found = None
        for kind, key in keys:
            # pages of one multi-page file share their SHA-256 but are different vouchers
            batch_key = (kind, key, result.page if kind == "sha256" else 0)
            with self._lock:
                if batch_key in self._batch:
                    found = f"本批次中的“{self._batch[batch_key]}”"
                    break
            if self.lookup is not None and not (kind == "sha256" and result.page > 1):
                try:
                    found = self.lookup(kind, key)
                except Exception:  # noqa: BLE001 - an offline store must not block capture
                    found = None
                if found:
                    break
        invoice_keys = [key for kind, key in keys if kind in ("invoice", "fiscal_bill")]
        if invoice_keys and not found:
            found = self._ask_server(result, invoice_keys)
        with self._lock:
            for kind, key in keys:
                self._batch.setdefault((kind, key, result.page if kind == "sha256" else 0),
                                       _label(result))
        if found:
            result.duplicate_of = found
            what = "同一张回单" if result.kind == "bank_receipt" else "同一张票据"
            result.warnings.insert(0, f"疑似重复报销：{what}已附在{found}。请核实后再附加。")
        return found

    def _ask_server(self, result: VoucherResult, keys: list[str]) -> str | None:
        rows = None
        failed = False
        if self.server_check is not None:
            try:
                rows = self.server_check(keys)
            except Exception:
                log.warning("server duplicate check failed", exc_info=True)
                failed = True
        if rows is None:
            result.server_check = "pending"
            result.warnings.append(SERVER_FAILED if failed else SERVER_PENDING)
            return None
        result.server_check = "done"
        for row in rows:
            if row.get("used"):
                return describe_server_use(row)
        return None

    def forget(self) -> None:
        with self._lock:
            self._batch.clear()


def _label(result: VoucherResult) -> str:
    from pathlib import Path

    name = Path(result.file).name if result.file else "拍摄"
    return f"{name}" + (f" 第{result.page}页" if result.page > 1 else "")
