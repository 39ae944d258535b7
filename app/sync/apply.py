"""Applying what the server says to the local mirror, inside the caller's transaction.

Ownership (issue 5, item 4): the server owns balances, statuses and decisions; the client
owns unsent drafts. A local edit is never silently overwritten: when the server changed a
record the user is editing, a :class:`~app.models.Conflict` keeps both versions.
"""
from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from sqlalchemy import exists, select
from sqlalchemy.orm import Session, selectinload

from app.models import (
    LOCAL_STATUSES,
    Attachment,
    Conflict,
    Indicator,
    OutboxCommand,
    PaymentApplication,
    utcnow,
)

log = logging.getLogger(__name__)

# server field -> local column (fiscal.schemas.applications.ApplicationPublic)
_APP_FIELDS = {
    "indicator_id": "indicator_id",
    "amount_fen": "amount",
    "fiscal_year": "fiscal_year",
    "region_code": "region_code",
    "unit_code": "unit_code",
    "func_code": "func_code",
    "dep_eco_code": "dep_eco_code",
    "gov_eco_code": "gov_eco_code",
    "payee_name": "payee_name",
    "payee_account": "payee_account",
    "payee_bank": "payee_bank",
    "payee_is_personal": "payee_is_personal",
    "payee_id_number": "payee_id_number",
    "settlement_mode": "settlement_mode",
    "use_des": "use_des",
    "contract_no": "contract_no",
    "card_not_accepted": "card_not_accepted",
}
# fiscal.schemas.indicators.IndicatorPublic -> local column
_IND_FIELDS = {
    "fiscal_year": "fiscal_year",
    "region_code": "region_code",
    "unit_code": "unit_code",
    "func_code": "func_code",
    "dep_eco_code": "dep_eco_code",
    "gov_eco_code": "gov_eco_code",
    "fund_type_code": "fund_type_code",
    "source_type_code": "source_type_code",
    "bgt_type_code": "bgt_type_code",
    "pro_code": "pro_code",
    "pro_name": "pro_name",
    "doc_no": "doc_no",
    "doc_title": "doc_title",
    "is_gov_procurement": "is_gov_procurement",
    "executable": "executable",
    "amount_fen": "amount",
    "frozen_fen": "frozen",
    "reserved_fen": "reserved",
    "paid_fen": "paid",
    "available_fen": "available",
}


class Touched:
    """What an apply step changed (becomes the engine's ``Changes``), plus per-page caches
    that spare one query per row (``in_flight``: application ids with unsent commands;
    ``known_indicators``: indicator ids present locally)."""

    def __init__(self) -> None:
        self.applications: set[str] = set()
        self.indicators: set[str] = set()
        self.conflicts = False
        self.outbox = False
        self.in_flight: set[str] | None = None
        self.known_indicators: set[str] | None = None
        # (entity, id) -> the local row or None, loaded for a whole page (see _preload)
        self.rows: dict[tuple[str, str], Any] | None = None


def _dt(value: Any) -> datetime | None:
    if value is None or isinstance(value, datetime):
        return value
    from datetime import UTC

    parsed = datetime.fromisoformat(str(value))
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def snapshot(app: PaymentApplication) -> dict[str, Any]:
    """The local version of an application, in wire field names, for a Conflict."""
    out: dict[str, Any] = {wire: getattr(app, col) for wire, col in _APP_FIELDS.items()}
    out.update(id=app.id, local_status=app.local_status, base_server_version=app.base_server_version,
               updated_at=app.updated_at.isoformat() if app.updated_at else None)
    return out


def _in_flight(s: Session, app_id: str, touched: Touched | None = None) -> bool:
    if touched is not None and touched.in_flight is not None:
        return app_id in touched.in_flight
    return bool(s.scalar(select(exists().where(
        OutboxCommand.entity_type == "application", OutboxCommand.entity_id == app_id,
        OutboxCommand.state.in_(("pending", "sending")),
    ))))


def _ensure_indicator(
    s: Session, indicator_id: str, data: dict[str, Any], touched: Touched | None = None
) -> None:
    """An application may arrive before its indicator: keep a stub that its own change fills."""
    known = touched.known_indicators if touched is not None else None
    if known is not None and indicator_id in known:
        return
    if s.get(Indicator, indicator_id) is None:
        s.add(Indicator(id=indicator_id, fiscal_year=int(data.get("fiscal_year") or 0),
                        unit_code=str(data.get("unit_code") or ""), active=False))
        s.flush()
    if known is not None:
        known.add(indicator_id)


def _server_meta(app: PaymentApplication, data: dict[str, Any]) -> None:
    app.server_version = data.get("version", app.server_version)
    app.server_seq = data.get("seq", app.server_seq)
    app.server_status = data.get("status", app.server_status)
    if data.get("app_no"):
        app.app_no = data["app_no"]


def _overwrite(s: Session, app: PaymentApplication, data: dict[str, Any]) -> None:
    for wire, col in _APP_FIELDS.items():
        if wire in data:
            setattr(app, col, data[wire])
    _server_meta(app, data)
    status = data.get("status")
    if status in LOCAL_STATUSES:
        app.local_status = status
    elif status is not None:
        log.warning("application %s: unknown server status %r kept as server_status", app.id,
                    status)
    app.base_server_version = app.server_version
    app.dirty = False
    if data.get("submitted_at"):
        app.submitted_at = _dt(data["submitted_at"])
    known = {a.sha256 for a in app.attachments}
    for att in data.get("attachments") or ():
        if att.get("sha256") in known:
            continue
        app.attachments.append(Attachment(
            sha256=att["sha256"], file_name=att["sha256"], role=att.get("role") or "other",
            media_type=att.get("media_type") or "application/octet-stream",
            size=int(att.get("size") or 0), invoice_key=att.get("invoice_key"), uploaded=True,
        ))


def overwrite_from_server(s: Session, app: PaymentApplication, data: dict[str, Any]) -> None:
    """Replace the local copy with the server's (used when a conflict is resolved that way)."""
    _overwrite(s, app, data)


def _record_conflict(s: Session, app: PaymentApplication, data: dict[str, Any], reason: str,
                     touched: Touched) -> None:
    open_one = s.scalar(select(Conflict).where(
        Conflict.entity_type == "application", Conflict.entity_id == app.id,
        Conflict.resolved_at.is_(None),
    ))
    if open_one is None:
        s.add(Conflict(entity_type="application", entity_id=app.id, local_version=snapshot(app),
                       server_version=dict(data), reason=reason))
    else:
        open_one.server_version = dict(data)
    touched.conflicts = True


def apply_application(s: Session, data: dict[str, Any], touched: Touched) -> None:
    app_id = str(data["id"])
    touched.applications.add(app_id)
    if data.get("indicator_id"):
        _ensure_indicator(s, data["indicator_id"], data, touched)
    app = _local_row(s, PaymentApplication, "application", app_id, touched)
    if app is None:
        app = PaymentApplication(id=app_id, fiscal_year=int(data.get("fiscal_year") or 0),
                                 created_at=_dt(data.get("created_at")) or utcnow())
        s.add(app)
        _remember(touched, "application", app_id, app)
        _overwrite(s, app, data)
        return
    if _in_flight(s, app_id, touched):
        # our own commands for it are still on the way: their answers decide
        _server_meta(app, data)
        return
    if app.dirty:
        changed_on_server = data.get("version") != app.base_server_version
        if changed_on_server:
            _server_meta(app, data)
            _record_conflict(
                s, app, data,
                "服务器在您编辑期间修改了该申请（例如已被退回或作废），请选择保留哪一个版本。",
                touched,
            )
            return
        _server_meta(app, data)  # same version as the edit started from: keep editing
        return
    _overwrite(s, app, data)


def delete_application(s: Session, app_id: str, touched: Touched) -> None:
    app = _local_row(s, PaymentApplication, "application", app_id, touched)
    if app is None:
        return
    touched.applications.add(app_id)
    if app.dirty or _in_flight(s, app_id, touched):
        _record_conflict(s, app, {"id": app_id, "deleted": True},
                         "服务器上该申请已被删除，而本机还有未发送的修改。", touched)
        return
    s.delete(app)


def apply_indicator(s: Session, data: dict[str, Any], seq: int, touched: Touched) -> None:
    ind_id = str(data["id"])
    touched.indicators.add(ind_id)
    ind = s.get(Indicator, ind_id)
    if ind is None:
        ind = Indicator(id=ind_id)
        s.add(ind)
    for wire, col in _IND_FIELDS.items():
        if wire in data and data[wire] is not None:
            setattr(ind, col, data[wire])
    if ind.region_code is None:
        ind.region_code = ""
    ind.server_seq = int(data.get("seq") or seq)
    ind.server_version = int(data.get("version") or ind.server_seq)
    ind.active = True
    ind.confirmed_at = utcnow()


def delete_indicator(s: Session, ind_id: str, touched: Touched) -> None:
    ind = s.get(Indicator, ind_id)
    if ind is None:
        return
    touched.indicators.add(ind_id)
    used = s.scalar(select(exists().where(PaymentApplication.indicator_id == ind_id)))
    if used:
        ind.active = False  # drafts still point to it; the user picks another indicator
    else:
        s.delete(ind)


def _apply_unit(s: Session, data: dict[str, Any], seq: int) -> None:
    """Units (单位) go to the code-table cache: table ``unit``, fiscal_year 0."""
    from app.models import CodeTableEntry

    code = str(data.get("code") or "")
    if not code:
        return
    row = s.get(CodeTableEntry, ("unit", 0, code))
    if row is None:
        row = CodeTableEntry(table="unit", fiscal_year=0, code=code, name="")
        s.add(row)
    row.name = str(data.get("name") or code)
    row.parent = data.get("department_code")
    row.extra = dict(data)
    row.server_seq = seq


_IND_DEFAULTS: dict[str, Any] = {
    "fiscal_year": 0, "region_code": "", "unit_code": "", "is_gov_procurement": False,
    "executable": True, "amount": 0, "frozen": 0, "reserved": 0, "paid": 0, "available": 0,
}


_IND_COLUMNS = ("id", *_IND_FIELDS.values(), "server_seq", "server_version", "active",
                "confirmed_at")
_IND_WIRE = tuple((wire, _IND_DEFAULTS.get(col)) for wire, col in _IND_FIELDS.items())
_IND_UPSERT_SQL = (
    "INSERT INTO indicators ({cols}) VALUES ({marks}) ON CONFLICT (id) DO UPDATE SET {sets}".format(
        cols=", ".join(f'"{c}"' for c in _IND_COLUMNS),
        marks=", ".join("?" for _ in _IND_COLUMNS),
        sets=", ".join(f'"{c}" = excluded."{c}"' for c in _IND_COLUMNS if c != "id"),
    )
)


def _indicator_params(data: dict[str, Any], seq: int, confirmed_at: Any) -> tuple[Any, ...]:
    """One row of the bulk upsert, in ``_IND_COLUMNS`` order (plain DB-API values)."""
    get = data.get
    values: list[Any] = [str(data["id"])]
    for wire, default in _IND_WIRE:
        value = get(wire)
        values.append(default if value is None else value)
    server_seq = int(get("seq") or seq)
    values += (server_seq, int(get("version") or server_seq), True, confirmed_at)
    return tuple(values)


def _bulk_upsert_indicators(s: Session, rows: list[tuple[Any, ...]]) -> None:
    """One INSERT … ON CONFLICT DO UPDATE per page (the server owns every column here),
    executed as one DB-API ``executemany`` of plain tuples on the session's connection (same
    transaction): no ORM objects and no per-row SQLAlchemy parameter processing — for a first
    sync of 100,000 indicators that processing cost more than SQLite itself."""
    if not rows:
        return
    s.connection().exec_driver_sql(_IND_UPSERT_SQL, rows)
    if s.identity_map:  # rows already loaded in this session must not keep stale values
        ids = {r[0] for r in rows}
        for obj in list(s.identity_map.values()):
            if isinstance(obj, Indicator) and obj.id in ids:
                s.expire(obj)


def _bound_time(now: datetime) -> Any:
    """``now`` as the ``confirmed_at`` column stores it (UTCDateTime's own bind processing,
    applied once per page instead of once per row)."""
    from sqlalchemy.dialects import sqlite

    col = Indicator.__table__.c.confirmed_at
    dialect = sqlite.dialect()
    value = col.type.process_bind_param(now, dialect)
    processor = col.type.impl_instance.bind_processor(dialect)
    return processor(value) if processor else value


def apply_page(s: Session, changes: list[dict[str, Any]], touched: Touched) -> None:
    """Apply one pulled page. Only the last change per record counts (the page is in seq
    order); indicators are upserted in bulk, then applications (which may point to them),
    then deletions of applications before deletions of indicators (which check usage)."""
    last: dict[tuple[str, str], dict[str, Any]] = {}
    for change in changes:
        last[(change["entity"], str(change["id"]))] = change
    confirmed_at = _bound_time(utcnow())
    ind_rows = [
        _indicator_params(c["data"], int(c["seq"]), confirmed_at)
        for (entity, _), c in last.items()
        if entity == "indicator" and c["op"] != "delete"
    ]
    _bulk_upsert_indicators(s, ind_rows)
    touched.indicators.update(r[0] for r in ind_rows)

    app_changes = [c for (e, _), c in last.items() if e == "application"]
    if app_changes:
        ids = [str(c["id"]) for c in app_changes]
        # kept referenced while the page is applied (the identity map holds objects weakly)
        loaded = s.scalars(select(PaymentApplication).where(PaymentApplication.id.in_(ids))
                           .options(selectinload(PaymentApplication.attachments))).all()
        touched.in_flight = set(s.scalars(select(OutboxCommand.entity_id).where(
            OutboxCommand.entity_type == "application", OutboxCommand.entity_id.in_(ids),
            OutboxCommand.state.in_(("pending", "sending")),
        )))
        wanted = {str(c["data"]["indicator_id"]) for c in app_changes
                  if c["op"] != "delete" and c.get("data") and c["data"].get("indicator_id")}
        touched.known_indicators = set(s.scalars(
            select(Indicator.id).where(Indicator.id.in_(wanted)))) if wanted else set()
        # the ones not found are new here: no Session.get (a SELECT each) to learn that again
        touched.rows = {("application", i): None for i in ids}
        touched.rows.update((("application", a.id), a) for a in loaded)
        try:
            with s.no_autoflush:
                for c in app_changes:
                    if c["op"] != "delete":
                        apply_application(s, c["data"], touched)
            for c in app_changes:
                if c["op"] == "delete":
                    delete_application(s, str(c["id"]), touched)
        finally:
            touched.in_flight = touched.known_indicators = touched.rows = None
            del loaded
    touched.rows = _preload(s, [key for key in last if key[0] in _PRELOADED])
    try:
        for (entity, ident), c in last.items():
            if entity == "indicator" and c["op"] == "delete":
                delete_indicator(s, ident, touched)
            elif entity in _PRELOADED:
                # their rows are preloaded and nothing they do queries the database, so a
                # flush per change would only cost time: the commit writes them in batches
                with s.no_autoflush:
                    apply_change(s, c, touched)
            elif entity not in ("indicator", "application"):
                apply_change(s, c, touched)  # units, code tables…: may query, keep autoflush
    finally:
        touched.rows = None


def _preloaded_models() -> dict[str, type]:
    from app.models import ApprovalTask, MonitoringWarning

    return {"approval_task": ApprovalTask, "warning": MonitoringWarning}


_PRELOADED = ("approval_task", "warning")
_PRELOAD_CHUNK = 500  # ids per IN (…) query, well under SQLite's bound-variable limit


def _preload(s: Session, keys: list[tuple[str, str]]) -> dict[tuple[str, str], Any]:
    """The local rows a page's tasks and warnings refer to, in one query per entity type and
    few hundred ids, instead of one ``Session.get`` each; absent ones map to None. The dict
    also keeps them referenced while the page is applied (the identity map is weak)."""
    rows: dict[tuple[str, str], Any] = dict.fromkeys(keys)
    models = _preloaded_models()
    for entity, model in models.items():
        ids = [ident for e, ident in keys if e == entity]
        for b in range(0, len(ids), _PRELOAD_CHUNK):
            for obj in s.scalars(select(model).where(model.id.in_(ids[b:b + _PRELOAD_CHUNK]))):
                rows[(entity, obj.id)] = obj
    return rows


def _local_row(s: Session, model: type, entity: str, ident: str,
               touched: Touched | None) -> Any:
    """The local row for (entity, ident): from the page's preload when it covers it."""
    rows = touched.rows if touched is not None else None
    if rows is not None and (entity, ident) in rows:
        return rows[(entity, ident)]
    return s.get(model, ident)


def _remember(touched: Touched | None, entity: str, ident: str, obj: Any) -> None:
    if touched is not None and touched.rows is not None:
        touched.rows[(entity, ident)] = obj


def apply_change(s: Session, change: dict[str, Any], touched: Touched) -> None:
    entity, op = change["entity"], change["op"]
    if entity == "indicator":
        if op == "delete":
            delete_indicator(s, str(change["id"]), touched)
        else:
            apply_indicator(s, change["data"], int(change["seq"]), touched)
    elif entity == "application":
        if op == "delete":
            delete_application(s, str(change["id"]), touched)
        else:
            apply_application(s, change["data"], touched)
    elif entity == "approval_task" and op != "delete":
        apply_approval_task(s, change["data"], touched)
    elif entity == "approval_task":
        from app.models import ApprovalTask

        ident = str(change["id"])
        task = _local_row(s, ApprovalTask, entity, ident, touched)
        if task is not None:
            s.delete(task)
            _remember(touched, entity, ident, None)
    elif entity == "warning":
        if op == "delete":
            from app.models import MonitoringWarning

            ident = str(change["id"])
            row = _local_row(s, MonitoringWarning, entity, ident, touched)
            if row is not None:
                s.delete(row)
                _remember(touched, entity, ident, None)
        else:
            apply_warning(s, change["data"], int(change.get("seq") or 0), touched)
    elif entity == "unit" and op != "delete" and change.get("data"):
        _apply_unit(s, change["data"], int(change["seq"]))
    elif entity == "code_tables" and op != "delete" and change.get("data"):
        from app.sync.code_tables import apply_code_tables

        apply_code_tables(s, change["data"], int(change.get("seq") or 0))
    elif entity == "dictionaries" and op != "delete" and change.get("data"):
        from app.sync.dictionaries import apply_dictionaries

        apply_dictionaries(s, change["data"], int(change.get("seq") or 0))
    else:
        log.debug("sync: ignoring %s change %s", entity, change.get("id"))


def _transient(http_status: int, code: str | None) -> bool:
    """Worth sending again later with the same key: server errors, throttling, and a command
    type this server does not run yet (``unsupported_command``: not stored by the server)."""
    return http_status >= 500 or http_status in (0, 408, 429) or code == "unsupported_command"


def _decision_result(s: Session, cmd: OutboxCommand, result: dict[str, Any]) -> str:
    from app.models import ApprovalDecision, ApprovalTask

    decision = s.get(ApprovalDecision, cmd.entity_id)
    if result.get("status") == "ok":
        cmd.state, cmd.sent_at, cmd.last_error = "done", utcnow(), None
        if decision is not None:
            decision.state, decision.server_message = "accepted", None
            task = s.get(ApprovalTask, decision.task_id)
            if task is not None:
                task.status = "decided"
        return "done"
    http_status = int(result.get("http_status") or 0)
    message = result.get("message") or result.get("code") or "error"
    cmd.last_error = f"{http_status} {result.get('code')}: {message}"
    if _transient(http_status, result.get("code")):
        cmd.state = "pending"
        return "pending"
    cmd.state = "refused"
    if decision is not None:  # e.g. the application changed since the reviewer saw it
        decision.state, decision.server_message = "refused", message
    return "refused"


_SEVERITY_BY_LEVEL = {1: "red", 2: "yellow", 3: "blue"}


def apply_warning(s: Session, data: dict[str, Any], seq: int,
                  touched: Touched | None = None) -> None:
    """Mirror a server 三级预警 record (the server owns warnings and their disposition)."""
    from app.models import MonitoringWarning
    from app.sync.warnings import carry_local, local_state

    ident = str(data["id"])
    row = _local_row(s, MonitoringWarning, "warning", ident, touched)
    if row is None:
        row = MonitoringWarning(id=ident, rule_code=str(data.get("rule_id") or ""))
        s.add(row)
        _remember(touched, "warning", ident, row)
    kept = local_state(row)  # an unsent / refused disposition typed here (app.services.warnings)
    row.rule_code = str(data.get("rule_id") or row.rule_code)
    row.rule_name = str(data.get("rule_name") or row.rule_name or "")
    level = data.get("level")
    row.severity = data.get("colour") or _SEVERITY_BY_LEVEL.get(int(level) if level else 0, "yellow")
    row.application_id = str(data["application_id"]) if data.get("application_id") else None
    row.message = str(data.get("message") or "")
    row.status = str(data.get("state") or "open")
    row.details = {k: data[k] for k in ("state_name", "outcome", "cleared", "allowed_actions",
                                         "explanation", "attachments", "history") if k in data}
    row.server_version = int(data.get("version") or 0)
    row.server_seq = seq
    if data.get("created_at"):
        row.created_at = _dt(data["created_at"])
    carry_local(row, kept)


def apply_approval_task(s: Session, data: dict[str, Any], touched: Touched | None = None) -> None:
    """Provisional mapping of an ``approval_task`` change (the server feed does not carry
    tasks yet): fields are taken when present."""
    from app.models import ApprovalTask

    ident = str(data["id"])
    task = _local_row(s, ApprovalTask, "approval_task", ident, touched)
    if task is None:
        task = ApprovalTask(id=ident, application_id=str(data.get("application_id")))
        s.add(task)
        _remember(touched, "approval_task", ident, task)
    for key in ("step", "step_name", "role", "status", "application_version", "summary"):
        if key in data and data[key] is not None:
            setattr(task, key, data[key])
    task.server_version = int(data.get("version") or task.server_version or 0)
    task.server_seq = int(data.get("seq") or task.server_seq or 0)
    if data.get("created_at"):
        task.created_at = _dt(data["created_at"])


def apply_push_result(
    s: Session, cmd: OutboxCommand, result: dict[str, Any], touched: Touched,
    *, server_seq: int | None = None,
) -> str:
    """Record the server's answer to one command. Returns the command's new state."""
    touched.outbox = True
    if cmd.entity_type == "approval_decision":
        return _decision_result(s, cmd, result)
    if cmd.entity_type == "warning":  # warning.explain / warning.dispose (app.sync.warnings)
        from app.sync.warnings import apply_result

        return apply_result(s, cmd, result, transient=_transient(
            int(result.get("http_status") or 0), result.get("code")))
    app = s.get(PaymentApplication, cmd.entity_id) if cmd.entity_type == "application" else None
    if result.get("status") == "ok":
        cmd.state = "done"
        cmd.sent_at = utcnow()
        cmd.last_error = None
        data = result.get("data") or {}
        if app is not None:
            touched.applications.add(app.id)
            if data:
                _server_meta(app, data)
                app.base_server_version = app.server_version
            if cmd.kind == "application.submit":
                app.local_status = "submitted"
                app.dirty = False
                app.server_message = None
                app.submitted_at = _dt(data.get("submitted_at")) or utcnow()
                # the reservation is in the server's feed at or below its head seq
                app.ack_seq = server_seq if server_seq is not None else data.get("seq")
            elif cmd.kind in ("application.withdraw", "application.void") and data:
                status = data.get("status")
                if status in LOCAL_STATUSES:
                    app.local_status = status
                app.dirty = False
                app.ack_seq = None  # the reservation is released, nothing pending
        return "done"
    http_status = int(result.get("http_status") or 0)
    code = result.get("code") or "error"
    message = result.get("message") or code
    cmd.last_error = f"{http_status} {code}: {message}"
    if _transient(http_status, code):
        cmd.state = "pending"  # transient: retried at the next sync, same idempotency key
        return "pending"
    cmd.state = "refused"
    if app is not None and cmd.kind in ("application.withdraw", "application.void"):
        touched.applications.add(app.id)
        app.server_message = message  # the record itself is unchanged; the pull refreshes it
        return "refused"
    if app is not None:
        touched.applications.add(app.id)
        # the server's answer is final: the application comes back to the user to act on
        app.local_status = "returned" if app.server_status == "returned" else "draft"
        app.server_message = message
        app.dirty = True
        app.queued_at = None
        # a refused voucher link (duplicate invoice, not a draft any more) is not an edit
        # conflict: the message on the application says what to do
        if cmd.kind != "application.attach" and (
                code in ("version_conflict", "stale_version", "conflict") or http_status == 409):
            server_copy = (result.get("data") or {}).get("current") or {}
            _record_conflict(s, app, server_copy or {"id": app.id, "refused": message},
                             f"服务器拒绝：{message}", touched)
        # later commands for the same record must not run on top of a refused one
        for later in s.scalars(select(OutboxCommand).where(
            OutboxCommand.entity_type == cmd.entity_type,
            OutboxCommand.entity_id == cmd.entity_id,
            OutboxCommand.id > cmd.id,
            OutboxCommand.state.in_(("pending", "sending")),
        )):
            later.state = "refused"
            later.last_error = f"未发送：前一条命令被服务器拒绝（{code}）"
    return "refused"
