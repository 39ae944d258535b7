"""The headless commands' modules (app.sync.cli.*) as app.cli runs them."""
from __future__ import annotations

import argparse
import importlib
import json

import keyring
import pytest
from keyring.backends import null

from tests.app.store.test_db import _corrupt, _seed


def run(name: str, *argv: str) -> int:
    module = importlib.import_module(f"app.sync.cli.{name}")
    parser = argparse.ArgumentParser(prog=f"jincai {name}")
    module.add_arguments(parser)
    return module.run(parser.parse_args(list(argv)))


def test_status_json(data_dir, memory_keyring, capsys) -> None:
    assert run("status", "--json") == 0
    out = json.loads(capsys.readouterr().out)
    for key in ("server", "user", "last_sync", "pending_outbox", "conflicts", "indicators",
                "applications"):
        assert key in out
    assert (out["pending_outbox"], out["applications"], out["keyring"]["ok"]) == (0, 0, True)
    assert (data_dir / "jincai.sqlite3").exists()


def test_login_without_keyring_says_so_before_asking(data_dir, capsys, monkeypatch) -> None:
    previous = keyring.get_keyring()
    keyring.set_keyring(null.Keyring())
    monkeypatch.setattr("getpass.getpass", lambda *_: pytest.fail("asked for a password"))
    try:
        code = run("login", "--server", "http://127.0.0.1:9", "--user", "u")
    finally:
        keyring.set_keyring(previous)
    assert code == 2
    assert "PYTHON_KEYRING_BACKEND" in capsys.readouterr().err


def test_login_unreachable_server(data_dir, memory_keyring, capsys, monkeypatch) -> None:
    monkeypatch.setenv("JINCAI_PASSWORD", "x")
    assert run("login", "--server", "http://127.0.0.1:9", "--user", "u") == 5
    assert "无法连接服务器" in capsys.readouterr().err


def test_sync_needs_sign_in(data_dir, memory_keyring, capsys) -> None:
    assert run("sync") == 4
    assert "jincai login" in capsys.readouterr().err


def test_store_check_and_fresh(data_dir, capsys) -> None:
    path = data_dir / "jincai.sqlite3"
    _seed(path, drafts=["差旅费"])
    assert run("store", "check") == 0
    assert run("store", "backup") == 0
    assert "backup" in capsys.readouterr().err
    _corrupt(path)
    assert run("store", "check") == 6
    assert run("status") == 6  # every command explains and points at the recovery
    err = capsys.readouterr().err
    assert "损坏" in err and "jincai store restore" in err
    assert run("store", "fresh") == 0
    assert "重新导入 1 份" in capsys.readouterr().err
    assert run("store", "check", "--full") == 0


def test_python_m_entry_point(data_dir, memory_keyring, capsys) -> None:
    from app.sync.cli.__main__ import main

    assert main(["status", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["stage"] == "idle"
