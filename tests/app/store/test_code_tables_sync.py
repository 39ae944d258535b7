"""The server's classification tables reach the client through sync (only when their digest
changes) and the offline checks at queue time use them rather than the shipped tables."""
from __future__ import annotations

import pytest

pytest.importorskip("fastapi")
pytest.importorskip("server.app")

from app.services import DraftInput, queue_application, save_draft
from app.sync.code_tables import apply_code_tables, local_code_tables, mirrored_years
from app.sync.engine import BackoffPolicy, SyncEngine
from app.sync.http import HttpTransport, sign_in
from fiscal.codes import code_tables

URL = "http://testserver"
NEW_CODE = "2010180"  # not in the shipped 2026 functional table; its 款 20101 is


@pytest.fixture
def world(tmp_path):
    from tests.server.conftest import build_world, indicator, make_database

    w = build_world(make_database("sqlite", tmp_path / "server"))
    w.api("bur_a").post("/api/v1/indicators/bulk", json={"items": [
        indicator("CT-1", "A1", 100_000, func="201")]}).raise_for_status()
    yield w
    w.client.close()
    w.app.state.engine.dispose()


def _sync(db, world):
    transport = HttpTransport(server_url=URL, username="acc_a1", device_id="dev-ct",
                              client=world.client)
    report = SyncEngine(db=db, transport=transport, backoff=BackoffPolicy(attempts=2, base_s=0),
                        page_size=500).run()
    assert report.sanity_ok is True
    return report


def _draft(func_code: str) -> DraftInput:
    return DraftInput(indicator_id="CT-1", amount=1_00, use_des="支付办公用品款",
                      payee_name="某某文具有限公司", payee_account="6222021234567890123",
                      payee_bank="中国工商银行金华分行", func_code=func_code, dep_eco_code="30299",
                      fiscal_year=2026)


def _notes(db, func_code):
    app_id = save_draft(db=db, draft=_draft(func_code)).application.id
    return {n.code for n in queue_application(db=db, application_id=app_id).notes}


def test_server_tables_mirrored_and_used_offline(db, memory_keyring, world, monkeypatch):
    from server.models import CodeTableVersion
    from server.services import codes
    from tests.server.conftest import PASSWORD

    sign_in(db=db, server_url=URL, username="acc_a1", password=PASSWORD, device_id="dev-ct",
            client=world.client)
    _sync(db, world)
    with world.session() as s:
        server_digests = {v.fiscal_year: v.digest for v in s.query(CodeTableVersion)}
    with db.read() as s:
        assert mirrored_years(s) == server_digests
        t = local_code_tables(s, 2026)
        assert len(t.functional) == len(code_tables(2026).functional)
        assert t.gov_for_dep("30201", "行政") == code_tables(2026).gov_for_dep("30201", "行政")
    assert "unknown_func_code" in _notes(db, NEW_CODE)  # offline, before the server adds it

    # the server publishes a revised 2026 table (a new 项 under 20101)
    shipped = codes.table_payload

    def revised(year):
        p = shipped(year)
        if year == 2026:
            p["functional"] = [*p["functional"], {"code": NEW_CODE, "name": "其他人大事务（新增）",
                                                  "level": 3, "parent": "20101"}]
        return p
    monkeypatch.setattr(codes, "table_payload", revised)
    with world.session() as s:
        assert codes.publish(s) == [2026]
        s.commit()
    _sync(db, world)
    with db.read() as s:
        t = local_code_tables(s, 2026)
        assert t.functional.name(NEW_CODE) == "其他人大事务（新增）"
        assert mirrored_years(s)[2025] == server_digests[2025]  # the other year untouched
        assert mirrored_years(s)[2026] != server_digests[2026]
    assert "unknown_func_code" not in _notes(db, NEW_CODE)
    assert "unknown_func_code" in _notes(db, "2010181")  # still unknown on the server too


def test_unchanged_or_malformed_tables_leave_the_mirror_alone(db):
    from app.models import CodeTableEntry

    good = {"fiscal_year": 2031, "digest": "d1",
            "functional": [{"code": "201", "name": "一般公共服务支出"},
                           {"code": "20101", "name": "人大事务"}],
            "dep_economic": [{"code": "302", "name": "商品和服务支出"}],
            "gov_economic": [{"code": "502", "name": "机关商品和服务支出"}],
            "dep_to_gov": [{"unit_type": "行政", "dep_code": "302", "gov_code": "502"}]}
    with db.transaction() as s:
        assert apply_code_tables(s, good, 10) is True
    with db.transaction() as s:
        assert apply_code_tables(s, good, 11) is False  # same digest: nothing rewritten
        bad = {**good, "digest": "d2", "functional": [{"code": "20102", "name": "无上级"}]}
        assert apply_code_tables(s, bad, 12) is False  # a 款 without its 类: refused whole
    with db.read() as s:
        t = local_code_tables(s, 2031)
        assert sorted(i.code for i in t.functional.items()) == ["201", "20101"]
        assert t.gov_for_dep("30201", "行政") == "502"
        assert s.get(CodeTableEntry, ("code_tables_digest", 2031, "digest")).server_seq == 11
        assert local_code_tables(s, 2032) is None
