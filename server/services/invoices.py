"""Is this invoice already used? (issue 7: the duplicate check before a voucher is attached).

The answer comes from ``invoice_claims`` — one row per invoice attached to a live application,
system-wide (written by :func:`server.services.applications.attach`). The caller learns only
*whether* a key is used; which application uses it is told only when that application is in the
caller's scope, so the check never leaks another unit's data.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from fiscal.ids import IdError, invoice_key
from server.errors import ApiError
from server.models import Application, InvoiceClaim
from server.services.org import Principal

#: keys per request (a batch capture of vouchers asks for all of them at once)
MAX_KEYS = 200
_KEY_RE = re.compile(r"[0-9]{20}|[0-9]{10}:[0-9]{8}|[0-9]{12}:[0-9]{8}|[0-9]{8}:[0-9]{10}")


@dataclass(frozen=True)
class KeyUse:
    key: str
    used: bool
    #: set only when the application using the key is visible to the caller
    application_id: str | None = None
    app_no: str | None = None
    status: str | None = None
    same_unit: bool | None = None


def normalise_key(raw: str, index: int) -> str:
    """A key as :func:`fiscal.ids.invoice_key` writes it (``code:number`` or the 20-digit
    数电 number); anything else is refused with a message naming the position."""
    text = (raw or "").strip()
    where = f"第 {index + 1} 个发票键“{text[:40]}”"
    if ":" in text:
        code, _, number = text.partition(":")
    else:
        code, number = None, text
    try:
        key = invoice_key(code or None, number)
    except IdError as exc:
        raise ApiError(422, "invalid_invoice_key", f"{where}格式不正确：{exc.message}。"
                       "应为“发票代码:发票号码”或 20 位数电发票号码。",
                       {"index": index}) from None
    # the canonical form only (a key with spaces, letters or stray characters is not silently
    # cleaned): the 20-digit 数电 number, or code:number — 10/12-digit invoice codes with 8-digit
    # numbers, 8-digit 财政票据 codes with 10-digit numbers
    if key != text or not _KEY_RE.fullmatch(key):
        raise ApiError(422, "invalid_invoice_key", f"{where}格式不正确："
                       "应为“发票代码:发票号码”或 20 位数电发票号码（只含数字）。", {"index": index})
    return key


def check_keys(session: Session, *, principal: Principal, keys: list[str]) -> list[KeyUse]:
    if not keys:
        raise ApiError(422, "no_invoice_keys", "没有要检查的发票键。")
    if len(keys) > MAX_KEYS:
        raise ApiError(422, "too_many_invoice_keys",
                       f"一次最多检查 {MAX_KEYS} 个发票键，本次 {len(keys)} 个。请分批检查。")
    normal = [normalise_key(k, i) for i, k in enumerate(keys)]
    rows = session.execute(
        select(InvoiceClaim.invoice_key, Application.id, Application.app_no, Application.status,
               Application.unit_id)
        .join(Application, Application.id == InvoiceClaim.application_id)
        .where(InvoiceClaim.invoice_key.in_(set(normal)))).all()
    found = {r[0]: r for r in rows}
    out = []
    for key in normal:
        row = found.get(key)
        if row is None:
            out.append(KeyUse(key, False))
        elif principal.sees(row[4]):
            out.append(KeyUse(key, True, str(row[1]), row[2], row[3], row[4] == principal.user.unit_id))
        else:
            out.append(KeyUse(key, True))
    return out
