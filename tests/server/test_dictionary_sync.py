"""The dictionaries in force for each 财政区划 (shipped defaults + the region's override file)
reach that region's clients through the pull feed, digest-versioned: unchanged dictionaries are
not re-sent, and a changed override reaches that region's users only."""
from __future__ import annotations

import json
import shutil

import pytest

from fiscal.dictionaries import dictionaries
from fiscal.resources import resource_path, resources_dir
from fiscal.schemas.sync import MAX_PROTOCOL_VERSION, PullPage

P = {"X-Jincai-Protocol": str(MAX_PROTOCOL_VERSION)}
OTHER = "330100000"  # a second 区划 with its own unit and accountant


def _pull(api, since=0):
    changes = []
    while True:
        r = api.get("/api/v1/sync/pull", params={"since": since, "limit": 500}, headers=P)
        assert r.status_code == 200, r.text
        page = PullPage.model_validate(r.json())
        changes += page.changes
        since = page.next_since
        if not page.has_more:
            return [c for c in changes if c.entity == "dictionaries"], since


@pytest.fixture(scope="module")
def two_regions(world):
    """The standard world (金华市本级 330700000) plus 杭州市本级 330100000 with unit H1 and
    accountant acc_h1."""
    from server.models import User
    from server.services import org
    from server.services.auth import _issue
    from tests.server.conftest import PASSWORD, Api

    with world.session() as s:
        org.ensure_region(s, OTHER, "杭州市本级")
        org.create_department(s, code="DH", name="丙部门", region_code=OTHER)
        org.create_unit(s, code="H1", name="单位H1", department_code="DH", unit_type="行政")
        org.create_user(s, username="acc_h1", password=PASSWORD, role="accountant", unit_code="H1")
        s.commit()
        user = s.query(User).filter_by(username="acc_h1").one()
        pair = _issue(s, world.settings, user, device_id="dev-acc_h1", device_name=None)
        s.commit()
    world.apis["acc_h1"] = Api(world.client, pair["access_token"])
    return world


@pytest.fixture
def resources_copy(tmp_path, monkeypatch):
    """A copy of resources/ the test may edit (an administrator changing an override file)."""
    target = tmp_path / "resources"
    shutil.copytree(resources_dir(), target)
    monkeypatch.setenv("JINCAI_RESOURCES", str(target))
    resources_dir.cache_clear()
    dictionaries.cache_clear()
    yield target
    monkeypatch.delenv("JINCAI_RESOURCES")
    resources_dir.cache_clear()
    dictionaries.cache_clear()


def test_each_region_gets_its_own_dictionaries(two_regions):
    from server import chain

    mine, _ = _pull(two_regions.api("acc_a1"))
    assert [c.id for c in mine] == ["330700000"]  # not the other region's
    data = mine[0].data
    # the 金华市 override file merged over the defaults
    assert data["dictionaries"]["region_name"] == "金华市"
    assert data["dictionaries"]["settlement_modes"] == dictionaries().settlement_modes
    assert data["digest"] == chain.digest({k: v for k, v in data.items() if k != "digest"})

    theirs, _ = _pull(two_regions.api("acc_h1"))
    assert [c.id for c in theirs] == [OTHER]
    assert "region_name" not in theirs[0].data["dictionaries"]  # no override file: defaults

    everyone, _ = _pull(two_regions.api("admin"))
    assert sorted(c.id for c in everyone) == sorted(["330700000", OTHER])


def test_unchanged_dictionaries_are_not_resent(two_regions):
    from server.services import dictionary_versions

    _, cursor = _pull(two_regions.api("acc_a1"))
    with two_regions.session() as s:
        assert dictionary_versions.publish(s) == []
        s.commit()
    again, _ = _pull(two_regions.api("acc_a1"), since=cursor)
    assert again == []


def test_changed_override_reaches_that_regions_users_only(two_regions, resources_copy):
    from server.models import DictionaryVersion
    from server.services import dictionary_versions

    _, cursor_a = _pull(two_regions.api("acc_a1"))
    _, cursor_h = _pull(two_regions.api("acc_h1"))
    with two_regions.session() as s:
        before = s.get(DictionaryVersion, "330700000").digest
    # the administrator adds an override for 杭州 (330100): a lower cash threshold
    (resources_copy / "dictionaries" / "regions" / "330100.json").write_text(json.dumps(
        {"region_name": "杭州市", "thresholds": {"cash_settlement_start_fen": 50_000}}),
        encoding="utf-8")
    assert resource_path("dictionaries", "regions", "330100.json").is_file()
    with two_regions.session() as s:
        assert dictionary_versions.publish(s) == [OTHER]
        s.commit()
        assert s.get(DictionaryVersion, "330700000").digest == before

    theirs, _ = _pull(two_regions.api("acc_h1"), since=cursor_h)
    assert [c.id for c in theirs] == [OTHER]
    assert theirs[0].data["dictionaries"]["thresholds"]["cash_settlement_start_fen"] == 50_000
    assert theirs[0].data["dictionaries"]["region_name"] == "杭州市"
    mine, _ = _pull(two_regions.api("acc_a1"), since=cursor_a)
    assert mine == []


def test_a_broken_override_file_holds_back_only_its_region(two_regions, resources_copy, caplog):
    from server.models import DictionaryVersion
    from server.services import dictionary_versions

    with two_regions.session() as s:
        before = {r: s.get(DictionaryVersion, r).digest for r in (OTHER, "330700000")}
    (resources_copy / "dictionaries" / "regions" / "330100.json").write_text(json.dumps(
        {"thresholds": {"cash_settlement_start_fen": "一千元"}}), encoding="utf-8")
    (resources_copy / "dictionaries" / "regions" / "330700.json").write_text(json.dumps(
        {"region_name": "金华市", "thresholds": {"cash_settlement_start_fen": 80_000}}),
        encoding="utf-8")
    with two_regions.session() as s:
        assert dictionary_versions.publish(s) == ["330700000"]  # the broken 330100 is skipped
        s.commit()
    assert "cash_settlement_start_fen" in caplog.text and OTHER in caplog.text
    with two_regions.session() as s:
        assert s.get(DictionaryVersion, OTHER).digest == before[OTHER]
        assert s.get(DictionaryVersion, "330700000").digest != before["330700000"]


def test_a_new_region_with_a_broken_override_is_created_without_dictionaries(world, resources_copy,
                                                                           caplog):
    from server.models import DictionaryVersion, Region
    from server.services import org

    (resources_copy / "dictionaries" / "regions" / "330200.json").write_text(json.dumps(
        {"settlement_modes": []}), encoding="utf-8")
    with world.session() as s:
        org.ensure_region(s, "330200000", "宁波市本级")
        s.commit()
    with world.session() as s:
        assert s.get(Region, "330200000") is not None
        assert s.get(DictionaryVersion, "330200000") is None
    assert "settlement_modes" in caplog.text
