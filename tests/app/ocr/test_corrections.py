"""Corrections: saved with the attachment beside the value first read (who/when), reloaded when
the attachment is reopened, and re-checked honestly (a forged total or a QR override stays red)."""
from __future__ import annotations

import hashlib
from datetime import UTC, datetime

import pytest

from app.ocr.corrections import apply_correction, from_stored, recheck
from app.ocr.model import FieldValue, VoucherResult
from fiscal.money import to_daxie as format_daxie

AT = datetime(2026, 3, 2, 8, 30, tzinfo=UTC)


def invoice(total=11300, daxie=None, qr_number="24442000000123456789") -> VoucherResult:
    fields = {
        "invoice_number": FieldValue(qr_number, 0.99, "qr"),
        "issue_date": FieldValue("2026-03-01", 0.99, "qr"),
        "seller_name": FieldValue("广州华信办公用品有限公司", 0.55, "ocr"),
        "amount_fen": FieldValue(10000, 0.98, "ocr"),
        "tax_fen": FieldValue(1300, 0.98, "ocr"),
        "total_fen": FieldValue(total, 0.98, "ocr"),
        "total_daxie": FieldValue(daxie or format_daxie(11300), 0.97, "ocr"),
    }
    r = VoucherResult("scan.jpg", 1, "digital_normal", fields, [], "rapidocr", 1.0, "0" * 64,
                      qr_payload="01,32,,24442000000123456789,100.00,20260301,,A1B2")
    return recheck(r)


def failed(r: VoucherResult) -> set[str]:
    return {c.name for c in r.checks if not c.ok}


def test_a_correction_keeps_the_value_first_read_and_rechecks():
    r = invoice(total=11800)  # misread total: both the sum and the 大写 disagree
    assert failed(r) == {"amount_plus_tax", "total_daxie_matches"}
    apply_correction(r, "total_fen", 11300, by="kj001", at=AT)
    assert failed(r) == set()
    assert r.fields["total_fen"].source == "user"
    assert r.corrections["total_fen"] == {"value": 11300, "original": 11800, "original_source": "ocr",
                                          "original_confidence": 0.98, "by": "kj001",
                                          "at": "2026-03-02T08:30:00+00:00"}
    apply_correction(r, "total_fen", 11301, by="kj002", at=AT)  # corrected again
    assert r.corrections["total_fen"]["original"] == 11800 and r.corrections["total_fen"]["by"] == "kj002"
    assert "amount_plus_tax" in failed(r)
    apply_correction(r, "total_fen", 11800, by="kj002")  # typed back: no correction any more
    assert "total_fen" not in r.corrections and r.fields["total_fen"].source == "ocr"


def test_a_forged_total_still_fails_after_unrelated_corrections():
    r = invoice(total=21300, daxie=format_daxie(21300))  # face edited: 大写 agrees, the sum does not
    apply_correction(r, "seller_name", "广州华信办公用品有限责任公司", by="kj001")
    assert failed(r) == {"amount_plus_tax"}
    assert "total_fen" in {n for c in r.checks if not c.ok for n in c.fields}


def test_overriding_a_qr_value_is_flagged():
    r = invoice()
    apply_correction(r, "invoice_number", "24442000000123456780", by="kj001")
    check = next(c for c in r.checks if c.name == "qr_invoice_number")
    assert not check.ok and "二维码" in check.message and r.fields["invoice_number"].failed


def test_stored_and_reloaded_through_json():
    r = invoice(total=11800)
    apply_correction(r, "total_fen", 11300, by="kj001", at=AT)
    stored = r.to_json()
    assert stored["fields"]["total_fen"] == {"value": 11300, "confidence": 1.0, "source": "user"}
    assert stored["corrections"]["total_fen"]["original"] == 11800
    back = from_stored(stored)
    assert back.corrections == r.corrections
    assert back.fields["total_fen"].value == 11300 and failed(back) == set()
    # a QR-vs-face disagreement recorded at recognition time survives the round trip
    stored["checks"]["qr_issue_date"] = False
    assert "qr_issue_date" in failed(from_stored(stored))


@pytest.fixture
def db(tmp_path, monkeypatch):
    from app.db import open_database

    monkeypatch.setenv("JINCAI_DATA_DIR", str(tmp_path / "data"))
    database = open_database(tmp_path / "data" / "jincai.sqlite3")
    yield database
    database.close()


def test_saved_with_the_attachment_and_reopened_in_the_review_screen(db, tmp_path, qtbot):
    from app.services import DraftInput, ServiceError, attach_file, save_draft
    from app.services.attachments import get_ocr_result, save_ocr_result
    from app.ui.voucher_review import COL_SOURCE, COL_VALUE, VoucherReviewView

    app_id = save_draft(db=db, draft=DraftInput(fiscal_year=2026)).application.id
    other_app = save_draft(db=db, draft=DraftInput(fiscal_year=2026)).application.id
    src = tmp_path / "发票.jpg"
    src.write_bytes(b"\xff\xd8 scanned invoice")
    r = invoice(total=11800)
    view, _ = attach_file(db=db, application_id=app_id, source=src, role="invoice",
                          ocr_result=r.to_json(), invoice_key="24442000000123456789")

    # the user opens it, corrects the total in the table and saves
    review = VoucherReviewView()
    qtbot.addWidget(review)
    review.set_user("kj001")
    review.load_stored(get_ocr_result(db=db, attachment_id=view.id))
    assert review.field_state("total_fen") == "failed"
    rows = {review.table.item(i, 0).data(0x0100): i for i in range(review.table.rowCount())}
    review.table.item(rows["total_fen"], COL_VALUE).setText("113.00")
    assert review.field_state("total_fen") == "user"
    save_ocr_result(db=db, attachment_id=view.id, ocr_result=review.result.to_json())

    # reopened later: the correction, its original, who and when come back
    again = VoucherReviewView()
    qtbot.addWidget(again)
    again.load_stored(get_ocr_result(db=db, attachment_id=view.id))
    corr = again.result.corrections["total_fen"]
    assert corr["value"] == 11300 and corr["original"] == 11800 and corr["by"] == "kj001"
    assert again.field_state("total_fen") == "user" and not again.result.failed_checks
    assert "原：118.00" in again.table.item(rows["total_fen"], COL_SOURCE).text()
    assert "kj001" in again.table.item(rows["total_fen"], COL_VALUE).toolTip()

    # correcting the invoice number to one already attached elsewhere is refused, nothing changes
    src2 = tmp_path / "另一张.jpg"
    src2.write_bytes(b"\xff\xd8 another invoice")
    attach_file(db=db, application_id=other_app, source=src2, role="invoice",
                invoice_key="24442000000999999999")
    apply_correction(again.result, "invoice_number", "24442000000999999999", by="kj001")
    before = get_ocr_result(db=db, attachment_id=view.id)
    with pytest.raises(ServiceError, match="已附在另一笔支付申请上"):
        save_ocr_result(db=db, attachment_id=view.id, ocr_result=again.result.to_json())
    assert get_ocr_result(db=db, attachment_id=view.id) == before
    assert hashlib.sha256(src.read_bytes()).hexdigest() == view.sha256


def test_a_recorded_qr_amount_mismatch_survives_until_the_amounts_are_corrected():
    r = invoice()
    stored = r.to_json()
    stored["checks"]["qr_amount"] = False  # the QR amount matched neither net nor total
    back = from_stored(stored)
    assert "qr_amount" in failed(back)
    assert "qr_amount" in back.fields["total_fen"].failed
    # the QR (01,32,…,100.00,…) states the net amount 100.00: correcting the total to another
    # value is checked against the QR itself, and the net amount still matches it
    apply_correction(back, "total_fen", 11301, by="kj001")
    assert "qr_amount" not in failed(back) and "amount_plus_tax" in failed(back)
    apply_correction(back, "amount_fen", 10001, by="kj001")  # now neither matches the QR
    assert "qr_amount" in failed(back)
