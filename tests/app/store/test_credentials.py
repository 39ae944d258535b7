"""app.sync.credentials: tokens in the keyring only, offline unlock, sign-out, no-keyring message."""
from __future__ import annotations

import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import keyring
import pytest
from keyring.backends import fail, null

from app.sync.credentials import (
    KeyringUnavailable,
    OfflineUnlockError,
    Tokens,
    TokenStore,
    device_id,
    keyring_status,
    record_online_sign_in,
    sign_out,
    unlock_offline,
)

ROOT = Path(__file__).resolve().parents[3]
SERVER = "https://Jincai.example.gov.cn/"
TOKENS = Tokens("access-" + "a" * 300, "refresh-" + "r" * 40,
                datetime(2030, 1, 1, tzinfo=UTC))


def test_tokens_round_trip_in_keyring(memory_keyring) -> None:
    store = TokenStore()
    store.save(SERVER, "kuaiji01", TOKENS)
    assert store.load("https://jincai.example.gov.cn", "kuaiji01") == TOKENS
    assert store.load(SERVER, "someone-else") is None
    assert len(memory_keyring.store) == 2  # one entry per token
    assert store.delete(SERVER, "kuaiji01") is True
    assert store.load(SERVER, "kuaiji01") is None and memory_keyring.store == {}
    assert store.delete(SERVER, "kuaiji01") is False


def test_access_expiry() -> None:
    now = datetime(2030, 1, 1, tzinfo=UTC)
    assert TOKENS.access_expired(now=now)
    assert not TOKENS.access_expired(now=now - timedelta(minutes=5))


def test_sign_in_then_offline_unlock_then_sign_out(db, memory_keyring) -> None:
    user = record_online_sign_in(
        db=db, server_url=SERVER, username="kuaiji01", password="正确的密码 1234",
        tokens=TOKENS, display_name="会计甲", role="accountant", unit_code="101001",
    )
    assert user.online and user.has_tokens
    # nothing secret in any file of the data dir
    for f in db.data_dir.rglob("*"):
        if f.is_file():
            blob = f.read_bytes()
            assert TOKENS.access_token.encode() not in blob
            assert TOKENS.refresh_token.encode() not in blob
            assert "正确的密码".encode() not in blob

    with pytest.raises(OfflineUnlockError, match="密码不正确"):
        unlock_offline(db=db, server_url=SERVER, username="kuaiji01", password="wrong")
    with pytest.raises(OfflineUnlockError, match="联网登录"):
        unlock_offline(db=db, server_url=SERVER, username="nobody", password="x")
    offline = unlock_offline(db=db, server_url=SERVER, username="kuaiji01",
                             password="正确的密码 1234")
    assert (offline.online, offline.has_tokens, offline.display_name, offline.role) == (
        False, True, "会计甲", "accountant",
    )

    assert sign_out(db=db, server_url=SERVER, username="kuaiji01") is True
    assert memory_keyring.store == {}
    # still unlockable offline after sign-out (the drafts are on this machine) ...
    assert not unlock_offline(db=db, server_url=SERVER, username="kuaiji01",
                              password="正确的密码 1234").has_tokens
    # ... unless the user asks to forget this computer
    sign_out(db=db, server_url=SERVER, username="kuaiji01", forget_offline=True)
    with pytest.raises(OfflineUnlockError):
        unlock_offline(db=db, server_url=SERVER, username="kuaiji01", password="正确的密码 1234")


@pytest.mark.parametrize("backend", [null.Keyring, fail.Keyring])
def test_no_keyring_is_said_clearly(db, backend, monkeypatch) -> None:
    monkeypatch.delenv("PYTHON_KEYRING_BACKEND", raising=False)
    previous = keyring.get_keyring()
    keyring.set_keyring(backend())
    try:
        status = keyring_status()
        assert not status.ok and "PYTHON_KEYRING_BACKEND" in status.message
        with pytest.raises(KeyringUnavailable) as err:
            record_online_sign_in(db=db, server_url=SERVER, username="u", password="p",
                                  tokens=TOKENS)
        assert "没有可用的系统密钥环" in err.value.message
        assert backend.__module__ in err.value.message
        # nothing was recorded: no verifier without stored tokens
        with pytest.raises(OfflineUnlockError):
            unlock_offline(db=db, server_url=SERVER, username="u", password="p")
        assert sign_out(db=db, server_url=SERVER, username="u") is False
    finally:
        keyring.set_keyring(previous)


def _status_in_subprocess(backend: str) -> str:
    code = ("from app.sync.credentials import keyring_status; s = keyring_status();"
            " print(s.ok, s.backend); print(s.message)")
    env = dict(os.environ, PYTHON_KEYRING_BACKEND=backend, PYTHONPATH=str(ROOT))
    return subprocess.run([sys.executable, "-c", code], env=env, cwd=ROOT, capture_output=True,
                          text=True, check=True, timeout=60).stdout


def test_python_keyring_backend_is_honoured() -> None:
    out = _status_in_subprocess("keyring.backends.null.Keyring")
    assert out.startswith("False keyring.backends.null.Keyring")
    assert "PYTHON_KEYRING_BACKEND=keyring.backends.null.Keyring" in out
    out = _status_in_subprocess("tests.app.store.conftest.MemoryKeyring")
    assert out.startswith("True tests.app.store.conftest.MemoryKeyring")


def test_device_id_is_stable(tmp_path: Path) -> None:
    first = device_id(tmp_path)
    assert device_id(tmp_path) == first and len(first) == 36
