"""Screenshots of the treasury's 支付 screen (called by scripts/screenshots.py, or alone):

    .venv/bin/python scripts/screenshot_payments.py [--out docs/screenshots]

The screen is online only, so this starts the real server app in-process on a temporary SQLite
database with the server's demo data (``seed-demo``: vouchers sent, paid, bounced, refunded and
one application waiting for its voucher), signs in as the 国库支付中心 user ``gk`` and renders
the vouchers and the reconciliation. Tokens stay in an in-memory keyring.
"""
from __future__ import annotations

import os
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
URL = "http://demo-server"


def _memory_keyring() -> None:
    import keyring
    from keyring.backend import KeyringBackend

    class MemoryKeyring(KeyringBackend):
        priority = 1  # type: ignore[assignment]

        def __init__(self) -> None:
            super().__init__()
            self.store: dict[tuple[str, str], str] = {}

        def get_password(self, service: str, username: str) -> str | None:
            return self.store.get((service, username))

        def set_password(self, service: str, username: str, password: str) -> None:
            self.store[(service, username)] = password

        def delete_password(self, service: str, username: str) -> None:
            self.store.pop((service, username), None)

    keyring.set_keyring(MemoryKeyring())


def shoot_payments(*, app: Any, runner: Any, save: Callable[[Any, str], None],
                   settle: Callable[..., None], year: int = 2026) -> None:
    from fastapi.testclient import TestClient

    from app.db import open_database
    from app.sync.http import HttpTransport, sign_in
    from app.ui.context import SignedInUser, UiContext
    from app.ui.payments_view import PaymentsView
    from server import chain
    from server.app import create_app
    from server.db import make_engine
    from server.migrate import upgrade
    from server.seed import seed_demo
    from server.seed_approvals import seed_applications
    from server.settings import load_settings

    _memory_keyring()
    data = Path(tempfile.mkdtemp(prefix="jincai-shots-server-"))
    url = f"sqlite:///{data}/server.sqlite3"
    settings = load_settings(database_url=url, data_dir=data)
    engine = make_engine(url)
    upgrade(engine)
    server = create_app(settings, engine)
    with server.state.sessionmaker() as s:
        chain.ensure_head(s)
        users = seed_demo(s, fiscal_year=year)
        s.commit()
        seed_applications(s, fiscal_year=year, settings=settings)
        s.commit()
    password = next(u["password"] for u in users if u["username"] == "gk")
    client = TestClient(server, base_url=URL)
    db = open_database(data / "client" / "jincai.sqlite3", backup=False)
    try:
        sign_in(db=db, server_url=URL, username="gk", password=password, device_id="shots",
                client=client)
        ctx = UiContext(db, runner, user=SignedInUser("gk", "国库支付中心", ("treasury",), None,
                                                      URL, online=True))
        view = PaymentsView(ctx, transport_factory=lambda _db: HttpTransport(
            server_url=URL, username="gk", device_id="shots", client=client))
        view.resize(1480, 760)
        view.show()
        settle(app, runner, 0.5)
        for row in range(view.vouchers.rowCount()):
            if view.vouchers.record(row).status == "paid":
                view.voucher_table.selectRow(row)
                break
        save(view, "15-payments")
        view.load_reconciliation()
        settle(app, runner, 0.5)
        save(view, "16-payments-reconciliation")
        view.close()
    finally:
        runner.wait_idle(5000)
        db.close()
        client.close()
        engine.dispose()


def main() -> int:
    import argparse

    sys.path.insert(0, str(ROOT))
    sys.path.insert(0, str(ROOT / "scripts"))
    if not os.environ.get("DISPLAY") and not os.environ.get("WAYLAND_DISPLAY"):
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", default=str(ROOT / "docs" / "screenshots"))
    args = parser.parse_args()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    os.environ["JINCAI_DATA_DIR"] = tempfile.mkdtemp(prefix="jincai-shots-")
    from screenshots import settle

    from app.ui.application import create_application
    from app.ui.tasks import TaskRunner

    qapp = create_application([sys.argv[0]], language="zh_CN")
    runner = TaskRunner()

    def save(widget: Any, name: str) -> None:
        settle(qapp, runner)
        widget.grab().save(str(out / f"{name}.png"))
        print("  ", out / f"{name}.png", flush=True)

    shoot_payments(app=qapp, runner=runner, save=save, settle=settle)
    return 0


if __name__ == "__main__":
    code = main()
    sys.stdout.flush()
    os._exit(code)  # like screenshots.py: skip the final GC of Qt objects
