"""Authentication: argon2id, short-lived access tokens, rotating device-bound refresh tokens,
lockout with back-off, logout, password change; every endpoint but health/version needs a token."""
from __future__ import annotations

import re
import time

import pytest

from tests.server.conftest import PASSWORD, build_world


@pytest.fixture(scope="module")
def w(database):
    world = build_world(database, lockout_threshold=3, lockout_base_seconds=30,
                        access_token_minutes=5)
    yield world
    world.client.close()
    world.app.state.engine.dispose()


def login(w, username="acc_a1", password=PASSWORD, device="dev-1"):
    return w.client.post("/api/v1/auth/login", json={"username": username, "password": password,
                                                      "device_id": device, "device_name": "测试机"})


def test_password_hash_is_argon2id(w):
    from server.models import User
    with w.session() as s:
        h = s.query(User).filter_by(username="acc_a1").one().password_hash
    assert h.startswith("$argon2id$")


def test_login_returns_tokens_and_me(w):
    r = login(w)
    assert r.status_code == 200
    body = r.json()
    assert body["token_type"] == "bearer" and body["expires_in"] == 300
    assert body["user"]["role"] == "accountant" and body["user"]["unit_code"] == "A1"
    me = w.client.get("/api/v1/me", headers={"Authorization": f"Bearer {body['access_token']}"})
    assert me.status_code == 200 and me.json()["username"] == "acc_a1"


def test_refresh_token_stored_hashed(w):
    from server.models import RefreshToken
    token = login(w).json()["refresh_token"]
    with w.session() as s:
        hashes = [t.token_hash for t in s.query(RefreshToken).all()]
    assert token not in hashes and all(re.fullmatch(r"[0-9a-f]{64}", h) for h in hashes)


def test_bad_password_same_message_for_unknown_user(w):
    a = login(w, "acc_a2", "wrong-password-1")
    b = login(w, "no_such_user", "wrong-password-1")
    assert a.status_code == b.status_code == 401
    assert a.json()["message"] == b.json()["message"] == "用户名或密码错误。"


def _let_lock_expire(w, username):
    """Move the lock into the past instead of sleeping (robust on a loaded CI machine)."""
    from datetime import UTC, datetime, timedelta

    from server.models import User
    with w.session() as s:
        u = s.query(User).filter_by(username=username).one()
        u.locked_until = datetime.now(UTC) - timedelta(seconds=1)
        s.commit()


def test_lockout_with_backoff(w):
    for _ in range(2):
        assert login(w, "acc_b1", "wrong-password-1").status_code == 401
    third = login(w, "acc_b1", "wrong-password-1")
    assert third.status_code == 423 and third.json()["code"] == "account_locked"
    assert int(third.headers["Retry-After"]) == 30
    locked = login(w, "acc_b1")  # even the right password is refused while locked
    assert locked.status_code == 423 and "秒后重试" in locked.json()["message"]
    _let_lock_expire(w, "acc_b1")
    fourth = login(w, "acc_b1", "wrong-password-1")  # back-off doubles
    assert fourth.status_code == 423 and int(fourth.headers["Retry-After"]) == 60
    _let_lock_expire(w, "acc_b1")
    ok = login(w, "acc_b1")
    assert ok.status_code == 200
    assert login(w, "acc_b1", "wrong-password-1").status_code == 401  # counter reset on success


def test_refresh_rotation_and_reuse_detection(w):
    first = login(w, device="laptop").json()
    r = w.client.post("/api/v1/auth/refresh", json={"refresh_token": first["refresh_token"],
                                                     "device_id": "laptop"})
    assert r.status_code == 200
    second = r.json()
    assert second["refresh_token"] != first["refresh_token"]
    # replaying the used token kills the whole session family
    replay = w.client.post("/api/v1/auth/refresh", json={"refresh_token": first["refresh_token"],
                                                          "device_id": "laptop"})
    assert replay.status_code == 401
    dead = w.client.post("/api/v1/auth/refresh", json={"refresh_token": second["refresh_token"],
                                                         "device_id": "laptop"})
    assert dead.status_code == 401
    me = w.client.get("/api/v1/me", headers={"Authorization": f"Bearer {second['access_token']}"})
    assert me.status_code == 401


def test_refresh_token_is_bound_to_device(w):
    t = login(w, device="desk-1").json()
    r = w.client.post("/api/v1/auth/refresh", json={"refresh_token": t["refresh_token"],
                                                     "device_id": "other-device"})
    assert r.status_code == 401
    r = w.client.post("/api/v1/auth/refresh", json={"refresh_token": t["refresh_token"],
                                                     "device_id": "desk-1"})
    assert r.status_code == 401  # revoked after the mismatch


def test_logout_revokes_access_token(w):
    t = login(w, device="tablet").json()
    h = {"Authorization": f"Bearer {t['access_token']}"}
    assert w.client.get("/api/v1/me", headers=h).status_code == 200
    assert w.client.post("/api/v1/auth/logout", headers=h,
                         json={"refresh_token": t["refresh_token"]}).status_code == 204
    assert w.client.get("/api/v1/me", headers=h).status_code == 401


def test_expired_and_forged_tokens(w):
    import jwt
    t = login(w).json()["access_token"]
    claims = jwt.decode(t, options={"verify_signature": False})
    forged = jwt.encode({**claims, "sub": "1"}, "not-the-secret-but-long-enough-to-be-valid-0123", algorithm="HS256")
    expired = jwt.encode({**claims, "exp": int(time.time()) - 5}, w.settings.secret_key,
                         algorithm="HS256")
    none_alg = jwt.encode({**claims}, None, algorithm="none") if hasattr(jwt, "encode") else t
    for bad in (forged, expired, none_alg, "garbage"):
        assert w.client.get("/api/v1/me", headers={"Authorization": f"Bearer {bad}"}).status_code == 401


def test_password_change(w):
    t = login(w, "acc_a2").json()
    h = {"Authorization": f"Bearer {t['access_token']}"}
    weak = w.client.post("/api/v1/auth/password", headers=h,
                         json={"old_password": PASSWORD, "new_password": "onlyletters"})
    assert weak.status_code == 422 and "字母和数字" in weak.json()["message"]
    wrong = w.client.post("/api/v1/auth/password", headers=h,
                          json={"old_password": "nope-12345", "new_password": "NewPassw0rd-2026"})
    assert wrong.status_code == 403
    ok = w.client.post("/api/v1/auth/password", headers=h,
                       json={"old_password": PASSWORD, "new_password": "NewPassw0rd-2026"})
    assert ok.status_code == 200
    assert w.client.get("/api/v1/me", headers=h).status_code == 401  # old tokens are dead
    assert w.client.get("/api/v1/me", headers={
        "Authorization": f"Bearer {ok.json()['access_token']}"}).status_code == 200
    assert login(w, "acc_a2").status_code == 401
    assert login(w, "acc_a2", "NewPassw0rd-2026").status_code == 200


def test_every_endpoint_but_health_and_version_requires_a_token(w):
    spec = w.client.get("/openapi.json").json()
    assert w.client.get("/health").status_code == 200
    assert w.client.get("/version").json()["protocol_version"] >= 1
    checked = 0
    for path, ops in spec["paths"].items():
        for method in ops:
            if path in ("/health", "/version") or path.startswith(
                    ("/api/v1/auth/login", "/api/v1/auth/refresh")):
                continue
            url = re.sub(r"\{[^}]+\}", "x", path)
            url = url.replace("/applications/x", "/applications/5b6c1a52-3a6f-4f55-8b31-1d3c0a5b9e10")
            url = url.replace("/attachments/x", "/attachments/" + "a" * 64)
            r = w.client.request(method.upper(), url, headers={"X-Jincai-Protocol": "1"})
            assert r.status_code == 401, (method, path, r.status_code, r.text)
            checked += 1
    assert checked >= 20


def test_admin_deactivates_and_unlocks(w):
    admin = w.client.post("/api/v1/auth/login", json={"username": "admin", "password": PASSWORD,
                                                       "device_id": "adm"}).json()
    ah = {"Authorization": f"Bearer {admin['access_token']}"}
    t = login(w, "fin_a1").json()
    h = {"Authorization": f"Bearer {t['access_token']}"}
    assert w.client.patch("/api/v1/users/fin_a1", headers=h, json={"is_active": False}).status_code == 403
    r = w.client.patch("/api/v1/users/fin_a1", headers=ah, json={"is_active": False})
    assert r.status_code == 200 and r.json()["is_active"] is False
    assert w.client.get("/api/v1/me", headers=h).status_code == 401
    assert login(w, "fin_a1").status_code == 401
    assert w.client.post("/api/v1/auth/refresh", json={"refresh_token": t["refresh_token"],
                                                        "device_id": "dev-1"}).status_code == 401
    assert w.client.patch("/api/v1/users/fin_a1", headers=ah, json={"is_active": True}).status_code == 200
    assert login(w, "fin_a1").status_code == 200
    for _ in range(3):
        login(w, "fin_a1", "wrong-password-1")
    assert login(w, "fin_a1").status_code == 423
    assert w.client.patch("/api/v1/users/fin_a1", headers=ah, json={"unlock": True}).status_code == 200
    assert login(w, "fin_a1").status_code == 200
    assert w.client.patch("/api/v1/users/admin", headers=ah, json={"is_active": False}).status_code == 422
    assert w.client.patch("/api/v1/users/nobody", headers=ah, json={"unlock": True}).status_code == 404


def test_unknown_user_names_are_locked_out_the_same_way(w):
    """No user enumeration: a name that does not exist answers exactly like a real account."""
    real = [login(w, "treas", "wrong-password-1") for _ in range(3)]
    fake = [login(w, "no_such_person", "wrong-password-1") for _ in range(3)]
    assert [r.status_code for r in real] == [r.status_code for r in fake] == [401, 401, 423]
    assert real[2].json()["message"] == fake[2].json()["message"]
    assert real[2].headers["Retry-After"] == fake[2].headers["Retry-After"]
    again = login(w, "no_such_person", "whatever-123")
    assert again.status_code == 423 and "秒后重试" in again.json()["message"]
