"""Issue #9 item 5: the server advertises the newest client; the client says so politely."""
from __future__ import annotations

import argparse
import json

import pytest

from app import __version__
from app.services.updates import ADVICE_FILE, is_newer, pending_update, record_advice

URL = "http://testserver"


@pytest.mark.parametrize(("candidate", "current", "newer"), [
    ("1.2.0", "1.1.9", True),
    ("1.10.0", "1.9.0", True),        # numeric, not string, comparison
    ("1.1.0", "1.1.0", False),
    ("1.0.0", "1.1.0", False),        # an older advertisement never nags
    ("1.2.0rc1", "1.1.0", True),
    ("not a version", "1.0.0", False),
    (None, "1.0.0", False),
    ("9.0.0", "0.0.0+source", False),  # a source checkout is never told to upgrade
])
def test_is_newer(candidate, current, newer) -> None:
    assert is_newer(candidate, current) is newer


def test_advice_round_trip_and_damage(tmp_path) -> None:
    assert pending_update(tmp_path, current="1.0.0") is None
    record_advice(tmp_path, {"latest_client_version": "1.4.2",
                             "client_download_url": "https://czj.example/jincai"})
    notice = pending_update(tmp_path, current="1.0.0")
    assert notice is not None and notice.latest_version == "1.4.2"
    assert "1.4.2" in notice.message() and "https://czj.example/jincai" in notice.message()
    assert "1.4.2" in notice.message_en()
    assert pending_update(tmp_path, current="1.4.2") is None
    record_advice(tmp_path, {})  # the server stopped advertising: the notice goes away
    assert pending_update(tmp_path, current="1.0.0") is None
    (tmp_path / ADVICE_FILE).write_text("{broken", encoding="utf-8")
    assert pending_update(tmp_path, current="1.0.0") is None


@pytest.fixture
def world(tmp_path, monkeypatch):
    from tests.server.conftest import build_world, make_database

    monkeypatch.setenv("JINCAI_CLIENT_LATEST_VERSION", "99.1.0")
    monkeypatch.setenv("JINCAI_CLIENT_DOWNLOAD_URL", "https://czj.example/jincai/99.1.0")
    w = build_world(make_database("sqlite", tmp_path / "server"))
    yield w
    w.client.close()
    w.app.state.engine.dispose()


def _version_path(world) -> str:
    return "/version"  # outside /api/v1: an old client must always be able to read it


def test_sync_records_the_server_advice_and_status_shows_it(db, memory_keyring, world, capsys,
                                                             monkeypatch) -> None:
    from app.services import updates
    from app.sync.cli import status
    from app.sync.engine import BackoffPolicy, SyncEngine
    from app.sync.http import HttpTransport, sign_in
    from tests.server.conftest import PASSWORD

    assert world.client.get(_version_path(world)).json()["latest_client_version"] == "99.1.0"
    sign_in(db=db, server_url=URL, username="acc_a1", password=PASSWORD, device_id="dev-upd",
            client=world.client)
    transport = HttpTransport(server_url=URL, username="acc_a1", device_id="dev-upd",
                              client=world.client)
    SyncEngine(db=db, transport=transport, backoff=BackoffPolicy(attempts=1, base_s=0)).run()

    monkeypatch.setattr(updates, "__version__", "1.0.0")  # pretend to be an installed 1.0.0
    notice = updates.pending_update(db.data_dir)
    assert notice is not None and notice.latest_version == "99.1.0"
    assert notice.download_url == "https://czj.example/jincai/99.1.0"

    parser = argparse.ArgumentParser()
    status.add_arguments(parser)
    assert status.run(parser.parse_args(["--json"])) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["update"]["latest_version"] == "99.1.0"
    assert out["update"]["current_version"] == "1.0.0"
    assert status.run(parser.parse_args([])) == 0
    assert "99.1.0" in capsys.readouterr().out

    monkeypatch.setattr(updates, "__version__", "99.1.0")  # once upgraded, the notice is gone
    assert status.run(parser.parse_args(["--json"])) == 0
    assert json.loads(capsys.readouterr().out)["update"] is None


def test_below_the_protocol_window_names_the_download(db, memory_keyring, world,
                                                     monkeypatch) -> None:
    from app.sync import http as sync_http
    from app.sync.engine import BackoffPolicy, SyncEngine
    from app.sync.http import HttpTransport, sign_in
    from app.sync.transport import UpgradeRequired
    from tests.server.conftest import PASSWORD

    sign_in(db=db, server_url=URL, username="acc_a1", password=PASSWORD, device_id="dev-upd",
            client=world.client)
    monkeypatch.setattr(sync_http, "PROTOCOL_VERSION", 0)
    import app.sync.engine as engine_module
    monkeypatch.setattr(engine_module, "PROTOCOL_VERSION", 0)
    transport = HttpTransport(server_url=URL, username="acc_a1", device_id="dev-upd",
                              client=world.client)
    with pytest.raises(UpgradeRequired) as err:
        SyncEngine(db=db, transport=transport, backoff=BackoffPolicy(attempts=1, base_s=0)).run()
    assert "升级" in err.value.message
    assert "https://czj.example/jincai/99.1.0" in err.value.message


def test_default_advertisement_is_the_servers_own_version(tmp_path) -> None:
    from tests.server.conftest import build_world, make_database

    w = build_world(make_database("sqlite", tmp_path / "server"))
    try:
        info = w.client.get(_version_path(w)).json()
    finally:
        w.client.close()
        w.app.state.engine.dispose()
    assert info["client_download_url"] is None
    assert info["latest_client_version"] == info["version"] == __version__
