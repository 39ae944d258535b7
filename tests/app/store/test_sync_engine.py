"""app.sync.engine against an in-memory server: stages, resume, back-off, cancel, conflicts."""
from __future__ import annotations

import hashlib
import threading

import pytest
from sqlalchemy import select

from app.models import Attachment, Conflict, OutboxCommand, PaymentApplication, SyncState
from app.services import (
    DraftInput,
    get_application,
    get_indicator_balances,
    queue_application,
    save_draft,
)
from app.sync.engine import BackoffPolicy, SyncCancelled, SyncEngine, sync_status
from app.sync.transport import TransportError, UpgradeRequired
from tests.app.store.fake_server import FakeServer, Killed

NO_WAIT = BackoffPolicy(attempts=4, base_s=0.0)


def engine(db, server, **kw) -> SyncEngine:
    kw.setdefault("backoff", NO_WAIT)
    return SyncEngine(db=db, transport=server, **kw)


def draft(amount: int, ind: str = "I1", **kw) -> DraftInput:
    return DraftInput(indicator_id=ind, amount=amount, use_des="办公用品", payee_name="某文具店",
                      payee_account="6222000000000001", fiscal_year=2026, **kw)


@pytest.fixture
def server() -> FakeServer:
    srv = FakeServer()
    srv.add_indicator("I1", 100_000)
    srv.add_indicator("I2", 50_000)
    return srv


def test_first_sync_then_push_and_pull(db, server) -> None:
    report = engine(db, server).run()
    assert report.pulled == 2 and report.resumed_from is None and report.sanity_ok is True
    [b1, b2] = get_indicator_balances(db=db)
    assert (b1.id, b1.confirmed_available, b2.confirmed_available) == ("I1", 100_000, 50_000)

    ids = []
    for amount in (30_000, 20_000):
        app_id = save_draft(db=db, draft=draft(amount)).application.id
        queue_application(db=db, application_id=app_id)
        ids.append(app_id)
    assert get_indicator_balances(db=db, indicator_ids=["I1"])[0].available_after_pending == 50_000

    report = engine(db, server, chunk_size=3).run()
    assert (report.pushed, report.refused) == (4, 0)
    assert set(ids) <= report.applications
    for app_id in ids:
        v = get_application(db=db, application_id=app_id)
        assert v.local_status == "submitted" and v.app_no and not v.dirty
    [bal] = get_indicator_balances(db=db, indicator_ids=["I1"])
    # the server reserved 500.00; the mirror says so and nothing is counted twice
    assert (bal.confirmed_available, bal.reserved, bal.pending_own) == (50_000, 50_000, 0)
    assert len(server.apps) == 2
    status = sync_status(db=db)
    assert (status["pending_outbox"], status["conflicts"], status["stage"]) == (0, 0, "idle")
    assert status["last_sync"] is not None


def test_server_refusal_is_final_and_shown(db, server) -> None:
    engine(db, server).run()
    app_id = save_draft(db=db, draft=draft(90_000)).application.id
    queue_application(db=db, application_id=app_id)  # fits the local mirror (1,000.00)
    server.adjust("I1", available_delta=-50_000)  # ... but not the server any more
    report = engine(db, server).run()
    assert report.refused == 1
    v = get_application(db=db, application_id=app_id)
    assert v.local_status == "draft" and "超出指标可用余额" in v.server_message
    with db.read() as s:
        states = [c.state for c in s.scalars(select(OutboxCommand).order_by(OutboxCommand.id))]
    assert states == ["done", "refused"]
    assert get_indicator_balances(db=db, indicator_ids=["I1"])[0].confirmed_available == 50_000


def test_lost_answer_resumes_without_duplicates(db, server) -> None:
    engine(db, server).run()
    ids = []
    for amount in (10_000, 10_000, 10_000):
        app_id = save_draft(db=db, draft=draft(amount)).application.id
        queue_application(db=db, application_id=app_id)
        ids.append(app_id)
    server.kill_after_push = True
    with pytest.raises(Killed):
        engine(db, server, chunk_size=2).run()
    with db.read() as s:
        assert s.get(SyncState, 1).stage == "push"
        assert {c.state for c in s.scalars(select(OutboxCommand))} >= {"sending"}
    report = engine(db, server, chunk_size=2).run()
    assert report.resumed_from == "push"
    assert len(server.apps) == 3  # replayed, not created again
    assert server.indicators["I1"]["reserved_fen"] == 30_000  # reserved once each
    assert all(get_application(db=db, application_id=i).local_status == "submitted" for i in ids)
    assert get_indicator_balances(db=db, indicator_ids=["I1"])[0].confirmed_available == 70_000


def test_backoff_on_network_errors(db, server) -> None:
    server.fail = {"pull": 2, "server_info": 1}
    delays: list[float] = []
    report = engine(db, server, backoff=BackoffPolicy(attempts=4, base_s=0.01, jitter=0),
                    sleep=delays.append).run()
    assert report.pulled == 2
    assert delays == [0.01, 0.01, 0.02]
    server.fail = {"pull": 9}
    with pytest.raises(TransportError):
        engine(db, server).run()
    with db.read() as s:
        st = s.get(SyncState, 1)
        assert st.stage == "pull" and "connection reset" in st.last_error


def test_cancel_mid_pull_then_resume(db) -> None:
    srv = FakeServer()
    for i in range(25):
        srv.add_indicator(f"I{i:03d}", 1000 + i)
    cancel = threading.Event()
    seen = []

    def progress(p) -> None:
        seen.append((p.stage, p.done, p.total))
        if p.stage == "pull" and p.done >= 10:
            cancel.set()

    with pytest.raises(SyncCancelled):
        engine(db, srv, page_size=5, progress=progress, cancel=cancel).run()
    with db.read() as s:
        st = s.get(SyncState, 1)
        assert st.stage == "pull" and st.last_server_seq == 10
    report = engine(db, srv, page_size=5).run()
    assert report.resumed_from == "pull" and report.pulled == 15
    assert len(get_indicator_balances(db=db)) == 25
    assert ("pull", 5, 25) in seen


def test_edit_while_server_changed_it_gives_a_conflict(db, server) -> None:
    engine(db, server).run()
    app_id = save_draft(db=db, draft=draft(10_000)).application.id
    queue_application(db=db, application_id=app_id)
    engine(db, server).run()
    server.set_app_status(app_id, "returned")  # reviewer sends it back
    engine(db, server).run()
    v = get_application(db=db, application_id=app_id)
    assert v.local_status == "returned" and not v.dirty
    save_draft(db=db, application_id=app_id, draft=draft(9_000))  # the user starts fixing it
    server.set_app_status(app_id, "voided")  # ... while the server voids it
    report = engine(db, server).run()
    assert report.conflicts == 1 and report.conflicts_changed
    with db.read() as s:
        c = s.scalars(select(Conflict)).one()
        assert c.local_version["amount_fen"] == 9_000 and c.server_version["status"] == "voided"
        app = s.get(PaymentApplication, app_id)
        assert app.amount == 9_000 and app.dirty  # the local edit is not overwritten
        assert app.server_status == "voided"


def test_upgrade_required(db) -> None:
    with pytest.raises(UpgradeRequired, match="升级"):
        engine(db, FakeServer(min_protocol=2, max_protocol=3)).run()


def test_attachments_uploaded_by_hash(db, server) -> None:
    engine(db, server).run()
    app_id = save_draft(db=db, draft=draft(1_000)).application.id
    blobs = [b"invoice-1", b"invoice-2"]
    with db.transaction() as s:
        for blob in blobs:
            sha = hashlib.sha256(blob).hexdigest()
            path = db.files_dir / sha[:2] / sha
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(blob)
            s.add(Attachment(application_id=app_id, sha256=sha, file_name="fp.jpg", size=len(blob)))
    server.blobs[hashlib.sha256(blobs[0]).hexdigest()] = blobs[0]  # the server has one already
    report = engine(db, server).run()
    assert report.uploaded == 1
    assert server.calls.count("upload_attachment") == 1
    with db.read() as s:
        assert all(a.uploaded for a in s.scalars(select(Attachment)))


def test_sanity_mismatch_forces_full_download(db, server) -> None:
    server.counts_override = {"indicator": 3, "application": 0}
    report = engine(db, server).run()
    assert report.sanity_ok is False
    with db.read() as s:
        st = s.get(SyncState, 1)
        assert st.last_server_seq == 0 and "不一致" in st.last_error and st.stage == "idle"


def _conflicted(db, server) -> str:
    engine(db, server).run()
    app_id = save_draft(db=db, draft=draft(10_000)).application.id
    queue_application(db=db, application_id=app_id)
    engine(db, server).run()
    server.set_app_status(app_id, "returned")
    engine(db, server).run()
    save_draft(db=db, application_id=app_id, draft=draft(9_000))
    server.set_app_status(app_id, "returned")  # the reviewer touches it again meanwhile
    assert engine(db, server).run().conflicts == 1
    return app_id


def test_resolve_conflict_keep_local_then_resubmit(db, server) -> None:
    from app.services import list_conflicts, resolve_conflict

    app_id = _conflicted(db, server)
    [c] = list_conflicts(db=db)
    assert c.local_version["amount_fen"] == 9_000 and c.server_version["amount_fen"] == 10_000
    changes = resolve_conflict(db=db, conflict_id=c.id, keep="local")
    assert changes.conflicts and app_id in changes.applications
    assert list_conflicts(db=db) == []
    queue_application(db=db, application_id=app_id)
    report = engine(db, server).run()
    assert (report.pushed, report.refused, report.conflicts) == (2, 0, 0)
    assert server.apps[app_id]["amount_fen"] == 9_000
    assert get_application(db=db, application_id=app_id).local_status == "submitted"


def test_resolve_conflict_take_server(db, server) -> None:
    from app.services import list_conflicts, resolve_conflict

    app_id = _conflicted(db, server)
    [c] = list_conflicts(db=db)
    resolve_conflict(db=db, conflict_id=c.id, keep="server")
    v = get_application(db=db, application_id=app_id)
    assert (v.amount, v.dirty, v.local_status) == (10_000, False, "returned")


def test_mirror_belongs_to_one_user(db, server) -> None:
    from app.sync.engine import AccountMismatch

    server.username, server.server_url = "kuaiji01", "https://a.example"
    engine(db, server).run()
    server.username = "kuaiji02"
    with pytest.raises(AccountMismatch, match="JINCAI_DATA_DIR"):
        engine(db, server).run()
    with db.read() as s:
        assert s.get(SyncState, 1).username == "kuaiji01"


def test_withdraw_then_void(db, server) -> None:
    from app.services import NotEditable, void_application, withdraw_application

    engine(db, server).run()
    app_id = save_draft(db=db, draft=draft(30_000)).application.id
    queue_application(db=db, application_id=app_id)
    engine(db, server).run()
    assert get_indicator_balances(db=db, indicator_ids=["I1"])[0].confirmed_available == 70_000
    withdraw_application(db=db, application_id=app_id)
    with pytest.raises(NotEditable, match="待发送"):
        withdraw_application(db=db, application_id=app_id)
    engine(db, server).run()
    v = get_application(db=db, application_id=app_id)
    assert (v.local_status, v.dirty) == ("draft", False)
    [bal] = get_indicator_balances(db=db, indicator_ids=["I1"])
    assert (bal.confirmed_available, bal.pending_own) == (100_000, 0)  # reservation released
    void_application(db=db, application_id=app_id)
    engine(db, server).run()
    assert get_application(db=db, application_id=app_id).local_status == "voided"
    assert server.apps[app_id]["status"] == "voided"
