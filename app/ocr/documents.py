"""Documents that need no OCR: 数电票 XML (fields read from the XML itself).

PDF e-invoices with a text layer are read in :mod:`app.ocr.loader` (pypdfium2 text rectangles,
which then go through the same layout extractor as OCR lines, with source ``text``).
OFD e-invoices are read from their XML text layer in :mod:`app.ocr.ofd`.
"""
from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from pathlib import Path

from app.ocr.errors import OcrError

# local tag name -> our field; several issuers use slightly different names
_XML_TAGS = {
    "invoice_number": ("EIid", "InvoiceNumber", "InvoiceNo", "Fphm", "FPHM"),
    "invoice_code": ("InvoiceCode", "Fpdm", "FPDM"),
    "issue_date": ("IssueTime", "RequestTime", "IssueDate", "Kprq", "KPRQ"),
    "buyer_name": ("BuyerName", "GMFMC"),
    "buyer_tax_id": ("BuyerIdNum", "BuyerTaxID", "GMFNSRSBH"),
    "seller_name": ("SellerName", "XSFMC"),
    "seller_tax_id": ("SellerIdNum", "SellerTaxID", "XSFNSRSBH"),
    "amount_fen": ("TotalAmWithoutTax", "TotalAmount", "HJJE"),
    "tax_fen": ("TotalTaxAm", "TotalTax", "HJSE"),
    "total_fen": ("TotalTax-includedAmount", "TotalTaxIncludedAmount", "JSHJ"),
    "total_daxie": ("TotalTax-includedAmountInChinese", "TotalTaxIncludedAmountInChinese",
                    "JSHJDX"),
}
_SPECIAL_HINTS = ("专用发票", "增值税专用")


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def parse_invoice_xml(data: bytes, path: Path) -> dict[str, str]:
    """Raw field texts (not yet validated) plus ``_kind_hint``. Raises OcrError."""
    head = data[:4096].upper()
    if b"<!DOCTYPE" in head or b"<!ENTITY" in data.upper():
        raise OcrError("xml_unsafe", f"XML“{path.name}”含有 DOCTYPE/实体声明，出于安全原因不予解析。",
                       file=str(path))
    try:
        root = ET.fromstring(data)
    except ET.ParseError as exc:
        raise OcrError("corrupt", f"XML“{path.name}”格式错误，无法解析（{exc}）。",
                       file=str(path)) from None
    values: dict[str, str] = {}
    alltext = []
    for el in root.iter():
        name = _local(el.tag)
        text = (el.text or "").strip()
        if text:
            alltext.append(text)
        for field, tags in _XML_TAGS.items():
            if name in tags and text and field not in values:
                values[field] = text
    if "invoice_number" not in values:
        raise OcrError("not_invoice_xml", f"XML“{path.name}”不是可识别的电子发票（找不到发票号码）。",
                       file=str(path))
    joined = " ".join(alltext)
    if "invoice_code" not in values and re.fullmatch(r"\d{20}", values["invoice_number"]):
        values["_kind_hint"] = ("digital_special" if any(h in joined for h in _SPECIAL_HINTS)
                                else "digital_normal")
    else:
        values["_kind_hint"] = ("vat_special" if any(h in joined for h in _SPECIAL_HINTS)
                                else "vat_normal")
    return values
