"""The embedded default: a local server on SQLite in the user's data folder, with demo data.

The client never imports the server (architecture.md): it starts ``jincai-server`` as a child
process on a free localhost port, seeds the demo on first run and stops the server on exit. The
demo users and their one-time passwords are kept in ``demo-users.json`` (mode 0600) so that the
sign-in dialog can list them.
"""
from __future__ import annotations

import json
import logging
import os
import shutil
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx
from platformdirs import user_data_dir

log = logging.getLogger(__name__)

DEMO_USERS_FILE = "demo-users.json"


class DemoServerError(RuntimeError):
    """The local demo server could not be started; ``message`` says why, in Chinese."""

    def __init__(self, message: str, log_path: Path | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.log_path = log_path


@dataclass
class DemoServer:
    url: str
    data_dir: Path
    users: list[dict] = field(default_factory=list)
    process: subprocess.Popen | None = None

    def stop(self, timeout: float = 10) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.process.terminate()
        try:
            self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout)


def demo_data_dir() -> Path:
    base = os.environ.get("JINCAI_DEMO_DIR")
    return Path(base) if base else Path(user_data_dir("Jincai Desk", "Jincai")) / "demo-server"


def server_command() -> list[str]:
    """``jincai-server`` beside this executable (bundle, venv), on PATH, or ``python -m server``."""
    here = Path(sys.executable).parent
    for name in ("jincai-server", "jincai-server.exe"):
        if (here / name).is_file():
            return [str(here / name)]
    found = shutil.which("jincai-server")
    if found:
        return [found]
    return [sys.executable, "-m", "server"]


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _environment(data_dir: Path) -> dict[str, str]:
    env = dict(os.environ)
    env.update({
        "JINCAI_DATA_DIR": str(data_dir),
        "JINCAI_DATABASE_URL": f"sqlite:///{data_dir / 'server.sqlite3'}",
        "JINCAI_ENV": "development",
    })
    return env


def _run(args: list[str], env: dict[str, str], log_path: Path, what: str) -> str:
    result = subprocess.run(server_command() + args, env=env, capture_output=True, text=True,
                            timeout=300, check=False)
    with log_path.open("a", encoding="utf-8") as handle:
        handle.write(f"$ jincai-server {' '.join(args)}\n{result.stdout}{result.stderr}\n")
    if result.returncode != 0:
        raise DemoServerError(f"本地服务器{what}失败（详见 {log_path}）：{result.stderr.strip()[-300:]}",
                              log_path)
    return result.stdout


def prepare(data_dir: Path | None = None) -> tuple[Path, list[dict]]:
    """Migrate the demo database and seed it on first run; returns (data dir, demo users)."""
    data_dir = data_dir or demo_data_dir()
    data_dir.mkdir(parents=True, exist_ok=True)
    env = _environment(data_dir)
    log_path = data_dir / "server.log"
    _run(["migrate"], env, log_path, "建立数据库")
    users_file = data_dir / DEMO_USERS_FILE
    if not users_file.exists():
        output = _run(["seed-demo", "--json"], env, log_path, "生成演示数据")
        users = json.loads(output)["users"]
        users_file.write_text(json.dumps(users, ensure_ascii=False, indent=1), encoding="utf-8")
        users_file.chmod(0o600)
    return data_dir, json.loads(users_file.read_text(encoding="utf-8"))


def start(data_dir: Path | None = None, *, port: int | None = None, wait_seconds: float = 60) -> DemoServer:
    """Start the local demo server and wait until ``/health`` answers."""
    data_dir, users = prepare(data_dir)
    port = port or free_port()
    url = f"http://127.0.0.1:{port}"
    log_path = data_dir / "server.log"
    handle = log_path.open("a", encoding="utf-8")
    process = subprocess.Popen(
        server_command() + ["run", "--host", "127.0.0.1", "--port", str(port), "--log-level", "warning"],
        env=_environment(data_dir), stdout=handle, stderr=subprocess.STDOUT,
    )
    handle.close()
    server = DemoServer(url=url, data_dir=data_dir, users=users, process=process)
    deadline = time.monotonic() + wait_seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise DemoServerError(f"本地服务器启动后退出（代码 {process.returncode}，详见 {log_path}）", log_path)
        try:
            if httpx.get(f"{url}/health", timeout=1).status_code == 200:
                log.info("demo server ready at %s (data in %s)", url, data_dir)
                return server
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    server.stop()
    raise DemoServerError(f"本地服务器 {wait_seconds:.0f} 秒内没有就绪（详见 {log_path}）", log_path)
