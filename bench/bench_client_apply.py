"""The client's own work in "push 1,000 queued applications" (issue 5), without a server:

- recording the push answers: ``SyncEngine._stage_push`` over 2,000 queued commands
  (save_draft + submit per application) against a transport that answers at once, in the
  server's wire shapes (``fiscal.schemas.sync.PushResults``);
- applying the pull of the result: ``SyncEngine._stage_pull`` over pages of 1,000 changes as
  the server's feed sends them (``server/services/sync.py``: ``applications.public``,
  ``monitoring.public``, ``approval_task``), JSON-decoded — 1,000 applications, 1,000
  approval tasks, 2,000 warnings (the two rules bench_sync's data raises per submission):
  once after the accountant's own push (applications known locally, tasks come as deletes),
  once into a store that has none of them (a reviewer's first sight: tasks are upserts).

The baseline is the client sync code as it was before this work (git revision
``BASELINE_REV``, ``app/sync/apply.py`` + ``app/sync/engine.py`` loaded from git), measured
in the same run on copies of the same store. Each figure is the median of ``ROUNDS``.
"""
from __future__ import annotations

import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import types
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
BASELINE_REV = "cac9ebfb5e7dd41ee1084700bd513f5a846bd09a"  # before the bulk page apply
APPLICATIONS = int(os.environ.get("JINCAI_BENCH_APPLY_APPLICATIONS", "1000"))
ROUNDS = int(os.environ.get("JINCAI_BENCH_APPLY_ROUNDS", "3"))
PAGE = 1000
CHUNK = 100
INDICATOR = "APP-U000"
_RULES = (("low_execution", "执行进度偏低", 3), ("non_working_day", "非工作日支付", 2))


# ---------------------------------------------------------------------------- the two code paths

def _baseline() -> type | None:
    """``SyncEngine`` of ``BASELINE_REV`` wired to that revision's ``apply`` module, or None
    when git (or the revision) is not available."""
    def show(path: str) -> str:
        return subprocess.run(["git", "show", f"{BASELINE_REV}:{path}"], cwd=ROOT, check=True,
                              capture_output=True, text=True, timeout=60).stdout
    try:
        apply_src, engine_src = show("app/sync/apply.py"), show("app/sync/engine.py")
    except (OSError, subprocess.SubprocessError):
        return None
    old_apply = types.ModuleType("bench_baseline_apply")
    sys.modules[old_apply.__name__] = old_apply
    # the bench's own baseline code, read from this repository's history (not user input)
    exec(compile(apply_src, "baseline:app/sync/apply.py", "exec"), old_apply.__dict__)  # noqa: S102
    old_engine = types.ModuleType("bench_baseline_engine")
    sys.modules[old_engine.__name__] = old_engine
    current = sys.modules["app.sync.apply"]
    sys.modules["app.sync.apply"] = old_apply  # its "from app.sync.apply import …" binds the old
    try:
        exec(compile(engine_src, "baseline:app/sync/engine.py", "exec"),  # noqa: S102
             old_engine.__dict__)
    finally:
        sys.modules["app.sync.apply"] = current
    return old_engine.SyncEngine


# ---------------------------------------------------------------------------- wire shapes

def _iso(n: int) -> str:
    return datetime(2026, 11, 20, 8, 0, n % 60, n, tzinfo=UTC).isoformat()


def _app_public(app_id: str, i: int, *, status: str, version: int, seq: int) -> dict[str, Any]:
    """``server.services.applications.public`` as the client receives it (JSON)."""
    submitted = status == "submitted"
    return {
        "id": app_id, "app_no": f"2026330700000{i:06d}" if submitted else None, "status": status,
        "version": version, "fiscal_year": 2026, "region_code": "330700000", "unit_code": "U000",
        "indicator_id": INDICATOR, "amount_fen": 100_00 + i, "func_code": "2010101",
        "dep_eco_code": "30299", "gov_eco_code": "50299", "payee_name": "某某文具有限公司",
        "payee_account": "6222021234567890123", "payee_bank": "中国工商银行金华分行",
        "payee_is_personal": False, "settlement_mode": "转账", "use_des": f"支付办公用品款{i}",
        "contract_no": None, "card_not_accepted": False,
        "submitted_at": _iso(i) if submitted else None, "created_at": _iso(i),
        "updated_at": _iso(i), "seq": seq, "attachments": [],
    }


def _warning_public(wid: int, app_id: str, rule: tuple[str, str, int], seq: int) -> dict:
    """``server.services.monitoring.public`` (JSON)."""
    rule_id, name, level = rule
    return {
        "id": wid, "application_id": app_id, "rule_id": rule_id, "rule_name": name,
        "level": level, "colour": {1: "red", 2: "yellow", 3: "blue"}[level],
        "level_name": {1: "红色预警", 2: "黄色预警", 3: "蓝色预警"}[level], "control": "remind",
        "trigger": "submit", "message": f"{name}：支付申请 {app_id[:8]} 需关注",
        "subject": {"application_id": app_id}, "details": {"threshold": 30, "actual": 12},
        "state": "raised", "state_name": "待处理", "outcome": "open", "cleared": False,
        "allowed_actions": ["explain", "mark_normal", "request_verify"], "explanation": "",
        "attachments": [], "history": [], "version": 1, "created_at": _iso(wid),
        "updated_at": _iso(wid), "seq": seq,
    }


def _task_public(app_id: str, i: int, seq: int) -> dict[str, Any]:
    """``server.services.sync_approvals._task`` for a reviewer who may decide now (JSON)."""
    return {
        "application_id": app_id, "rule_set_id": 1, "rule_set_version": 1, "round": 1,
        "status": "pending", "current_step": 0, "application_version": 2,
        "steps": [{"index": 0, "role": "unit_finance_head", "scope": "unit",
                   "name": "单位财务负责人", "scope_name": "本单位"}],
        "matched_rules": [], "decisions": [], "updated_at": _iso(i), "seq": seq,
        "id": app_id, "step": 0, "step_name": "单位财务负责人审核", "role": "unit_finance_head",
        "version": 2, "summary": f"2026330700000{i:06d} 某某文具有限公司 ¥{100 + i}.00",
        "created_at": _iso(i), "warnings": [],
    }


def _pages(app_ids: list[str], *, reviewer: bool, first_seq: int) -> list[dict[str, Any]]:
    """The feed after the submissions, in seq order, cut in pages of ``PAGE`` changes.
    The accountant's feed carries the approval records as ``delete`` (not theirs to decide)."""
    changes: list[dict[str, Any]] = []
    seq, wid = first_seq, 1
    for i, app_id in enumerate(app_ids):
        seq += 1
        changes.append({"seq": seq, "entity": "application", "id": app_id, "op": "upsert",
                        "data": _app_public(app_id, i, status="submitted", version=2, seq=seq)})
        seq += 1
        changes.append({"seq": seq, "entity": "approval_task", "id": app_id,
                        "op": "upsert" if reviewer else "delete",
                        "data": _task_public(app_id, i, seq) if reviewer else None})
        for rule in _RULES:
            seq += 1
            changes.append({"seq": seq, "entity": "warning", "id": str(wid), "op": "upsert",
                            "data": _warning_public(wid, app_id, rule, seq)})
            wid += 1
    # through JSON, as HttpTransport hands them over (ids of warnings become ints, etc.)
    changes = json.loads(json.dumps(changes))
    pages = []
    for b in range(0, len(changes), PAGE):
        part = changes[b:b + PAGE]
        more = b + PAGE < len(changes)
        pages.append({"changes": part, "next_since": part[-1]["seq"] if more else seq,
                      "has_more": more, "server_seq": seq, "protocol_version": 1})
    return pages


class _Feed:
    """A transport that answers at once: pushes in the server's shapes, pulls from ``pages``."""

    def __init__(self, pages: list[dict[str, Any]] | None = None, seq: int = 0,
                 ids: list[str] | None = None) -> None:
        self.pages = pages or []
        self.seq = seq
        self.versions: dict[str, int] = {}
        self.index = {app_id: i for i, app_id in enumerate(ids or ())}  # app_no is unique

    def push(self, commands: list[dict[str, Any]]) -> dict[str, Any]:
        results = []
        for cmd in commands:
            self.seq += 1
            app_id = cmd["entity_id"]
            n = self.index[app_id]
            if cmd["type"] == "application.save_draft":
                self.versions[app_id] = 1
                data = _app_public(app_id, n, status="draft", version=1, seq=self.seq)
                http = 201
            else:
                self.versions[app_id] += 1
                data = _app_public(app_id, n, status="submitted",
                                   version=self.versions[app_id], seq=self.seq)
                http = 200
            results.append({"idempotency_key": cmd["idempotency_key"], "status": "ok",
                            "http_status": http, "code": None, "message": None, "data": data,
                            "replayed": False})
        return json.loads(json.dumps({"results": results, "server_seq": self.seq}))

    def pull(self, since: int, limit: int) -> dict[str, Any]:
        for page in self.pages:
            if page["changes"][0]["seq"] > since:
                return page
        return {"changes": [], "next_since": since, "has_more": False, "server_seq": since}


# ---------------------------------------------------------------------------- stores

def _build_store(path: Path, *, queued: int) -> list[str]:
    """A local store with the indicator and ``queued`` applications queued for submission
    (save_draft + submit each, through the services as the user would); returns their ids."""
    from app.db import open_database
    from app.models import Indicator
    from app.services import DraftInput, queue_application, save_draft

    db = open_database(path)
    try:
        with db.transaction() as s:
            s.add(Indicator(id=INDICATOR, fiscal_year=2026, region_code="330700000",
                            unit_code="U000", func_code="2010101", dep_eco_code="30299",
                            amount=10**12, available=10**12, active=True, server_seq=1,
                            server_version=1))
        ids = []
        for i in range(queued):
            app_id = save_draft(db=db, draft=DraftInput(
                indicator_id=INDICATOR, amount=100_00 + i, use_des=f"支付办公用品款{i}",
                payee_name="某某文具有限公司", payee_account="6222021234567890123",
                payee_bank="中国工商银行金华分行", dep_eco_code="30299", fiscal_year=2026,
                settlement_mode="转账")).application.id
            queue_application(db=db, application_id=app_id)
            ids.append(app_id)
        return ids
    finally:
        db.close()


def _copy(src: Path, work: Path) -> Path:
    dst = work / f"{uuid.uuid4().hex}.sqlite3"
    shutil.copy(src, dst)
    return dst


def _timed(engine_cls: type, path: Path, feed: _Feed, stage: str) -> float:
    from app.db import open_database

    db = open_database(path)
    try:
        eng = engine_cls(db=db, transport=feed, chunk_size=CHUNK, page_size=PAGE, prefetch=False)
        started = time.perf_counter()
        getattr(eng, f"_stage_{stage}")()
        return time.perf_counter() - started
    finally:
        db.close()


def _counts(path: Path) -> tuple[int, ...]:
    """What a run left behind, to check both code paths did the same work."""
    import sqlite3

    with sqlite3.connect(path) as c:
        return tuple(c.execute(q).fetchone()[0] for q in (
            "SELECT count(*) FROM outbox_commands WHERE state = 'done'",
            "SELECT count(*) FROM payment_applications WHERE local_status = 'submitted'",
            "SELECT count(*) FROM warnings", "SELECT count(*) FROM approval_tasks",
            "SELECT count(*) FROM conflicts", "SELECT last_server_seq FROM sync_state"))


def run() -> list[dict]:
    from app.sync.engine import SyncEngine

    old = _baseline()
    rows: list[dict] = []
    with tempfile.TemporaryDirectory(prefix="jincai-bench-apply-") as tmp:
        work = Path(tmp)
        queued = work / "queued.sqlite3"
        started = time.perf_counter()
        ids = _build_store(queued, queued=APPLICATIONS)
        build_s = time.perf_counter() - started
        empty = work / "empty.sqlite3"
        _build_store(empty, queued=0)

        own_pages = _pages(ids, reviewer=False, first_seq=2 * APPLICATIONS + 10)
        new_ids = [str(uuid.uuid4()) for _ in ids]
        new_pages = _pages(new_ids, reviewer=True, first_seq=10)

        def measure(engine_cls: type) -> dict[str, Any]:
            push, own, new, counts = [], [], [], set()
            for _ in range(ROUNDS):
                path = _copy(queued, work)
                push.append(_timed(engine_cls, path, _Feed(seq=10, ids=ids), "push"))
                own.append(_timed(engine_cls, path, _Feed(own_pages), "pull"))
                counts.add(("own", _counts(path)))
                path.unlink()
                path = _copy(empty, work)
                new.append(_timed(engine_cls, path, _Feed(new_pages), "pull"))
                counts.add(("new", _counts(path)))
                path.unlink()
            return {"push": statistics.median(push), "own": statistics.median(own),
                    "new": statistics.median(new), "counts": counts}

        now = measure(SyncEngine)
        before = measure(old) if old is not None else None
    if before is not None and before["counts"] != now["counts"]:
        raise AssertionError(f"the two code paths disagree: {before['counts']} vs {now['counts']}")
    n = APPLICATIONS
    note_base = (f"baseline = the same stage of git {BASELINE_REV[:9]} (before the bulk apply), "
                 f"same run, same store copies; median of {ROUNDS}" if before is not None else
                 "no baseline: git revision not available")
    for key, label, note in (
        ("push", f"record push answers: {2 * n:,} commands ({n:,} save_draft + submit)",
         f"SyncEngine._stage_push, chunks of {CHUNK}, transport answers at once"),
        ("own", (f"apply pull after own push: {n:,} applications (known), {n:,} task deletes, "
                 f"{2 * n:,} warnings"), f"SyncEngine._stage_pull, pages of {PAGE}"),
        ("new", (f"apply pull into a store without them: {n:,} applications, {n:,} approval "
                 f"tasks, {2 * n:,} warnings"), f"SyncEngine._stage_pull, pages of {PAGE}"),
    ):
        base = before[key] if before is not None else None
        rows.append({"benchmark": label, "value": now[key], "unit": "s", "baseline": base,
                     "ratio": now[key] / base if base else None, "note": f"{note}; {note_base}"})
    rows.append({"benchmark": f"(set-up: {n:,} applications queued through the services)",
                 "value": build_s, "unit": "s", "note": "not part of any figure above"})
    return rows


if __name__ == "__main__":
    for r in run():
        print(r)
