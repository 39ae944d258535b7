"""The embedded default of `make run`: a local server child process with demo users."""
from __future__ import annotations

import httpx
import pytest

from app.ui.embedded import EmbeddedServer, parse_seed_output

SAMPLE = """演示数据已创建（2026 年度，区划 330700000 金华市本级）。演示用户（密码只显示这一次）：
用户名          密码               角色                 单位       管辖范围
admin           6Lit3yPbKN3pM1     admin
jb101002        0ESI8l6eYysF2k     accountant           101002
ywc_jy          Zr0TbBHtC5w8Lm     bureau_division                 101
"""


def test_seed_output_becomes_demo_users_accountants_first():
    users = parse_seed_output(SAMPLE)
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
