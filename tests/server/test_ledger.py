"""Ledger kinds and their limits; random operation sequences keep cache == journal."""
from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from server import ledger
from server.errors import ApiError
from server.models import Indicator
from tests.server.conftest import indicator


@pytest.fixture(scope="module")
def ind_id(world):
    assert world.api("bur_a").post("/api/v1/indicators/bulk", json={"items": [
        indicator("LED-1", "A1", 1_000)]}).status_code == 200
    return "LED-1"


def test_every_kind_and_its_limit(world, ind_id):
    with world.session() as s:
        ind = ledger.lock_indicator(s, ind_id)
        steps = [("increase", 500, (1500, 0, 0, 0)), ("freeze", 200, (1500, 200, 0, 0)),
                 ("reserve", 700, (1500, 200, 700, 0)), ("pay", 300, (1500, 200, 400, 300)),
                 ("refund", 100, (1500, 200, 400, 200)), ("release_reservation", 400, (1500, 200, 0, 200)),
                 ("unfreeze", 200, (1500, 0, 0, 200)), ("decrease", 1300, (200, 0, 0, 200))]
        for kind, amount, expected in steps:
            ledger.post(s, ind, kind, amount)
            assert (ind.amount, ind.frozen, ind.reserved, ind.paid) == expected
            assert ind.available == ind.amount - ind.frozen - ind.reserved - ind.paid
        for kind, amount in (("decrease", 1), ("reserve", 1), ("freeze", 1), ("unfreeze", 1),
                             ("pay", 1), ("release_reservation", 1), ("refund", 201)):
            with pytest.raises(ApiError) as e:
                ledger.post(s, ind, kind, amount)
            assert e.value.code == f"ledger_{kind}_exceeds" and "超过" in e.value.message
        for bad in (0, -5, 1.5, True):
            with pytest.raises((ApiError, ValueError)):
                ledger.post(s, ind, "increase", bad)
        s.flush()
        assert journal_problems(s) == []
        s.rollback()


def journal_problems(s):
    """These tests post reservations without applications: only compare cache and journal."""
    return [p for p in ledger.check(s) if p.field != "reserved_vs_applications"]


OPS = st.lists(st.tuples(st.sampled_from(ledger.KINDS), st.integers(1, 2_000)), min_size=1,
               max_size=25)


@given(ops=OPS)
@settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck))
def test_random_operations_keep_the_books(world, ind_id, ops):
    with world.session() as s:
        ind = ledger.lock_indicator(s, ind_id)
        for kind, amount in ops:
            try:
                ledger.post(s, ind, kind, amount)
            except ApiError:
                pass
            assert ind.available >= 0 and min(ind.frozen, ind.reserved, ind.paid) >= 0
        s.flush()
        assert journal_problems(s) == []
        s.rollback()


def test_check_reports_a_tampered_cache(world, ind_id):
    from sqlalchemy import update
    with world.session() as s:
        s.execute(update(Indicator).where(Indicator.id == ind_id)
                  .values(amount=Indicator.amount + 5, available=Indicator.available + 5))
        problems = journal_problems(s)
        assert [(p.indicator_id, p.field) for p in problems] == [(ind_id, "amount"), (ind_id, "available")]
        s.rollback()


def test_check_reports_a_reservation_without_application(world, ind_id):
    with world.session() as s:
        ind = ledger.lock_indicator(s, ind_id)
        ledger.post(s, ind, "reserve", 10)
        s.flush()
        assert [(p.field, p.cached, p.journal) for p in ledger.check(s)] == [
            ("reserved_vs_applications", 10, 0)]
        s.rollback()
