"""Fixtures for the Qt screens: a migrated local database with demo data, a task runner and
a UI context. Qt runs offscreen (QT_QPA_PLATFORM=offscreen is set before Qt starts)."""
from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import pytest

from app.db import open_database
from app.services.ui_queries import DEMO_SERVER_URL, DEMO_UNIT_CODE, seed_demo_data


class _UiMemoryKeyring:
    """Tokens in memory for the UI tests (never the OS keyring)."""

    @staticmethod
    def make():  # type: ignore[no-untyped-def]
        from keyring.backend import KeyringBackend
        from keyring.errors import PasswordDeleteError

        class UiTestKeyring(KeyringBackend):
            priority = 0.1  # type: ignore[assignment]

            def __init__(self) -> None:
                super().__init__()
                self.store: dict[tuple[str, str], str] = {}

            def get_password(self, service, username):  # type: ignore[no-untyped-def]
                return self.store.get((service, username))

            def set_password(self, service, username, password):  # type: ignore[no-untyped-def]
                self.store[(service, username)] = password

            def delete_password(self, service, username):  # type: ignore[no-untyped-def]
                try:
                    del self.store[(service, username)]
                except KeyError:
                    raise PasswordDeleteError(username) from None

        return UiTestKeyring()


@pytest.fixture(autouse=True)
def memory_keyring():
    """Every UI test gets its own in-memory keyring (sign-in stores tokens there)."""
    import keyring

    previous = keyring.get_keyring()
    keyring.set_keyring(_UiMemoryKeyring.make())
    yield
    keyring.set_keyring(previous)


@pytest.fixture(autouse=True)
def chinese_ui_after_each_test():
    """A test that switches the UI to English (设置 applies it live) leaves Chinese behind."""
    yield
    from app.ui.i18n import current_language, switch_language

    if current_language() != "zh_CN":
        switch_language("zh_CN")


@pytest.fixture(scope="package", autouse=True)
def automatic_gc_after_the_qt_tests():
    """The task runner moves cycle collection to the UI thread (app.ui.tasks); the tests that run
    after this package have no event loop to drive it, so they get the automatic collector back."""
    yield
    from app.ui.tasks import restore_automatic_gc
    restore_automatic_gc()


@pytest.fixture(scope="session")
def demo_db_path(tmp_path_factory):
    """A demo database built once (300 indicators); tests copy it."""
    path = tmp_path_factory.mktemp("demo") / "jincai.sqlite3"
    db = open_database(path, backup=False)
    seed_demo_data(db=db, indicators=300)
    db.close()
    return path


@pytest.fixture()
def db(demo_db_path, tmp_path):
    import sqlite3
    from contextlib import closing

    target = tmp_path / "jincai.sqlite3"
    with closing(sqlite3.connect(demo_db_path)) as src, closing(sqlite3.connect(target)) as dst:
        src.backup(dst)
    database = open_database(target, backup=False)
    yield database
    database.close()


@pytest.fixture()
def runner(qapp):
    from app.ui.tasks import TaskRunner

    r = TaskRunner()
    yield r
    r.cancel_all()
    r.wait_idle(5000)


@pytest.fixture()
def ctx(db, runner):
    from app.ui.context import SignedInUser, UiContext

    user = SignedInUser("zhang.kj", "张会计", ("unit_accountant",), DEMO_UNIT_CODE,
                        DEMO_SERVER_URL, online=False)
    c = UiContext(db, runner, user=user, demo=True)
    yield c
    runner.cancel_all()
    runner.wait_idle(5000)
