"""Read models and small use cases the desktop screens need that the other services do not
offer (yet): indicator id lists and rows for the 100,000-row browser, approval tasks and
decisions, warnings, status-bar figures, dashboard aggregates, local accounts (offline
unlock, demo users) and the demo data set.

The reviewer's queue (``ApprovalTaskView``, ``list_approval_tasks``) lives in
``app.services.approvals`` and is re-exported here for the screens.

Qt-free, keyword-only, each function owns its unit of work and returns plain dataclasses,
never live ORM rows. Money is integer fen; times are UTC.
"""
from __future__ import annotations

import logging
import random
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import and_, case, func, or_, select
from sqlalchemy.orm import aliased

from app.db import Database
from app.models import (
    Account,
    ApprovalDecision,
    ApprovalTask,
    Indicator,
    MonitoringWarning,
    OutboxCommand,
    Payee,
    PaymentApplication,
    SyncState,
    new_uuid,
    utcnow,
)
from app.services.applications import DraftInput
from app.services.approvals import ApprovalTaskView, list_approval_tasks
from app.services.budget import pending_condition
from app.services.errors import InvalidField, NotFound
from app.services.results import Changes, RuleNote

log = logging.getLogger(__name__)

_IN_CHUNK = 500  # SQLite host-parameter budget per IN (...)


# --------------------------------------------------------------------------- indicators


@dataclass(frozen=True, slots=True)
class IndicatorRow:
    """One line of the indicator browser; figures in fen as the server confirmed them."""

    id: str
    fiscal_year: int
    unit_code: str
    doc_no: str | None
    doc_title: str | None
    pro_code: str | None
    pro_name: str | None
    func_code: str | None
    dep_eco_code: str | None
    gov_eco_code: str | None
    fund_type_code: str | None
    is_gov_procurement: bool
    executable: bool
    amount: int
    paid: int
    reserved: int
    frozen: int
    available: int
    pending_own: int = 0

    @property
    def available_after_pending(self) -> int:
        return self.available - self.pending_own

    @property
    def execution_permille(self) -> int:
        """已支付 / 金额 in ‰ (integer, no float money)."""
        if self.amount <= 0:
            return 0
        return min(1000, self.paid * 1000 // self.amount)


def _indicator_filter(stmt: Any, text: str, fiscal_year: int | None, include_inactive: bool,
                      executable_only: bool) -> Any:
    if fiscal_year is not None:
        stmt = stmt.where(Indicator.fiscal_year == fiscal_year)
    if not include_inactive:
        stmt = stmt.where(Indicator.active.is_(True))
    if executable_only:
        stmt = stmt.where(Indicator.executable.is_(True))
    for word in (text or "").split():
        like = f"%{word}%"
        stmt = stmt.where(or_(
            Indicator.id.like(like), Indicator.doc_no.like(like), Indicator.doc_title.like(like),
            Indicator.pro_code.like(like), Indicator.pro_name.like(like),
            Indicator.func_code.like(f"{word}%"), Indicator.dep_eco_code.like(f"{word}%"),
        ))
    return stmt


INDICATOR_SORT_KEYS = {
    "id": Indicator.id, "doc_no": Indicator.doc_no, "pro_name": Indicator.pro_name,
    "func": Indicator.func_code, "eco": Indicator.dep_eco_code, "fund": Indicator.fund_type_code,
    "amount": Indicator.amount, "paid": Indicator.paid, "reserved": Indicator.reserved,
    "available": Indicator.available,
    "rate": case((Indicator.amount > 0, Indicator.paid * 1000 / Indicator.amount), else_=0),
}


def search_indicator_ids(
    *,
    db: Database,
    text: str = "",
    fiscal_year: int | None = None,
    include_inactive: bool = False,
    executable_only: bool = False,
    sort: str = "id",
    descending: bool = False,
) -> list[str]:
    """Ids of the matching indicators, ordered by ``sort`` (then id). ``text`` words must all
    match one of: id, 指标文号, 文件标题, 项目代码/名称 (substring) or 功能/经济分类 (code prefix)."""
    key = INDICATOR_SORT_KEYS.get(sort, Indicator.id)
    stmt = _indicator_filter(select(Indicator.id), text, fiscal_year, include_inactive,
                             executable_only).order_by(key.desc() if descending else key.asc(),
                                                       Indicator.id)
    with db.read() as s:
        return list(s.scalars(stmt))


@dataclass(frozen=True, slots=True)
class IndicatorTotals:
    count: int
    amount: int
    paid: int
    reserved: int
    available: int


def indicator_totals(*, db: Database, text: str = "", fiscal_year: int | None = None,
                     include_inactive: bool = False) -> IndicatorTotals:
    """Sums over the same filter as :func:`search_indicator_ids` (one aggregate query)."""
    stmt = _indicator_filter(
        select(func.count(), func.coalesce(func.sum(Indicator.amount), 0),
               func.coalesce(func.sum(Indicator.paid), 0),
               func.coalesce(func.sum(Indicator.reserved), 0),
               func.coalesce(func.sum(Indicator.available), 0)),
        text, fiscal_year, include_inactive, False)
    with db.read() as s:
        n, amount, paid, reserved, available = s.execute(stmt).one()
    return IndicatorTotals(int(n), int(amount), int(paid), int(reserved), int(available))


def get_indicator_rows(*, db: Database, ids: Sequence[str]) -> dict[str, IndicatorRow]:
    """The rows for ``ids`` (missing ids are simply absent), with the user's pending amounts."""
    out: dict[str, IndicatorRow] = {}
    ids = list(dict.fromkeys(ids))
    with db.read() as s:
        for start in range(0, len(ids), _IN_CHUNK):
            chunk = ids[start:start + _IN_CHUNK]
            pending = dict(s.execute(
                select(PaymentApplication.indicator_id, func.sum(PaymentApplication.amount))
                .join(Indicator, Indicator.id == PaymentApplication.indicator_id)
                .where(PaymentApplication.indicator_id.in_(chunk), pending_condition())
                .group_by(PaymentApplication.indicator_id)
            ).all())
            for ind in s.scalars(select(Indicator).where(Indicator.id.in_(chunk))):
                out[ind.id] = IndicatorRow(
                    id=ind.id, fiscal_year=ind.fiscal_year, unit_code=ind.unit_code,
                    doc_no=ind.doc_no, doc_title=ind.doc_title, pro_code=ind.pro_code,
                    pro_name=ind.pro_name, func_code=ind.func_code,
                    dep_eco_code=ind.dep_eco_code, gov_eco_code=ind.gov_eco_code,
                    fund_type_code=ind.fund_type_code,
                    is_gov_procurement=bool(ind.is_gov_procurement),
                    executable=bool(ind.executable), amount=ind.amount, paid=ind.paid,
                    reserved=ind.reserved, frozen=ind.frozen, available=ind.available,
                    pending_own=int(pending.get(ind.id) or 0),
                )
    return out


def get_indicator_row(*, db: Database, indicator_id: str) -> IndicatorRow:
    rows = get_indicator_rows(db=db, ids=[indicator_id])
    if indicator_id not in rows:
        raise NotFound(f"本地没有指标 {indicator_id}，请先同步。", field="indicator_id")
    return rows[indicator_id]


# --------------------------------------------------------------------------- applications


@dataclass(frozen=True, slots=True)
class HistoryEntry:
    at: datetime
    event: str  # created | updated | queued | submitted | decision | server
    text: str


def application_history(*, db: Database, application_id: str) -> list[HistoryEntry]:
    """What is known locally about an application's life, oldest first: creation, last edit,
    queueing, submission, reviewers' decisions and the server's last message."""
    with db.read() as s:
        app = s.get(PaymentApplication, application_id)
        if app is None:
            raise NotFound(f"找不到支付申请 {application_id}。")
        out = [HistoryEntry(app.created_at, "created", "创建草稿")]
        if app.updated_at and app.updated_at != app.created_at:
            out.append(HistoryEntry(app.updated_at, "updated", "最近修改"))
        if app.queued_at:
            out.append(HistoryEntry(app.queued_at, "queued",
                                    f"排队待发送（第 {app.submission_no} 次提交）"))
        if app.submitted_at:
            out.append(HistoryEntry(app.submitted_at, "submitted",
                                    f"服务器已受理，编号 {app.app_no or '—'}"))
        tasks = s.scalars(select(ApprovalTask).where(ApprovalTask.application_id == app.id)).all()
        for task in tasks:
            for d in s.scalars(select(ApprovalDecision).where(ApprovalDecision.task_id == task.id)):
                out.append(HistoryEntry(
                    d.decided_at, "decision",
                    f"{task.step_name or '审批'}：{DECISION_NAMES.get(d.decision, d.decision)}"
                    + (f"（{d.comment}）" if d.comment else "")))
        if app.server_message:
            out.append(HistoryEntry(app.updated_at, "server", f"服务器：{app.server_message}"))
    out.sort(key=lambda e: e.at)
    return out


def count_applications_by_status(*, db: Database) -> dict[str, int]:
    with db.read() as s:
        return {k: int(v) for k, v in s.execute(
            select(PaymentApplication.local_status, func.count())
            .group_by(PaymentApplication.local_status)).all()}


# --------------------------------------------------------------------------- approvals

DECISION_NAMES = {"approve": "同意", "return": "退回", "reject": "拒绝"}


def decide_task(
    *, db: Database, task_id: str, decision: str, comment: str = ""
) -> Changes:
    """Record the reviewer's decision and queue it (:func:`app.services.approvals.decide_task`);
    the sync engine sends it, and the server may still refuse it (changed version)."""
    from app.services.approvals import decide_task as _decide

    if decision in ("return", "reject") and not (comment or "").strip():
        raise InvalidField(f"{DECISION_NAMES[decision]}时必须填写理由。", field="comment")
    if len((comment or "").strip()) > 500:
        raise InvalidField(f"审批意见最多 500 个字符，现在是 {len(comment.strip())} 个。",
                           field="comment")
    _view, changes = _decide(db=db, task_id=task_id, decision=decision, comment=comment)
    return changes


# --------------------------------------------------------------------------- warnings

SEVERITY_NAMES = {"red": "红色", "yellow": "黄色", "blue": "蓝色"}
WARNING_STATUS_NAMES = {"open": "待处置", "explained": "已书面说明（待认定）", "closed": "已关闭",
                        "confirmed": "已确认", "dismissed": "已排除",
                        # the server's disposition states (fiscal.warnings.STATE_NAMES) and an
                        # offline disposition not yet answered (app.services.warnings)
                        "raised": "待处理", "normal": "认定正常", "verifying": "需要核实",
                        "answered_ok": "核实无误（待复核）", "answered_fixed": "已整改（待复核）",
                        "violation": "认定违规", "rectified": "整改完成", "pending_send": "待发送"}


@dataclass(frozen=True, slots=True)
class WarningView:
    id: str
    rule_code: str
    rule_name: str
    severity: str
    application_id: str | None
    indicator_id: str | None
    message: str
    status: str
    created_at: datetime | None
    details: dict[str, Any] = field(default_factory=dict)


# "Needs action": the disposition loop is not finished. Mirrored warnings carry the server's
# states (fiscal.warnings.DispositionState); rows made before that say 'open' / 'explained'
# (已说明, still awaiting the bureau); 'pending_send' is a step typed here and not yet answered.
# Closed: 认定正常 / 整改完成 and the old 'closed' / 'confirmed' / 'dismissed'.
OPEN_WARNING_STATES = frozenset({"open", "raised", "explained", "verifying", "answered_ok",
                                 "answered_fixed", "violation", "pending_send"})
# Whose move it is, per side (fiscal.warnings.TRANSITIONS); the unit's 书面说明 on a raised
# warning is for yellow ones only (EXPLAIN_LEVELS), a red one waits for the bureau.
_SIDE_STATES = {"bureau": frozenset({"open", "raised", "explained", "answered_ok",
                                     "answered_fixed"}),
                "unit": frozenset({"verifying", "violation"})}


def _needs_action(side: str | None) -> Any:
    if side is None:
        return MonitoringWarning.status.in_(sorted(OPEN_WARNING_STATES))
    if side not in _SIDE_STATES:
        raise InvalidField(f"未知的处理方 {side!r}（应为 bureau 或 unit）。", field="side")
    clause = MonitoringWarning.status.in_(sorted(_SIDE_STATES[side]))
    if side == "unit":
        clause = or_(clause, and_(MonitoringWarning.status.in_(("open", "raised")),
                                  MonitoringWarning.severity == "yellow"))
    return clause


def warning_needs_action(w: WarningView, side: str | None = None) -> bool:
    """The same test as ``list_warnings(open_only=True, side=...)`` for one loaded warning."""
    if side is None:
        return w.status in OPEN_WARNING_STATES
    return w.status in _SIDE_STATES[side] or (
        side == "unit" and w.status in ("open", "raised") and w.severity == "yellow")


def list_warnings(*, db: Database, severity: str | None = None,
                  open_only: bool = False, side: str | None = None) -> list[WarningView]:
    """Warnings, red first. ``open_only``: those whose disposition is not finished; with
    ``side`` ('bureau' | 'unit'): only those where it is that side's move."""
    order = case({"red": 0, "yellow": 1, "blue": 2}, value=MonitoringWarning.severity, else_=3)
    stmt = select(MonitoringWarning).order_by(order, MonitoringWarning.created_at.desc())
    if severity:
        stmt = stmt.where(MonitoringWarning.severity == severity)
    if open_only:
        stmt = stmt.where(_needs_action(side))
    with db.read() as s:
        return [WarningView(w.id, w.rule_code, w.rule_name, w.severity, w.application_id,
                            w.indicator_id, w.message, w.status, w.created_at,
                            dict(w.details or {})) for w in s.scalars(stmt)]


def explain_warning(*, db: Database, warning_id: str, explanation: str,
                    files: Sequence[Path | str] = ()) -> Changes:
    """The unit's explanation (情况说明) of a warning, queued as ``warning.explain`` and sent
    at the next sync (app.services.warnings)."""
    from app.services.warnings import explain_warning as queue_explanation

    return queue_explanation(db=db, warning_id=warning_id, explanation=explanation, files=files)


# --------------------------------------------------------------------------- status bar


@dataclass(frozen=True, slots=True)
class SyncStatus:
    pending_outbox: int  # commands
    pending_items: int  # records they belong to (what the user counts)
    queued_decisions: int
    last_sync_at: datetime | None
    stage: str
    last_error: str | None
    server_url: str | None
    open_tasks: int
    open_warnings: int
    conflicts: int = 0
    update: Any = None  # app.services.updates.UpdateNotice: a newer client the server advertised


def _pending_update(db: Database) -> Any:
    from app.services.updates import pending_update

    return pending_update(db.data_dir) if db.path else None


def sync_status(*, db: Database) -> SyncStatus:
    with db.read() as s:
        st = s.get(SyncState, 1)
        pending = s.scalar(select(func.count()).select_from(OutboxCommand)
                           .where(OutboxCommand.state.in_(("pending", "sending", "failed")))) or 0
        items = s.scalar(select(func.count()).select_from(
            select(OutboxCommand.entity_type, OutboxCommand.entity_id)
            .where(OutboxCommand.state.in_(("pending", "sending", "failed"))).distinct()
            .subquery())) or 0
        decisions = s.scalar(select(func.count()).select_from(ApprovalDecision)
                             .where(ApprovalDecision.state == "queued")) or 0
        tasks = s.scalar(select(func.count()).select_from(ApprovalTask)
                         .where(ApprovalTask.status == "pending")) or 0
        warns = s.scalar(select(func.count()).select_from(MonitoringWarning)
                         .where(_needs_action(None))) or 0
        from app.models import Conflict

        conflicts = s.scalar(select(func.count()).select_from(Conflict)
                             .where(Conflict.resolved_at.is_(None))) or 0
        return SyncStatus(
            pending_outbox=int(pending), pending_items=int(items),
            queued_decisions=int(decisions),
            last_sync_at=st.last_sync_at if st else None, stage=st.stage if st else "idle",
            last_error=st.last_error if st else None, server_url=st.server_url if st else None,
            open_tasks=int(tasks) - int(decisions), open_warnings=int(warns),
            conflicts=int(conflicts), update=_pending_update(db),
        )


# --------------------------------------------------------------------------- dashboard


@dataclass(frozen=True, slots=True)
class ExecutionGroup:
    key: str
    amount: int
    paid: int
    reserved: int

    @property
    def permille(self) -> int:
        return 0 if self.amount <= 0 else self.paid * 1000 // self.amount


@dataclass(frozen=True, slots=True)
class DashboardData:
    total: ExecutionGroup
    by_fund_type: list[ExecutionGroup]
    by_func_class: list[ExecutionGroup]  # 功能分类 类 (3 digits)
    by_eco_class: list[ExecutionGroup]   # 部门经济分类 类 (3 digits)
    monthly_paid: list[tuple[str, int]]  # ('2026-01', fen) of the user's applications
    status_counts: dict[str, int]
    by_department: list[ExecutionGroup] = field(default_factory=list)  # 部门 (unit's parent)
    by_unit: list[ExecutionGroup] = field(default_factory=list)  # 单位
    by_indicator: list[ExecutionGroup] = field(default_factory=list)  # the largest indicators
    names: dict[str, str] = field(default_factory=dict)  # unit / department / indicator names


def dashboard_data(*, db: Database, fiscal_year: int | None = None) -> DashboardData:
    def grouped(key_expr: Any) -> list[ExecutionGroup]:
        stmt = select(key_expr, func.sum(Indicator.amount), func.sum(Indicator.paid),
                      func.sum(Indicator.reserved)).where(Indicator.active.is_(True))
        if fiscal_year is not None:
            stmt = stmt.where(Indicator.fiscal_year == fiscal_year)
        rows = s.execute(stmt.group_by(key_expr).order_by(key_expr)).all()
        return [ExecutionGroup(str(k or ""), int(a or 0), int(p or 0), int(r or 0))
                for k, a, p, r in rows]

    with db.read() as s:
        totals = grouped(func.coalesce(None, "all"))
        total = totals[0] if totals else ExecutionGroup("all", 0, 0, 0)
        by_fund = grouped(Indicator.fund_type_code)
        by_func = grouped(func.substr(Indicator.func_code, 1, 3))
        by_eco = grouped(func.substr(Indicator.dep_eco_code, 1, 3))
        month = func.strftime("%Y-%m", func.coalesce(PaymentApplication.submitted_at,
                                                     PaymentApplication.queued_at,
                                                     PaymentApplication.created_at))
        monthly = [(str(m), int(a or 0)) for m, a in s.execute(
            select(month, func.sum(PaymentApplication.amount))
            .where(PaymentApplication.local_status.in_(("submitted", "approved", "paid",
                                                        "queued")))
            .group_by(month).order_by(month)).all() if m]
        counts = {k: int(v) for k, v in s.execute(
            select(PaymentApplication.local_status, func.count())
            .group_by(PaymentApplication.local_status)).all()}
        # 部门/单位 (bureau users see many units): a unit's department is its parent in the
        # unit cache the sync keeps (code table "unit"); unknown units form their own group
        from app.models import CodeTableEntry

        unit = aliased(CodeTableEntry)
        dept_key = func.coalesce(unit.parent, "")
        join = (unit.table == "unit") & (unit.fiscal_year == 0) & (unit.code == Indicator.unit_code)

        def grouped_join(key_expr: Any) -> list[ExecutionGroup]:
            stmt = (select(key_expr, func.sum(Indicator.amount), func.sum(Indicator.paid),
                           func.sum(Indicator.reserved))
                    .select_from(Indicator).outerjoin(unit, join)
                    .where(Indicator.active.is_(True)))
            if fiscal_year is not None:
                stmt = stmt.where(Indicator.fiscal_year == fiscal_year)
            rows = s.execute(stmt.group_by(key_expr).order_by(key_expr)).all()
            return [ExecutionGroup(str(k or ""), int(a or 0), int(p or 0), int(r or 0))
                    for k, a, p, r in rows]

        by_unit = grouped(Indicator.unit_code)
        by_dept = grouped_join(dept_key)
        names = {f"unit:{c}": n for c, n in s.execute(
            select(CodeTableEntry.code, CodeTableEntry.name)
            .where(CodeTableEntry.table.in_(("unit",)), CodeTableEntry.fiscal_year == 0))}
        names.update({f"department:{c}": n for c, n in s.execute(
            select(CodeTableEntry.code, CodeTableEntry.name)
            .where(CodeTableEntry.table == "department"))})
        top = select(Indicator.id, Indicator.amount, Indicator.paid, Indicator.reserved,
                     Indicator.pro_name).where(Indicator.active.is_(True))
        if fiscal_year is not None:
            top = top.where(Indicator.fiscal_year == fiscal_year)
        by_ind = []
        for ind_id, a, p, r, pro in s.execute(top.order_by(Indicator.amount.desc(),
                                                           Indicator.id).limit(8)):
            by_ind.append(ExecutionGroup(ind_id, int(a or 0), int(p or 0), int(r or 0)))
            names[f"indicator:{ind_id}"] = pro or ""
    return DashboardData(total, by_fund, by_func, by_eco, monthly, counts, by_dept, by_unit,
                         by_ind, names)


# --------------------------------------------------------------------------- accounts


@dataclass(frozen=True, slots=True)
class AccountView:
    username: str
    display_name: str
    roles: tuple[str, ...]
    unit_code: str | None
    server_url: str
    last_online_sign_in_at: datetime | None


@dataclass(frozen=True, slots=True)
class DemoUser:
    username: str
    password: str
    display_name: str
    role: str
    role_name: str


DEMO_SERVER_URL = "http://127.0.0.1:8765"
DEMO_UNIT_CODE = "101001"
DEMO_UNIT_NAME = "市教育局机关"
DEMO_USERS = (
    DemoUser("zhang.kj", "demo-pass-1", "张会计", "unit_accountant", "单位经办人"),
    DemoUser("li.sh", "demo-pass-2", "李审核", "unit_reviewer", "单位审核人"),
    DemoUser("wang.cz", "demo-pass-3", "王科长", "finance_reviewer", "财政审核人"),
)


def _account_view(a: Account) -> AccountView:
    return AccountView(a.username, a.display_name or a.username, tuple(a.roles or ()),
                       a.unit_code, a.server_url, a.last_online_sign_in_at)


def list_accounts(*, db: Database) -> list[AccountView]:
    with db.read() as s:
        return [_account_view(a) for a in s.scalars(
            select(Account).order_by(Account.last_online_sign_in_at.desc().nulls_last()))]


def remember_demo_account(*, db: Database, user: DemoUser, server_url: str = DEMO_SERVER_URL
                          ) -> None:
    """Demo mode only: an account with an offline verifier, as if the user had signed in
    online before (so the demo works without the server)."""
    from app.sync.credentials import make_verifier, normalise_server_url

    server_url = normalise_server_url(server_url)
    verifier = make_verifier(user.password)
    with db.transaction() as s:
        a = s.scalar(select(Account).where(Account.server_url == server_url,
                                           Account.username == user.username))
        if a is None:
            a = Account(server_url=server_url, username=user.username)
            s.add(a)
        a.display_name = user.display_name
        a.roles = [user.role]
        a.unit_code = DEMO_UNIT_CODE
        a.password_verifier = verifier
        a.last_online_sign_in_at = utcnow()


def sync_now(*, db: Database, server_url: str, username: str, cancel: Any = None,
             progress: Any = None) -> Changes:
    """One staged sync run (app.sync.engine) over HTTPS; returns what changed."""
    from app.db import data_dir
    from app.sync.credentials import device_id
    from app.sync.engine import SyncEngine
    from app.sync.http import HttpTransport

    transport = HttpTransport(server_url=server_url, username=username,
                              device_id=device_id(db.data_dir if db.path else data_dir()))
    try:
        report = SyncEngine(db=db, transport=transport, progress=progress, cancel=cancel,
                            server_url=server_url).run()
    finally:
        transport.close()
    return Changes(applications=report.applications, indicators=report.indicators,
                   outbox=True, sync_state=True, conflicts=report.conflicts_changed)


# --------------------------------------------------------------------------- demo data

_DEMO_PROJECTS = (
    "义务教育学校公用经费", "学生资助补助经费", "教师培训专项", "校舍维修改造", "信息化建设运维",
    "食堂食品安全监管", "课后服务补助", "图书采购", "体育设施更新", "职业教育实训基地",
    "学前教育普惠补助", "机关日常运转", "公务用车运行维护", "离退休人员经费", "网络安全等级保护",
)
_DEMO_PAYEES = (
    ("北京华文图书有限公司", "110108000000000011", "中国工商银行北京海淀支行"),
    ("市第一建筑工程有限公司", "310115000000000022", "中国建设银行上海浦东分行"),
    ("博思软件股份有限公司", "350100000000000033", "中国银行福州分行"),
    ("市自来水公司", "440300000000000044", "招商银行深圳分行"),
    ("国网市供电公司", "330100000000000055", "中国农业银行杭州分行"),
    ("晨光文具办公用品商行", "320500000000000066", "交通银行苏州分行"),
)
_DEMO_USCC = ("91110108MA01A2B3C4",)


def _leaf_codes(table: Any, prefixes: Sequence[str], limit: int) -> list[str]:
    """Up to ``limit`` leaf codes, taken evenly from each prefix (类), interleaved."""
    per = max(1, limit // max(1, len(prefixes)))
    groups = []
    for prefix in prefixes:
        codes = [i.code for i in table.items() if i.code.startswith(prefix) and table.is_leaf(i.code)]
        step = max(1, len(codes) // per)
        groups.append(codes[::step][:per])
    out = [c for row in zip(*groups, strict=False) for c in row]
    return out or [next(iter(table.items())).code]


def seed_demo_data(
    *, db: Database, indicators: int = 2000, fiscal_year: int | None = None, seed: int = 7,
    with_accounts: bool = True,
) -> Changes:
    """A believable unit's year: ``indicators`` budget indicators (ids ``ZB<year>-000001``…),
    an address book, applications in every status, approval tasks and warnings. Idempotent
    for indicators (existing ids are kept)."""
    from fiscal.codes import available_years, code_tables

    rng = random.Random(seed)
    now = utcnow()
    year = fiscal_year or now.year
    tables = code_tables(year if year in available_years() else available_years()[-1])
    func_codes = _leaf_codes(tables.functional, ("205", "201", "208", "221"), 60)
    eco_codes = _leaf_codes(tables.dep_economic, ("301", "302", "303", "310"), 60) or ["30201"]
    with db.read() as s:
        existing = int(s.scalar(select(func.count()).select_from(Indicator)) or 0)
    changes_ids: set[str] = set()
    with db.transaction() as s:
        rows = []
        for n in range(existing + 1, indicators + 1):
            amount = rng.randrange(50_000, 500_000_000, 100) * 100 // 100
            amount -= amount % 100
            paid = amount * rng.randrange(0, 95) // 100
            reserved = (amount - paid) * rng.randrange(0, 30) // 100
            frozen = 0 if n % 17 else (amount - paid - reserved) // 10
            project = _DEMO_PROJECTS[n % len(_DEMO_PROJECTS)]
            eco = None if n % 5 == 0 else eco_codes[n % len(eco_codes)]
            rid = f"ZB{year}-{n:06d}"
            changes_ids.add(rid)
            rows.append(dict(  # noqa: C408 - column names as keywords read best here
                id=rid, fiscal_year=year, region_code="110000", unit_code=DEMO_UNIT_CODE,
                doc_no=f"京财教指〔{year}〕{n % 900 + 1}号", doc_title=f"关于下达{year}年{project}的通知",
                fund_type_code=str(1 + n % 3 if n % 7 else 6),
                func_code=func_codes[n % len(func_codes)], dep_eco_code=eco,
                gov_eco_code=None, pro_code=f"11010024{n:07d}", pro_name=project,
                bgt_type_code="1" if n % 4 == 0 else "2", source_type_code="1",
                pay_type_code="11" if n % 3 else "12", is_gov_procurement=(n % 9 == 0),
                executable=(n % 97 != 0), active=True, amount=amount, paid=paid,
                reserved=reserved, frozen=frozen, available=amount - paid - reserved - frozen,
                server_version=1, server_seq=n, confirmed_at=now,
            ))
            if len(rows) >= 5000:
                s.execute(Indicator.__table__.insert(), rows)
                rows = []
        if rows:
            s.execute(Indicator.__table__.insert(), rows)

        if s.scalar(select(func.count()).select_from(Payee)) == 0:
            for i, (name, acct, bank) in enumerate(_DEMO_PAYEES):
                s.add(Payee(name=name, account_no=acct, bank_name=bank,
                            uscc=_DEMO_USCC[0] if i == 0 else None, kind="unit",
                            use_count=10 - i, last_used_at=now - timedelta(days=i)))
            s.add(Payee(name="赵老师", account_no="6222020200112233445", bank_name="中国工商银行",
                        kind="person", use_count=1, last_used_at=now - timedelta(days=30)))

        if s.scalar(select(func.count()).select_from(PaymentApplication)) == 0:
            statuses = ("draft", "queued", "submitted", "returned", "approved", "paid", "paid",
                        "rejected", "submitted", "paid", "approved", "paid")
            for i, status in enumerate(statuses):
                ind_id = f"ZB{year}-{(i * 7) % max(1, indicators) + 1:06d}"
                payee = _DEMO_PAYEES[i % len(_DEMO_PAYEES)]
                created = now - timedelta(days=25 * (len(statuses) - i), hours=i)
                s.add(PaymentApplication(
                    id=new_uuid(), fiscal_year=year, region_code="110000",
                    unit_code=DEMO_UNIT_CODE, indicator_id=ind_id,
                    app_no=None if status in ("draft", "queued") else f"ZF{year}{i + 1:06d}",
                    amount=rng.randrange(1_000, 80_000) * 100,
                    use_des=("支付" + _DEMO_PROJECTS[i % len(_DEMO_PROJECTS)] + "款"),
                    payee_name=payee[0], payee_account=payee[1], payee_bank=payee[2],
                    dep_eco_code=eco_codes[i % len(eco_codes)], settlement_mode="转账",
                    local_status=status, dirty=status in ("draft", "queued", "returned"),
                    server_status=None if status in ("draft", "queued") else status,
                    server_message="附件缺少合同扫描件，请补充后重新提交。" if status == "returned"
                    else ("超出项目支出范围。" if status == "rejected" else None),
                    server_version=None if status in ("draft", "queued") else 1,
                    server_seq=None if status in ("draft", "queued") else 10**9,
                    submission_no=0 if status == "draft" else 1,
                    created_at=created, updated_at=created + timedelta(hours=2),
                    queued_at=None if status == "draft" else created + timedelta(hours=1),
                    submitted_at=None if status in ("draft", "queued")
                    else created + timedelta(hours=3),
                ))
            s.flush()
            for i, status in enumerate(statuses):
                if status == "queued":
                    app = s.scalar(select(PaymentApplication)
                                   .where(PaymentApplication.local_status == "queued"))
                    if app is not None:
                        s.add(OutboxCommand(idempotency_key=f"{app.id}:save:1",
                                            kind="application.save_draft",
                                            entity_type="application", entity_id=app.id,
                                            payload={}))
                        s.add(OutboxCommand(idempotency_key=f"{app.id}:submit:1",
                                            kind="application.submit",
                                            entity_type="application", entity_id=app.id,
                                            payload={}))
                    break

        pending_task_warnings: list[tuple[Any, ...]] = []
        if s.scalar(select(func.count()).select_from(ApprovalTask)) == 0:
            units = (("101001", "市教育局机关"), ("101002", "市第一中学"), ("101003", "市实验小学"),
                     ("101004", "市教育考试院"), ("101005", "市电化教育馆"))
            levels = (None, None, "yellow", None, "red", None, "blue", None)
            task_warnings = {
                "red": ("R-PERS-02", "向个人账户大额转账", "本笔支付对象为个人账户且金额较大，请核对付款依据。"),
                "yellow": ("Y-CARD-01", "应使用公务卡结算", "该经济科目属于公务卡强制结算目录，本笔以转账方式结算。"),
                "blue": ("B-RATE-01", "执行进度偏慢", "该指标执行率低于序时进度。"),
            }
            for i in range(14):
                unit = units[i % len(units)]
                payee = _DEMO_PAYEES[(i + 2) % len(_DEMO_PAYEES)]
                ind_n = (i * 13) % max(1, indicators) + 1
                s.add(ApprovalTask(
                    id=f"T{year}{i + 1:05d}", application_id=new_uuid(), step=1 + i % 2,
                    step_name="单位审核" if i % 2 == 0 else "财政审核",
                    role="unit_reviewer" if i % 2 == 0 else "finance_reviewer",
                    status="pending", application_version=1,
                    summary={
                        "app_no": f"ZF{year}{100 + i:06d}", "unit_code": unit[0],
                        "unit_name": unit[1], "indicator_id": f"ZB{year}-{ind_n:06d}",
                        "amount_fen": rng.randrange(500, 900_000) * 100,
                        "payee_name": payee[0], "payee_account": payee[1],
                        "payee_bank": payee[2],
                        "use_des": "支付" + _DEMO_PROJECTS[(i + 3) % len(_DEMO_PROJECTS)] + "款",
                        "fund_type_code": str(1 + i % 3),
                        "dep_eco_code": eco_codes[i % len(eco_codes)],
                        "settlement_mode": "转账", "applicant": "张会计",
                        "warning_level": levels[i % len(levels)],
                    },
                    server_version=1, server_seq=i + 1,
                    created_at=now - timedelta(hours=6 * (14 - i)),
                ))

                level = levels[i % len(levels)]
                if level:
                    pending_task_warnings.append((level, *task_warnings[level],
                                                  s.get(ApprovalTask, f"T{year}{i + 1:05d}")))

        if s.scalar(select(func.count()).select_from(MonitoringWarning)) == 0:
            samples = (
                ("red", "R-CASH-01", "大额现金支付", "单笔现金支付 62,000.00 元，超过 50,000.00 元，需纸质审批。"),
                ("red", "R-PERS-02", "向个人账户大额转账", "向个人账户支付 80,000.00 元，未上传付款依据。"),
                ("yellow", "Y-CARD-01", "应使用公务卡结算", "办公费 30201 以转账方式结算，属于公务卡强制结算目录。"),
                ("yellow", "Y-SPLIT-03", "疑似拆分支付", "同一收款人 3 日内 4 笔支付，合计 198,000.00 元。"),
                ("yellow", "Y-HOLI-02", "节假日支付", "国庆节假日期间发生支付 12,800.00 元。"),
                ("blue", "B-RATE-01", "执行进度偏慢", "项目“校舍维修改造”执行率 12.0%，低于序时进度 58.0%。"),
                ("blue", "B-YEND-01", "年末突击支出", "12 月支付占全年 41.3%。"),
            )
            def step(action: str, name: str, by: str, hours: int, note: str = "",
                     files: int = 0) -> dict[str, Any]:
                return {"action": action, "action_name": name, "by": by, "note": note,
                        "at": (now - timedelta(hours=hours)).isoformat(),
                        "attachments": [f"{n:064x}" for n in range(1, files + 1)]}

            # the server's disposition states (fiscal.warnings), some part-way through the loop
            verify = step("request_verify", "需要核实", "wang.cz", 30, "请补充现金支付审批单。")
            loops: tuple[tuple[str, list[dict[str, Any]], str], ...] = (
                ("verifying", [verify], ""),
                ("raised", [], ""),
                ("explained", [step("explain", "书面说明", "zhang.kj", 20, "已补充合同及验收单。", 2)],
                 "已补充合同及验收单。"),
                ("raised", [], ""),
                ("answered_ok", [step("request_verify", "需要核实", "wang.cz", 50, "请说明节假日支付原因。"),
                                 step("answer_ok", "核实无误", "zhang.kj", 26,
                                      "系国庆值班人员加班餐费，附审批单。", 1)],
                 "系国庆值班人员加班餐费，附审批单。"),
                ("raised", [], ""),
                ("normal", [step("mark_normal", "认定正常", "wang.cz", 70)], ""),
            )
            for i, (sev, code, name, msg) in enumerate(samples):
                state, history, explanation = loops[i]
                details: dict[str, Any] = {"history": history}
                if explanation:
                    details["explanation"] = explanation
                s.add(MonitoringWarning(
                    id=f"W{year}{i + 1:05d}", rule_code=code, rule_name=name, severity=sev,
                    indicator_id=f"ZB{year}-{i * 11 + 1:06d}", message=msg, status=state,
                    details=details, server_version=1 + len(history), server_seq=i + 1,
                    created_at=now - timedelta(days=i),
                ))

        for n, (level, code, name, msg, task) in enumerate(pending_task_warnings):
            if task is None:
                continue
            s.add(MonitoringWarning(
                id=f"WT{year}{n + 1:05d}", rule_code=code, rule_name=name, severity=level,
                application_id=task.application_id, message=msg, status="raised",
                details={"task_id": task.id}, server_version=1, server_seq=100 + n,
                created_at=task.created_at))

        st = s.get(SyncState, 1)
        if st is None:
            st = SyncState(id=1)
            s.add(st)
        if st.last_sync_at is None:
            st.server_url = DEMO_SERVER_URL
            st.last_sync_at = now - timedelta(minutes=42)
            st.last_server_seq = indicators

    if with_accounts:
        with db.read() as s:
            have = {a for a in s.scalars(select(Account.username)
                                         .where(Account.server_url == DEMO_SERVER_URL))}
        for u in DEMO_USERS:
            if u.username not in have:
                remember_demo_account(db=db, user=u)
    # "*" = everything of that kind changed (too many ids to list)
    return Changes(indicators=frozenset({"*"}) if changes_ids else frozenset(),
                   applications=frozenset({"*"}), outbox=True, payees=True, sync_state=True)


# --------------------------------------------------------------------------- form preview


@dataclass(frozen=True, slots=True)
class RulePreview:
    """What the payment form shows while the user types: the indicator's figures, the
    budget pre-check ``queue_application`` will enforce, and every rule of
    :mod:`fiscal.rules.budget` that would refuse the application as it stands."""

    indicator: IndicatorRow
    requested: int
    remaining: int  # 指标 − 已支付 − 在途 − 冻结 − 本机未确认 − 本次
    ok: bool  # the balance rule holds
    violations: tuple[RuleNote, ...]


def preview_application(
    *, db: Database, draft: DraftInput, application_id: str | None = None,
    unit_type: str | None = None,
) -> RulePreview:
    from fiscal.rules.budget import ApplicationFacts, IndicatorFacts, evaluate_submission

    if not draft.indicator_id:
        raise InvalidField("请先选择指标。", field="indicator_id")
    with db.read() as s:
        ind = s.get(Indicator, draft.indicator_id)
        if ind is None:
            raise NotFound(f"本地没有指标 {draft.indicator_id}，请先同步。", field="indicator_id")
        from app.services.budget import pending_own_amount

        pending = pending_own_amount(s, ind.id, exclude_application_id=application_id)
        row = IndicatorRow(
            id=ind.id, fiscal_year=ind.fiscal_year, unit_code=ind.unit_code, doc_no=ind.doc_no,
            doc_title=ind.doc_title, pro_code=ind.pro_code, pro_name=ind.pro_name,
            func_code=ind.func_code, dep_eco_code=ind.dep_eco_code,
            gov_eco_code=ind.gov_eco_code, fund_type_code=ind.fund_type_code,
            is_gov_procurement=bool(ind.is_gov_procurement), executable=bool(ind.executable),
            amount=ind.amount, paid=ind.paid, reserved=ind.reserved, frozen=ind.frozen,
            available=ind.available, pending_own=pending)
        region_code, bgt_type_code = ind.region_code, ind.bgt_type_code
        from app.services.applications import _reference_data

        # The same code tables and dictionaries the queue-time check uses: the server's as last
        # synced, else the shipped ones.
        reference = _reference_data(ind.fiscal_year, region_code, s)
        has_basis = False
        if application_id:
            from app.models import Attachment

            has_basis = s.scalar(select(func.count()).select_from(Attachment).where(
                Attachment.application_id == application_id, Attachment.role == "basis")) > 0
    ind_facts = IndicatorFacts(
        id=row.id, fiscal_year=row.fiscal_year, region_code=region_code,
        unit_code=row.unit_code, amount=row.amount, frozen=row.frozen,
        reserved=row.reserved + pending, paid=row.paid, executable=row.executable,
        func_code=row.func_code, dep_eco_code=row.dep_eco_code, gov_eco_code=row.gov_eco_code,
        is_gov_procurement=row.is_gov_procurement, bgt_type_code=bgt_type_code)
    app_facts = ApplicationFacts(
        fiscal_year=row.fiscal_year, region_code=draft.region_code or region_code,
        unit_code=draft.unit_code or row.unit_code, unit_type=unit_type,
        amount=int(draft.amount), func_code=draft.func_code or row.func_code,
        dep_eco_code=draft.dep_eco_code, gov_eco_code=draft.gov_eco_code,
        settlement_mode=draft.settlement_mode, payee_is_personal=draft.payee_is_personal,
        payee_name=draft.payee_name, use_des=draft.use_des, contract_no=draft.contract_no,
        has_basis_attachment=has_basis, card_not_accepted=draft.card_not_accepted)
    violations = evaluate_submission(ind_facts, app_facts, **reference)
    remaining = row.available_after_pending - int(draft.amount)
    return RulePreview(
        indicator=row, requested=int(draft.amount), remaining=remaining,
        ok=remaining >= 0 and int(draft.amount) > 0,
        violations=tuple(RuleNote(code=v.code, message=v.message, field=v.field)
                         for v in violations))


@dataclass(frozen=True)
class DictionaryLists:
    """Choices for the form's dropdowns, from the dictionaries offline checks use."""

    settlement_modes: dict[str, str]  # code → name
    fund_types: dict[str, str]
    from_server: bool  # False: the dictionaries shipped with this client (never synced)


def dictionary_lists(*, db: Database, region: str | None = None) -> DictionaryLists:
    """The server's dictionaries for ``region`` (default: the user's) as last synced, else
    the shipped ones: a dropdown offers what the server accepts."""
    from app.sync.dictionaries import local_dictionaries, mirrored_regions

    with db.read() as s:
        d = local_dictionaries(s, region)
        mirrored = d.region in mirrored_regions(s)
    return DictionaryLists(settlement_modes=dict(d.settlement_modes),
                           fund_types=dict(d.fund_types), from_server=mirrored)


def synced_dictionaries(*, db: Database, region: str | None = None):
    """The full dictionaries (fiscal.dictionaries.Dictionaries) for ``region`` as last synced,
    else the shipped ones — what a blank Excel template's dropdowns should offer."""
    from app.sync.dictionaries import local_dictionaries

    with db.read() as s:
        return local_dictionaries(s, region)


def economic_codes_in_scope(*, fiscal_year: int, scope: str | None, limit: int = 400
                            ) -> list[tuple[str, str]]:
    """部门经济分类 codes an application on an indicator with ``scope`` may use: the scope
    itself and everything below it; every 款/目 when the indicator is not detailed."""
    from fiscal.codes import available_years, code_tables

    years = available_years()
    table = code_tables(fiscal_year if fiscal_year in years else years[-1]).dep_economic
    out = []
    for item in table.items():
        if scope and not table.is_within(item.code, scope):
            continue
        if not scope and len(item.code) < 5:
            continue
        out.append((item.code, item.name))
        if len(out) >= limit:
            break
    return out


@dataclass(frozen=True, slots=True)
class ApprovalContext:
    """Everything the reviewer's detail pane shows beside one task."""

    task: ApprovalTaskView
    indicator: IndicatorRow | None  # None when this machine has no copy of the indicator
    warnings: tuple[WarningView, ...]
    attachments: tuple[AttachmentRow, ...] = ()  # the vouchers (files may be server-only)


def approval_context(*, db: Database, task_id: str) -> ApprovalContext:
    tasks = {t.id: t for t in list_approval_tasks(db=db, status=None)}
    task = tasks.get(task_id)
    if task is None:
        raise NotFound(f"找不到审批任务 {task_id}。")
    ind_id = str(task.summary.get("indicator_id") or "")
    rows = get_indicator_rows(db=db, ids=[ind_id]) if ind_id else {}
    warnings = tuple(w for w in list_warnings(db=db)
                     if (w.application_id and w.application_id == task.application_id)
                     or (ind_id and w.indicator_id == ind_id))
    payee = task.summary.get("payee_name")
    attachments = tuple(list_attachments(db=db, application_id=task.application_id,
                                         amount=task.amount or None,
                                         payee_name=str(payee) if payee else None))
    return ApprovalContext(task=task, indicator=rows.get(ind_id), warnings=warnings,
                           attachments=attachments)


def decide_tasks(*, db: Database, task_ids: Sequence[str], decision: str = "approve",
                 comment: str = "") -> Changes:
    """Batch decision (routine items); stops at the first refusal, keeping earlier ones."""
    changes = Changes()
    for task_id in task_ids:
        changes = changes | decide_task(db=db, task_id=task_id, decision=decision,
                                        comment=comment)
    return changes


def export_execution_report(*, db: Database, path: str, fiscal_year: int | None = None,
                            progress: Any = None) -> str:
    """预算执行情况表 (by indicator and by department) as an Excel workbook."""
    from app.excel.export import IndicatorExecution, write_execution_report
    from app.sync.dictionaries import local_dictionaries
    from fiscal.codes import available_years, code_tables

    stmt = select(Indicator).where(Indicator.active.is_(True)).order_by(Indicator.id)
    if fiscal_year is not None:
        stmt = stmt.where(Indicator.fiscal_year == fiscal_year)
    items = []
    with db.read() as s:
        fund_names = local_dictionaries(s).fund_types  # the server's names as last synced
        for ind in s.scalars(stmt):
            years = available_years()
            tables = code_tables(ind.fiscal_year if ind.fiscal_year in years else years[-1])
            items.append(IndicatorExecution(
                bgt_code=ind.id, agency_code=ind.unit_code, amount_fen=ind.amount,
                paid_fen=ind.paid, pending_fen=ind.reserved, frozen_fen=ind.frozen,
                doc_no=ind.doc_no or "", func_code=ind.func_code or "",
                func_name=tables.functional.name(ind.func_code or "") or "",
                dep_eco_code=ind.dep_eco_code or "", project_name=ind.pro_name or "",
                fund_type=fund_names.get(ind.fund_type_code or "", ind.fund_type_code or "")))
    if progress is not None:
        progress(len(items))
    return str(write_execution_report(path, items))


# --------------------------------------------------------------------------- attachments

ATTACHMENT_ROLE_NAMES = {"invoice": "发票", "contract": "合同", "basis": "付款依据",
                         "receipt": "收据/回单", "other": "其他"}


@dataclass(frozen=True, slots=True)
class AttachmentRow:
    id: str
    file_name: str
    media_type: str
    size: int
    role: str
    invoice_key: str | None
    uploaded: bool
    path: str | None  # the local file, when this machine has it
    ocr_fields: tuple[tuple[str, str], ...] = ()  # (field, value) as OCR read them
    sha256: str = ""
    #: (check name, passed, message) — the OCR cross-checks and the checks against the
    #: application (invoice total vs amount, seller vs payee); failed ones first
    checks: tuple[tuple[str, bool, str], ...] = ()

    @property
    def is_image(self) -> bool:
        return self.media_type.startswith("image/")

    @property
    def failed_fields(self) -> frozenset[str]:
        """Fields named by a failed check (check names start with the field they test)."""
        from app.ocr.model import FIELD_NAMES

        failed = [name for name, ok, _m in self.checks if not ok]
        return frozenset(f for f in FIELD_NAMES for name in failed
                         if name == f or name.startswith(f + "_") or name.endswith("_" + f))


def _ocr_field_value(fields: Any, key: str) -> Any:
    value = fields.get(key) if isinstance(fields, dict) else None
    return value.get("value") if isinstance(value, dict) else value


def _ocr_checks(result: Any, *, amount: int | None = None,
                payee_name: str | None = None) -> tuple[tuple[str, bool, str], ...]:
    """The stored OCR checks (and their messages), then the voucher against the application."""
    if not isinstance(result, dict):
        return ()
    out: list[tuple[str, bool, str]] = []
    problems = [str(p) for p in result.get("problems") or ()]
    failed_iter = iter(problems)
    for name, ok in (result.get("checks") or {}).items():
        # to_json keeps the failed checks' messages in order under "problems"
        out.append((str(name), bool(ok), "" if ok else next(failed_iter, str(name))))
    fields = result.get("fields") or {}
    total = _ocr_field_value(fields, "total_fen")
    if amount and isinstance(total, int) and total > 0:
        from fiscal.money import format_amount

        out.append(("total_fen_vs_application", total == amount,
                    "" if total == amount else
                    f"票面价税合计 {format_amount(total)} 元与申请金额 {format_amount(amount)} 元不一致。"))
    seller = _ocr_field_value(fields, "seller_name") or _ocr_field_value(fields, "payee_name")
    if payee_name and isinstance(seller, str) and seller.strip():
        same = seller.strip() == payee_name.strip()
        out.append(("seller_name_vs_payee", same, "" if same else
                    f"票面销售方/收款人“{seller.strip()}”与申请的收款人“{payee_name.strip()}”不一致。"))
    out.sort(key=lambda c: c[1])
    return tuple(out)


def _ocr_pairs(result: Any) -> tuple[tuple[str, str], ...]:
    if not isinstance(result, dict):
        return ()
    fields = result.get("fields", result)
    out = []
    if isinstance(fields, dict):
        for key, value in fields.items():
            if isinstance(value, dict):
                value = value.get("value", value.get("text"))
            if value not in (None, "", [], {}):
                out.append((str(key), str(value)))
    return tuple(out[:20])


def list_attachments(*, db: Database, application_id: str, amount: int | None = None,
                     payee_name: str | None = None) -> list[AttachmentRow]:
    """The application's vouchers; ``amount``/``payee_name`` (the application's) add the
    reviewer's cross-checks of each voucher against the application."""
    from app.models import Attachment

    with db.read() as s:
        rows = s.scalars(select(Attachment).where(Attachment.application_id == application_id)
                         .order_by(Attachment.created_at)).all()
        out = []
        for a in rows:
            path = db.files_dir / a.sha256[:2] / a.sha256
            out.append(AttachmentRow(a.id, a.file_name, a.media_type, a.size, a.role,
                                     a.invoice_key, a.uploaded,
                                     str(path) if path.exists() else None,
                                     _ocr_pairs(a.ocr_result), a.sha256,
                                     _ocr_checks(a.ocr_result, amount=amount,
                                                 payee_name=payee_name)))
    return out


def recognize_attachment(*, db: Database, attachment_id: str) -> bool:
    """Read the fields of a voucher that came without them (OCR results stay on the machine
    that captured the voucher; a reviewer elsewhere has only the image): runs app.ocr on the
    local file and stores the result with the attachment. Slow (seconds): task runner only.
    Returns False when there is nothing to do (no local image, or a result already)."""
    from app.models import Attachment
    from app.services.attachments import blob_path, save_ocr_result

    with db.read() as s:
        att = s.get(Attachment, attachment_id)
        if att is None:
            raise NotFound(f"找不到附件 {attachment_id}。")
        sha, media, done = att.sha256, att.media_type, att.ocr_result is not None
    path = blob_path(db, sha)
    if done or not path.exists() or not (media.startswith("image/") or media == "application/pdf"):
        return False
    from app.ocr.pipeline import OcrOptions, recognize_file

    results = recognize_file(path, OcrOptions(keep_images=False))
    if not results:
        return False
    save_ocr_result(db=db, attachment_id=attachment_id, ocr_result=results[0].to_json())
    return True


def fetch_attachment(*, db: Database, sha256: str, server_url: str | None,
                     username: str | None, client: Any = None) -> Path:
    """The local file of a voucher, downloaded from the server by its SHA-256 (verified by
    :func:`app.services.attachments.ensure_local`) when this machine does not have it yet."""
    from app.services import attachments

    local = attachments.blob_path(db, sha256)
    if local.exists():
        return local
    if not server_url or not username:
        raise NotFound("图像尚未下载：当前离线，联网登录后自动从服务器下载。", field="attachment")
    from app.db import data_dir
    from app.sync.credentials import device_id
    from app.sync.http import HttpTransport

    transport = HttpTransport(server_url=server_url, username=username, client=client,
                              device_id=device_id(db.data_dir if db.path else data_dir()))
    try:
        return Path(attachments.ensure_local(db=db, sha256=sha256, transport=transport))
    finally:
        transport.close()


@dataclass(frozen=True, slots=True)
class AttachResult:
    application_id: str
    changes: Changes


def save_and_attach(*, db: Database, draft: DraftInput, application_id: str | None,
                    source: str, role: str, media_type: str,
                    ocr_result: dict[str, Any] | None = None,
                    invoice_key: str | None = None) -> AttachResult:
    """Save the draft (creating it if needed), then link the file; returns the id."""
    from app.services.applications import save_draft
    from app.services.attachments import attach_file

    saved = save_draft(db=db, draft=draft, application_id=application_id)
    app_id = saved.application.id
    _view, changes = attach_file(db=db, application_id=app_id, source=Path(source), role=role,
                                 media_type=media_type, ocr_result=ocr_result,
                                 invoice_key=invoice_key)
    return AttachResult(app_id, saved.changes | changes)


def find_attached_voucher(key_type: str, key: str, *, db: Database) -> str | None:
    """For the capture screen's duplicate check (app.capture.duplicates.DuplicateLookup):
    where this voucher is already attached on this machine, in words, or None."""
    from app.models import Attachment

    if key_type in ("invoice", "fiscal_bill"):
        cond = Attachment.invoice_key == key
    elif key_type == "sha256":
        cond = Attachment.sha256 == key
    else:
        return None
    with db.read() as s:
        row = s.execute(select(PaymentApplication.app_no, PaymentApplication.id,
                               PaymentApplication.local_status)
                        .join(Attachment, Attachment.application_id == PaymentApplication.id)
                        .where(cond).limit(1)).first()
    if row is None:
        return None
    app_no, app_id, status = row
    from app.services.applications import STATUS_NAMES

    return f"支付申请 {app_no or app_id[:8]}（{STATUS_NAMES.get(status, status)}）"
