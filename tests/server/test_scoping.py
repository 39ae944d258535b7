"""Unit scoping: a user never reads (404) or writes another unit's records, for every resource."""
from __future__ import annotations

import hashlib
import os

import pytest

from tests.server.conftest import draft, indicator, new_id

PROTO = {"X-Jincai-Protocol": "1"}


def png(tag: bytes) -> bytes:
    return b"\x89PNG\r\n\x1a\n" + tag + os.urandom(64)


@pytest.fixture(scope="module")
def other(world):
    """Records of unit B1 (department DB) that A-side users must not see."""
    assert world.api("bur_b").post("/api/v1/indicators/bulk", json={"items": [
        indicator("IND-B1", "B1", 10_000_00)]}).status_code == 200
    assert world.api("bur_a").post("/api/v1/indicators/bulk", json={"items": [
        indicator("IND-A1", "A1", 10_000_00)]}).status_code == 200
    b = world.api("acc_b1")
    submitted, drafted = new_id(), new_id()
    assert b.put(f"/api/v1/applications/{submitted}", json=draft("IND-B1", 1_00)).status_code == 201
    assert b.post(f"/api/v1/applications/{submitted}/submit").status_code == 200
    assert b.put(f"/api/v1/applications/{drafted}", json=draft("IND-B1", 2_00)).status_code == 201
    data = png(b"B1")
    sha = hashlib.sha256(data).hexdigest()
    assert b.put(f"/api/v1/attachments/{sha}", content=data).status_code == 201
    assert b.post(f"/api/v1/applications/{drafted}/attachments",
                  json={"sha256": sha, "role": "other"}).status_code == 200
    return {"submitted": submitted, "draft": drafted, "sha": sha}


READS = [
    "/api/v1/units/B1",
    "/api/v1/indicators/IND-B1",
    "/api/v1/indicators/IND-B1/ledger",
    "/api/v1/applications/{submitted}",
    "/api/v1/applications/{draft}",
    "/api/v1/attachments/{sha}",
    "/api/v1/attachments/{sha}/content",
]


@pytest.mark.parametrize("user", ["acc_a1", "fin_a1", "bur_a"])
@pytest.mark.parametrize("path", READS)
def test_cross_unit_reads_are_404(world, other, user, path):
    r = world.api(user).get(path.format(**other))
    assert r.status_code == 404, (user, path, r.text)
    assert "B1" not in r.json()["message"] or "不存在或" in r.json()["message"]


@pytest.mark.parametrize("user", ["bur_b", "treas", "admin", "acc_b1"])
def test_overseers_and_owner_can_read(world, other, user):
    api = world.api(user)
    assert api.get("/api/v1/indicators/IND-B1").status_code == 200
    assert api.get(f"/api/v1/applications/{other['submitted']}").status_code == 200
    assert api.get(f"/api/v1/attachments/{other['sha']}").status_code == 200


def test_lists_and_sync_only_show_own_scope(world, other):
    acc = world.api("acc_a1")
    assert acc.get("/api/v1/indicators", params={"unit_code": "B1"}).json()["total"] == 0
    units = {i["unit_code"] for i in acc.get("/api/v1/indicators").json()["items"]}
    assert units == {"A1"}
    assert {a["unit_code"] for a in acc.get("/api/v1/applications").json()["items"]} <= {"A1"}
    assert [u["code"] for u in acc.get("/api/v1/units").json()] == ["A1"]
    assert [u["code"] for u in world.api("bur_a").get("/api/v1/units").json()] == ["A1", "A2"]
    changes = acc.get("/api/v1/sync/pull", params={"since": 0, "limit": 5000}, headers=PROTO).json()
    assert changes["changes"]
    for ch in changes["changes"]:
        assert ch["id"] not in ("IND-B1", "B1", other["submitted"], other["draft"])
        if ch["data"] and "unit_code" in ch["data"]:
            assert ch["data"]["unit_code"] == "A1"


def test_cross_unit_writes_are_refused_and_write_nothing(world, other):
    acc = world.api("acc_a1")
    before = world.counts()
    sub, dr, sha = other["submitted"], other["draft"], other["sha"]
    attempts = [
        acc.put(f"/api/v1/applications/{dr}", json=draft("IND-A1", 1_00)),
        acc.put(f"/api/v1/applications/{dr}", json=draft("IND-B1", 1_00)),
        acc.put(f"/api/v1/applications/{new_id()}", json=draft("IND-B1", 1_00)),
        acc.post(f"/api/v1/applications/{dr}/submit"),
        acc.post(f"/api/v1/applications/{sub}/withdraw"),
        acc.post(f"/api/v1/applications/{dr}/void"),
        acc.delete(f"/api/v1/applications/{dr}"),
        acc.post(f"/api/v1/applications/{dr}/attachments", json={"sha256": sha, "role": "other"}),
        acc.delete(f"/api/v1/applications/{dr}/attachments/{sha}"),
        world.api("bur_a").post("/api/v1/indicators/IND-B1/adjustments",
                                json={"kind": "freeze", "amount_fen": 1}),
        world.api("bur_a").post("/api/v1/indicators/bulk",
                                json={"items": [indicator("IND-B1", "B1", 1)]}),
        world.api("bur_a").post("/api/v1/indicators/bulk",
                                json={"items": [indicator("IND-B1", "A1", 1)]}),
    ]
    for r in attempts:
        assert r.status_code in (404, 422), r.text
    assert world.counts() == before


def test_forged_unit_code_is_refused(world, other):
    acc = world.api("acc_a1")
    before = world.counts()
    r = acc.put(f"/api/v1/applications/{new_id()}", json=draft("IND-A1", 1_00, unit_code="B1"))
    assert r.status_code == 403 and r.json()["code"] == "unit_forbidden"
    assert world.counts() == before


def test_own_app_cannot_use_foreign_attachment(world, other):
    acc = world.api("acc_a1")
    mine = new_id()
    assert acc.put(f"/api/v1/applications/{mine}", json=draft("IND-A1", 1_00)).status_code == 201
    r = acc.post(f"/api/v1/applications/{mine}/attachments", json={"sha256": other["sha"], "role": "other"})
    assert r.status_code == 404 and r.json()["code"] == "attachment_not_found"


@pytest.mark.parametrize("user", ["fin_a1", "bur_a", "treas", "admin"])
def test_only_accountants_write_applications(world, other, user):
    r = world.api(user).put(f"/api/v1/applications/{new_id()}", json=draft("IND-A1", 1_00))
    assert r.status_code == 403 and r.json()["code"] in ("role_forbidden",)


def test_admin_only_user_and_unit_management(world):
    for user in ("acc_a1", "bur_a", "treas"):
        assert world.api(user).get("/api/v1/users").status_code == 403
        assert world.api(user).post("/api/v1/users", json={
            "username": "x1", "password": "Abcdefgh123", "role": "admin"}).status_code == 403
    r = world.api("admin").post("/api/v1/users", json={
        "username": "new_acc", "password": "Abcdefgh1234", "role": "accountant", "unit_code": "A2"})
    assert r.status_code == 201 and r.json()["unit_code"] == "A2"


def test_cross_unit_sync_push_is_refused(world, other):
    before = world.counts()
    cmds = {"commands": [
        {"idempotency_key": f"x-{kind}-{other['draft']}", "type": f"application.{kind}",
         "entity_id": other["draft"], "payload": payload}
        for kind, payload in (("save_draft", draft("IND-A1", 1_00)), ("submit", {}),
                              ("withdraw", {}), ("void", {}))]}
    r = world.api("acc_a1").post("/api/v1/sync/push", json=cmds, headers=PROTO)
    assert r.status_code == 200
    assert [x["http_status"] for x in r.json()["results"]] == [404, 404, 404, 404]
    after = world.counts()
    assert after["idempotency_records"] == before["idempotency_records"] + 4
    assert {k: v for k, v in after.items() if k != "idempotency_records"} == \
        {k: v for k, v in before.items() if k != "idempotency_records"}
