"""A client killed (SIGKILL) between or during writes keeps exactly its last committed state."""
from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
from sqlalchemy import func, select

from app.db import check_integrity, open_database
from app.models import Indicator, OutboxCommand, PaymentApplication

WRITER = textwrap.dedent(
    """
    import sys
    from app.db import open_database
    from app.services import DraftInput, queue_application, save_draft

    db = open_database(sys.argv[1], backup=False)
    i = 0
    while True:
        draft = DraftInput(indicator_id="I1", amount=100 + i, use_des=f"第{i}笔", fiscal_year=2026,
                           payee_name="某公司", payee_account="6222000000000001")
        app_id = save_draft(db=db, draft=draft).application.id
        print("saved", app_id, flush=True)
        if i % 2:
            queue_application(db=db, application_id=app_id)
            print("queued", app_id, flush=True)
        i += 1
    """
)

ROOT = Path(__file__).resolve().parents[3]


@pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="needs POSIX signals")
@pytest.mark.parametrize("kill_after", [5, 23, 61])
def test_sigkill_mid_save_keeps_last_committed_state(tmp_path: Path, kill_after: int) -> None:
    path = tmp_path / "jincai.sqlite3"
    db = open_database(path)
    with db.transaction() as s:
        s.add(Indicator(id="I1", fiscal_year=2026, unit_code="1", amount=10**12, available=10**12))
    db.close()

    env = dict(os.environ, PYTHONPATH=str(ROOT))
    proc = subprocess.Popen(
        [sys.executable, "-c", WRITER, str(path)], stdout=subprocess.PIPE, text=True, env=env,
        cwd=ROOT,
    )
    lines: list[str] = []
    assert proc.stdout is not None
    for line in proc.stdout:
        lines.append(line.split())
        if len(lines) >= kill_after:
            break
    # let it run on into the middle of a write for a random moment, then kill it hard
    time.sleep(random.uniform(0, 0.02))
    proc.send_signal(signal.SIGKILL)
    lines.extend(rest.split() for rest in proc.stdout.read().splitlines())
    proc.wait(timeout=10)

    saved = {i for what, i in lines if what == "saved"}
    queued = {i for what, i in lines if what == "queued"}
    assert check_integrity(path, full=True).ok
    db = open_database(path)
    try:
        with db.read() as s:
            apps = {a.id: a for a in s.scalars(select(PaymentApplication))}
            # every acknowledged write is there; at most one unacknowledged one beyond it
            assert saved <= apps.keys() and len(apps) - len(saved) in (0, 1)
            for app_id in queued:
                assert apps[app_id].local_status == "queued"
            # status and outbox are written together or not at all
            for app in apps.values():
                n = s.scalar(
                    select(func.count()).where(OutboxCommand.entity_id == app.id)
                )
                assert n == (2 if app.local_status == "queued" else 0), app.local_status
    finally:
        db.close()
