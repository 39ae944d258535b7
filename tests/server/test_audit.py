"""Audit chain: every state change is chained; a hand edit, deletion or reordering is found."""
from __future__ import annotations

import pytest
from sqlalchemy import text

from server import chain
from tests.server.conftest import draft, indicator, new_id


@pytest.fixture(scope="module")
def activity(world):
    assert world.api("bur_a").post("/api/v1/indicators/bulk", json={"items": [
        indicator("IND-AUD", "A1", 5_000_00)]}).status_code == 200
    acc = world.api("acc_a1")
    for _ in range(3):
        aid = new_id()
        assert acc.put(f"/api/v1/applications/{aid}", json=draft("IND-AUD", 1_00)).status_code == 201
        assert acc.post(f"/api/v1/applications/{aid}/submit").status_code == 200
    return world


def _unguard(session):
    """What an attacker with database access would do first: remove the append-only trigger."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("ALTER TABLE audit_events DISABLE TRIGGER USER"))
    else:
        session.execute(text("DROP TRIGGER IF EXISTS audit_events_no_update"))
        session.execute(text("DROP TRIGGER IF EXISTS audit_events_no_delete"))


def test_state_changes_are_audited(activity):
    with activity.session() as s:
        actions = [r[0] for r in s.execute(text("SELECT action FROM audit_events ORDER BY seq"))]
    assert "indicator.create" in actions and "application.submit" in actions
    assert actions.count("application.submit") >= 3
    with activity.session() as s:
        ev = s.execute(text("SELECT actor, device_id, entity_type, after_digest FROM audit_events "
                            "WHERE action = 'application.submit' LIMIT 1")).one()
    assert ev[0] == "acc_a1" and ev[1] == "dev-acc_a1" and ev[2] == "application" and len(ev[3]) == 64


def test_verify_passes(activity):
    with activity.session() as s:
        r = chain.verify(s)
    assert r.ok, r.message()
    assert r.checked == r.head_seq > 10
    v = activity.api("admin").get("/api/v1/audit/verify").json()
    assert v["ok"] is True
    assert activity.api("acc_a1").get("/api/v1/audit/verify").status_code == 403


def test_append_only_triggers(activity):
    from sqlalchemy.exc import DBAPIError
    with activity.session() as s:
        with pytest.raises(DBAPIError):
            s.execute(text("UPDATE audit_events SET actor = 'x' WHERE seq = 1"))
        s.rollback()
        with pytest.raises(DBAPIError):
            s.execute(text("DELETE FROM ledger_entries"))
        s.rollback()


def test_hand_edit_is_detected_and_named(activity, capsys):
    with activity.session() as s:
        target = s.execute(text("SELECT seq FROM audit_events WHERE action = 'application.submit' "
                                "ORDER BY seq LIMIT 1")).scalar_one()
        _unguard(s)
        s.execute(text("UPDATE audit_events SET detail = REPLACE(detail, :old, :new) "
                       "WHERE seq = :seq"),
                  {"seq": target, "old": '"reserved":100', "new": '"reserved":1'})
        s.commit()
    with activity.session() as s:
        r = chain.verify(s)
    assert not r.ok and r.first_bad_seq == target
    assert f"第一条异常事件序号 {target}" in r.message() and "修改" in r.message()
    # the CLI exits non-zero and names the event
    import os

    from server import cli
    from server.settings import get_settings
    os.environ["JINCAI_DATABASE_URL"] = activity.db.url
    get_settings.cache_clear()
    try:
        assert cli.main(["audit", "verify"]) == 1
    finally:
        del os.environ["JINCAI_DATABASE_URL"]
        get_settings.cache_clear()
    assert f"序号 {target}" in capsys.readouterr().out


def test_deletion_and_reordering_are_detected(activity):
    with activity.session() as s:
        _unguard(s)
        n = s.execute(text("SELECT MAX(seq) FROM audit_events")).scalar_one()
        s.execute(text("DELETE FROM audit_events WHERE seq = :n"), {"n": n})  # drop the tail
        s.commit()
    with activity.session() as s:
        r = chain.verify(s)
    assert not r.ok  # (the earlier edit is still reported first)
    assert r.first_bad_seq is not None
