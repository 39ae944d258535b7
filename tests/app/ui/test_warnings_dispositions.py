"""预警 screen, whole loop against the real server in-process (issues #4, #6): the bureau's desktop
rules 需要核实 from the keyboard, the unit's desktop answers 已整改 with a file, the bureau
confirms 整改 and the warning closes; each step shows 待发送 until the sync, the history shows who
did what, and the counts follow. A refusal shows the server's message and keeps what was typed."""
from __future__ import annotations

import pytest

pytest.importorskip("fastapi")
pytest.importorskip("server.app")

from PySide6.QtCore import Qt

from app.db import open_database
from app.services.ui_queries import list_warnings, sync_status
from tests.app.store.test_warning_sync import PDF, _engine, _server, _signed_in, _yellow
from tests.server.conftest import DB_PARAMS


@pytest.fixture(scope="module", params=DB_PARAMS)
def world(request, tmp_path_factory):
    """The real server in-process on SQLite and on PostgreSQL (each test raises its own
    warning on a fresh application, so the module shares one server per database)."""
    from tests.server.conftest import build_world, drop_database, indicator, make_database

    database = make_database(request.param, tmp_path_factory.mktemp("server"))
    w = build_world(database)
    r = w.api("bur_a").post("/api/v1/indicators/bulk", json={"items": [
        indicator("WS-1", "A1", 10_000_000_00)]})
    assert r.status_code == 200, r.text
    yield w
    w.client.close()
    w.app.state.engine.dispose()
    drop_database(database)


@pytest.fixture()
def two_desks(tmp_path, runner, world):
    """The unit's and the bureau's desktops: their own local databases and UI contexts."""
    from app.ui.context import SignedInUser, UiContext

    out = {}
    for name, username, roles in (("unit", "acc_a1", ("accountant",)),
                                  ("bureau", "bur_a", ("bureau_division",))):
        db = open_database(tmp_path / name / "jincai.sqlite3", backup=False)
        sync = _signed_in(db, world, username)
        user = SignedInUser(username, username, roles, None, "http://testserver", online=True)
        out[name] = (db, UiContext(db, runner, user=user), sync)
    yield out
    runner.cancel_all()
    runner.wait_idle(5000)
    for db, _ctx, _sync in out.values():
        db.close()


def _view(ctx, qtbot, wid: str):
    from app.ui.warnings_view import WarningsView

    view = WarningsView(ctx)
    qtbot.addWidget(view)
    view.show()
    select(view, qtbot, wid)
    return view


def select(view, qtbot, wid: str) -> None:
    view.refresh()
    qtbot.waitUntil(lambda: any(r.id == wid for r in view.model.records()), timeout=5000)
    row = next(i for i, r in enumerate(view.model.records()) if r.id == wid)
    view._table.selectRow(row)
    qtbot.waitUntil(lambda: view.current() is not None and view.current().id == wid,
                    timeout=5000)


def shown_actions(view) -> set[str]:
    return {a for a, b in view._buttons.items() if b.isVisibleTo(view) and b.isEnabled()}


def test_bureau_verifies_unit_rectifies_with_a_file_bureau_closes(
        two_desks, world, qtbot, tmp_path) -> None:
    unit_db, unit_ctx, unit_sync = two_desks["unit"]
    bureau_db, bureau_ctx, bureau_sync = two_desks["bureau"]
    _app_id, wid = _yellow(unit_db, world, unit_sync)
    assert bureau_sync().run().refused == 0
    before = sync_status(db=bureau_db).open_warnings
    assert any(w.id == wid for w in list_warnings(db=bureau_db, open_only=True, side="bureau"))

    # the bureau: its rulings only, no files, 需要核实 from the keyboard
    bureau = _view(bureau_ctx, qtbot, wid)
    assert shown_actions(bureau) == {"mark_normal", "request_verify", "mark_violation"}
    assert not bureau._attach.isEnabled()
    bureau._table.setFocus()
    qtbot.keyClick(bureau._table, Qt.Key.Key_V, Qt.KeyboardModifier.AltModifier)
    qtbot.waitUntil(lambda: "须填写说明" in bureau._message.text(), timeout=5000)  # no note
    bureau._explanation.setPlainText("请说明奖金发放依据")
    qtbot.keyClick(bureau._table, Qt.Key.Key_V, Qt.KeyboardModifier.AltModifier)
    qtbot.waitUntil(lambda: "下次同步" in bureau._message.text(), timeout=5000)
    qtbot.waitUntil(lambda: "待发送" in bureau._detail.toPlainText(), timeout=5000)
    assert "需要核实" in bureau._detail.toPlainText() and shown_actions(bureau) == set()
    assert bureau._explanation.toPlainText() == ""
    assert _server(world, wid)["state"] == "raised"  # nothing sent before the sync
    assert bureau_sync().run().pushed == 1
    assert _server(world, wid)["state"] == "verifying"
    select(bureau, qtbot, wid)
    qtbot.waitUntil(lambda: "当前无需您处理" in bureau._detail.toPlainText(), timeout=5000)

    # the unit: its answers, with the file, and the bureau's request in the history
    assert unit_sync().run().refused == 0
    assert any(w.id == wid for w in list_warnings(db=unit_db, open_only=True, side="unit"))
    unit = _view(unit_ctx, qtbot, wid)
    assert shown_actions(unit) == {"answer_ok", "answer_fixed"} and unit._attach.isEnabled()
    text = unit._detail.toPlainText()
    assert "处理记录" in text and "bur_a" in text and "请说明奖金发放依据" in text
    unit._explanation.setPlainText("已追回奖金并重新走审批")
    unit._buttons["answer_fixed"].click()  # a yellow warning's answer needs its proof
    qtbot.waitUntil(lambda: "附件" in unit._message.text(), timeout=5000)
    proof = tmp_path / "追回凭证.pdf"
    proof.write_bytes(PDF + b"ui-fixed")
    unit.add_files([proof])
    assert "1" in unit._files_label.text()
    assert unit._contact.isEnabled() and not bureau._contact.isEnabled()
    unit._contact.setText("张三 13800000000")
    unit._buttons["answer_fixed"].click()
    qtbot.waitUntil(lambda: "待发送" in unit._detail.toPlainText(), timeout=5000)
    assert unit_sync().run().pushed == 1
    server = _server(world, wid)
    assert server["state"] == "answered_fixed" and len(server["history"][-1]["attachments"]) == 1
    assert server["history"][-1]["by"] == "acc_a1"
    assert server["history"][-1]["contact"] == "张三 13800000000"
    # nothing left for the unit, still open for the bureau
    assert not any(w.id == wid for w in list_warnings(db=unit_db, open_only=True, side="unit"))
    assert any(w.id == wid for w in list_warnings(db=unit_db, open_only=True))

    # the bureau confirms the rectification: closed, out of the counts
    assert bureau_sync().run().refused == 0
    select(bureau, qtbot, wid)
    qtbot.waitUntil(lambda: shown_actions(bureau) == {"accept_rectification", "request_verify"},
                    timeout=5000)
    bureau._buttons["accept_rectification"].click()
    qtbot.waitUntil(lambda: "待发送" in bureau._detail.toPlainText(), timeout=5000)
    assert bureau_sync().run().pushed == 1
    assert _server(world, wid)["state"] == "rectified"
    assert not any(w.id == wid for w in list_warnings(db=bureau_db, open_only=True))
    assert sync_status(db=bureau_db).open_warnings == before - 1
    select(bureau, qtbot, wid)
    qtbot.waitUntil(lambda: "整改完成" in bureau._detail.toPlainText(), timeout=5000)
    assert shown_actions(bureau) == set()
    text = bureau._detail.toPlainText()
    assert text.count("bur_a") >= 2 and "acc_a1" in text and "确认整改" in text
    assert "张三 13800000000" in text  # the unit's contact beside its answer


def test_refused_ruling_shows_the_server_message_and_keeps_the_text(
        two_desks, world, qtbot) -> None:
    unit_db, _unit_ctx, unit_sync = two_desks["unit"]
    bureau_db, bureau_ctx, bureau_sync = two_desks["bureau"]
    _app_id, wid = _yellow(unit_db, world, unit_sync)
    assert bureau_sync().run().refused == 0
    bureau = _view(bureau_ctx, qtbot, wid)
    bureau._explanation.setPlainText("疑似以奖金名义发放福利")
    bureau._buttons["mark_violation"].click()
    qtbot.waitUntil(lambda: "待发送" in bureau._detail.toPlainText(), timeout=5000)
    # meanwhile another bureau user rules it normal online
    r = world.api("bur_a").post(f"/api/v1/warnings/{wid}/dispose", json={"action": "mark_normal"})
    assert r.status_code == 200, r.text
    report = _engine(bureau_db, world, "bur_a").run()
    assert report.refused == 1, report
    select(bureau, qtbot, wid)
    qtbot.waitUntil(lambda: "服务器未接受" in bureau._detail.toPlainText(), timeout=5000)
    assert "认定正常" in bureau._detail.toPlainText()
    assert bureau._explanation.toPlainText() == "疑似以奖金名义发放福利"
    assert shown_actions(bureau) == set()  # 认定正常 is final
    assert _server(world, wid)["state"] == "normal"


def test_counts_take_the_server_states_and_the_old_local_ones(tmp_path) -> None:
    """'Needs action' over mirrored states (raised, verifying, …), an unsent step (pending_send)
    and rows from before the server's states ('open', 'explained', 'closed')."""
    from app.models import MonitoringWarning
    from app.services.errors import InvalidField
    from app.services.ui_queries import warning_needs_action

    db = open_database(tmp_path / "counts.sqlite3", backup=False)
    rows = {  # id: (status, severity)
        "raised-y": ("raised", "yellow"), "raised-r": ("raised", "red"),
        "explained": ("explained", "yellow"), "verifying": ("verifying", "red"),
        "answered_ok": ("answered_ok", "yellow"), "answered_fixed": ("answered_fixed", "yellow"),
        "violation": ("violation", "red"), "pending": ("pending_send", "yellow"),
        "normal": ("normal", "yellow"), "rectified": ("rectified", "red"),
        "old-open": ("open", "yellow"), "old-closed": ("closed", "yellow"),
        "old-dismissed": ("dismissed", "blue"),
    }
    try:
        with db.transaction() as s:
            for wid, (status, sev) in rows.items():
                s.add(MonitoringWarning(id=wid, rule_code="r", rule_name="规则", severity=sev,
                                        message="m", status=status, details={}))
        open_ids = {w.id for w in list_warnings(db=db, open_only=True)}
        assert open_ids == {"raised-y", "raised-r", "explained", "verifying", "answered_ok",
                            "answered_fixed", "violation", "pending", "old-open"}
        assert sync_status(db=db).open_warnings == 9
        bureau = {w.id for w in list_warnings(db=db, open_only=True, side="bureau")}
        assert bureau == {"raised-y", "raised-r", "explained", "answered_ok", "answered_fixed",
                          "old-open"}
        # a raised red warning waits for the bureau; the unit may explain a yellow one
        unit = {w.id for w in list_warnings(db=db, open_only=True, side="unit")}
        assert unit == {"raised-y", "verifying", "violation", "old-open"}
        assert {w.id for w in list_warnings(db=db, severity="red", open_only=True)} == {
            "raised-r", "verifying", "violation"}
        for side, expected in ((None, open_ids), ("bureau", bureau), ("unit", unit)):
            assert {w.id for w in list_warnings(db=db)
                    if warning_needs_action(w, side)} == expected
        with pytest.raises(InvalidField):
            list_warnings(db=db, open_only=True, side="treasury")
    finally:
        db.close()
