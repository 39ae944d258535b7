"""The user's corrections to recognised fields: kept beside the value first read, re-checked.

A correction replaces the field's value (source ``user``) and records, in
``VoucherResult.corrections``, the value the machine read first, its source and confidence, who
corrected it and when. Correcting twice keeps the *first* original; typing the original back
removes the correction. After every change the cross-checks run again on the corrected values,
and they stay honest: a value from the invoice's QR code that the user overrides with something
else fails ``qr_<field>`` (the QR is machine-written; a typo or a forged face must stand out),
and a QR-vs-face disagreement recorded at recognition time is kept for fields nobody corrected.

The whole result, corrections included, is what :meth:`VoucherResult.to_json` stores with the
attachment; :meth:`VoucherResult.from_json` + :func:`recheck` bring it back.
"""
from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from app.ocr.checks import run_checks
from app.ocr.model import FIELD_LABELS, Check, FieldValue, VoucherResult


def apply_correction(result: VoucherResult, name: str, value: Any, *, by: str = "",
                     at: datetime | None = None) -> VoucherResult:
    """Set ``name`` to ``value`` (None clears it) as the user's correction and re-run the
    checks. Changes ``result`` in place and returns it."""
    current = result.fields.get(name)
    previous = result.corrections.get(name)
    if previous is not None:
        original = previous.get("original")
        original_source = previous.get("original_source")
        original_conf = previous.get("original_confidence")
    else:
        original = None if current is None else current.value
        original_source = None if current is None else current.source
        original_conf = None if current is None else current.confidence
    if value == original and original is not None:
        # the user typed back what was read: no correction any more
        result.fields[name] = FieldValue(original, float(original_conf or 0.0),
                                         original_source or "ocr")
        result.corrections.pop(name, None)
    else:
        if value is None:
            result.fields.pop(name, None)
        else:
            result.fields[name] = FieldValue(value, 1.0, "user")
        result.corrections[name] = {
            "value": value, "original": original, "original_source": original_source,
            "original_confidence": original_conf, "by": by,
            "at": (at or datetime.now(UTC)).isoformat(timespec="seconds"),
        }
    return recheck(result)


def recheck(result: VoucherResult, *, recorded: dict[str, bool] | None = None) -> VoucherResult:
    """Run every check again on the current values. ``recorded`` are the check outcomes stored
    at recognition time (``to_json()["checks"]``): QR-vs-face disagreements cannot be recomputed
    without the images, so a recorded failure stays for a field nobody corrected."""
    previous = {c.name: c for c in result.checks}
    for fv in result.fields.values():
        fv.failed = []
    checks = run_checks(result.fields, result.kind)

    def fail(check: Check) -> None:
        checks.append(check)
        for n in check.fields:
            if n in result.fields and check.name not in result.fields[n].failed:
                result.fields[n].failed.append(check.name)

    qr = _qr_values(result.qr_payload)
    for name, corr in result.corrections.items():
        if name in qr and name != "_digital_amount":
            expected = qr[name]
        elif corr.get("original_source") == "qr":
            expected = corr.get("original")
        else:
            continue
        if corr.get("value") != expected:
            label = FIELD_LABELS.get(name, name)
            fail(Check(f"qr_{name}", False, (name,),
                       f"更正后的{label}“{_shown(name, corr.get('value'))}”与二维码中的"
                       f"“{_shown(name, expected)}”不一致，请核对原件。"))
    digital_amount = qr.get("_digital_amount")
    if digital_amount is not None and {"amount_fen", "total_fen"} & set(result.corrections):
        # a 数电 QR carries the net amount or the total, depending on the issuer
        shown = {n: result.fields[n].value for n in ("amount_fen", "total_fen")
                 if n in result.fields}
        if shown and digital_amount not in shown.values():
            fail(Check("qr_amount", False, tuple(shown),
                       f"二维码中的金额 {digital_amount / 100:,.2f} 元与更正后的票面金额都不一致，"
                       "请核对原件。"))
    failed_qr = {n for n, ok in (recorded or {}).items() if n.startswith("qr_") and not ok}
    failed_qr |= {c.name for c in previous.values() if c.name.startswith("qr_") and not c.ok}
    failed_qr -= {c.name for c in checks}  # decided again above from the QR itself
    for check_name in sorted(failed_qr):
        old = previous.get(check_name)
        # qr_<field>, or qr_amount (a 数电 QR amount that matched neither net nor total)
        names = old.fields if old else ((check_name[3:],) if check_name[3:] in FIELD_LABELS
                                        else ("amount_fen", "total_fen"))
        names = tuple(n for n in names if n in result.fields)
        if not names or any(n in result.corrections for n in names):
            continue  # corrected since: the new value was checked above
        label = "、".join(FIELD_LABELS.get(n, n) for n in names)
        fail(Check(check_name, False, names, old.message if old else
                   f"识别时二维码中的{label}与票面不一致，请核对原件。"))
    result.checks = checks
    return result


def from_stored(obj: dict[str, Any]) -> VoucherResult:
    """A stored result (attachment ``ocr_result``) with its checks re-run."""
    result = VoucherResult.from_json(obj)
    recorded = obj.get("checks") if isinstance(obj.get("checks"), dict) else None
    return recheck(result, recorded=recorded)


def _qr_values(payload: str | None) -> dict[str, Any]:
    """Field values the invoice QR states (empty when there is no readable invoice QR)."""
    if not payload:
        return {}
    from fiscal.ids import IdError, parse_invoice_qr

    try:
        inv = parse_invoice_qr(payload)
    except (IdError, ValueError):
        return {}
    out: dict[str, Any] = {"invoice_number": inv.number, "issue_date": inv.issue_date.isoformat()}
    if inv.code:
        out["invoice_code"] = inv.code
    if inv.check_code:
        out["check_code"] = inv.check_code
    if inv.is_digital:
        out["_digital_amount"] = inv.amount_fen
    else:
        out["amount_fen"] = inv.amount_fen
    return out


def _shown(name: str, value: Any) -> str:
    if value is None:
        return "（空）"
    if name.endswith("_fen") and isinstance(value, int):
        return f"{value / 100:,.2f}"
    return str(value)
