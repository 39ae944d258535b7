"""The whole desktop flow against the real server app in-process: sign in online, sync
indicators, fill and submit an application from the form, sync it, see it submitted."""
from __future__ import annotations

import pytest

pytest.importorskip("fastapi")
pytest.importorskip("server.app")

from PySide6.QtCore import Qt

from app.db import open_database
from app.services.applications import list_applications
from app.services.ui_queries import sync_status
from app.ui.context import UiContext
from app.ui.shell import build_main_window
from app.ui.sign_in import SignInDialog

URL = "http://testserver"


@pytest.fixture
def world(tmp_path):
    from tests.server.conftest import build_world, indicator, make_database

    w = build_world(make_database("sqlite", tmp_path / "server"))
    r = w.api("bur_a").post("/api/v1/indicators/bulk", json={"items": [
        indicator("UI-1", "A1", 100_000_00), indicator("UI-2", "A1", 5_000_00)]})
    assert r.status_code == 200, r.text
    yield w
    w.client.close()
    w.app.state.engine.dispose()


def test_sign_in_sync_fill_submit_sync(qtbot, runner, tmp_path, world, memory_keyring):
    from app.services.results import Changes
    from app.sync.engine import BackoffPolicy, SyncEngine
    from app.sync.http import HttpTransport, sign_in
    from tests.server.conftest import PASSWORD

    db = open_database(tmp_path / "client" / "jincai.sqlite3", backup=False)

    def online(*, db, server_url, username, password):
        return sign_in(db=db, server_url=server_url, username=username, password=password,
                       device_id="dev-ui", client=world.client)

    dialog = SignInDialog(db, runner, server_url=URL, online_sign_in=online)
    qtbot.addWidget(dialog)
    dialog.user_edit.setText("acc_a1")
    dialog.password_edit.setText("wrong-password")
    dialog.sign_in_button.click()
    qtbot.waitUntil(lambda: dialog.message_text() != "", timeout=10_000)
    dialog.password_edit.setText(PASSWORD)
    with qtbot.waitSignal(dialog.sig_signed_in, timeout=10_000) as blocker:
        dialog.sign_in_button.click()
    user = blocker.args[0]
    assert user.online and user.unit_code == "A1"

    def sync_fn(*, db, server_url, username, cancel, progress):
        transport = HttpTransport(server_url=server_url, username=username, device_id="dev-ui",
                                  client=world.client)
        report = SyncEngine(db=db, transport=transport, progress=progress, cancel=cancel,
                            backoff=BackoffPolicy(attempts=2, base_s=0)).run()
        return Changes(applications=report.applications, indicators=report.indicators,
                       outbox=True, sync_state=True)

    ctx = UiContext(db, runner, user=user, sync_fn=sync_fn)
    window = build_main_window(ctx)
    qtbot.addWidget(window)
    window.show()
    progress = []
    with qtbot.waitSignal(window.status_panel.sig_sync_finished, timeout=20_000) as done:
        window.status_panel.start_sync()
        window.status_panel._task.sig_progress.connect(lambda d, t, m: progress.append(m))
    assert done.args == [True]
    qtbot.waitUntil(lambda: window.indicator_model.rowCount() == 2, timeout=10_000)
    assert window.indicator_model.ids() == ["UI-1", "UI-2"]
    assert "在线" in window.status_panel.connection.text()

    window.indicators._on_table_double_clicked(window.indicator_model.index(0, 0))
    form = window.applications.form
    qtbot.waitUntil(lambda: form.indicator() is not None, timeout=5000)
    form.payee_name.setText("某某文具有限公司")
    form.payee_account.setText("6222021234567890123")
    form.payee_bank.setText("中国工商银行金华分行")
    form.amount_edit.setText("3,000.00")
    form.use_des.setText("支付物业维修材料款")
    index = form.eco_combo.findData("30299")
    form.eco_combo.setCurrentIndex(index if index > 0 else 1)
    with qtbot.waitSignal(window.status_panel.sig_sync_finished, timeout=20_000) as done:
        qtbot.keyClick(form, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    assert done.args == [True]  # online: queued, then sent at once
    runner.wait_idle()
    [app] = list_applications(db=db)
    assert app.local_status == "submitted" and app.app_no and app.amount == 300_000
    assert sync_status(db=db).pending_outbox == 0
    server_apps = world.api("acc_a1").get("/api/v1/applications").json()
    assert server_apps["total"] == 1
    window.close()
    db.close()
