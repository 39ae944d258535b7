"""Batch capture and duplicate flagging (real OCR on small inputs)."""
from __future__ import annotations

import threading

import pytest

from app.capture.batch import BatchProcessor, CaptureItem
from app.capture.duplicates import DuplicateChecker, voucher_keys
from app.ocr.model import FieldValue, VoucherResult
from app.ocr.pipeline import OcrOptions
from tests.app.ocr.generator import write_invoice_xml


def _result(kind="vat_normal", code="044012418404", number="96054246", sha="ab" * 32, page=1):
    fields = {"invoice_number": FieldValue(number, 0.99, "qr")}
    if code:
        fields["invoice_code"] = FieldValue(code, 0.99, "qr")
    return VoucherResult("x.jpg", page, kind, fields, [], "rapidocr", 1.0, sha)


def test_keys_use_fiscal_invoice_key():
    assert ("invoice", "044012418404:96054246") in voucher_keys(_result())
    digital = _result("digital_normal", None, "24442000000123456789")
    assert voucher_keys(digital)[0] == ("invoice", "24442000000123456789")


def test_duplicate_against_the_store_callback_and_within_a_batch():
    asked = []

    def lookup(kind, key):
        asked.append((kind, key))
        return "支付申请 ZF2024-0007 的附件" if key == "044012418404:96054246" else None

    checker = DuplicateChecker(lookup)
    r = _result()
    assert checker.flag(r) == "支付申请 ZF2024-0007 的附件"
    assert "疑似重复报销" in r.warnings[0]
    assert asked[0] == ("invoice", "044012418404:96054246")
    other = _result(number="11111111", sha="cd" * 32)
    assert checker.flag(other) is None
    again = _result(number="11111111", sha="ef" * 32)
    assert "本批次" in checker.flag(again)
    # the pages of one PDF share a SHA-256 but are not duplicates of each other
    p1 = _result(number="22222222", sha="99" * 32, page=1)
    p2 = _result(number="33333333", sha="99" * 32, page=2)
    assert checker.flag(p1) is None and checker.flag(p2) is None


def test_a_failing_store_does_not_block_capture():
    def broken(kind, key):
        raise ConnectionError("offline")

    assert DuplicateChecker(broken).flag(_result()) is None


def test_batch_runs_in_order_reports_errors_and_flags_duplicates(tmp_path):
    xml = tmp_path / "a.xml"
    write_invoice_xml("digital_normal", 3, xml)
    copy = tmp_path / "copy.xml"
    copy.write_bytes(xml.read_bytes())
    bad = tmp_path / "bad.png"
    bad.write_text("not an image")
    done, errors = [], []
    idle = threading.Event()
    proc = BatchProcessor(OcrOptions(), on_result=lambda item, rs: done.append((item, rs)),
                          on_error=lambda item, msg: errors.append((item, msg)),
                          on_idle=idle.set)
    proc.add_files([xml, bad, copy])
    assert proc.wait_idle(60)
    proc.close()
    assert [item.path.name for item, _ in done] == ["a.xml", "copy.xml"]
    assert done[0][1][0].duplicate_of is None
    assert "本批次" in done[1][1][0].duplicate_of
    assert errors[0][0].path.name == "bad.png" and "不是可识别的图片" in errors[0][1]


def test_camera_still_in_a_batch_keeps_its_jpeg_hash(make_image):
    import hashlib

    got = []
    proc = BatchProcessor(OcrOptions(engine="rapidocr"), on_result=lambda i, rs: got.append((i, rs)),
                          on_error=lambda i, m: pytest.fail(m))
    item = CaptureItem("camera", image=make_image)
    proc.add(item)
    assert proc.wait_idle(180)
    proc.close()
    (it, (r,)) = got[0]
    assert r.sha256 == hashlib.sha256(it.encoded).hexdigest()
    assert r.kind == "vat_special"


@pytest.fixture
def make_image():
    import cv2

    from tests.app.ocr.generator import render

    v = render("vat_special", 9)
    small = cv2.resize(v.image, None, fx=0.6, fy=0.6, interpolation=cv2.INTER_AREA)
    return cv2.cvtColor(small, cv2.COLOR_RGB2BGR)
