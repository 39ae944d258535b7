"""QR first: the invoice QR is the most reliable source of code, number, date, amount, check code.

Decoding uses zxing-cpp on the image as captured, then on an enhanced copy; the payload is parsed
with :func:`fiscal.ids.parse_invoice_qr` (VAT and 数电 invoices). 财政电子票据 carry a URL whose
query names the bill; :func:`parse_fiscal_bill_qr` reads that shape.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date
from urllib.parse import parse_qsl, urlsplit

import cv2
import numpy as np

from fiscal import ids as fids
from fiscal.money import AmountError, parse_amount

try:  # zxing-cpp is a hard dependency, but keep the module importable for error reporting
    import zxingcpp
except ImportError:  # pragma: no cover
    zxingcpp = None


@dataclass
class QrCode:
    text: str
    #: clockwise quarter turns that make the QR (and so the document) upright
    quarters: int
    #: corner points in the image it was found in
    points: list[tuple[int, int]]


@dataclass
class FiscalBillQr:
    code: str | None
    number: str | None
    check_code: str | None
    amount_fen: int | None
    issue_date: date | None


def _decode(img: np.ndarray) -> list[QrCode]:
    if zxingcpp is None:  # pragma: no cover
        return []
    try:
        results = zxingcpp.read_barcodes(img, formats=zxingcpp.BarcodeFormat.QRCode,
                                         try_rotate=True, try_downscale=True)
    except Exception:  # noqa: BLE001 - a decoder failure is "no QR"
        return []
    out = []
    for r in results:
        if not r.valid or not r.text:
            continue
        p = r.position
        pts = [(p.top_left.x, p.top_left.y), (p.top_right.x, p.top_right.y),
               (p.bottom_right.x, p.bottom_right.y), (p.bottom_left.x, p.bottom_left.y)]
        # zxing reports the symbol's rotation in degrees (counter-clockwise negative);
        # the image must be turned back by the same amount
        quarters = (-round(r.orientation / 90.0)) % 4
        out.append(QrCode(r.text, quarters, pts))
    return out


def find_qr_codes(img: np.ndarray) -> list[QrCode]:
    """All QR codes in ``img`` (BGR or grey), trying harder on blurred or dim photos."""
    gray = img if img.ndim == 2 else cv2.cvtColor(img, cv2.COLOR_BGR2GRAY)
    found = _decode(gray)
    if found:
        return found
    h, w = gray.shape
    # large photos: a smaller copy decodes better (and faster); small scans: a larger one
    for f in (0.5, 0.35) if max(h, w) > 2500 else (2.0,) if max(h, w) < 1200 else (0.6,):
        scaled = cv2.resize(gray, None, fx=f, fy=f,
                            interpolation=cv2.INTER_AREA if f < 1 else cv2.INTER_CUBIC)
        found = _decode(scaled)
        if found:
            return [QrCode(q.text, q.quarters, [(int(x / f), int(y / f)) for x, y in q.points])
                    for q in found]
    eq = cv2.createCLAHE(clipLimit=3.0, tileGridSize=(8, 8)).apply(gray)
    sharp = cv2.addWeighted(eq, 1.8, cv2.GaussianBlur(eq, (0, 0), 2), -0.8, 0)
    return _decode(sharp)


def invoice_qr(codes: list[QrCode]) -> tuple[QrCode, fids.InvoiceQr] | None:
    for code in codes:
        try:
            return code, fids.parse_invoice_qr(code.text)
        except fids.IdError:
            continue
    return None


_DATE_RE = re.compile(r"^(\d{4})-?(\d{2})-?(\d{2})$")


def parse_fiscal_bill_qr(payload: str) -> FiscalBillQr | None:
    """Read a 财政电子票据 QR: a URL (or ``key=value&…`` text) naming the bill.

    Recognised keys (case-insensitive): billcode/pjdm/code, billno/pjhm/number,
    random/checkcode/jym, total/amount/je, date/kprq. Returns None when the payload names no bill.
    """
    text = unicodedata.normalize("NFKC", payload or "").strip()
    query = urlsplit(text).query if "://" in text else text
    pairs = {k.lower(): v.strip() for k, v in parse_qsl(query, keep_blank_values=False)}
    if not pairs:
        return None

    def get(*names: str) -> str | None:
        for n in names:
            if pairs.get(n):
                return pairs[n]
        return None

    code = get("billcode", "pjdm", "code", "einvoicecode")
    number = get("billno", "pjhm", "number", "einvoicenumber")
    if not code or not number or not fids.is_valid_fiscal_bill(code, number):
        return None
    amount = None
    amount_text = get("total", "amount", "je", "totalamount")
    if amount_text:
        try:
            amount = parse_amount(amount_text)
        except AmountError:
            amount = None
    issued = None
    date_text = get("date", "kprq", "issuedate")
    if date_text and (m := _DATE_RE.match(date_text)):
        try:
            issued = date(int(m[1]), int(m[2]), int(m[3]))
        except ValueError:
            issued = None
    return FiscalBillQr(code, number, get("random", "checkcode", "jym"), amount, issued)
