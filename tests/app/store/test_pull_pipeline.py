"""The pull stage's fast path: the next page is prefetched while the current one is applied,
and pages of indicators are upserted with one executemany of plain tuples."""
from __future__ import annotations

import threading

from app.models import Indicator, SyncState
from app.sync.apply import Touched, apply_page
from app.sync.engine import BackoffPolicy, SyncEngine
from tests.app.store.fake_server import FakeServer


def _server(n: int) -> FakeServer:
    srv = FakeServer()
    for i in range(n):
        srv.add_indicator(f"P{i:03d}", 1_000 + i, pro_name=f"项目{i}", is_gov_procurement=i % 2 == 0)
    return srv


def test_prefetched_pages_give_the_same_mirror_and_cursor(db, data_dir) -> None:
    from app.db import open_database

    srv = _server(23)
    report = SyncEngine(db=db, transport=srv, page_size=5).run()
    other = open_database(data_dir / "plain.sqlite3")
    try:
        SyncEngine(db=other, transport=srv, page_size=5, prefetch=False).run()

        def mirror(database):
            with database.read() as s:
                rows = s.query(Indicator).order_by(Indicator.id).all()
                seq = s.get(SyncState, 1).last_server_seq
                return seq, [(r.id, r.amount, r.available, r.pro_name, r.is_gov_procurement,
                              r.executable, r.active, r.server_seq, r.confirmed_at is not None)
                             for r in rows]

        assert report.pulled == 23 and report.sanity_ok is True
        assert mirror(db) == mirror(other)
        assert mirror(db)[1][0] == ("P000", 1_000, 1_000, "项目0", True, True, True, 1, True)
    finally:
        other.close()


def test_a_failed_prefetch_is_retried_with_backoff(db) -> None:
    srv = _server(12)
    real_pull = srv.pull
    calls: list[tuple[int, str]] = []
    failed = []

    def pull(since: int, limit: int):
        calls.append((since, threading.current_thread().name))
        if since == 5 and not failed:
            failed.append(since)
            from app.sync.transport import TransportError

            raise TransportError("reset (injected, in the prefetch)")
        return real_pull(since, limit)

    srv.pull = pull  # type: ignore[method-assign]
    delays: list[float] = []
    report = SyncEngine(db=db, transport=srv, page_size=5, sleep=delays.append,
                        backoff=BackoffPolicy(attempts=3, base_s=0.01, jitter=0)).run()
    assert report.pulled == 12 and report.sanity_ok is True
    assert delays == []  # the main thread's retry succeeded at once: no wait needed
    assert [c[0] for c in calls] == [0, 5, 5, 10]
    assert calls[1][1].startswith("jincai-pull") and not calls[2][1].startswith("jincai-pull")


def test_bulk_upsert_refreshes_rows_loaded_in_the_session(db) -> None:
    page = [{"seq": 1, "entity": "indicator", "id": "X", "op": "upsert",
             "data": {"id": "X", "fiscal_year": 2026, "unit_code": "U", "amount_fen": 10,
                      "available_fen": 10}}]
    with db.transaction() as s:
        apply_page(s, page, Touched())
    with db.transaction() as s:
        loaded = s.get(Indicator, "X")
        assert loaded.available == 10
        page[0]["seq"], page[0]["data"] = 2, {**page[0]["data"], "available_fen": 4}
        apply_page(s, page, Touched())
        assert loaded.available == 4 and loaded.server_seq == 2
