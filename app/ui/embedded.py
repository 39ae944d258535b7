"""The embedded default of ``make run``: a local central server on a free localhost port,
SQLite in the user's data folder, demo data seeded on first run.

The client never imports ``server`` (layering): the server runs as a child process
(``python -m server …``) and is stopped with the client. Its demo users' one-time passwords,
printed by ``seed-demo``, are kept next to its database so that the sign-in dialog can list
them (demo data only — never do this with real accounts).
"""
from __future__ import annotations

import dataclasses
import json
import logging
import os
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import httpx

from app.services.ui_queries import DemoUser

log = logging.getLogger(__name__)

ROLE_NAMES = {
    "accountant": "单位经办人", "unit_finance_head": "单位财务负责人", "unit_head": "单位负责人",
    "bureau_division": "业务处室", "treasury": "国库支付中心", "admin": "系统管理员",
}
USERS_FILE = "demo-users.json"


class EmbeddedServerError(Exception):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class EmbeddedServer:
    data_dir: Path
    python: str = sys.executable
    process: subprocess.Popen[bytes] | None = None
    url: str = ""

    def _env(self) -> dict[str, str]:
        env = dict(os.environ)
        env["JINCAI_DATA_DIR"] = str(self.data_dir)
        env["JINCAI_ENV"] = "development"
        env.pop("JINCAI_DATABASE_URL", None)
        return env

    def _run(self, *args: str, timeout: float = 120) -> str:
        r = subprocess.run([self.python, "-m", "server", *args], env=self._env(), check=False,
                           capture_output=True, text=True, timeout=timeout)
        if r.returncode != 0:
            log.error("server %s failed: %s %s", args, r.stdout[-2000:], r.stderr[-2000:])
            raise EmbeddedServerError(
                f"本机服务器初始化失败（{' '.join(args)}）：{(r.stderr or r.stdout).strip()[-300:]}")
        return r.stdout

    def prepare(self) -> list[DemoUser]:
        """Migrate, and seed the demo data on first run; returns the demo users."""
        self.data_dir.mkdir(parents=True, exist_ok=True)
        users_file = self.data_dir / USERS_FILE
        self._run("migrate")
        if not users_file.exists():
            out = self._run("seed-demo")
            users = parse_seed_output(out)
            tmp = users_file.with_suffix(".part")
            tmp.write_text(json.dumps([dataclasses.asdict(u) for u in users], ensure_ascii=False), "utf-8")
            os.replace(tmp, users_file)
        return [DemoUser(**u) for u in json.loads(users_file.read_text("utf-8"))]

    def start(self, timeout: float = 40) -> str:
        port = free_port()
        log_path = self.data_dir / "server.log"
        log_file = open(log_path, "ab")  # noqa: SIM115 - kept open for the child's lifetime
        self.process = subprocess.Popen(
            [self.python, "-m", "server", "run", "--host", "127.0.0.1", "--port", str(port),
             "--log-level", "warning"],
            env=self._env(), stdout=log_file, stderr=subprocess.STDOUT)
        log_file.close()
        self.url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise EmbeddedServerError(
                    f"本机服务器启动失败（退出码 {self.process.returncode}），详见 {log_path}。")
            try:
                if httpx.get(self.url + "/health", timeout=1).status_code == 200:
                    return self.url
            except httpx.HTTPError:
                pass
            time.sleep(0.2)
        self.stop()
        raise EmbeddedServerError(f"本机服务器 {timeout:.0f} 秒内没有就绪，详见 {log_path}。")

    def stop(self) -> None:
        proc, self.process = self.process, None
        if proc is None or proc.poll() is not None:
            return
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=5)


def parse_seed_output(text: str) -> list[DemoUser]:
    """The table ``python -m server seed-demo`` prints: username password role unit …"""
    users = []
    for line in text.splitlines():
        parts = line.split()
        if len(parts) < 3 or parts[2] not in ROLE_NAMES:
            continue
        username, password, role = parts[:3]
        unit = parts[3] if len(parts) > 3 and parts[3].isdigit() else ""
        users.append(DemoUser(username, password, f"{username}" + (f" {unit}" if unit else ""),
                              role, ROLE_NAMES[role]))
    order = ["accountant", "unit_finance_head", "unit_head", "bureau_division", "treasury",
             "admin"]
    users.sort(key=lambda u: (order.index(u.role), u.username))
    return users


def use_memory_keyring_if_needed() -> bool:
    """Demo only: without an OS keyring, keep tokens in memory for this session."""
    try:
        from app.sync.credentials import keyring_status
    except ImportError:  # pragma: no cover
        return False
    if keyring_status().ok:
        return False
    import keyring
    from keyring.backend import KeyringBackend

    class SessionKeyring(KeyringBackend):
        priority = 0.1  # type: ignore[assignment]

        def __init__(self) -> None:
            super().__init__()
            self.store: dict[tuple[str, str], str] = {}

        def get_password(self, service: str, username: str) -> str | None:
            return self.store.get((service, username))

        def set_password(self, service: str, username: str, password: str) -> None:
            self.store[(service, username)] = password

        def delete_password(self, service: str, username: str) -> None:
            self.store.pop((service, username), None)

    keyring.set_keyring(SessionKeyring())
    log.warning("no OS keyring: demo tokens are kept in memory for this session only")
    return True
