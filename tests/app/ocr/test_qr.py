from __future__ import annotations

from datetime import date

import cv2

from app.ocr import qr as qrmod


def test_invoice_qr_found_in_a_camera_shot(make):
    s = make("vat_normal", "camera_mild")
    codes = qrmod.find_qr_codes(cv2.imread(str(s.path)))
    code, parsed = qrmod.invoice_qr(codes)
    assert code.text == s.qr_payload
    assert parsed.number == s.truth["invoice_number"]
    assert parsed.amount_fen == s.truth["amount_fen"]  # legacy VAT QR: the net amount


def test_fiscal_bill_qr_is_parsed(make):
    s = make("fiscal_receipt", "clean")
    codes = qrmod.find_qr_codes(cv2.imread(str(s.path)))
    assert qrmod.invoice_qr(codes) is None
    bill = qrmod.parse_fiscal_bill_qr(codes[0].text)
    assert bill.code == s.truth["invoice_code"] and bill.number == s.truth["invoice_number"]
    assert bill.amount_fen == s.truth["total_fen"]
    assert bill.issue_date == date.fromisoformat(s.truth["issue_date"])


def test_unrelated_payloads_are_not_bills():
    assert qrmod.parse_fiscal_bill_qr("https://example.com/?a=1") is None
    assert qrmod.parse_fiscal_bill_qr("hello") is None
    assert qrmod.parse_fiscal_bill_qr("billcode=12&billno=3") is None
    assert qrmod.invoice_qr([qrmod.QrCode("01,99,garbage", 0, [])]) is None
