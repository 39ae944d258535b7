"""The duplicate check asks the real server (SQLite and PostgreSQL) before a voucher is attached;
offline, the local check still runs and the result says the server check is pending."""
from __future__ import annotations

import hashlib
import os

import httpx
import pytest

pytest.importorskip("fastapi")

from app.capture.duplicates import SERVER_FAILED, SERVER_PENDING, DuplicateChecker
from app.ocr.model import FieldValue, VoucherResult
from app.sync.credentials import Tokens, TokenStore
from app.sync.http import HttpTransport
from tests.server.conftest import DB_PARAMS, build_world, draft, indicator, make_database, new_id

URL = "http://testserver"
USED = "25332000000011112222"


class _Tokens(TokenStore):
    """The server's token for one user, held in memory (no keyring on a test box)."""

    def __init__(self, token: str):
        super().__init__()
        self.tokens = Tokens(token, "unused-refresh-token")

    def load(self, server_url, username):
        return self.tokens

    def save(self, server_url, username, tokens):
        self.tokens = tokens


@pytest.fixture(scope="module", params=DB_PARAMS)
def world(request, tmp_path_factory):
    from tests.server.conftest import drop_database

    db = make_database(request.param, tmp_path_factory.mktemp(f"dup-{request.param}"))
    w = build_world(db)
    assert w.api("bur_a").post("/api/v1/indicators/bulk", json={"items": [
        indicator("IND-DUP", "A1", 1_000_00)]}).status_code == 200
    a1 = w.api("acc_a1")
    app_id = new_id()
    assert a1.put(f"/api/v1/applications/{app_id}", json=draft("IND-DUP", 5_00)).status_code in (200, 201)
    data = b"%PDF-1.7 scanned invoice " + os.urandom(8)
    sha = hashlib.sha256(data).hexdigest()
    assert a1.put(f"/api/v1/attachments/{sha}", content=data).status_code in (200, 201)
    r = a1.post(f"/api/v1/applications/{app_id}/attachments", json={
        "sha256": sha, "role": "invoice",
        "invoice": {"kind": "电子发票（普通发票）", "number": USED, "amount_fen": 5_00,
                    "issue_date": "2026-03-01"}})
    assert r.status_code == 200, r.text
    w.app_no = r.json()["app_no"]
    yield w
    w.client.close()
    w.app.state.engine.dispose()
    drop_database(db)


def transport(world, user: str) -> HttpTransport:
    return HttpTransport(server_url=URL, username=user, device_id=f"dev-{user}",
                         client=world.client, store=_Tokens(world.api(user).token))


def voucher(number: str) -> VoucherResult:
    fields = {"invoice_number": FieldValue(number, 0.99, "qr")}
    return VoucherResult("scan.jpg", 1, "digital_normal", fields, [], "rapidocr", 1.0,
                         hashlib.sha256(number.encode()).hexdigest())


def test_an_invoice_used_in_the_own_unit_names_the_application(world):
    checker = DuplicateChecker(None, transport(world, "acc_a1").check_invoices)
    r = voucher(USED)
    assert checker.flag(r) == f"服务器上本单位的支付申请 {world.app_no}"
    assert r.server_check == "done" and "疑似重复报销" in r.warnings[0]
    fresh = voucher("25332000000099998888")
    assert checker.flag(fresh) is None
    assert fresh.server_check == "done" and fresh.warnings == []


def test_another_unit_learns_only_that_it_is_used(world):
    r = voucher(USED)
    found = DuplicateChecker(None, transport(world, "acc_b1").check_invoices).flag(r)
    assert found == "服务器上另一单位的支付申请"
    assert world.app_no not in " ".join(r.warnings)


def test_offline_the_local_check_runs_and_the_server_check_is_pending(world):
    local = {("invoice", USED): "支付申请 本机-1"}
    r = voucher(USED)
    checker = DuplicateChecker(lambda kind, key: local.get((kind, key)), lambda keys: None)
    assert checker.flag(r) == "支付申请 本机-1"  # found locally: no need to ask the server
    other = voucher("25332000000077776666")
    assert checker.flag(other) is None
    assert other.server_check == "pending" and other.warnings == [SERVER_PENDING]
    assert other.to_json()["server_check"] == "pending"


def test_an_unreachable_server_leaves_the_check_pending(world):
    dead = httpx.Client(base_url="http://127.0.0.1:9", timeout=0.5)
    t = HttpTransport(server_url="http://127.0.0.1:9", username="acc_a1", device_id="d",
                      client=dead, store=_Tokens(world.api("acc_a1").token))
    r = voucher(USED)
    assert DuplicateChecker(None, t.check_invoices).flag(r) is None
    assert r.server_check == "pending" and r.warnings == [SERVER_FAILED]
    dead.close()
