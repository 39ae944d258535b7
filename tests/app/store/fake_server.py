"""An in-memory stand-in for the central server's sync API (fiscal.schemas.sync shapes),
with failure injection. Behaviour mirrors server/services/sync.py: per-command answers,
idempotent replays, server-assigned sequence numbers, balances reserved at submit."""
from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from app.sync.transport import TransportError


class Killed(Exception):
    """Simulates the client dying right after the server answered (the answer is lost)."""


class FakeServer:
    def __init__(self, *, min_protocol: int = 1, max_protocol: int = 1) -> None:
        self.seq = 0
        self.indicators: dict[str, dict[str, Any]] = {}
        self.apps: dict[str, dict[str, Any]] = {}
        self.idem: dict[str, dict[str, Any]] = {}
        self.blobs: dict[str, bytes] = {}
        self.tombstones: list[tuple[int, str, str]] = []
        self.protocol = (min_protocol, max_protocol)
        self.fail: dict[str, int] = {}  # method -> number of TransportErrors to raise first
        self.kill_after_push = False
        self.calls: list[str] = []
        self.counts_override: dict[str, int] | None = None
        self.tasks: dict[str, dict[str, Any]] = {}

    def add_task(self, task_id: str, app_id: str) -> None:
        app = self.apps[app_id]
        self.tasks[task_id] = {"id": task_id, "application_id": app_id, "step": 1,
                               "step_name": "单位财务负责人审核", "role": "unit_finance_head",
                               "status": "pending", "application_version": app["version"],
                               "summary": {"amount_fen": app["amount_fen"]}, "seq": self._next()}

    # ---------------------------------------------------------------- server-side helpers
    def _next(self) -> int:
        self.seq += 1
        return self.seq

    def add_indicator(self, ind_id: str, amount: int, **kw: Any) -> None:
        data = {
            "id": ind_id, "fiscal_year": 2026, "region_code": "110101000", "unit_code": "101001",
            "func_code": "2010101", "is_gov_procurement": False, "executable": True,
            "amount_fen": amount, "frozen_fen": 0, "reserved_fen": 0, "paid_fen": 0,
            "available_fen": amount, "doc_title": f"指标 {ind_id}",
        }
        data.update(kw)
        data["seq"] = self._next()
        self.indicators[ind_id] = data

    def adjust(self, ind_id: str, *, available_delta: int) -> None:
        ind = self.indicators[ind_id]
        ind["amount_fen"] += available_delta
        ind["available_fen"] += available_delta
        ind["seq"] = self._next()

    def set_app_status(self, app_id: str, status: str) -> None:
        app = self.apps[app_id]
        app["status"] = status
        app["version"] += 1
        app["seq"] = self._next()

    def _gate(self, name: str) -> None:
        self.calls.append(name)
        if self.fail.get(name):
            self.fail[name] -= 1
            raise TransportError(f"{name}: connection reset (injected)")

    # ---------------------------------------------------------------- Transport
    def server_info(self) -> dict[str, Any]:
        self._gate("server_info")
        return {"name": "fake", "version": "0", "protocol_version": self.protocol[1],
                "min_protocol_version": self.protocol[0],
                "max_protocol_version": self.protocol[1]}

    def push(self, commands: list[dict[str, Any]]) -> dict[str, Any]:
        self._gate("push")
        results = []
        for cmd in commands:
            h = hashlib.sha256(json.dumps(cmd, sort_keys=True).encode()).hexdigest()
            key = cmd["idempotency_key"]
            if key in self.idem:
                stored = self.idem[key]
                results.append(stored["result"] | {"replayed": True} if stored["hash"] == h
                               else {"idempotency_key": key, "status": "error",
                                     "http_status": 409, "code": "idempotency_key_reused",
                                     "message": "reused", "data": None, "replayed": True})
                continue
            result = self._run(cmd)
            self.idem[key] = {"hash": h, "result": result}
            results.append(result | {"replayed": False})
        out = {"results": results, "server_seq": self.seq}
        if self.kill_after_push:
            self.kill_after_push = False
            raise Killed("client killed after the server committed the push")
        return out

    def _error(self, key: str, status: int, code: str, message: str, data=None) -> dict:
        return {"idempotency_key": key, "status": "error", "http_status": status, "code": code,
                "message": message, "data": data}

    def _run(self, cmd: dict[str, Any]) -> dict[str, Any]:
        key, app_id, payload = cmd["idempotency_key"], cmd["entity_id"], cmd["payload"]
        app = self.apps.get(app_id)
        now = datetime.now(UTC).isoformat()
        if cmd["type"] == "application.save_draft":
            ind = self.indicators.get(payload["indicator_id"])
            if ind is None:
                return self._error(key, 422, "unknown_indicator", "指标不存在")
            ev = payload.get("expected_version")
            if app is not None and ev is not None and ev != app["version"]:
                return self._error(key, 409, "version_conflict", "申请已被他人修改",
                                   {"current": dict(app)})
            if app is not None and app["status"] not in ("draft", "returned"):
                return self._error(key, 409, "not_editable", f"申请状态为 {app['status']}")
            fields = {k: v for k, v in payload.items() if k != "expected_version"}
            if app is None:
                app = {"id": app_id, "app_no": f"ZF2026{len(self.apps) + 1:06d}",
                       "version": 0, "created_at": now, "attachments": [],
                       "region_code": ind["region_code"], "submitted_at": None}
                self.apps[app_id] = app
            app.update(fields)
            app["unit_code"] = app.get("unit_code") or ind["unit_code"]
            app.update(status="draft", version=app["version"] + 1, updated_at=now,
                       seq=self._next())
            return {"idempotency_key": key, "status": "ok", "http_status": 201,
                    "code": None, "message": None, "data": dict(app)}
        if cmd["type"] == "application.submit":
            if app is None:
                return self._error(key, 404, "not_found", "申请不存在")
            ind = self.indicators[app["indicator_id"]]
            if app["amount_fen"] > ind["available_fen"]:
                return self._error(
                    key, 422, "insufficient_balance",
                    f"超出指标可用余额：可用 {ind['available_fen']} 分，本次 {app['amount_fen']} 分")
            ind["reserved_fen"] += app["amount_fen"]
            ind["available_fen"] -= app["amount_fen"]
            ind["seq"] = self._next()
            app.update(status="submitted", version=app["version"] + 1, submitted_at=now,
                       seq=self._next())
            return {"idempotency_key": key, "status": "ok", "http_status": 200,
                    "code": None, "message": None, "data": dict(app)}
        if cmd["type"] in ("application.withdraw", "application.void"):
            if app is None:
                return self._error(key, 404, "not_found", "申请不存在")
            want = "submitted" if cmd["type"] == "application.withdraw" else "draft"
            if app["status"] != want:
                return self._error(key, 409, "bad_status", f"申请状态为 {app['status']}")
            if cmd["type"] == "application.withdraw":
                ind = self.indicators[app["indicator_id"]]
                ind["reserved_fen"] -= app["amount_fen"]
                ind["available_fen"] += app["amount_fen"]
                ind["seq"] = self._next()
            app.update(status="draft" if want == "submitted" else "voided",
                       version=app["version"] + 1, seq=self._next())
            return {"idempotency_key": key, "status": "ok", "http_status": 200, "code": None,
                    "message": None, "data": dict(app)}
        if cmd["type"] == "approval.decide":
            task = self.tasks.get(payload["task_id"])
            if task is None or task["status"] != "pending":
                return self._error(key, 409, "task_closed", "审核任务已处理")
            app = self.apps[task["application_id"]]
            if payload["expected_version"] != app["version"]:
                return self._error(key, 409, "version_changed",
                                   "申请在您审核后已被修改，请重新审核最新版本。")
            task.update(status="decided", seq=self._next())
            status = {"approve": "approved", "return": "returned", "reject": "rejected"}
            self.set_app_status(app["id"], status[payload["decision"]])
            return {"idempotency_key": key, "status": "ok", "http_status": 200, "code": None,
                    "message": None, "data": dict(task)}
        return self._error(key, 400, "unsupported", cmd["type"])

    def pull(self, since: int, limit: int) -> dict[str, Any]:
        self._gate("pull")
        changes = [{"seq": d["seq"], "entity": "indicator", "id": i, "op": "upsert",
                    "data": dict(d)} for i, d in self.indicators.items() if d["seq"] > since]
        changes += [{"seq": d["seq"], "entity": "application", "id": i, "op": "upsert",
                     "data": dict(d)} for i, d in self.apps.items() if d["seq"] > since]
        changes += [{"seq": d["seq"], "entity": "approval_task", "id": i, "op": "upsert",
                     "data": dict(d)} for i, d in self.tasks.items() if d["seq"] > since]
        changes += [{"seq": seq, "entity": e, "id": i, "op": "delete", "data": None}
                    for seq, e, i in self.tombstones if seq > since]
        changes.sort(key=lambda c: c["seq"])
        page, has_more = changes[:limit], len(changes) > limit
        next_since = page[-1]["seq"] if has_more else self.seq
        return {"changes": page, "next_since": max(next_since, since), "has_more": has_more,
                "server_seq": self.seq, "protocol_version": 1}

    def has_attachment(self, sha256: str) -> bool:
        self._gate("has_attachment")
        return sha256 in self.blobs

    def upload_attachment(self, sha256: str, path: Path, media_type: str) -> None:
        self._gate("upload_attachment")
        data = path.read_bytes()
        assert hashlib.sha256(data).hexdigest() == sha256
        self.blobs[sha256] = data

    def counts(self) -> dict[str, int] | None:
        self._gate("counts")
        if self.counts_override is not None:
            return self.counts_override
        return {"indicator": len(self.indicators), "application": len(self.apps)}
