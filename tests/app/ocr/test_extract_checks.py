"""Field extraction and checks on hand-made OCR lines (no engine): a failed check is shown as
failed, the value is never repaired."""
from __future__ import annotations

from datetime import date

from app.ocr.checks import run_checks
from app.ocr.extract import classify, extract_fields
from app.ocr.model import OcrLine
from app.ocr.pipeline import _finish, merge_qr
from fiscal.ids import parse_invoice_qr


def L(text, x, y, w=None, h=34, conf=0.97):
    w = w or 30 * len(text)
    return OcrLine(text, conf, (x, y, x + w, y + h))


VAT_LINES = [
    L("广东增值税普通发票", 750, 50),
    L("发票代码:", 1416, 57), L("044012418404", 1561, 60),
    L("发票号码:", 1416, 103), L("96054246", 1564, 108),
    L("开票日期:", 1416, 150), L("2024年05月05日", 1564, 152),
    L("校验码:", 1395, 193), L("60772 33067 36730 84614", 1523, 196),
    L("名", 143, 265, 30), L("称:", 240, 265, 40), L("韶关市武江区农业农村局", 347, 270),
    L("纳税人识别号:", 146, 314), L("12440402397533824B", 345, 318),
    L("项目名称", 237, 473), L("规格型号", 556, 473),
    L("合", 249, 760, 35), L("计", 301, 758, 44), L("¥70509.36", 1276, 761), L("¥2115.28", 1811, 760),
    L("价税合计(大写)", 76, 825), L("⊗柒万贰仟陆佰贰拾肆元陆角肆分", 382, 826), L("(小写)", 1412, 825),
    L("¥72624.64", 1513, 829),
    L("名称:", 141, 895), L("广东南粤印务有限公司", 347, 899),
    L("纳税人识别号:", 146, 944), L("91440402178793933Q", 344, 948),
]


def test_classify_by_text_and_by_qr():
    assert classify("深圳增值税普通发票") == "vat_normal"
    assert classify("电子发票（增值税专用发票）") == "digital_special"
    assert classify("电子发票(普通发票)") == "digital_normal"
    assert classify("中国工商银行电子回单 交易流水号") == "bank_receipt"
    assert classify("票据代码 非税收入统一票据") == "fiscal_receipt"
    assert classify("随便一张纸") == "unknown"
    assert classify("", qr_kind_code="01") == "vat_special"
    assert classify("", fiscal_qr=True) == "fiscal_receipt"


def test_vat_fields_from_lines():
    f = extract_fields(VAT_LINES, "vat_normal")
    values = {k: v.value for k, v in f.items()}
    assert values == {
        "invoice_code": "044012418404", "invoice_number": "96054246", "issue_date": "2024-05-05",
        "check_code": "60772330673673084614", "buyer_name": "韶关市武江区农业农村局",
        "buyer_tax_id": "12440402397533824B", "seller_name": "广东南粤印务有限公司",
        "seller_tax_id": "91440402178793933Q", "amount_fen": 7050936, "tax_fen": 211528,
        "total_fen": 7262464, "total_daxie": "柒万贰仟陆佰贰拾肆元陆角肆分"}
    assert all(v.source == "ocr" for v in f.values())
    assert all(c.ok for c in run_checks(f, "vat_normal", today=date(2025, 1, 1)))


def test_wrong_daxie_and_bad_uscc_are_marked_not_repaired():
    lines = [ln if "柒万" not in ln.text else L("⊗柒万贰仟陆佰贰拾叁元陆角肆分", 382, 826)
             for ln in VAT_LINES]
    lines = [ln if ln.text != "91440402178793933Q" else L("91440402178793934Q", 344, 948)
             for ln in lines]
    f = extract_fields(lines, "vat_normal")
    checks = {c.name: c for c in run_checks(f, "vat_normal", today=date(2025, 1, 1))}
    assert checks["total_daxie_matches"].ok is False
    assert "不一致" in checks["total_daxie_matches"].message
    assert f["total_daxie"].value == "柒万贰仟陆佰贰拾叁元陆角肆分"  # kept as read
    assert "total_daxie_matches" in f["total_daxie"].failed
    assert checks["seller_tax_id_uscc"].ok is False
    assert f["seller_tax_id"].value == "91440402178793934Q"
    assert checks["amount_plus_tax"].ok is True


def test_amount_plus_tax_and_future_date_fail():
    lines = [ln if ln.text != "¥2115.28" else L("¥2115.29", 1811, 760) for ln in VAT_LINES]
    lines = [ln if "2024年" not in ln.text else L("2099年05月05日", 1564, 152) for ln in lines]
    f = extract_fields(lines, "vat_normal")
    checks = {c.name: c.ok for c in run_checks(f, "vat_normal", today=date(2025, 1, 1))}
    assert checks["amount_plus_tax"] is False
    assert checks["issue_date_valid"] is False


def test_qr_wins_but_disagreement_is_reported():
    f = extract_fields(VAT_LINES, "vat_normal")
    qr = parse_invoice_qr("01,04,044012418404,96054247,70509.36,20240505,60772330673673084614,AB12")
    extra = merge_qr(f, "vat_normal", qr)
    checks, warnings = _finish(f, "vat_normal", inv_qr=qr, extra=extra)
    by = {c.name: c for c in checks}
    assert f["invoice_number"].value == "96054247" and f["invoice_number"].source == "qr"
    assert f["invoice_number"].other == "96054246"
    assert by["qr_invoice_number"].ok is False and "不一致" in by["qr_invoice_number"].message
    assert by["qr_invoice_code"].ok and by["qr_amount_fen"].ok and by["qr_check_code"].ok
    assert not warnings


def test_digital_qr_amount_may_be_net_or_total():
    lines = [L("电子发票（普通发票）", 700, 50), L("合计", 249, 760), L("¥100.00", 1276, 761),
             L("¥13.00", 1811, 760), L("(小写)", 1412, 825), L("¥113.00", 1513, 829)]
    for amount, field in (("113.00", "total_fen"), ("100.00", "amount_fen")):
        f = extract_fields(lines, "digital_normal")
        qr = parse_invoice_qr(f"01,32,,24442000000123456789,{amount},20240514,,1DD6")
        extra = merge_qr(f, "digital_normal", qr)
        assert not extra and f[field].source == "qr"
    f = extract_fields(lines, "digital_normal")
    qr = parse_invoice_qr("01,32,,24442000000123456789,99.00,20240514,,1DD6")
    extra = merge_qr(f, "digital_normal", qr)
    assert extra and extra[0].ok is False
    assert f["total_fen"].value == 11300  # not overwritten by a guess


def test_bank_receipt_blocks_left_and_right():
    lines = [L("中国工商银行电子回单", 700, 40), L("交易日期:", 1300, 150), L("2021年01月26日", 1440, 150),
             L("户名:", 140, 240), L("珠海市香洲区卫生健康局", 240, 240),
             L("户名:", 1080, 240), L("深圳市中科软件技术有限公司", 1180, 240),
             L("账号:", 140, 310), L("5993 7145 8503 3373", 240, 310),
             L("账号:", 1080, 310), L("9891986696428040295", 1180, 310),
             L("金额(大写):", 80, 485), L("人民币肆拾万玖仟柒佰伍拾贰元肆角捌分", 290, 485),
             L("(小写):", 1300, 485), L("¥409,752.48", 1440, 485),
             L("用途:", 80, 555), L("差旅费报销", 190, 555),
             L("交易流水号:", 80, 620), L("21152744296363247795", 260, 620)]
    f = extract_fields(lines, "bank_receipt")
    assert {k: v.value for k, v in f.items()} == {
        "issue_date": "2021-01-26", "payer_name": "珠海市香洲区卫生健康局",
        "payee_name": "深圳市中科软件技术有限公司", "payer_account": "5993714585033373",
        "payee_account": "9891986696428040295", "serial_no": "21152744296363247795",
        "purpose": "差旅费报销", "total_daxie": "肆拾万玖仟柒佰伍拾贰元肆角捌分", "total_fen": 40975248}


def test_amounts_found_when_the_labels_were_misread():
    # what Tesseract made of "合   计" and "(小写)": garbage labels, the amounts themselves fine
    lines = [ln for ln in VAT_LINES if ln.text not in ("合", "计", "(小写)")]
    lines += [L("a", 253, 764, 24), L("it", 314, 764, 24), L("ChS) ¥72624.64", 1419, 829)]
    lines = [ln for ln in lines if ln.text != "¥72624.64"]
    f = extract_fields(lines, "vat_normal")
    assert f["amount_fen"].value == 7050936 and f["tax_fen"].value == 211528
    assert f["total_fen"].value == 7262464


def test_spaced_labels_halves_and_misread_marks_still_read():
    """Cases seen in the benchmark: "名" and "称:" in overlapping boxes or "称:" missed, a blot
    before 称, "(小)" with 写 lost, ¥ read as V, 参 for 叁 — read, and a wrong 大写 still fails."""
    lines = [ln for ln in VAT_LINES if ln.text not in ("称:", "(小写)", "¥72624.64")]
    lines = [ln if "柒万" not in ln.text else L("参万贰仟陆佰贰拾肆元陆角肆分", 382, 826)
             for ln in lines]
    lines += [L("(小) V72624.64", 1412, 825)]
    f = extract_fields(lines, "vat_normal")
    assert f["buyer_name"].value == "韶关市武江区农业农村局"  # lone "名" is the label
    assert f["total_fen"].value == 7262464
    assert f["total_daxie"].value == "叁万贰仟陆佰贰拾肆元陆角肆分"  # 参 read for 叁 ...
    checks = {c.name: c.ok for c in run_checks(f, "vat_normal", today=date(2025, 1, 1))}
    assert checks["total_daxie_matches"] is False  # ... and 叁万 ≠ 柒万 still fails
    overlapping = [ln for ln in VAT_LINES if ln.text != "称:"] + [L("☑称:", 160, 263, 60)]
    assert extract_fields(overlapping, "vat_normal")["buyer_name"].value == "韶关市武江区农业农村局"
