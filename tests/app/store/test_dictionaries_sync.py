"""The server's dictionaries for the user's 区划 reach the client through sync (only when their
digest changes), and the offline checks, the rule preview and the form's dropdown use them rather
than the dictionaries this client version shipped with. A malformed payload keeps the previous
copy."""
from __future__ import annotations

import copy

import pytest

pytest.importorskip("fastapi")
pytest.importorskip("server.app")

from app.services import DraftInput, queue_application, save_draft
from app.services.ui_queries import dictionary_lists, preview_application
from app.sync.dictionaries import apply_dictionaries, local_dictionaries, mirrored_regions
from app.sync.engine import BackoffPolicy, SyncEngine
from app.sync.http import HttpTransport, sign_in
from fiscal.dictionaries import dictionaries, shipped_raw

URL = "http://testserver"
REGION = "330700000"  # the test world's 区划 (金华市本级; shipped override file 330700.json)


@pytest.fixture
def world(tmp_path):
    from tests.server.conftest import build_world, indicator, make_database

    w = build_world(make_database("sqlite", tmp_path / "server"))
    w.api("bur_a").post("/api/v1/indicators/bulk", json={"items": [
        indicator("DI-1", "A1", 10_000_00)]}).raise_for_status()
    yield w
    w.client.close()
    w.app.state.engine.dispose()


def _sync(db, world):
    transport = HttpTransport(server_url=URL, username="acc_a1", device_id="dev-di",
                              client=world.client)
    report = SyncEngine(db=db, transport=transport, backoff=BackoffPolicy(attempts=2, base_s=0),
                        page_size=500).run()
    assert report.sanity_ok is True
    return report


def _personal_draft() -> DraftInput:
    # ¥2,000 to a person: below the shipped ¥50,000 basis threshold
    return DraftInput(indicator_id="DI-1", amount=2_000_00, use_des="支付专家评审劳务费",
                      payee_name="张三", payee_account="6222021234567890123",
                      payee_bank="中国工商银行金华分行", payee_is_personal=True,
                      dep_eco_code="30226", settlement_mode="转账", fiscal_year=2026)


def _queue_notes(db) -> dict[str, str]:
    app_id = save_draft(db=db, draft=_personal_draft()).application.id
    return {n.code: n.message for n in queue_application(db=db, application_id=app_id).notes}


def _preview_codes(db) -> set[str]:
    return {v.code for v in preview_application(db=db, draft=_personal_draft()).violations}


def test_server_dictionaries_mirrored_and_used_offline(db, memory_keyring, world, monkeypatch):
    from server.models import DictionaryVersion
    from server.services import dictionary_versions
    from tests.server.conftest import PASSWORD

    assert dictionary_lists(db=db).from_server is False  # nothing synced yet: shipped lists
    sign_in(db=db, server_url=URL, username="acc_a1", password=PASSWORD, device_id="dev-di",
            client=world.client)
    _sync(db, world)
    with world.session() as s:
        first = s.get(DictionaryVersion, REGION).digest
    with db.read() as s:
        assert mirrored_regions(s) == {REGION: first}
        assert local_dictionaries(s, REGION).raw["region_name"] == "金华市"
        assert local_dictionaries(s).region == REGION  # the user's only region
    assert "personal_payee_basis_required" not in _queue_notes(db)
    assert "personal_payee_basis_required" not in _preview_codes(db)

    # The bureau lowers 金华's basis threshold to ¥1,000 and adds a 结算方式 on the server only.
    shipped = dictionary_versions.shipped_raw

    def revised(region=None):
        raw = copy.deepcopy(shipped(region))
        if region == "330700":
            raw["thresholds"]["personal_payee_basis_fen"] = 1_000_00
            raw["settlement_modes"]["7"] = "网上银行转账"
        return raw
    monkeypatch.setattr(dictionary_versions, "shipped_raw", revised)
    with world.session() as s:
        assert dictionary_versions.publish(s) == [REGION]
        s.commit()
    _sync(db, world)

    # the client's own shipped copy did not change: what follows comes from the mirror
    assert dictionaries("330700").thresholds.personal_payee_basis_fen == 50_000_00
    assert "网上银行转账" not in dictionaries("330700").settlement_modes.values()
    with db.read() as s:
        assert mirrored_regions(s)[REGION] != first
        assert local_dictionaries(s, REGION).thresholds.personal_payee_basis_fen == 1_000_00
    notes = _queue_notes(db)
    assert "personal_payee_basis_required" in notes
    assert "1,000.00" in notes["personal_payee_basis_required"]
    assert "personal_payee_basis_required" in _preview_codes(db)
    lists = dictionary_lists(db=db)
    assert lists.from_server is True and lists.settlement_modes["7"] == "网上银行转账"

    # nothing changed on the server: the next sync sends no dictionaries again
    with db.read() as s:
        from app.models import CodeTableEntry
        seq_before = s.get(CodeTableEntry, ("dictionaries", 0, REGION)).server_seq
    with world.session() as s:
        assert dictionary_versions.publish(s) == []
        s.commit()
    _sync(db, world)
    with db.read() as s:
        assert s.get(CodeTableEntry, ("dictionaries", 0, REGION)).server_seq == seq_before


def test_malformed_dictionaries_keep_the_previous_copy(db, caplog):
    from app.models import CodeTableEntry

    raw = shipped_raw("330700")
    raw["thresholds"]["cash_settlement_start_fen"] = 50_000
    good = {"region": "330100000", "digest": "d1", "dictionaries": raw}
    with db.transaction() as s:
        assert apply_dictionaries(s, good, 10) is True
    with db.transaction() as s:
        assert apply_dictionaries(s, good, 11) is False  # same digest: nothing rewritten
        broken = copy.deepcopy(raw)
        broken["thresholds"]["cash_settlement_start_fen"] = "五百元"
        assert apply_dictionaries(s, {**good, "digest": "d2", "dictionaries": broken}, 12) is False
        missing = copy.deepcopy(raw)
        del missing["settlement_modes"]
        assert apply_dictionaries(s, {**good, "digest": "d3", "dictionaries": missing}, 13) is False
        assert apply_dictionaries(s, {**good, "digest": "d4", "dictionaries": [1, 2]}, 14) is False
        assert apply_dictionaries(s, "not an object", 15) is False
    assert "cash_settlement_start_fen" in caplog.text and "settlement_modes" in caplog.text
    with db.read() as s:
        assert mirrored_regions(s) == {"330100000": "d1"}
        assert s.get(CodeTableEntry, ("dictionaries", 0, "330100000")).server_seq == 11
        assert local_dictionaries(s, "330100000").thresholds.cash_settlement_start_fen == 50_000
        # another region, never mirrored: the shipped dictionaries (with its shipped override)
        assert local_dictionaries(s, "330700000").raw["region_name"] == "金华市"
        assert local_dictionaries(s, "330700000").thresholds.cash_settlement_start_fen == 1_000_00


def test_a_damaged_local_copy_falls_back_to_the_shipped_dictionaries(db, caplog):
    from app.models import CodeTableEntry

    with db.transaction() as s:
        s.add(CodeTableEntry(table="dictionaries", fiscal_year=0, code="330700000", name="d-bad",
                             extra={"fund_types": "damaged"}, server_seq=3))
    with db.read() as s:
        d = local_dictionaries(s, "330700000")
    assert d.raw["region_name"] == "金华市" and d.fund_types == dictionaries().fund_types
    assert "unreadable" in caplog.text
