"""Cross-checks on extracted fields. A failed check is reported (and its fields marked as
failed); it never changes a value."""
from __future__ import annotations

import re
from datetime import date, timedelta

from app.ocr.model import Check, FieldValue
from fiscal import ids as fids
from fiscal.money import AmountError, parse_daxie

EARLIEST_DATE = date(2000, 1, 1)


def _v(fields: dict[str, FieldValue], name: str):
    fv = fields.get(name)
    return None if fv is None else fv.value


def run_checks(fields: dict[str, FieldValue], kind: str, *, qr=None, fiscal_qr=None,
               today: date | None = None) -> list[Check]:
    """All applicable checks for ``fields``. ``qr`` is a fiscal.ids.InvoiceQr, ``fiscal_qr`` an
    app.ocr.qr.FiscalBillQr; their comparisons are made by :func:`merge_qr` beforehand and come
    in through ``FieldValue.other``."""
    today = today or date.today()
    out: list[Check] = []

    def add(name: str, ok: bool, names: tuple[str, ...], message: str) -> None:
        out.append(Check(name, bool(ok), names, message))
        if not ok:
            for n in names:
                if n in fields and name not in fields[n].failed:
                    fields[n].failed.append(name)

    # --- identifiers ------------------------------------------------------------------------
    for name, label in (("buyer_tax_id", "购买方纳税人识别号"), ("seller_tax_id", "销售方纳税人识别号")):
        value = _v(fields, name)
        if not value:
            continue
        if kind == "fiscal_receipt" and name == "buyer_tax_id":
            label = "交款人统一社会信用代码"
        value = str(value)
        if len(value) == 18:
            res = fids.check_uscc(value)
            add(f"{name}_uscc", res.ok, (name,),
                f"{label}“{value}”未通过统一社会信用代码校验：{res.message or ''}".rstrip("："))
        else:
            ok = bool(re.fullmatch(r"[0-9A-Z]{15}|[0-9A-Z]{20}", value))
            add(f"{name}_format", ok, (name,), f"{label}“{value}”不是18位统一社会信用代码，"
                                               "也不是15/20位纳税人识别号。")

    code, number = _v(fields, "invoice_code"), _v(fields, "invoice_number")
    if kind == "fiscal_receipt":
        if code or number:
            ok = bool(code and number and fids.is_valid_fiscal_bill(str(code), str(number)))
            add("fiscal_bill_format", ok, ("invoice_code", "invoice_number"),
                f"财政票据代码“{code or ''}”/号码“{number or ''}”格式不对（应为8位代码、10位号码）。")
        check_code = _v(fields, "check_code")
        if check_code:
            add("check_code_format", bool(re.fullmatch(r"[0-9A-Za-z]{6}", str(check_code))),
                ("check_code",), f"校验码“{check_code}”应为6位字母或数字。")
    elif kind in ("vat_normal", "vat_special"):
        if code:
            try:
                info = fids.parse_invoice_code(str(code))
                ok, msg = True, ""
                special = "专用" in (info.kind_name or "")
                if special != (kind == "vat_special"):
                    ok = False
                    msg = f"发票代码“{code}”表示“{info.kind_name}”，与票面种类不符。"
            except fids.IdError as exc:
                ok, msg = False, exc.message
            add("invoice_code_format", ok, ("invoice_code",), msg)
        if number:
            add("invoice_number_format", fids.is_valid_invoice_number(str(number)),
                ("invoice_number",), f"发票号码“{number}”应为8位数字。")
        check_code = _v(fields, "check_code")
        if check_code:
            add("check_code_format", bool(re.fullmatch(r"\d{20}", str(check_code))),
                ("check_code",), f"校验码“{check_code}”应为20位数字。")
    elif kind in ("digital_normal", "digital_special") and number:
        try:
            fids.parse_digital_invoice_number(str(number))
            ok, msg = True, ""
        except fids.IdError as exc:
            ok, msg = False, exc.message
        add("invoice_number_format", ok, ("invoice_number",), msg)

    for name, label in (("payer_account", "付款账号"), ("payee_account", "收款账号")):
        value = _v(fields, name)
        if value:
            add(f"{name}_format", fids.is_valid_bank_account(str(value)), (name,),
                f"{label}“{value}”不是有效的银行账号（应为8–32位数字）。")

    # --- date ----------------------------------------------------------------------------------
    issued = _v(fields, "issue_date")
    if issued:
        try:
            d = date.fromisoformat(str(issued))
            ok = EARLIEST_DATE <= d <= today + timedelta(days=1)
            msg = f"开票日期 {issued} 不在合理范围内（2000-01-01 至今天）。"
        except ValueError:
            ok, msg = False, f"开票日期“{issued}”不是有效日期。"
        add("issue_date_valid", ok, ("issue_date",), msg)

    # --- amounts -------------------------------------------------------------------------------
    total, daxie = _v(fields, "total_fen"), _v(fields, "total_daxie")
    if daxie and total is not None:  # a missing total is reported as missing, not as a mismatch
        try:
            parsed = parse_daxie(str(daxie))
            ok = total is not None and parsed == total
            msg = (f"大写金额“{daxie}”= {parsed / 100:,.2f} 元，与小写合计"
                   f"{'' if total is None else f' {total / 100:,.2f} 元'}不一致。"
                   if total is not None else f"大写金额“{daxie}”无法与小写合计核对（小写未识别）。")
        except AmountError as exc:
            ok, msg = False, f"大写金额“{daxie}”不规范：{exc.message}"
        add("total_daxie_matches", ok, ("total_daxie", "total_fen"), msg)
    amount, tax = _v(fields, "amount_fen"), _v(fields, "tax_fen")
    if all(isinstance(x, int) for x in (amount, tax, total)):
        add("amount_plus_tax", amount + tax == total, ("amount_fen", "tax_fen", "total_fen"),
            f"金额 {amount / 100:,.2f} + 税额 {tax / 100:,.2f} = {(amount + tax) / 100:,.2f} 元，"
            f"与价税合计 {total / 100:,.2f} 元不一致。")

    # --- QR vs printed text -------------------------------------------------------------------
    for name, fv in fields.items():
        if fv.source == "qr" and fv.other is not None:
            label = {"invoice_code": "发票代码", "invoice_number": "发票号码", "issue_date": "开票日期",
                     "check_code": "校验码", "amount_fen": "金额", "total_fen": "合计金额"}.get(name, name)
            ok = fv.other == fv.value
            shown_other = fv.other / 100 if name.endswith("_fen") else fv.other
            shown_value = fv.value / 100 if name.endswith("_fen") else fv.value
            add(f"qr_{name}", ok, (name,),
                f"二维码中的{label}“{shown_value}”与票面识别结果“{shown_other}”不一致，请核对原件。")
    return out
