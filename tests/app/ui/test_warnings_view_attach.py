"""预警 screen (issue #5): the unit attaches a file to its explanation; the warning shows 待发送
with the queued step until the sync; a refusal shows the server's message and puts the typed
text back in the box."""
from __future__ import annotations

from app.models import MonitoringWarning, OutboxCommand


def _warning(db, wid: str, **details) -> None:
    with db.transaction() as s:
        s.add(MonitoringWarning(id=wid, rule_code="sensitive_purpose", rule_name="敏感用途",
                                severity="yellow", message="用途含“奖金”", status="raised",
                                details={"allowed_actions": ["explain"], **details}))


def _select(view, qtbot, wid: str) -> None:
    qtbot.waitUntil(lambda: any(r.id == wid for r in view.model.records()), timeout=5000)
    row = next(i for i, r in enumerate(view.model.records()) if r.id == wid)
    view._table.selectRow(row)


def test_explanation_with_file_is_queued_and_shown_pending(ctx, db, qtbot, tmp_path) -> None:
    from app.ui.warnings_view import WarningsView

    _warning(db, "9001")
    view = WarningsView(ctx)
    qtbot.addWidget(view)
    view.show()  # a visible view redraws on the mutation's change set
    _select(view, qtbot, "9001")
    view._explanation.setPlainText("系年度考核奖，有文件依据")
    view._explain.click()  # no file yet: the fiscal rule says so, nothing is queued
    qtbot.waitUntil(lambda: "附件" in view._message.text(), timeout=5000)
    with db.read() as s:
        assert s.query(OutboxCommand).filter_by(entity_type="warning").count() == 0
    f = tmp_path / "依据.pdf"
    f.write_bytes(b"%PDF-1.4\n%%EOF\n")
    view.add_files([f])
    assert view._files_label.text() and "依据.pdf" in view._files_label.toolTip()
    view._explain.click()
    qtbot.waitUntil(lambda: "下次同步" in view._message.text(), timeout=5000)
    with db.read() as s:
        [cmd] = s.query(OutboxCommand).filter_by(entity_type="warning", entity_id="9001").all()
        assert cmd.kind == "warning.explain" and len(cmd.payload["attachments"]) == 1
    assert not view._files and view._explanation.toPlainText() == ""
    qtbot.waitUntil(lambda: any(r.id == "9001" and r.status == "pending_send"
                                for r in view.model.records()), timeout=5000)
    _select(view, qtbot, "9001")
    assert "待发送" in view._detail.toPlainText()
    assert not view._explain.isEnabled()


def test_refused_explanation_shows_message_and_restores_text(ctx, db, qtbot) -> None:
    from app.ui.warnings_view import WarningsView

    _warning(db, "9002", refused={"action_name": "书面说明", "note": "离线写的说明",
                                  "message": "预警 9002 已从“待处理”变为“认定正常”，本次“书面说明”未执行。"})
    view = WarningsView(ctx)
    qtbot.addWidget(view)
    _select(view, qtbot, "9002")
    assert "服务器未接受" in view._detail.toPlainText()
    assert "认定正常" in view._detail.toPlainText()
    assert view._explanation.toPlainText() == "离线写的说明"


def test_language_switch_retranslates_the_steps_and_the_history(ctx, db, qtbot) -> None:
    from app.ui.i18n import switch_language
    from app.ui.warnings_view import WarningsView

    history = [{"action": "request_verify", "action_name": "需要核实", "by": "bur_a",
                "at": "2026-03-02T08:30:00+00:00", "note": "请说明依据", "attachments": []}]
    _warning(db, "9003", history=history)
    with db.transaction() as s:
        s.get(MonitoringWarning, "9003").status = "verifying"
    view = WarningsView(ctx)
    qtbot.addWidget(view)
    view.show()
    _select(view, qtbot, "9003")
    qtbot.waitUntil(lambda: "处理记录" in view._detail.toPlainText(), timeout=5000)
    text = view._detail.toPlainText()
    assert "bur_a" in text and "2026-03-02 16:30" in text and "请说明依据" in text
    assert view._buttons["answer_fixed"].text() == "已整改 (Alt+F)"
    try:
        switch_language("en")
        qtbot.waitUntil(lambda: "History" in view._detail.toPlainText(), timeout=5000)
        assert view._buttons["answer_fixed"].text() == "Rectified (Alt+F)"
        assert view._buttons["answer_ok"].text() == "Verified correct (Alt+K)"
        assert "Verification requested" in view._detail.toPlainText()  # state and the step
        assert "You may: Verified correct, Rectified" in view._detail.toPlainText()
    finally:
        switch_language("zh_CN")
    qtbot.waitUntil(lambda: "处理记录" in view._detail.toPlainText(), timeout=5000)
    assert view._buttons["answer_fixed"].text() == "已整改 (Alt+F)"


def test_a_refused_answer_is_sent_again_with_its_files(ctx, db, qtbot, tmp_path) -> None:
    """The refused step's files are still in the local store: the restored answer needs no new
    file picking, and the command carries the same SHA-256."""
    from app.services.attachments import store_file
    from app.ui.warnings_view import WarningsView

    proof = tmp_path / "审批单.pdf"
    proof.write_bytes(b"%PDF-1.4\n%approval\n%%EOF\n")
    sha, _size = store_file(db=db, source=proof)
    _warning(db, "9004", refused={"action": "answer_ok", "action_name": "核实无误",
                                  "note": "系值班加班餐费", "attachments": [sha],
                                  "message": "网络中断后重发被拒：请重新提交。"})
    with db.transaction() as s:
        s.get(MonitoringWarning, "9004").status = "verifying"
    view = WarningsView(ctx)
    qtbot.addWidget(view)
    view.show()
    _select(view, qtbot, "9004")
    qtbot.waitUntil(lambda: view._explanation.toPlainText() == "系值班加班餐费", timeout=5000)
    assert view._files_label.text() and not view._files  # the kept file, nothing picked
    view._buttons["answer_ok"].click()
    qtbot.waitUntil(lambda: "下次同步" in view._message.text(), timeout=5000)
    with db.read() as s:
        [cmd] = s.query(OutboxCommand).filter_by(entity_type="warning", entity_id="9004").all()
        assert cmd.payload["action"] == "answer_ok" and cmd.payload["attachments"] == [sha]
        assert cmd.payload["note"] == "系值班加班餐费"
