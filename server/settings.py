"""Server settings from the environment (``JINCAI_*``).

Outside development the server refuses to start with the default secret key.
"""
from __future__ import annotations

import os
import secrets
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

DEFAULT_SECRET = "change-me-development-only-secret-key-0000"


class SettingsError(RuntimeError):
    pass


def _data_dir() -> Path:
    env = os.environ.get("JINCAI_DATA_DIR")
    if env:
        return Path(env)
    try:
        from platformdirs import user_data_dir
        return Path(user_data_dir("jincai-server", "Jincai"))
    except ImportError:  # pragma: no cover - platformdirs is a dependency
        return Path.home() / ".local" / "share" / "jincai-server"


def _int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    try:
        return int(raw)
    except ValueError:
        raise SettingsError(f"环境变量 {name} 必须是整数，当前为 {raw!r}") from None


@dataclass(frozen=True)
class Settings:
    environment: str = "development"
    database_url: str = ""
    data_dir: Path = field(default_factory=_data_dir)
    secret_key: str = DEFAULT_SECRET
    access_token_minutes: int = 15
    refresh_token_days: int = 30
    max_body_bytes: int = 2 * 1024 * 1024          # JSON requests
    max_attachment_bytes: int = 50 * 1024 * 1024   # one attachment
    max_chunk_bytes: int = 8 * 1024 * 1024
    lockout_threshold: int = 5
    lockout_base_seconds: int = 30
    lockout_max_seconds: int = 3600
    sql_echo: bool = False
    default_region: str = "330700000"
    # what /version advertises to clients (issue #9): newest client release and where to get it;
    # empty = this server's own version, and no download address
    client_latest_version: str = ""
    client_download_url: str = ""
    client_release_notes: str = ""

    @property
    def blob_dir(self) -> Path:
        return self.data_dir / "blobs"

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")

    def check(self) -> None:
        if self.environment != "development" and self.secret_key == DEFAULT_SECRET:
            raise SettingsError(
                "生产环境不能使用默认密钥：请设置环境变量 JINCAI_SECRET_KEY（至少 32 个字符）。")
        if self.environment != "development" and len(self.secret_key) < 32:
            raise SettingsError("JINCAI_SECRET_KEY 太短：至少需要 32 个字符。")


def load_settings(**overrides) -> Settings:
    data_dir = Path(os.environ["JINCAI_DATA_DIR"]) if os.environ.get("JINCAI_DATA_DIR") else _data_dir()
    values = {
        "environment": os.environ.get("JINCAI_ENV", "development"),
        "data_dir": data_dir,
        "secret_key": os.environ.get("JINCAI_SECRET_KEY", DEFAULT_SECRET),
        "access_token_minutes": _int("JINCAI_ACCESS_TOKEN_MINUTES", 15),
        "refresh_token_days": _int("JINCAI_REFRESH_TOKEN_DAYS", 30),
        "max_body_bytes": _int("JINCAI_MAX_BODY_BYTES", 2 * 1024 * 1024),
        "max_attachment_bytes": _int("JINCAI_MAX_ATTACHMENT_BYTES", 50 * 1024 * 1024),
        "lockout_threshold": _int("JINCAI_LOCKOUT_THRESHOLD", 5),
        "lockout_base_seconds": _int("JINCAI_LOCKOUT_BASE_SECONDS", 30),
        "sql_echo": os.environ.get("JINCAI_SQL_ECHO", "") == "1",
        "default_region": os.environ.get("JINCAI_DEFAULT_REGION", "330700000"),
        "client_latest_version": os.environ.get("JINCAI_CLIENT_LATEST_VERSION", "").strip(),
        "client_download_url": os.environ.get("JINCAI_CLIENT_DOWNLOAD_URL", "").strip(),
        "client_release_notes": os.environ.get("JINCAI_CLIENT_RELEASE_NOTES", "").strip(),
    }
    values.update(overrides)
    if not values.get("database_url"):
        values["database_url"] = os.environ.get("JINCAI_DATABASE_URL") or (
            f"sqlite:///{Path(values['data_dir']) / 'jincai-server.sqlite3'}")
    s = Settings(**values)
    s.check()
    return s


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return load_settings()


def generate_secret() -> str:
    return secrets.token_urlsafe(48)
