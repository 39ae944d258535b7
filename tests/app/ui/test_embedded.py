"""The embedded default of `make run`: a local server child process with demo users."""
from __future__ import annotations

import httpx
import pytest

from app.ui.embedded import EmbeddedServer, demo_users_from_seed

SEEDED = [
    {"username": "admin", "password": "6Lit3yPbKN3pM1", "role": "admin", "unit": "", "oversees": ""},
    {"username": "jb101002", "password": "0ESI8l6eYysF2k", "role": "accountant", "unit": "101002",
     "oversees": ""},
    {"username": "ywc_jy", "password": "Zr0TbBHtC5w8Lm", "role": "bureau_division", "unit": "",
     "oversees": "101"},
]


def test_seeded_users_become_demo_users_accountants_first():
    users = demo_users_from_seed(SEEDED)
    assert [u.username for u in users] == ["jb101002", "ywc_jy", "admin"]
    assert users[0].password == "0ESI8l6eYysF2k" and users[0].role_name == "单位经办人"
    assert users[0].display_name == "jb101002 101002"


def test_local_server_starts_seeds_and_stops(tmp_path):
    pytest.importorskip("server.cli")
    server = EmbeddedServer(tmp_path / "embedded")
    users = server.prepare()
    assert any(u.role == "accountant" for u in users)
    assert server.prepare() == users  # second run: same users, no second seed
    url = server.start()
    try:
        assert httpx.get(url + "/health", timeout=5).json()["status"] == "ok"
        acc = next(u for u in users if u.role == "accountant")
        r = httpx.post(url + "/api/v1/auth/login", timeout=10, json={
            "username": acc.username, "password": acc.password, "device_id": "t"})
        assert r.status_code == 200
    finally:
        server.stop()
    assert server.process is None
