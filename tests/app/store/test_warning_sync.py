"""Warning dispositions typed on the desktop reach the server (issues #5, #6): the client
(store + engine + httpx transport) against the real server app in-process (SQLite).

Explained offline → sync → the server shows 已书面说明 with the file and the reviewer may approve;
the bureau's 需要核实 from its own desktop → the unit's 已整改 → 确认整改 (closed); a push whose
answer was lost is retried without a second record; a stale command comes back refused with the
server's message and keeps what was typed; an older server that does not run the commands
keeps them waiting with a message."""
from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

pytest.importorskip("fastapi")
pytest.importorskip("server.app")

from app.db import open_database
from app.models import MonitoringWarning, OutboxCommand
from app.services import DraftInput, queue_application, save_draft
from app.services.errors import InvalidField, NotEditable
from app.services.ui_queries import WARNING_STATUS_NAMES, explain_warning, list_warnings
from app.services.warnings import allowed_actions, dispose_warning
from app.sync.engine import BackoffPolicy, SyncEngine
from app.sync.http import HttpTransport, sign_in
from app.sync.transport import TransportError

URL = "http://testserver"
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    from tests.server.conftest import build_world, indicator, make_database
    from tests.server.test_approvals import add_user

    w = build_world(make_database("sqlite", tmp_path_factory.mktemp("server")))
    r = w.api("bur_a").post("/api/v1/indicators/bulk", json={"items": [
        indicator("WS-1", "A1", 10_000_000_00)]})
    assert r.status_code == 200, r.text
    add_user(w, "acc2_a1", "accountant", "A1")
    yield w
    w.client.close()
    w.app.state.engine.dispose()


def _engine(db, world, username: str, transport: HttpTransport | None = None) -> SyncEngine:
    transport = transport or HttpTransport(server_url=URL, username=username,
                                           device_id=f"dev-{username}", client=world.client)
    return SyncEngine(db=db, transport=transport, backoff=BackoffPolicy(attempts=3, base_s=0),
                      chunk_size=10, page_size=50)


def _signed_in(db, world, username: str):
    from tests.server.conftest import PASSWORD

    sign_in(db=db, server_url=URL, username=username, password=PASSWORD,
            device_id=f"dev-{username}", client=world.client)
    return lambda: _engine(db, world, username)  # a fresh engine per run: fresh counts


def _yellow(db, world, engine) -> tuple[str, str]:
    """Queue and sync an application that raises a yellow 敏感用途 warning; returns
    (application id, warning id) once the warning is mirrored locally."""
    assert engine().run().refused == 0  # the indicators first
    draft = DraftInput(indicator_id="WS-1", amount=1_200_00, use_des="发放奖金",
                       payee_name="某某文具有限公司", payee_account="6222021234567890123",
                       payee_bank="中国工商银行金华分行", dep_eco_code="30299", fiscal_year=2026)
    app_id = save_draft(db=db, draft=draft).application.id
    queue_application(db=db, application_id=app_id)
    report = engine().run()
    assert report.refused == 0, report
    mine = [w for w in list_warnings(db=db) if w.application_id == app_id
            and w.rule_code == "sensitive_purpose"]
    assert len(mine) == 1 and mine[0].severity == "yellow" and mine[0].status == "raised", mine
    return app_id, mine[0].id


def _server(world, warning_id: str) -> dict:
    r = world.api("admin").get(f"/api/v1/warnings/{warning_id}")
    assert r.status_code == 200, r.text
    return r.json()


def _local(db, warning_id: str):
    return next(w for w in list_warnings(db=db) if w.id == warning_id)


def _file(tmp_path: Path, name: str, tag: bytes) -> tuple[Path, str]:
    p = tmp_path / name
    p.write_bytes(PDF + tag)
    return p, hashlib.sha256(PDF + tag).hexdigest()


def test_explain_offline_then_sync_lets_the_reviewer_approve(db, memory_keyring, world,
                                                               tmp_path) -> None:
    from tests.server.test_approvals import decide

    engine = _signed_in(db, world, "acc_a1")
    app_id, wid = _yellow(db, world, engine)
    assert "explain" in allowed_actions(_row(db, wid))
    assert decide(world, "acc2_a1", app_id).status_code == 409  # yellow blocks approval
    # offline checks (the fiscal state machine): a yellow explanation needs a file
    with pytest.raises(InvalidField) as err:
        explain_warning(db=db, warning_id=wid, explanation="系年度考核奖")
    assert "附件" in err.value.args[0] and err.value.field == "attachments"
    word = tmp_path / "说明.doc"
    word.write_bytes(b"\xd0\xcf\x11\xe0 not a type the server keeps")
    with pytest.raises(InvalidField) as err:
        explain_warning(db=db, warning_id=wid, explanation="系年度考核奖", files=[word])
    assert "说明.doc" in err.value.args[0] and "PDF" in err.value.args[0]
    path, sha = _file(tmp_path, "考核奖文件.pdf", b"explain")
    explain_warning(db=db, warning_id=wid, explanation="系年度考核奖，有文件依据", files=[path])
    local = _local(db, wid)
    assert local.status == "pending_send" and WARNING_STATUS_NAMES[local.status] == "待发送"
    assert local.details["explanation"] == "系年度考核奖，有文件依据"
    assert local.details["pending"]["attachments"] == [sha]
    # a second step waits for the server's answer to the first
    with pytest.raises(NotEditable):
        explain_warning(db=db, warning_id=wid, explanation="补充", files=[path])
    assert _server(world, wid)["state"] == "raised"  # nothing reached the server offline

    report = _engine(db, world, "acc_a1").run()
    assert (report.pushed, report.refused) == (1, 0), report
    server = _server(world, wid)
    assert server["state"] == "explained" and server["attachments"] == [sha]
    assert server["explanation"] == "系年度考核奖，有文件依据"
    assert server["history"][-1]["by"] == "acc_a1"
    content = world.api("acc_a1").get(f"/api/v1/attachments/{sha}/content")
    assert content.status_code == 200 and content.content == PDF + b"explain"
    local = _local(db, wid)
    assert local.status == "explained" and "pending" not in local.details
    assert local.details["explanation"] == "系年度考核奖，有文件依据"
    assert decide(world, "acc2_a1", app_id).status_code == 200


def _row(db, warning_id: str) -> MonitoringWarning:
    with db.read() as s:
        row = s.get(MonitoringWarning, warning_id)
        s.expunge(row)
        return row


def test_bureau_verify_unit_rectifies_bureau_closes_with_a_lost_answer(
        db, memory_keyring, world, tmp_path, monkeypatch) -> None:
    unit = _signed_in(db, world, "acc_a1")
    _app_id, wid = _yellow(db, world, unit)
    bureau_db = open_database(tmp_path / "bureau" / "jincai.sqlite3")
    try:
        bureau = _signed_in(bureau_db, world, "bur_a")
        assert bureau().run().refused == 0
        assert _local(bureau_db, wid).status == "raised"
        with pytest.raises(InvalidField):  # 需要核实 needs a note
            dispose_warning(db=bureau_db, warning_id=wid, action="request_verify")
        dispose_warning(db=bureau_db, warning_id=wid, action="request_verify",
                        note="请说明奖金发放依据")
        assert _local(bureau_db, wid).status == "pending_send"
        assert bureau().run().pushed == 1
        assert _local(bureau_db, wid).status == "verifying"

        assert unit().run().refused == 0
        assert _local(db, wid).status == "verifying"
        assert set(allowed_actions(_row(db, wid))) >= {"answer_ok", "answer_fixed"}
        path, sha = _file(tmp_path, "追回凭证.pdf", b"fixed")
        dispose_warning(db=db, warning_id=wid, action="answer_fixed", note="已追回并重新走审批",
                        files=[path], contact="张三 13800000000")
        # the server runs the command but its answer is lost on the way back: the engine sends
        # it again with the same key and the server answers from its record
        transport = HttpTransport(server_url=URL, username="acc_a1", device_id="dev-acc_a1",
                                  client=world.client)
        real_push, lost = transport.push, []

        def push_losing_first_answer(batch):
            answer = real_push(batch)
            if not lost:
                lost.append(answer)
                raise TransportError("connection reset after the server answered")
            return answer

        monkeypatch.setattr(transport, "push", push_losing_first_answer)
        report = _engine(db, world, "acc_a1", transport).run()
        assert lost and (report.pushed, report.refused) == (1, 0), report
        server = _server(world, wid)
        assert server["state"] == "answered_fixed"
        assert [h["action"] for h in server["history"]] == ["request_verify", "answer_fixed"]
        assert server["history"][1]["attachments"] == [sha]
        assert server["history"][1]["contact"] == "张三 13800000000"
        assert _local(db, wid).status == "answered_fixed"

        assert bureau().run().refused == 0
        dispose_warning(db=bureau_db, warning_id=wid, action="accept_rectification")
        assert bureau().run().pushed == 1
        assert _server(world, wid)["state"] == "rectified" and _server(world, wid)["cleared"]
        assert unit().run().refused == 0
        assert _local(db, wid).status == "rectified" and _local(db, wid).details["cleared"]
        assert allowed_actions(_row(db, wid)) == ()
    finally:
        bureau_db.close()


def test_stale_command_is_refused_with_the_message_and_keeps_the_text(
        db, memory_keyring, world, tmp_path, monkeypatch) -> None:
    engine = _signed_in(db, world, "acc_a1")
    _app_id, wid = _yellow(db, world, engine)
    path, sha = _file(tmp_path, "说明.pdf", b"stale")
    explain_warning(db=db, warning_id=wid, explanation="离线写的说明", files=[path])
    # meanwhile the bureau asks the unit to verify (online)
    r = world.api("bur_a").post(f"/api/v1/warnings/{wid}/dispose",
                                json={"action": "request_verify", "note": "请说明发放依据"})
    assert r.status_code == 200, r.text

    # an older server that does not run the commands yet: kept, with its message, and the
    # pulled copy (now 需要核实) does not hide that something is waiting to be sent
    import server.services.sync as server_sync

    monkeypatch.setattr(server_sync, "SUPPORTED_COMMANDS",
                        tuple(c for c in server_sync.SUPPORTED_COMMANDS
                              if not c.startswith("warning.")))
    report = engine().run()
    assert (report.pushed, report.refused) == (0, 0), report
    local = _local(db, wid)
    assert local.status == "pending_send" and "暂不支持" in local.details["pending"]["message"]
    assert local.details["server_state"] == "verifying"
    assert local.details["explanation"] == "离线写的说明"
    monkeypatch.undo()

    # the current server refuses the explanation made on the raised warning
    report = engine().run()
    assert (report.pushed, report.refused) == (0, 1), report
    server = _server(world, wid)
    assert server["state"] == "verifying"
    assert [h["action"] for h in server["history"]] == ["request_verify"]
    local = _local(db, wid)
    assert local.status == "verifying"  # the server's state, not the unsent one
    refused = local.details["refused"]
    assert refused["code"] == "warning_state_changed" and "未执行" in refused["message"]
    assert "已从“待处理”变为“需要核实”" in refused["message"] and "bur_a" in refused["message"]
    assert refused["note"] == "离线写的说明" and refused["attachments"] == [sha]
    with db.read() as s:
        [cmd] = s.query(OutboxCommand).filter_by(entity_type="warning", entity_id=wid).all()
        assert cmd.state == "refused" and "warning_state_changed" in cmd.last_error
    # a later pulled copy of the warning keeps what was typed
    from app.sync.apply import apply_warning

    with db.transaction() as s:
        apply_warning(s, server | {"seq": server["seq"] + 1}, server["seq"] + 1)
    assert _local(db, wid).details["refused"]["note"] == "离线写的说明"

    # the unit sends the same text and file again as its answer (核实无误)
    dispose_warning(db=db, warning_id=wid, action="answer_ok", note=refused["note"],
                    attachments=refused["attachments"])
    local = _local(db, wid)
    assert local.status == "pending_send" and "refused" not in local.details
    assert local.details["pending"]["files"][sha]["media_type"] == "application/pdf"
    report = engine().run()
    assert (report.pushed, report.refused) == (1, 0), report
    server = _server(world, wid)
    assert server["state"] == "answered_ok" and server["history"][-1]["attachments"] == [sha]
    assert server["history"][-1]["note"] == "离线写的说明"
    assert _local(db, wid).status == "answered_ok"

    r = world.api("bur_a").post(f"/api/v1/warnings/{wid}/dispose", json={"action": "mark_normal"})
    assert r.status_code == 200, r.text
    assert engine().run().refused == 0
    assert _local(db, wid).status == "normal"
    # nothing further can be queued on a closed warning
    with pytest.raises(InvalidField) as err:
        dispose_warning(db=db, warning_id=wid, action="explain", note="再说明", attachments=[sha])
    assert "认定正常" in err.value.args[0]
