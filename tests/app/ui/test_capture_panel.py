"""Capture panel and voucher review (pytest-qt, offscreen; real pipeline, no camera here)."""
from __future__ import annotations

import pytest
from PySide6.QtCore import QMimeData, QPointF, Qt, QUrl
from PySide6.QtGui import QDropEvent

from app.ocr.model import Check, FieldValue, VoucherResult
from app.ui.capture_panel import CapturePanel
from app.ui.voucher_review import COL_VALUE, VoucherReviewView, payment_prefill
from tests.app.ocr.generator import make_sample, write_invoice_xml


@pytest.fixture(autouse=True)
def _patient_ocr(monkeypatch):
    # the product gives up after 30 s per page; a test box shared with other suites may be slower
    monkeypatch.setenv("JINCAI_OCR_TIMEOUT", "240")
    monkeypatch.setenv("OMP_THREAD_LIMIT", "1")


@pytest.fixture
def panel(qtbot):
    p = CapturePanel()
    qtbot.addWidget(p)
    p.resize(1400, 900)
    yield p
    p.shutdown()


def _rows(panel):
    return [panel.batch_list.item(i) for i in range(panel.batch_list.count())]


def test_without_a_camera_the_panel_still_works(panel):
    assert not panel.preview_button.isEnabled() and not panel.capture_button.isEnabled()
    assert "没有检测到" in panel.camera_combo.currentText()
    assert "打开文件" in panel.preview.text()
    assert panel.engine == "rapidocr"
    assert panel.set_engine("tesseract") and panel.engine == "tesseract"
    assert not panel.set_engine("cloud") and panel.engine == "tesseract"


def test_files_dropped_are_recognised_and_listed(panel, qtbot, tmp_path):
    good = tmp_path / "invoice.xml"
    write_invoice_xml("digital_special", 21, good)
    bad = tmp_path / "broken.png"
    bad.write_text("x")
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(good)), QUrl.fromLocalFile(str(bad)),
                  QUrl.fromLocalFile(str(tmp_path / "notes.txt"))])
    event = QDropEvent(QPointF(10, 10), Qt.DropAction.CopyAction, mime,
                       Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier)
    panel.dropEvent(event)
    qtbot.waitUntil(lambda: len(panel.results()) == 1 and "✗" in _rows(panel)[1].text(), timeout=30000)
    assert "校验通过" in _rows(panel)[0].text()
    assert "不是可识别的图片" in _rows(panel)[1].text()
    assert panel.review.result.kind == "digital_special"


def test_duplicates_are_flagged_through_the_store_callback(panel, qtbot, tmp_path):
    xml = tmp_path / "a.xml"
    v = write_invoice_xml("digital_normal", 22, xml)
    panel.set_duplicate_lookup(
        lambda kind, key: "支付申请 ZF-9 的附件" if key == v.truth["invoice_number"] else None)
    panel.add_files([xml])
    qtbot.waitUntil(lambda: len(panel.results()) == 1, timeout=30000)
    assert "疑似重复" in _rows(panel)[0].text()
    assert panel.review.banner.isVisibleTo(panel.review)
    assert "ZF-9" in panel.review.banner.text()


def test_watched_folder_picks_up_new_scans(panel, qtbot, tmp_path):
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    panel.watch_folder(inbox)
    write_invoice_xml("digital_normal", 23, inbox / "scan.xml")
    qtbot.waitUntil(lambda: len(panel.results()) == 1, timeout=30000)
    assert "scan.xml" in _rows(panel)[0].text()
    panel.watch_folder(None)


def test_camera_still_goes_through_the_batch(panel, qtbot, tmp_path):
    import cv2

    s = make_sample("fiscal_receipt", "camera_mild", 5, tmp_path)
    panel._on_camera_still(cv2.imread(str(s.path)))
    qtbot.waitUntil(lambda: len(panel.results()) == 1, timeout=180000)
    r = panel.results()[0]
    assert r.kind == "fiscal_receipt"
    assert r.fields["invoice_number"].value == s.truth["invoice_number"]
    assert panel.review.image_view.has_image()
    panel.grab().save(str(tmp_path / "capture_panel.png"))
    assert (tmp_path / "capture_panel.png").stat().st_size > 10_000


def _result_with_problems() -> VoucherResult:
    fields = {
        "invoice_number": FieldValue("24442000000123456789", 0.99, "qr"),
        "issue_date": FieldValue("2024-05-14", 0.99, "qr"),
        "seller_name": FieldValue("广州华信办公用品有限公司", 0.55, "ocr"),
        "amount_fen": FieldValue(10000, 0.98, "ocr"),
        "tax_fen": FieldValue(1300, 0.98, "ocr"),
        "total_fen": FieldValue(11300, 0.98, "ocr"),
        "total_daxie": FieldValue("壹佰壹拾贰元整", 0.97, "ocr", failed=["total_daxie_matches"]),
    }
    checks = [Check("total_daxie_matches", False, ("total_daxie", "total_fen"), "大写金额不一致"),
              Check("amount_plus_tax", True, ("amount_fen", "tax_fen", "total_fen"), "")]
    fields["total_fen"].failed.append("total_daxie_matches")
    return VoucherResult("x.pdf", 1, "digital_normal", fields, checks, "rapidocr", 1.0, "0" * 64)


def test_review_highlights_and_corrections_rerun_checks(qtbot):
    view = VoucherReviewView()
    qtbot.addWidget(view)
    view.set_result(_result_with_problems())
    assert view.field_state("total_daxie") == "failed"
    assert view.field_state("seller_name") == "low"
    assert view.field_state("buyer_name") == "missing"
    assert view.banner.text() and "1 项校验未通过" in view.banner.text()
    row = next(r for r in range(view.table.rowCount())
               if view.table.item(r, 0).data(Qt.ItemDataRole.UserRole) == "total_daxie")
    assert view.table.item(row, COL_VALUE).background().color().name() == "#f8d0d0"
    # the user corrects the 大写 in the table: checks run again and the field turns green
    view.table.item(row, COL_VALUE).setText("壹佰壹拾叁元整")
    assert view.field_state("total_daxie") == "user"
    assert view.field_state("total_fen") == "ok"
    assert all(c.ok for c in view.result.checks)
    assert view.corrections() == {"total_daxie": "壹佰壹拾叁元整"}
    with qtbot.waitSignal(view.sig_saved) as saved:
        view.save_button.click()
    assert saved.args[0].fields["total_daxie"].source == "user"
    with qtbot.waitSignal(view.sig_attach) as attach:
        view.attach_button.click()
    assert attach.args[1] == {"amount_fen": 11300, "payee_name": "广州华信办公用品有限公司",
                              "voucher_no": "24442000000123456789"}


def test_bad_amount_typed_is_refused_with_a_message(qtbot):
    view = VoucherReviewView()
    qtbot.addWidget(view)
    view.set_result(_result_with_problems())
    row = next(r for r in range(view.table.rowCount())
               if view.table.item(r, 0).data(Qt.ItemDataRole.UserRole) == "tax_fen")
    view.table.item(row, COL_VALUE).setText("13.005")
    assert view.result.fields["tax_fen"].value == 1300  # unchanged
    assert view.table.item(row, COL_VALUE).toolTip()


def test_payment_prefill_for_a_bank_receipt():
    r = VoucherResult("r.jpg", 1, "bank_receipt", {
        "total_fen": FieldValue(40975248, 0.99, "ocr"),
        "payee_name": FieldValue("深圳市中科软件技术有限公司", 0.99, "ocr"),
        "payee_account": FieldValue("9891986696428040295", 0.99, "ocr")}, [], "rapidocr", 1, "")
    assert payment_prefill(r) == {"amount_fen": 40975248, "payee_name": "深圳市中科软件技术有限公司",
                                  "payee_account": "9891986696428040295"}



def test_server_duplicate_check_and_offline_pending(panel, qtbot, tmp_path):
    first, second = tmp_path / "a.xml", tmp_path / "b.xml"
    write_invoice_xml("digital_normal", 24, first)
    v2 = write_invoice_xml("digital_normal", 25, second)
    # no signed-in user: offline — the local check ran, the server check is pending
    panel.add_files([first])
    qtbot.waitUntil(lambda: len(panel.results()) == 1, timeout=30000)
    assert "服务器查重待联网" in _rows(panel)[0].text() and "校验通过" in _rows(panel)[0].text()
    assert panel.results()[0].server_check == "pending"
    # online: the server says the second invoice is used by another unit
    asked = []

    def server(keys):
        asked.append(keys)
        return [{"key": k, "used": k == v2.truth["invoice_number"]} for k in keys]

    panel.set_server_check(server)
    panel.add_files([second])
    qtbot.waitUntil(lambda: len(panel.results()) == 2, timeout=30000)
    assert asked == [[v2.truth["invoice_number"]]]
    assert "疑似重复" in _rows(panel)[1].text()
    assert "服务器上另一单位的支付申请" in panel.results()[1].duplicate_of
