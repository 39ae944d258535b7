"""The assembled window and the other screens: approvals, warnings, my applications,
dashboard, print/PDF, status bar and notifications."""
from __future__ import annotations

import pytest
from PySide6.QtCore import Qt

from app.services.applications import list_applications
from app.services.approvals import list_approval_tasks
from app.services.ui_queries import list_warnings, sync_status
from app.ui.shell import build_main_window


@pytest.fixture()
def window(qtbot, ctx):
    w = build_main_window(ctx)
    qtbot.addWidget(w)
    w.resize(1400, 900)
    w.show()
    qtbot.waitUntil(lambda: w.indicator_model.rowCount() > 0, timeout=10_000)
    return w


def test_every_page_is_a_real_screen_and_titles_stay_chinese(window):
    from app.ui.main_window import MainWindow

    titles = [window._nav.item(i).text() for i in range(window._nav.count())]
    assert titles == ["指标", "支付申请", "待我审批", "预警", "凭证采集", "导入导出", "统计", "设置"]
    assert window.page_widget("indicators") is window.indicators
    assert window.page_widget("approvals") is window.approvals
    assert isinstance(window, MainWindow)


def test_double_click_on_an_indicator_opens_the_form_on_it(qtbot, window):
    model = window.indicator_model
    rid = model.id_at(2)
    window.indicators._on_table_double_clicked(model.index(2, 0))
    assert window.current_page() == "applications"
    form = window.applications.form
    qtbot.waitUntil(lambda: form.indicator() is not None and form.indicator().id == rid, timeout=5000)
    qtbot.waitUntil(lambda: form.budget_panel.value_text("amount") != "—", timeout=5000)


def test_status_bar_shows_offline_pending_count_and_notifications(qtbot, window, ctx):
    panel = window.status_panel
    qtbot.waitUntil(lambda: panel.status is not None, timeout=5000)
    assert "离线" in panel.connection.text()
    assert panel.outbox.text() == f"待发送 {sync_status(db=ctx.db).pending_items}"
    assert "上次同步" in panel.last_sync.text()
    ctx.notify("有 2 个新的审批任务。", "info")
    assert window.notifications.isVisible() and "审批任务" in window.notifications.text()
    assert window.notifications.bell.text() == "通知 1"


def test_sync_reports_progress_and_failure_without_freezing(qtbot, window, ctx):
    import time

    def fake_sync(*, db, server_url, username, cancel, progress):
        class P:
            def __init__(self, stage, done, total, message):
                self.stage, self.done, self.total, self.message = stage, done, total, message

        for i in range(5):
            progress(P("push", i + 1, 5, "发送待发送内容"))
            time.sleep(0.01)
        from app.sync.transport import TransportError

        raise TransportError("connection refused")

    ctx.sync_fn = fake_sync
    with qtbot.waitSignal(window.status_panel.sig_sync_finished, timeout=10_000) as blocker:
        window.status_panel.start_sync()
        assert window.status_panel.is_syncing()
    assert blocker.args == [False]
    assert not ctx.online
    assert "已转为离线工作" in window.notifications.text()

    def cancellable(*, db, server_url, username, cancel, progress):
        while not cancel.wait(0.01):
            pass
        from app.ui.tasks import TaskCancelled

        raise TaskCancelled()

    ctx.sync_fn = cancellable
    with qtbot.waitSignal(window.status_panel.sig_sync_finished, timeout=10_000):
        window.status_panel.start_sync()
        window.status_panel.cancel_button.click()
    assert "同步已取消" in window.notifications.text()


def test_reviewer_approves_and_returns_from_the_queue(qtbot, window, ctx):
    view = window.approvals
    window.show_page("approvals")
    qtbot.waitUntil(lambda: view.model.rowCount() == 14, timeout=5000)
    first = view.current()
    window.activateWindow()
    view.table().setFocus()
    with qtbot.waitSignal(view.sig_decided, timeout=5000) as blocker:
        qtbot.keyClick(view.table(), Qt.Key.Key_A, Qt.KeyboardModifier.AltModifier)
    assert blocker.args == [first.id, "approve"]
    assert "将在同步时发送" in view.message_text()
    qtbot.waitUntil(lambda: view.model.rowCount() == 13, timeout=5000)
    # return needs a reason
    view.decide("return")
    qtbot.waitUntil(lambda: "必须填写理由" in view.message_text(), timeout=5000)
    view._comment.setPlainText("合同金额与申请不符")
    second = view.current()
    with qtbot.waitSignal(view.sig_decided, timeout=5000):
        view.decide("return")
    remaining = {t.id for t in list_approval_tasks(db=ctx.db, include_decided=False)}
    assert first.id not in remaining and second.id not in remaining
    decided = {t.id: t for t in list_approval_tasks(db=ctx.db, status=None)}
    assert decided[second.id].decision == "return"
    assert decided[second.id].decision_comment == "合同金额与申请不符"
    assert sync_status(db=ctx.db).queued_decisions == 2


def test_warning_explanation_closes_the_loop_locally(qtbot, window, ctx, tmp_path):
    view = window.warnings
    window.show_page("warnings")
    qtbot.waitUntil(lambda: view.model.rowCount() > 0, timeout=5000)
    view._tabs.setCurrentIndex(2)  # yellow (a red one is the finance bureau's to rule on)
    qtbot.waitUntil(lambda: all(w.severity == "yellow" for w in view.model.records())
                    and view.model.rowCount() > 0, timeout=5000)
    open_rows = [i for i, w in enumerate(view.model.records()) if w.status == "raised"]
    view._table.selectRow(open_rows[0])
    target = view.current()
    view._explanation.setPlainText("已补充纸质审批单")
    proof = tmp_path / "审批单.pdf"
    proof.write_bytes(b"%PDF-1.4\n%proof\n%%EOF\n")
    view.add_files([proof])  # a yellow warning's explanation needs its proof attached
    view._explain.click()
    # queued as warning.explain: 待发送 until the server answers (app.services.warnings)
    qtbot.waitUntil(lambda: any(w.id == target.id and (w.status == "explained"
                                                        or w.details.get("pending"))
                                for w in list_warnings(db=ctx.db)), timeout=5000)


def test_my_applications_lists_statuses_history_and_withdraws(qtbot, window, ctx):
    page = window.applications
    window.show_page("applications")
    page.setCurrentWidget(page.list)
    view = page.list
    view.set_status_filter("queued")
    qtbot.waitUntil(lambda: view.model.rowCount() == 1, timeout=5000)
    app = view.current()
    assert app.local_status == "queued"
    qtbot.waitUntil(lambda: "排队待发送" in view._detail.toPlainText(), timeout=5000)
    assert view._withdraw_button.isEnabled()
    view._withdraw_button.click()
    qtbot.waitUntil(lambda: view.model.rowCount() == 0, timeout=5000)
    assert [a.local_status for a in list_applications(db=ctx.db) if a.id == app.id] == ["draft"]
    # returned applications show the server's message
    view.set_status_filter("returned")
    qtbot.waitUntil(lambda: view.model.rowCount() == 1, timeout=5000)
    qtbot.waitUntil(lambda: "合同" in view._detail.toPlainText(), timeout=5000)
    # copy-to-new fills the form without an id
    with qtbot.waitSignal(view.sig_copy):
        view._copy_button.click()
    form = page.form
    qtbot.waitUntil(lambda: form.payee_name.text() != "", timeout=5000)
    assert form.application_id() is None


def test_dashboard_has_charts_and_exports(qtbot, window, tmp_path):
    dash = window.dashboard
    window.show_page("dashboard")
    qtbot.waitUntil(lambda: dash.data is not None, timeout=5000)
    assert dash.data.total.amount > 0 and dash.data.by_fund_type
    assert "%" in dash._kpis["rate"].text()
    assert dash._fund_chart.chart().series()
    assert dash.save_image(str(tmp_path / "dash.png"))
    assert (tmp_path / "dash.png").stat().st_size > 10_000


def test_print_pdf_has_daxie_and_a_qr_code(qtbot, ctx, tmp_path):
    import zxingcpp

    from app.ui.print_application import load_print_data, qr_image, render_application_pdf

    app = list_applications(db=ctx.db, statuses=("paid",))[0]
    data = load_print_data(db=ctx.db, application_id=app.id)
    out = render_application_pdf(data, tmp_path / "app.pdf")
    raw = out.read_bytes()
    assert raw.startswith(b"%PDF") and len(raw) > 5_000
    img = qr_image(f"JINCAI:APP:{app.id}")
    import numpy as np

    ptr = img.constBits()
    arr = np.frombuffer(ptr, dtype=np.uint8).reshape(img.height(), img.bytesPerLine())[:, :img.width()]
    decoded = zxingcpp.read_barcodes(arr)
    assert decoded and decoded[0].text == f"JINCAI:APP:{app.id}"


def test_queue_filters_by_amount_level_and_age(qtbot, window):
    view = window.approvals
    window.show_page("approvals")
    qtbot.waitUntil(lambda: view.model.rowCount() == 14, timeout=5000)
    view._level.setCurrentIndex(view._level.findData("red"))
    qtbot.waitUntil(lambda: 0 < view.model.rowCount() < 14, timeout=5000)
    assert all(t.summary["warning_level"] == "red" for t in view.model.records())
    view._level.setCurrentIndex(0)
    view._age.setCurrentIndex(view._age.findData(72))
    qtbot.waitUntil(lambda: 0 < view.model.rowCount() < 14, timeout=5000)
    view._age.setCurrentIndex(0)
    view._min_amount.setText("500,000")
    qtbot.waitUntil(lambda: all(t.amount >= 50_000_000 for t in view.model.records())
                    and view.model.rowCount() < 14, timeout=5000)


def test_conflicts_show_both_versions_and_resolve(qtbot, window, ctx):
    from app.models import Conflict
    from app.ui.conflicts_dialog import ConflictsDialog

    [app] = list_applications(db=ctx.db, statuses=("returned",))
    with ctx.db.transaction() as s:
        s.add(Conflict(entity_type="application", entity_id=app.id,
                       local_version={"amount": 120_000, "use_des": "本机用途"},
                       server_version={"amount": 99_000, "use_des": "服务器用途", "version": 2},
                       reason="服务器已修改"))
    window.status_panel.refresh()
    qtbot.waitUntil(lambda: window.status_panel.conflicts_button.isVisibleTo(window), timeout=5000)
    assert window.status_panel.conflicts_button.text() == "冲突 1"
    dialog = ConflictsDialog(ctx, window)
    qtbot.addWidget(dialog)
    qtbot.waitUntil(lambda: len(dialog.conflicts()) == 1, timeout=5000)
    cells = {dialog.table.item(r, 0).text(): (dialog.table.item(r, 1).text(),
                                               dialog.table.item(r, 2).text())
             for r in range(dialog.table.rowCount())}
    assert cells["amount"] == ("1,200.00", "990.00")
    assert cells["use_des"] == ("本机用途", "服务器用途")
    dialog.resolve("local")
    qtbot.waitUntil(lambda: not dialog.conflicts() and "已处理" in dialog.message.text(),
                    timeout=5000)
    qtbot.waitUntil(lambda: not window.status_panel.conflicts_button.isVisibleTo(window),
                    timeout=5000)


def test_optional_screens_get_only_the_arguments_they_name(qtbot, ctx):
    import sys
    import types

    from PySide6.QtWidgets import QLabel

    from app.ui.shell import _optional_screen

    mod = types.ModuleType("app.ui._fake_screen")

    class FakePanel(QLabel):
        def __init__(self, parent=None, *, db=None):
            super().__init__("fake")
            self.db = db

    mod.FakePanel = FakePanel
    sys.modules[mod.__name__] = mod
    try:
        w = _optional_screen(mod.__name__, "FakePanel", ctx=ctx, db=ctx.db)
        qtbot.addWidget(w)
        assert w.db is ctx.db
        assert _optional_screen("app.ui._missing_screen", "X", ctx=ctx) is None
    finally:
        del sys.modules[mod.__name__]


def test_excel_export_of_the_execution_report(ctx, tmp_path):
    import openpyxl

    from app.services.ui_queries import export_execution_report

    out = export_execution_report(db=ctx.db, path=str(tmp_path / "执行.xlsx"))
    wb = openpyxl.load_workbook(out, read_only=True)
    assert "按指标" in wb.sheetnames
    rows = list(wb["按指标"].iter_rows(values_only=True))
    ids = [r[0] for r in rows if r and str(r[0]).startswith("ZB")]
    assert len(ids) == 300 and ids[0].endswith("-000001")


def test_help_lists_keyboard_shortcuts(window):
    text = window.shortcuts_text()
    for key in ("Ctrl+S", "Ctrl+Enter", "F4", "F5", "Alt+A", "Alt+E"):
        assert key in text
    assert "预警处置：" in text and "书面说明" in text and "凭证采集：拍摄" in text


def test_stall_monitor_samples_the_event_loop(qtbot):
    """Correctness of the monitor, not a timing assertion."""
    from app.ui.stall_monitor import StallMonitor

    mon = StallMonitor(interval_ms=5)
    mon.start()
    # until three ticks, not a fixed 60 ms: a loaded CI machine may run the loop less often
    qtbot.waitUntil(lambda: mon.samples >= 3, timeout=10_000)
    mon.stop()
    assert mon.samples >= 3 and mon.max_stall_ms >= 0


def test_a_voucher_from_capture_fills_and_attaches_to_the_form(qtbot, window, ctx, tmp_path):
    from types import SimpleNamespace

    from PySide6.QtGui import QColor, QImage

    from app.services.ui_queries import find_attached_voucher
    from fiscal.ids import invoice_key

    path = tmp_path / "invoice.png"
    img = QImage(200, 120, QImage.Format.Format_RGB32)
    img.fill(QColor("white"))
    img.save(str(path))
    fields = {"invoice_code": SimpleNamespace(value="3300231130"),
              "invoice_number": SimpleNamespace(value="12345678"),
              "total_fen": SimpleNamespace(value=123_400),
              "seller_name": SimpleNamespace(value="金华市某某文具有限公司")}
    result = SimpleNamespace(
        file=str(path), kind="vat_invoice", fields=fields,
        to_json=lambda: {"fields": {"invoice_number": {"value": "12345678"},
                                    "total_fen": {"value": 123_400}}})
    prefill = {"amount_fen": 123_400, "payee_name": "金华市某某文具有限公司"}
    form = window.applications.form
    window._on_capture_attach(result, prefill)
    assert window.current_page() == "applications"
    assert form.payee_name.text() == "金华市某某文具有限公司"
    assert form.amount_edit.text() == "1,234.00"
    qtbot.waitUntil(lambda: form.attachments.list.count() == 1, timeout=5000)
    [att] = form.attachments.rows()
    assert att.invoice_key == invoice_key("3300231130", "12345678")
    assert ("invoice_number", "12345678") in att.ocr_fields
    where = find_attached_voucher("invoice", att.invoice_key, db=ctx.db)
    assert where and where.startswith("支付申请")
    assert find_attached_voucher("invoice", "nope", db=ctx.db) is None


def test_settings_validate_and_store_the_language(qtbot, ctx, tmp_path):
    from PySide6.QtCore import QSettings

    from app.ui.settings_view import SettingsView

    settings = QSettings(str(tmp_path / "s.ini"), QSettings.Format.IniFormat)
    view = SettingsView(ctx, settings=settings)
    qtbot.addWidget(view)
    view.server_edit.setText("jincai.example")
    assert not view.save() and "https://" in view.server_error.text()
    view.server_edit.setText("https://jincai.example.gov.cn")
    view.language.setCurrentIndex(view.language.findData("en"))
    assert view.save()
    assert settings.value("language") == "en"
    assert settings.value("server_url") == "https://jincai.example.gov.cn"
    from app.ui.i18n import current_language

    assert current_language() == "en"  # applied at once (the conftest switches back)


def test_sign_out_marks_the_account_and_asks_for_sign_in_again(qtbot, window, ctx):
    from sqlalchemy import select

    from app.models import Account

    with ctx.db.transaction() as s:
        s.scalar(select(Account).where(Account.username == "zhang.kj")).signed_in = True
    with qtbot.waitSignal(window.sig_signed_out, timeout=5000):
        window.sign_out()
    with ctx.db.read() as s:
        acct = s.scalar(select(Account).where(Account.username == "zhang.kj"))
        assert acct.signed_in is False and acct.password_verifier  # offline unlock still works


def test_batch_approve_takes_only_routine_items(qtbot, window, ctx, monkeypatch):
    from PySide6.QtCore import QItemSelectionModel
    from PySide6.QtWidgets import QMessageBox

    view = window.approvals
    window.show_page("approvals")
    qtbot.waitUntil(lambda: view.model.rowCount() == 14, timeout=5000)
    sel = view.table().selectionModel()
    for r in range(6):
        sel.select(view.model.index(r, 0),
                   QItemSelectionModel.SelectionFlag.Select | QItemSelectionModel.SelectionFlag.Rows)
    chosen = [view.model.record(r) for r in range(6)]
    routine = {t.id for t in chosen if not t.summary.get("warning_level")}
    assert routine and len(routine) < 6  # the demo mixes warned and routine items
    monkeypatch.setattr(QMessageBox, "question",
                        staticmethod(lambda *a, **k: QMessageBox.StandardButton.Yes))
    view._on_batch_clicked()
    qtbot.waitUntil(lambda: view.model.rowCount() == 14 - len(routine), timeout=5000)
    left = {t.id for t in list_approval_tasks(db=ctx.db, include_decided=False)}
    assert not (routine & left) and all(t.id in left for t in chosen if t.id not in routine)


def test_flagged_tasks_show_their_warning_in_the_detail(qtbot, window, ctx):
    from app.services.ui_queries import approval_context

    red = [t for t in list_approval_tasks(db=ctx.db, include_decided=False) if t.summary.get("warning_level") == "red"]
    assert red
    context = approval_context(db=ctx.db, task_id=red[0].id)
    assert any(w.severity == "red" and w.application_id == red[0].application_id
               for w in context.warnings)
    view = window.approvals
    window.show_page("approvals")
    qtbot.waitUntil(lambda: view.model.rowCount() == 14, timeout=5000)
    row = next(i for i, t in enumerate(view.model.records()) if t.id == red[0].id)
    view.table().selectRow(row)
    qtbot.waitUntil(lambda: "向个人账户大额转账" in view._detail.toPlainText(), timeout=5000)


def test_excel_page_is_the_panel_with_a_store_backed_wizard(qtbot, window, ctx):
    import app.ui.import_wizard as iw

    if not hasattr(iw, "ExcelPanel"):
        pytest.skip("older import wizard")
    assert isinstance(window.page_widget("excel"), iw.ExcelPanel)
    wizard = window.excel_panel._wizard_factory(window)
    qtbot.addWidget(wizard)
    assert getattr(wizard, "_targets", None) is not None  # imports go to the local store
    with qtbot.waitSignal(ctx.runner.sig_changes, timeout=2000) as blocker:
        window._on_excel_imported(object())
    assert blocker.args[0].payees
