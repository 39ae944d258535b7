"""Payment form: fill and queue an application offline, live 大写, budget refusal with figures."""
from __future__ import annotations

import pytest
from PySide6.QtCore import Qt

from app.services.applications import list_applications
from app.services.ui_queries import get_indicator_rows, search_indicator_ids, sync_status
from app.ui.payment_form import PaymentFormView
from fiscal.ids import uscc_check_char
from fiscal.money import format_amount


def _usable_indicator(db):
    ids = search_indicator_ids(db=db, executable_only=True)
    rows = get_indicator_rows(db=db, ids=ids[:200])
    for rid in ids[:200]:
        r = rows[rid]
        if (not r.is_gov_procurement and r.dep_eco_code and r.available_after_pending > 100_000
                and not r.dep_eco_code.startswith("302")):
            return r
    pytest.skip("no suitable demo indicator")


@pytest.fixture()
def form(qtbot, ctx):
    f = PaymentFormView(ctx)
    qtbot.addWidget(f)
    f.resize(1200, 800)
    f.show()
    return f


def _load_indicator(qtbot, form, row):
    form.set_indicator_id(row.id)
    qtbot.waitUntil(lambda: form.indicator() is not None, timeout=5000)


def test_live_daxie_and_amount_errors_beside_the_field(qtbot, form):
    qtbot.keyClicks(form.amount_edit, "12,345.67")
    assert form.daxie_text() == "大写：人民币壹万贰仟叁佰肆拾伍元陆角柒分"
    assert form.error_text("amount") == ""
    form.amount_edit.clear()
    qtbot.keyClicks(form.amount_edit, "10.005")
    assert form.daxie_text() == ""
    assert form.error_text("amount")  # the fiscal.money message, in Chinese
    assert any("\u4e00" <= ch <= "\u9fff" for ch in form.error_text("amount"))
    form.amount_edit.setText("￥1000")
    assert form.daxie_text() == "大写：人民币壹仟元整"


def test_uscc_is_checked_as_typed(qtbot, form):
    first17 = "91110108MA01A2B3C"
    good = first17 + uscc_check_char(first17)
    bad = first17 + ("0" if good[-1] != "0" else "1")
    qtbot.keyClicks(form.payee_uscc, good[:10])
    assert "还差 8 位" in form.error_text("payee_uscc")
    form.payee_uscc.setText(bad)
    assert form.error_text("payee_uscc") and "✔" not in form.error_text("payee_uscc")
    form.payee_uscc.setText(good)
    assert form.error_text("payee_uscc").startswith("✔")


def test_economic_codes_are_limited_to_the_indicator_scope(qtbot, form, db):
    row = _usable_indicator(db)
    _load_indicator(qtbot, form, row)
    codes = [form.eco_combo.itemData(i) for i in range(1, form.eco_combo.count())]
    assert codes and all(c.startswith(row.dep_eco_code) for c in codes)
    assert form.eco_combo.currentData() == row.dep_eco_code


def test_fill_refuse_then_queue_offline(qtbot, form, ctx, db):
    row = _usable_indicator(db)
    _load_indicator(qtbot, form, row)
    before = sync_status(db=db).pending_outbox

    # payee from the address book with completion
    qtbot.keyClicks(form.payee_name, "110108")  # account prefix (QTest types ASCII only)
    qtbot.waitUntil(lambda: "北京华文图书有限公司" in form._payees, timeout=5000)
    assert form.apply_payee("北京华文图书有限公司")
    assert form.payee_account.text() == "110108000000000011"
    assert form.payee_bank.text()
    form.use_des.setText("购买图书")

    # one fen more than what is left: refused offline, naming the rule and the figures
    too_much = row.available_after_pending + 1
    form.amount_edit.setText(format_amount(too_much))
    qtbot.waitUntil(lambda: form.budget_panel.value_text("remaining") == "-0.01", timeout=5000)
    rules = form.budget_panel.rules_text()
    assert "超出指标可用余额" in rules and format_amount(row.amount) in rules
    with qtbot.waitSignal(ctx.runner.sig_changes, timeout=5000):
        qtbot.keyClick(form, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: form.error_text("amount") != "", timeout=5000)
    err = form.error_text("amount")
    assert "不得超指标" in err
    assert format_amount(row.available_after_pending) in err and "超出 0.01 元" in err
    assert "不得超指标" in form.message_text()
    draft_id = form.application_id()
    assert draft_id is not None  # the draft itself was kept
    assert sync_status(db=db).pending_outbox == before

    # a fitting amount queues it (offline): two outbox commands, form ready for the next one
    form.amount_edit.setText("1,234.50")
    assert form.daxie_text() == "大写：人民币壹仟贰佰叁拾肆元伍角"
    with qtbot.waitSignal(form.sig_queued, timeout=5000) as blocker:
        qtbot.keyClick(form, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    assert blocker.args == [draft_id]
    queued = [a for a in list_applications(db=db, statuses=("queued",)) if a.id == draft_id]
    assert queued and queued[0].amount == 123_450 and queued[0].payee_name == "北京华文图书有限公司"
    assert queued[0].dep_eco_code == row.dep_eco_code
    assert sync_status(db=db).pending_outbox == before + 2
    assert "离线" in form.message_text()
    assert form.application_id() is None and form.amount_edit.text() == ""
    assert form.indicator().id == row.id  # next application on the same indicator


def test_incomplete_submit_marks_each_missing_field_and_ctrl_s_saves(qtbot, form, db):
    row = _usable_indicator(db)
    _load_indicator(qtbot, form, row)
    with qtbot.waitSignal(form.sig_saved, timeout=5000):
        qtbot.keyClick(form, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)
    assert form.application_id() and "草稿已保存" in form.message_text()
    form.submit()
    qtbot.waitUntil(lambda: form.error_text("use_des") != "", timeout=5000)
    assert "用途" in form.error_text("use_des")
    assert "收款人全称" in form.error_text("payee_name")
    assert "请填写" in form.message_text()


def test_tab_order_walks_the_form(qtbot, form):
    form.indicator_edit.setFocus()
    chain = [form.indicator_edit]
    w = form.indicator_edit
    for _ in range(16):
        w = w.nextInFocusChain()
        while not w.focusPolicy() & Qt.FocusPolicy.TabFocus or not w.isVisible() or not w.isEnabled():
            w = w.nextInFocusChain()
        chain.append(w)
    names = [c.objectName() for c in chain]
    order = ["indicatorField", "payeeName", "payeeAccount", "payeeBank", "payeeUscc",
             "amountField", "useDes", "settlementMode"]
    positions = [names.index(n) for n in order]
    assert positions == sorted(positions)


def test_attachments_save_the_draft_then_show_a_thumbnail(qtbot, form, db, tmp_path):
    from PySide6.QtGui import QColor, QImage

    row = _usable_indicator(db)
    _load_indicator(qtbot, form, row)
    image = QImage(320, 200, QImage.Format.Format_RGB32)
    image.fill(QColor("#ffffff"))
    path = tmp_path / "发票.png"
    assert image.save(str(path))
    form.attach_file(str(path), "invoice")
    qtbot.waitUntil(lambda: form.attachments.list.count() == 1, timeout=5000)
    assert form.application_id() is not None  # the draft was saved first
    [att] = form.attachments.rows()
    assert att.role == "invoice" and att.file_name == "发票.png" and att.path
    assert not form.attachments.list.item(0).icon().isNull()
    assert "附件已添加" in form.message_text()


def _resident_id(first17: str) -> str:
    from fiscal.ids import resident_id_check_char

    return first17 + resident_id_check_char(first17)


def test_payee_id_number_from_the_address_book_checked_saved_and_shown_again(qtbot, form, db):
    from app.services.applications import get_application
    from app.services.payees import save_payee

    good = _resident_id("33070219850101005")
    bad = good[:17] + ("0" if good[-1] != "0" else "1")
    save_payee(db=db, name="钱多多", account_no="6228480000000077001", bank_name="农业银行金华分行",
               kind="person", id_no=good)
    row = _usable_indicator(db)
    _load_indicator(qtbot, form, row)
    # a payee that is not a person has no 证件号码
    assert not form.payee_id_number.isEnabled()

    qtbot.keyClicks(form.payee_name, "622848000000007")  # account prefix (ASCII only)
    qtbot.waitUntil(lambda: "钱多多" in form._payees, timeout=5000)
    assert form.apply_payee("钱多多")
    assert form.payee_personal.isChecked() and form.payee_id_number.isEnabled()
    assert form.payee_id_number.text() == good
    assert form.error_text("payee_id_number").startswith("✔")

    # a wrong check digit: said at the field as typed, and saving is refused before any work
    form.payee_id_number.setText(bad)
    assert "校验位" in form.error_text("payee_id_number")
    form.amount_edit.setText("800.00")
    form.use_des.setText("支付评审劳务费")
    form.save()
    assert form.application_id() is None
    assert "证件号码" in form.message_text() and "校验位" in form.error_text("payee_id_number")
    assert form.focusWidget() is form.payee_id_number
    form.payee_id_number.setText(good[:10])
    assert "还差 8 位" in form.error_text("payee_id_number")

    # a valid one (typed lower-case) is saved upper-case and shown when the draft is opened again
    form.payee_id_number.setText(good.lower())
    with qtbot.waitSignal(form.sig_saved, timeout=5000) as saved:
        form.save()
    app_id = saved.args[0]
    assert get_application(db=db, application_id=app_id).payee_id_number == good.upper()
    form.start_new()
    assert form.payee_id_number.text() == "" and not form.payee_id_number.isEnabled()
    form.load_application(app_id)
    qtbot.waitUntil(lambda: form.application_id() == app_id, timeout=5000)
    assert form.payee_id_number.text() == good.upper() and form.payee_id_number.isEnabled()

    # no longer a person: the number stays in the box but is neither editable nor sent
    form.payee_personal.setChecked(False)
    assert not form.payee_id_number.isEnabled() and form.error_text("payee_id_number") == ""
    assert form.draft().payee_id_number is None
