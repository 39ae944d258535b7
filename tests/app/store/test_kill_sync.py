"""Kill the client (SIGKILL) at random points of `jincai sync` against a real uvicorn server,
twenty times, then kill and restart the server in the middle of a push, then sync to
completion: no draft lost, no application duplicated on the server, local balances equal
the server's (issue 5, Tests). Runs with the server on SQLite and on PostgreSQL
(``JINCAI_TEST_PG_URL``); on PostgreSQL with fewer kill rounds (``JINCAI_KILL_ROUNDS_PG``,
default 8) to keep the pair within about a minute."""
from __future__ import annotations

import os
import random
import signal
import socket
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import httpx
import pytest

pytest.importorskip("uvicorn")
pytest.importorskip("server.app")

ROOT = Path(__file__).resolve().parents[3]
KILLS = int(os.environ.get("JINCAI_KILL_ROUNDS", "20"))
KILLS_PG = int(os.environ.get("JINCAI_KILL_ROUNDS_PG", "8"))

SERVER = textwrap.dedent(
    """
    import sys
    from pathlib import Path
    import uvicorn

    folder, port, kind = Path(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
    if (folder / "db_url").exists():  # a restart: same database, same secret
        from server.app import create_app
        from server.db import make_engine
        from server.settings import load_settings

        from server.migrate import upgrade

        url = (folder / "db_url").read_text()
        engine = make_engine(url)
        upgrade(engine)
        app = create_app(load_settings(database_url=url, data_dir=folder), engine)
    else:
        from tests.server.conftest import build_world, indicator, make_database

        db = make_database(kind, folder)
        (folder / "db_schema").write_text(db.schema or "")
        world = build_world(db)
        items = [indicator(f"K-{i:03d}", "A1", 10_000_000) for i in range(120)]
        r = world.api("bur_a").post("/api/v1/indicators/bulk", json={"items": items})
        assert r.status_code == 200, r.text
        app = world.app
        (folder / "db_url").write_text(db.url)
    uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning")
    """
)

SYNC = textwrap.dedent(
    """
    import argparse, sys
    from app.sync.cli import sync
    p = argparse.ArgumentParser(); sync.add_arguments(p)
    sys.exit(sync.run(p.parse_args(["--page-size", "7", "--chunk-size", "5"])))
    """
)


def _stage(path: Path) -> str:
    import sqlite3
    from contextlib import closing

    with closing(sqlite3.connect(path)) as conn:
        stage, pending = conn.execute(
            "SELECT stage, (SELECT count(*) FROM outbox_commands WHERE state != 'done')"
            " FROM sync_state").fetchone()
    return f"{stage}:{pending}"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class LiveServer:
    """The real server under uvicorn in its own process; can be killed and restarted."""

    def __init__(self, folder: Path, kind: str = "sqlite") -> None:
        self.folder = folder
        self.kind = kind
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.proc: subprocess.Popen | None = None

    def start(self) -> None:
        env = dict(os.environ, PYTHONPATH=str(ROOT), JINCAI_DATA_DIR=str(self.folder))
        self.proc = subprocess.Popen(
            [sys.executable, "-c", SERVER, str(self.folder), str(self.port), self.kind], cwd=ROOT,
            env=env)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{self.url}/health", timeout=1).status_code == 200:
                    return
            except httpx.HTTPError:
                time.sleep(0.1)
            assert self.proc.poll() is None, "server process exited"
        self.proc.kill()
        pytest.fail("server did not start")

    def kill(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait(timeout=10)


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def live_server(request, tmp_path):
    from tests.server.conftest import PG_REQUIRED, PG_URL

    if request.param == "postgres" and not PG_URL and not PG_REQUIRED:
        pytest.skip("JINCAI_TEST_PG_URL is empty: PostgreSQL not available")
    folder = tmp_path / "server"
    folder.mkdir()
    server = LiveServer(folder, request.param)
    server.start()
    yield server
    if server.proc is not None and server.proc.poll() is None:
        server.proc.send_signal(signal.SIGTERM)
        try:
            server.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.proc.kill()
    schema = (folder / "db_schema").read_text() if (folder / "db_schema").exists() else ""
    if schema:
        from tests.server.conftest import Database, drop_database

        drop_database(Database("postgres", "", str(folder), schema))


@pytest.mark.slow
@pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="needs POSIX signals")
def test_sigkill_during_sync_twenty_times(tmp_path, live_server, monkeypatch) -> None:
    server = live_server
    live_server = server.url
    from app.db import check_integrity, open_database
    from app.services import (
        DraftInput,
        get_indicator_balances,
        list_applications,
        queue_application,
        save_draft,
    )
    from app.sync.credentials import device_id
    from app.sync.http import sign_in
    from tests.server.conftest import PASSWORD

    data_dir = tmp_path / "client"
    env = dict(
        os.environ, PYTHONPATH=str(ROOT), JINCAI_DATA_DIR=str(data_dir),
        PYTHON_KEYRING_BACKEND="tests.app.store.conftest.FileKeyring",
        JINCAI_TEST_KEYRING_FILE=str(tmp_path / "keyring.json"),
    )
    for key in ("PYTHON_KEYRING_BACKEND", "JINCAI_TEST_KEYRING_FILE", "JINCAI_DATA_DIR"):
        monkeypatch.setenv(key, env[key])
    import keyring

    from tests.app.store.conftest import FileKeyring

    previous = keyring.get_keyring()
    keyring.set_keyring(FileKeyring())
    try:
        db = open_database(data_dir / "jincai.sqlite3")
        sign_in(db=db, server_url=live_server, username="acc_a1", password=PASSWORD,
                device_id=device_id(db.data_dir))
        db.close()
    finally:
        keyring.set_keyring(previous)

    def sync(kill_at_line: int | None = None, jitter: float = 0.0) -> None:
        """Run `jincai sync`; with ``kill_at_line``, SIGKILL it right after its n-th progress
        line (plus ``jitter`` seconds), i.e. at a point of its actual progress."""
        proc = subprocess.Popen([sys.executable, "-c", SYNC], cwd=ROOT, env=env,
                                stderr=subprocess.PIPE, text=True)
        assert proc.stderr is not None
        if kill_at_line is None:
            _, err = proc.communicate(timeout=120)
            assert proc.returncode == 0, err
            return
        seen = 0
        for line in proc.stderr:
            if line.startswith("["):
                seen += 1
                if seen >= kill_at_line:
                    time.sleep(jitter)
                    break
        proc.send_signal(signal.SIGKILL)
        proc.communicate(timeout=30)

    rng = random.Random(20261121)
    sync()  # first download (120 indicators)
    created: list[str] = []
    stages: list[str] = []
    for round_no in range(KILLS_PG if server.kind == "postgres" else KILLS):
        db = open_database(data_dir / "jincai.sqlite3", backup=False)
        for _ in range(3):
            ind = f"K-{rng.randrange(120):03d}"
            app_id = save_draft(db=db, draft=DraftInput(
                indicator_id=ind, amount=rng.randrange(1, 50_000), use_des=f"第{round_no}轮",
                payee_name="某某文具有限公司", payee_account="6222021234567890123",
                dep_eco_code="30299", fiscal_year=2026)).application.id
            queue_application(db=db, application_id=app_id)
            created.append(app_id)
        db.close()
        sync(kill_at_line=rng.randint(1, 14), jitter=rng.uniform(0, 0.03))
        assert check_integrity(data_dir / "jincai.sqlite3").ok
        stages.append(_stage(data_dir / "jincai.sqlite3"))
    print("stage after each kill:", stages)
    # the kills landed in the middle of pushing and of pulling, not only before or after
    assert {st.split(":")[0] for st in stages} >= {"push", "pull"}, stages

    # the server dies in the middle of a push and comes back: the client backs off, retries
    # with the same idempotency keys and finishes in the same run
    db = open_database(data_dir / "jincai.sqlite3", backup=False)
    for i in range(12):
        app_id = save_draft(db=db, draft=DraftInput(
            indicator_id="K-000", amount=100 + i, use_des="服务器重启", payee_name="某某文具有限公司",
            payee_account="6222021234567890123", dep_eco_code="30299",
            fiscal_year=2026)).application.id
        queue_application(db=db, application_id=app_id)
        created.append(app_id)
    db.close()
    proc = subprocess.Popen([sys.executable, "-c", SYNC], cwd=ROOT, env=env,
                            stderr=subprocess.PIPE, text=True)
    assert proc.stderr is not None
    for line in proc.stderr:
        if line.startswith("[push]") and " 0/" not in line:  # the first chunk went through
            break
    server.kill()
    time.sleep(0.5)
    server.start()
    rest = proc.stderr.read()
    assert proc.wait(timeout=120) == 0, rest
    assert "网络错误" in rest  # it backed off and said so

    sync()

    db = open_database(data_dir / "jincai.sqlite3", backup=False)
    try:
        local = {a.id: a for a in list_applications(db=db, limit=10_000)}
        assert set(created) <= set(local)  # no draft lost
        assert {a.local_status for a in local.values()} == {"submitted"}
        balances = {b.id: b for b in get_indicator_balances(db=db)}
    finally:
        db.close()
    # the server's own view, read with a fresh sign-in
    with httpx.Client(base_url=live_server, timeout=30) as client:
        token = client.post("/api/v1/auth/login", json={
            "username": "acc_a1", "password": PASSWORD, "device_id": "checker"}).json()
        headers = {"Authorization": f"Bearer {token['access_token']}"}
        apps = client.get("/api/v1/applications", params={"limit": 1}, headers=headers).json()
        assert apps["total"] == len(created)  # nothing duplicated
        offset, server_inds = 0, {}
        while True:
            page = client.get("/api/v1/indicators", params={"offset": offset, "limit": 500},
                              headers=headers).json()
            server_inds.update({i["id"]: i for i in page["items"]})
            offset += len(page["items"])
            if offset >= page["total"] or not page["items"]:
                break
    assert set(server_inds) == set(balances)
    for ind_id, srv in server_inds.items():
        mine = balances[ind_id]
        assert (mine.confirmed_available, mine.reserved, mine.pending_own) == (
            srv["available_fen"], srv["reserved_fen"], 0), ind_id
