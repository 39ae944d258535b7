"""One push chunk whose answers mix every case is recorded exactly: accepted (done, ack seq),
transient (pending again, retried with the same key), refused (final, conflict kept, the
record's later commands held back), and no answer at all (left 'sending', resent later)."""
from __future__ import annotations

from sqlalchemy import select

from app.models import Conflict, OutboxCommand, PaymentApplication
from app.services import DraftInput, queue_application, save_draft
from app.sync.engine import BackoffPolicy, SyncEngine
from tests.app.store.fake_server import FakeServer


class ScriptedServer(FakeServer):
    """FakeServer whose answers for some applications are scripted by amount."""

    def __init__(self) -> None:
        super().__init__()
        self.by_amount: dict[str, int] = {}
        self.pushed: list[list[str]] = []

    def _run(self, cmd):
        amount = (cmd["payload"] or {}).get("amount_fen") or self.by_amount.get(cmd["entity_id"])
        self.by_amount.setdefault(cmd["entity_id"], amount)
        key = cmd["idempotency_key"]
        if amount == 2_000:
            return self._error(key, 503, "unavailable", "服务器繁忙")
        if amount == 3_000 and cmd["type"] == "application.save_draft":
            return self._error(key, 409, "version_conflict", "申请已被他人修改",
                               {"current": {"id": cmd["entity_id"], "version": 7,
                                            "status": "returned", "amount_fen": 3_500}})
        return super()._run(cmd)

    def push(self, commands):
        self.pushed.append([c["entity_id"] for c in commands])
        out = super().push(commands)
        lost = {c["idempotency_key"] for c in commands if self.by_amount[c["entity_id"]] == 4_000}
        out["results"] = [r for r in out["results"] if r["idempotency_key"] not in lost]
        return out


def test_mixed_answers_in_one_chunk(db) -> None:
    server = ScriptedServer()
    server.add_indicator("I1", 100_000)
    SyncEngine(db=db, transport=server).run()  # the indicator, before any draft
    ids = {}
    for amount in (1_000, 2_000, 3_000, 4_000):
        ids[amount] = save_draft(db=db, draft=DraftInput(
            indicator_id="I1", amount=amount, use_des="办公用品", payee_name="某文具店",
            payee_account="6222000000000001", fiscal_year=2026)).application.id
        queue_application(db=db, application_id=ids[amount])

    report = SyncEngine(db=db, transport=server, chunk_size=10,
                        backoff=BackoffPolicy(attempts=2, base_s=0)).run()
    # one chunk of the four saves; then only A's submit (the others are held back)
    assert [len(p) for p in server.pushed] == [4, 1]
    assert (report.pushed, report.refused) == (2, 1)  # C's submit is held back, not sent

    with db.read() as s:
        cmds = {(c.entity_id, c.kind): c for c in s.scalars(select(OutboxCommand))}

        def state(amount, kind):
            c = cmds[(ids[amount], f"application.{kind}")]
            return c.state, c.attempts

        assert state(1_000, "save_draft") == ("done", 1)
        assert state(1_000, "submit") == ("done", 1)
        a = s.get(PaymentApplication, ids[1_000])
        assert a.local_status == "submitted" and not a.dirty and a.ack_seq == server.seq

        assert state(2_000, "save_draft") == ("pending", 1)  # same key next time
        assert cmds[(ids[2_000], "application.save_draft")].last_error.startswith("503")
        assert state(2_000, "submit") == ("pending", 0)

        assert state(3_000, "save_draft") == ("refused", 1)
        assert state(3_000, "submit") == ("refused", 0)
        assert "未发送" in cmds[(ids[3_000], "application.submit")].last_error
        c = s.get(PaymentApplication, ids[3_000])
        assert (c.local_status, c.dirty, c.server_message) == ("draft", True, "申请已被他人修改")
        [conflict] = s.scalars(select(Conflict)).all()
        assert conflict.entity_id == ids[3_000]
        assert conflict.local_version["amount_fen"] == 3_000
        assert conflict.server_version["amount_fen"] == 3_500

        assert state(4_000, "save_draft") == ("sending", 1)  # no answer: resent, same key
        assert state(4_000, "submit") == ("pending", 0)


def test_cancel_during_a_push_records_its_answers_and_marks_nothing_more(db) -> None:
    """The next chunk is taken in the transaction that records the answers: a cancel that
    arrives meanwhile must leave it untouched (pending, never counted as an attempt)."""
    import threading

    import pytest

    from app.sync.engine import SyncCancelled

    server = FakeServer()
    server.add_indicator("I1", 100_000)
    SyncEngine(db=db, transport=server).run()
    for amount in (1_000, 2_000, 3_000):
        queue_application(db=db, application_id=save_draft(db=db, draft=DraftInput(
            indicator_id="I1", amount=amount, use_des="办公用品", payee_name="某文具店",
            payee_account="6222000000000001", fiscal_year=2026)).application.id)
    cancel = threading.Event()
    push = server.push

    def push_then_cancel(commands):
        cancel.set()  # the user presses cancel while the first chunk is on the wire
        return push(commands)

    server.push = push_then_cancel
    with pytest.raises(SyncCancelled):
        SyncEngine(db=db, transport=server, chunk_size=2, cancel=cancel).run()
    with db.read() as s:
        cmds = s.scalars(select(OutboxCommand).order_by(OutboxCommand.id)).all()
        # the first chunk: the first two saves; nothing else was marked or sent
        assert [(c.kind.split(".")[1], c.state, c.attempts) for c in cmds] == [
            ("save_draft", "done", 1), ("submit", "pending", 0),
            ("save_draft", "done", 1), ("submit", "pending", 0),
            ("save_draft", "pending", 0), ("submit", "pending", 0)]
    assert len(server.apps) == 2
