"""Fixtures for the local store tests: a throw-away data dir, an open database, a keyring."""
from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path

import keyring
import pytest
from keyring.backend import KeyringBackend
from keyring.errors import PasswordDeleteError

from app.db import Database, open_database


class MemoryKeyring(KeyringBackend):
    """A tiny in-memory keyring backend for tests (never touches the OS keyring)."""

    priority = 1  # type: ignore[assignment]

    def __init__(self) -> None:
        super().__init__()
        self.store: dict[tuple[str, str], str] = {}

    def get_password(self, service: str, username: str) -> str | None:
        return self.store.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self.store[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        try:
            del self.store[(service, username)]
        except KeyError:
            raise PasswordDeleteError(f"no such password: {service}/{username}") from None


class FileKeyring(KeyringBackend):
    """TEST ONLY: a plaintext JSON-file keyring so that client subprocesses share tokens,
    selected with PYTHON_KEYRING_BACKEND=tests.app.store.conftest.FileKeyring and
    JINCAI_TEST_KEYRING_FILE=<path>. Never use anything like it for real tokens."""

    priority = 1  # type: ignore[assignment]

    def _path(self) -> Path:
        return Path(os.environ["JINCAI_TEST_KEYRING_FILE"])

    def _load(self) -> dict[str, str]:
        try:
            return json.loads(self._path().read_text("utf-8"))
        except FileNotFoundError:
            return {}

    def _save(self, data: dict[str, str]) -> None:
        tmp = self._path().with_suffix(".part")
        tmp.write_text(json.dumps(data), "utf-8")
        os.replace(tmp, self._path())

    def get_password(self, service: str, username: str) -> str | None:
        return self._load().get(f"{service}\0{username}")

    def set_password(self, service: str, username: str, password: str) -> None:
        data = self._load()
        data[f"{service}\0{username}"] = password
        self._save(data)

    def delete_password(self, service: str, username: str) -> None:
        data = self._load()
        if data.pop(f"{service}\0{username}", None) is None:
            raise PasswordDeleteError("no such password")
        self._save(data)


@pytest.fixture
def memory_keyring() -> Iterator[MemoryKeyring]:
    previous = keyring.get_keyring()
    backend = MemoryKeyring()
    keyring.set_keyring(backend)
    try:
        yield backend
    finally:
        keyring.set_keyring(previous)


@pytest.fixture
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    d = tmp_path / "data"
    monkeypatch.setenv("JINCAI_DATA_DIR", str(d))
    return d


@pytest.fixture
def db(data_dir: Path) -> Iterator[Database]:
    database = open_database(data_dir / "jincai.sqlite3")
    try:
        yield database
    finally:
        database.close()
