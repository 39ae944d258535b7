"""The client (store + engine + httpx transport) against the real server app in-process."""
from __future__ import annotations

import pytest

pytest.importorskip("fastapi")
pytest.importorskip("server.app")

from app.services import (
    DraftInput,
    get_application,
    get_indicator_balances,
    queue_application,
    save_draft,
)
from app.sync import http as sync_http
from app.sync.credentials import Tokens, TokenStore
from app.sync.engine import BackoffPolicy, SyncEngine, sync_status
from app.sync.http import HttpTransport, RequestRefused, sign_in
from app.sync.transport import UpgradeRequired

URL = "http://testserver"


@pytest.fixture
def world(tmp_path):
    from tests.server.conftest import build_world, indicator, make_database

    w = build_world(make_database("sqlite", tmp_path / "server"))
    items = [indicator("E2E-1", "A1", 100_000), indicator("E2E-2", "A1", 50_000),
             indicator("E2E-B", "B1", 70_000)]
    r = w.api("bur_a").post("/api/v1/indicators/bulk", json={"items": items[:2]})
    assert r.status_code == 200, r.text
    r = w.api("bur_b").post("/api/v1/indicators/bulk", json={"items": items[2:]})
    assert r.status_code == 200, r.text
    yield w
    w.client.close()
    w.app.state.engine.dispose()


def _engine(db, world) -> SyncEngine:
    transport = HttpTransport(server_url=URL, username="acc_a1", device_id="dev-e2e",
                              client=world.client)
    return SyncEngine(db=db, transport=transport, backoff=BackoffPolicy(attempts=2, base_s=0),
                      chunk_size=3, page_size=2)


def _draft(amount: int) -> DraftInput:
    return DraftInput(indicator_id="E2E-1", amount=amount, use_des="支付物业维修材料款",
                      payee_name="某某文具有限公司", payee_account="6222021234567890123",
                      payee_bank="中国工商银行金华分行", dep_eco_code="30299", fiscal_year=2026)


def test_sign_in_sync_queue_sync(db, memory_keyring, world) -> None:
    from tests.server.conftest import PASSWORD

    with pytest.raises(RequestRefused) as err:
        sign_in(db=db, server_url=URL, username="acc_a1", password="wrong", device_id="dev-e2e",
                client=world.client)
    assert err.value.status == 401
    user = sign_in(db=db, server_url=URL, username="acc_a1", password=PASSWORD,
                   device_id="dev-e2e", client=world.client)
    assert user.online and user.unit_code == "A1" and user.role == "accountant"

    report = _engine(db, world).run()
    assert report.sanity_ok is True
    balances = {b.id: b for b in get_indicator_balances(db=db)}
    assert set(balances) == {"E2E-1", "E2E-2"}  # B1's indicator is not in this user's scope
    assert balances["E2E-1"].confirmed_available == 100_000
    from app.models import CodeTableEntry

    with db.read() as s:  # units arrive in the code-table cache
        assert s.get(CodeTableEntry, ("unit", 0, "A1")).name == "单位A1"

    ids = []
    for amount in (40_000, 35_000):
        app_id = save_draft(db=db, draft=_draft(amount)).application.id
        queue_application(db=db, application_id=app_id)
        ids.append(app_id)

    # the access token expires mid-sync: one transparent refresh, new pair in the keyring
    store = TokenStore()
    old = store.load(URL, "acc_a1")
    store.save(URL, "acc_a1", Tokens("garbage-access-token", old.refresh_token, old.expires_at))
    report = _engine(db, world).run()
    assert (report.pushed, report.refused, report.sanity_ok) == (4, 0, True), report
    new = store.load(URL, "acc_a1")
    assert new.access_token != "garbage-access-token" and new.refresh_token != old.refresh_token

    for app_id in ids:
        v = get_application(db=db, application_id=app_id)
        assert v.local_status == "submitted" and v.app_no
    server_ind = world.api("acc_a1").get("/api/v1/indicators/E2E-1").json()
    [local] = get_indicator_balances(db=db, indicator_ids=["E2E-1"])
    assert local.confirmed_available == server_ind["available_fen"] == 25_000
    assert local.pending_own == 0
    server_apps = world.api("acc_a1").get("/api/v1/applications").json()
    assert server_apps["total"] == 2

    # a replayed sync changes nothing on the server
    report = _engine(db, world).run()
    assert report.pushed == 0
    assert world.api("acc_a1").get("/api/v1/applications").json()["total"] == 2
    status = sync_status(db=db)
    assert (status["user"], status["pending_outbox"], status["indicators"]) == ("acc_a1", 0, 2)

    # sign-out ends the session on the server and removes the tokens from the keyring
    refresh = store.load(URL, "acc_a1").refresh_token
    assert sync_http.sign_out(db=db, server_url=URL, username="acc_a1", client=world.client)
    assert store.load(URL, "acc_a1") is None and memory_keyring.store == {}
    r = world.client.post("/api/v1/auth/refresh",
                          json={"refresh_token": refresh, "device_id": "dev-e2e"})
    assert r.status_code == 401


def test_old_protocol_gets_upgrade_message(db, memory_keyring, world, monkeypatch) -> None:
    from tests.server.conftest import PASSWORD

    sign_in(db=db, server_url=URL, username="acc_a1", password=PASSWORD, device_id="dev-e2e",
            client=world.client)
    monkeypatch.setattr(sync_http, "PROTOCOL_VERSION", 0)
    with pytest.raises(UpgradeRequired) as err:
        _engine(db, world).run()
    assert "升级" in err.value.message
    assert "升级" in sync_status(db=db)["last_error"]


def test_personal_payee_id_number_travels_to_the_server_and_back(db, memory_keyring, world,
                                                                  tmp_path) -> None:
    """A draft with a personal payee's 身份证号 goes through the real sync engine, is stored
    by the server (upper-case X), and comes back in the pull feed — on this machine and on a
    second one that never saw the draft."""
    from app.db import open_database
    from fiscal.ids import resident_id_check_char
    from tests.server.conftest import PASSWORD

    id_x = next(f + "X" for f in (f"3307021985010100{i}" for i in range(10))
                if resident_id_check_char(f) == "X")
    sign_in(db=db, server_url=URL, username="acc_a1", password=PASSWORD, device_id="dev-e2e",
            client=world.client)
    _engine(db, world).run()
    draft = DraftInput(indicator_id="E2E-1", amount=12_000, use_des="支付评审劳务费",
                       payee_name="钱多多", payee_account="6228480000000077001",
                       payee_is_personal=True, payee_id_number=id_x.lower(),
                       dep_eco_code="30299", fiscal_year=2026)
    app_id = save_draft(db=db, draft=draft).application.id
    assert get_application(db=db, application_id=app_id).payee_id_number == id_x
    queue_application(db=db, application_id=app_id)
    report = _engine(db, world).run()
    assert (report.pushed, report.refused, report.sanity_ok) == (2, 0, True), report

    server = world.api("acc_a1").get(f"/api/v1/applications/{app_id}").json()
    assert server["payee_id_number"] == id_x and server["payee_is_personal"] is True
    mine = get_application(db=db, application_id=app_id)
    assert (mine.local_status, mine.payee_id_number, mine.dirty) == ("submitted", id_x, False)

    other = open_database(tmp_path / "second" / "jincai.sqlite3")
    try:
        sign_in(db=other, server_url=URL, username="acc_a1", password=PASSWORD,
                device_id="dev-e2e-2", client=world.client)
        transport = HttpTransport(server_url=URL, username="acc_a1", device_id="dev-e2e-2",
                                  client=world.client)
        report = SyncEngine(db=other, transport=transport,
                            backoff=BackoffPolicy(attempts=2, base_s=0), page_size=2).run()
        assert report.sanity_ok is True
        pulled = get_application(db=other, application_id=app_id)
        assert (pulled.payee_id_number, pulled.payee_name, pulled.local_status) == (
            id_x, "钱多多", "submitted")
    finally:
        other.close()
