"""收款人地址簿: the File menu opens it; the selected entry's 身份证号 / 联系电话 / 备注 are shown
and saved; a bad 身份证号 is refused with a Chinese message at the field and nothing changes."""
from __future__ import annotations

from app.models import Payee
from app.services import save_payee


def _book(qtbot, ctx):
    from app.ui.shell import build_main_window

    w = build_main_window(ctx)
    qtbot.addWidget(w)
    file_menu = w.menuBar().actions()[0].menu()
    action = next(a for a in file_menu.actions() if a.text() == "收款人地址簿…")
    action.trigger()
    from app.ui.payee_book import PayeeBookDialog

    dialog = w.findChild(PayeeBookDialog)
    assert dialog is not None and dialog.isVisible()
    return dialog


def _select(qtbot, dialog, name):
    dialog.search.setText(name)
    qtbot.waitUntil(lambda: dialog.model.rowCount() == 1, timeout=5000)
    dialog.table.selectRow(0)
    assert dialog.selected().name == name


def test_details_shown_and_edited(qtbot, ctx, db):
    save_payee(db=db, name="王专家", account_no="6222 0212 0200 9999 001", bank_name="农行金华分行",
               kind="person", id_no="110101199003074514", phone="13800000000", remark="评审专家")
    dialog = _book(qtbot, ctx)
    _select(qtbot, dialog, "王专家")
    assert dialog.id_edit.text() == "110101199003074514"
    assert (dialog.phone_edit.text(), dialog.remark_edit.text()) == ("13800000000", "评审专家")
    row = [dialog.model.index(0, c).data() for c in range(dialog.model.columnCount())]
    assert row[3:] == ["个人", "110101199003074514", "13800000000", "评审专家"]

    # a wrong check digit: refused at the field, nothing stored
    dialog.id_edit.setText("110101199003074515")
    dialog.phone_edit.setText("0579-88888888")
    dialog.save_button.click()
    qtbot.waitUntil(lambda: dialog.error_text() != "", timeout=5000)
    assert "身份证号" in dialog.error_text() and "校验位" in dialog.error_text()
    with db.read() as s:
        p = s.query(Payee).filter_by(name="王专家").one()
        assert (p.id_no, p.phone) == ("110101199003074514", "13800000000")

    dialog.id_edit.setText("")  # a blank clears
    dialog.save_button.click()
    qtbot.waitUntil(lambda: dialog.model.rowCount() == 1
                    and dialog.model.index(0, 5).data() == "0579-88888888", timeout=5000)
    with db.read() as s:
        p = s.query(Payee).filter_by(name="王专家").one()
        assert (p.id_no, p.phone, p.remark) == (None, "0579-88888888", "评审专家")
    assert dialog.error_text() == ""
