"""Attachments panel → review screen (issue #7): Enter on a stored attachment opens its stored
recognition result beside the image, failed checks red; a correction saved there is stored with
the attachment and comes back when the attachment is opened again (double-click), while a check
that still fails stays highlighted."""
from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QImage

from app.ocr.corrections import recheck
from app.ocr.model import FieldValue, VoucherResult
from app.services import DraftInput, attach_file, save_draft
from app.services.attachments import get_ocr_result
from app.ui.voucher_review import COL_SOURCE, COL_VALUE, FAILED_BG, USER_BG
from fiscal.money import to_daxie


def _invoice() -> dict:
    fields = {
        "invoice_number": FieldValue("24442000000123456789", 0.99, "qr"),
        "issue_date": FieldValue("2026-03-01", 0.99, "ocr"),
        "seller_name": FieldValue("广州华信办公用品有限公司", 0.95, "ocr"),
        "amount_fen": FieldValue(10000, 0.98, "ocr"),
        "tax_fen": FieldValue(1300, 0.98, "ocr"),
        "total_fen": FieldValue(11800, 0.98, "ocr"),  # misread: the sum and the 大写 disagree
        "total_daxie": FieldValue(to_daxie(11300), 0.97, "ocr"),
    }
    r = recheck(VoucherResult("发票.png", 1, "digital_normal", fields, [], "rapidocr", 1.0,
                              "0" * 64))
    stored = r.to_json()
    stored["checks"]["qr_issue_date"] = False  # recorded at recognition: the QR date differs
    return stored


def _rows(review) -> dict[str, int]:
    return {review.table.item(i, 0).data(Qt.ItemDataRole.UserRole): i
            for i in range(review.table.rowCount())}


def _background(review, name: str) -> QColor:
    return review.table.item(_rows(review)[name], COL_VALUE).background().color()


def test_review_round_trip_from_the_attachments_panel(ctx, qtbot, tmp_path) -> None:
    from app.ui.attachments_panel import AttachmentsPanel

    app_id = save_draft(db=ctx.db, draft=DraftInput(fiscal_year=2026)).application.id
    scan = tmp_path / "发票.png"
    image = QImage(400, 260, QImage.Format.Format_RGB888)
    image.fill(QColor("#fdfdf5"))
    assert image.save(str(scan))
    view, _ = attach_file(db=ctx.db, application_id=app_id, source=scan, role="invoice",
                          ocr_result=_invoice(), invoice_key="24442000000123456789")

    panel = AttachmentsPanel(ctx)
    qtbot.addWidget(panel)
    panel.show()
    panel.set_application(app_id)
    qtbot.waitUntil(lambda: panel.list.count() == 1 and panel.review_button.isEnabled(),
                    timeout=5000)
    panel.list.setFocus()
    qtbot.keyClick(panel.list, Qt.Key.Key_Return)  # Enter opens the review screen
    qtbot.waitUntil(lambda: panel.review_dialog is not None
                    and panel.review_dialog.isVisible(), timeout=5000)
    dlg = panel.review_dialog
    review = dlg.review
    assert review.image_view.has_image()
    assert not review.attach_button.isVisibleTo(dlg)  # it is attached already
    assert review.field_state("total_fen") == "failed"
    assert review.field_state("issue_date") == "failed"
    assert _background(review, "total_fen") == FAILED_BG

    review.table.item(_rows(review)["total_fen"], COL_VALUE).setText("113.00")
    assert review.field_state("total_fen") == "user"
    review.save_button.click()
    qtbot.waitUntil(lambda: "已保存" in dlg.message.text(), timeout=5000)
    stored = get_ocr_result(db=ctx.db, attachment_id=view.id)
    assert stored["fields"]["total_fen"]["value"] == 11300
    assert stored["corrections"]["total_fen"]["original"] == 11800
    assert stored["corrections"]["total_fen"]["by"] == ctx.user.username
    dlg.reject()
    qtbot.waitUntil(lambda: not dlg.isVisible(), timeout=5000)

    # reopened by double-click: the correction is back, the QR date mismatch is still red
    # (closing reloads the list, whose fields line then shows the corrected total)
    qtbot.waitUntil(lambda: "total_fen：11300" in panel.fields.text(), timeout=5000)
    item = panel.list.item(0)
    panel.list.setCurrentItem(item)
    centre = panel.list.visualItemRect(item).center()
    # a real double-click starts with a press (QTest's mouseDClick alone sends none)
    qtbot.mouseClick(panel.list.viewport(), Qt.MouseButton.LeftButton, pos=centre)
    qtbot.mouseDClick(panel.list.viewport(), Qt.MouseButton.LeftButton, pos=centre)
    qtbot.waitUntil(lambda: panel.review_dialog is not None and panel.review_dialog is not dlg
                    and panel.review_dialog.isVisible(), timeout=5000)
    again = panel.review_dialog.review
    assert again.field_state("total_fen") == "user"
    assert _background(again, "total_fen") == USER_BG
    assert "118.00" in again.table.item(_rows(again)["total_fen"], COL_SOURCE).text()
    assert again.field_state("issue_date") == "failed"
    assert _background(again, "issue_date") == FAILED_BG
    assert {c.name for c in again.result.checks if not c.ok} == {"qr_issue_date"}


def test_an_attachment_without_a_result_has_nothing_to_review(ctx, qtbot, tmp_path,
                                                              monkeypatch) -> None:
    from app.ui import attachments_panel as module

    app_id = save_draft(db=ctx.db, draft=DraftInput(fiscal_year=2026)).application.id
    contract = tmp_path / "合同.pdf"
    contract.write_bytes(b"%PDF-1.4\n%%EOF\n")
    attach_file(db=ctx.db, application_id=app_id, source=contract, role="contract")
    opened: list[str] = []
    monkeypatch.setattr(module.QDesktopServices, "openUrl", lambda url: opened.append(url))
    panel = module.AttachmentsPanel(ctx)
    qtbot.addWidget(panel)
    panel.show()
    panel.set_application(app_id)
    qtbot.waitUntil(lambda: panel.list.count() == 1, timeout=5000)
    assert not panel.review_button.isEnabled()
    panel.list.setFocus()
    qtbot.keyClick(panel.list, Qt.Key.Key_Return)  # the system viewer instead
    qtbot.waitUntil(lambda: len(opened) == 1, timeout=5000)
    assert panel.review_dialog is None
