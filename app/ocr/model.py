"""Plain data passed between the OCR stages (no Qt, JSON-friendly)."""
from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np

#: Document kinds, named as in issue 7.
KINDS = ("vat_normal", "vat_special", "digital_normal", "digital_special", "fiscal_receipt",
         "bank_receipt", "unknown")

KIND_NAMES = {
    "vat_normal": "增值税普通发票", "vat_special": "增值税专用发票",
    "digital_normal": "电子发票（普通发票）", "digital_special": "电子发票（增值税专用发票）",
    "fiscal_receipt": "财政电子票据", "bank_receipt": "银行回单", "unknown": "未识别的凭证",
}

#: Every field the extractor can produce, in display order.
FIELD_NAMES = ("invoice_code", "invoice_number", "issue_date", "check_code", "buyer_name",
               "buyer_tax_id", "seller_name", "seller_tax_id", "amount_fen", "tax_fen",
               "total_fen", "total_daxie", "payer_name", "payer_account", "payee_name",
               "payee_account", "serial_no", "purpose")

FIELD_LABELS = {
    "invoice_code": "发票代码", "invoice_number": "发票号码", "issue_date": "开票日期",
    "check_code": "校验码", "buyer_name": "购买方名称", "buyer_tax_id": "购买方纳税人识别号",
    "seller_name": "销售方名称", "seller_tax_id": "销售方纳税人识别号", "amount_fen": "金额（不含税）",
    "tax_fen": "税额", "total_fen": "价税合计", "total_daxie": "合计（大写）",
    "payer_name": "付款人", "payer_account": "付款账号", "payee_name": "收款人",
    "payee_account": "收款账号", "serial_no": "流水号", "purpose": "用途",
}

#: Sources of a field value, most trusted first.
SOURCES = ("qr", "xml", "text", "ocr", "user")


@dataclass
class OcrLine:
    """One line of recognised text with its box (x0, y0, x1, y1) in processed-image pixels."""

    text: str
    confidence: float
    box: tuple[int, int, int, int]

    @property
    def cx(self) -> float:
        return (self.box[0] + self.box[2]) / 2

    @property
    def cy(self) -> float:
        return (self.box[1] + self.box[3]) / 2

    @property
    def height(self) -> int:
        return max(1, self.box[3] - self.box[1])


@dataclass
class OcrResult:
    engine: str
    lines: list[OcrLine]
    seconds: float

    @property
    def text(self) -> str:
        return "\n".join(line.text for line in self.lines)


@dataclass
class FieldValue:
    value: Any
    confidence: float
    source: str
    #: failed check names that concern this field (empty when it passed or was not checked)
    failed: list[str] = field(default_factory=list)
    #: what another source read, when it disagrees (e.g. OCR vs QR)
    other: Any = None

    def to_json(self) -> dict[str, Any]:
        return {"value": self.value, "confidence": round(float(self.confidence), 3),
                "source": self.source}


@dataclass
class Check:
    name: str
    ok: bool
    fields: tuple[str, ...]
    message: str  # Chinese, shown to the user when ``ok`` is False


@dataclass
class Processed:
    """The images of one page: the original as captured, the corrected colour image and the
    binarized one, plus what was done."""

    original: np.ndarray
    color: np.ndarray          # flattened colour page (what the reviewer sees)
    binary: np.ndarray         # black on white, red seals removed (Tesseract)
    gray: np.ndarray | None = None  # flattened grey, red seals removed (RapidOCR)
    rotation: int = 0          # clockwise quarter turn applied (0/90/180/270)
    skew: float = 0.0          # degrees corrected
    page_found: bool = False   # perspective-corrected from a detected page outline
    steps: list[str] = field(default_factory=list)


@dataclass
class VoucherResult:
    file: str
    page: int
    kind: str
    fields: dict[str, FieldValue]
    checks: list[Check]
    engine: str | None
    seconds: float
    sha256: str
    qr_payload: str | None = None
    processed: Processed | None = None
    warnings: list[str] = field(default_factory=list)
    duplicate_of: str | None = None
    #: the server-wide duplicate check: "done", "pending" (offline: only this machine was
    #: checked) or None (not an invoice, or not checked yet)
    server_check: str | None = None
    #: seconds: "engine" (wall, inside the engine process), "cpu" (this process + the engine's)
    timings: dict[str, float] = field(default_factory=dict)
    #: the user's corrections, field -> {value, original, original_source, original_confidence,
    #: by, at}: the value read first is kept beside the correction (app.ocr.corrections)
    corrections: dict[str, dict[str, Any]] = field(default_factory=dict)

    @property
    def kind_name(self) -> str:
        return KIND_NAMES.get(self.kind, self.kind)

    @property
    def failed_checks(self) -> list[Check]:
        return [c for c in self.checks if not c.ok]

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "file": self.file,
            "kind": self.kind,
            "fields": {k: v.to_json() for k, v in self.fields.items()},
            "checks": {c.name: c.ok for c in self.checks},
            "engine": self.engine,
            "seconds": round(self.seconds, 3),
            "page": self.page,
            "sha256": self.sha256,
        }
        problems = [c.message for c in self.checks if not c.ok] + list(self.warnings)
        if problems:
            out["problems"] = problems
        if self.duplicate_of:
            out["duplicate_of"] = self.duplicate_of
        if self.server_check:
            out["server_check"] = self.server_check
        if self.corrections:
            out["corrections"] = {k: dict(v) for k, v in self.corrections.items()}
        if self.qr_payload:
            out["qr_payload"] = self.qr_payload
        return out

    @classmethod
    def from_json(cls, obj: dict[str, Any]) -> VoucherResult:
        """A result as stored with an attachment (:meth:`to_json`), without its images.
        Failed-check marks are restored from the stored checks; the messages are not stored,
        so callers re-run the checks (app.ocr.corrections.recheck) to show them."""
        fields = {}
        for name, f in (obj.get("fields") or {}).items():
            if isinstance(f, dict) and "value" in f:
                fields[name] = FieldValue(f["value"], float(f.get("confidence") or 0.0),
                                          str(f.get("source") or "ocr"))
        result = cls(str(obj.get("file") or ""), int(obj.get("page") or 1),
                     str(obj.get("kind") or "unknown"), fields, [], obj.get("engine"),
                     float(obj.get("seconds") or 0.0), str(obj.get("sha256") or ""),
                     qr_payload=obj.get("qr_payload"), duplicate_of=obj.get("duplicate_of"),
                     server_check=obj.get("server_check"),
                     corrections={k: dict(v) for k, v in (obj.get("corrections") or {}).items()
                                  if isinstance(v, dict)})
        return result


def as_dict(obj) -> dict[str, Any]:  # pragma: no cover - debugging helper
    return asdict(obj)
