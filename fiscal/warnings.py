"""动态监控 三级预警: the warning-rule catalogue and the disposition state machine, as pure code.

Every rule is a pure function over plain dataclasses — the application (:class:`PaymentFacts`)
and the history the server supplies (:class:`MonitorContext`) — and returns zero or more
:class:`WarningHit`s (rule id, level, control type, a Chinese 疑似违规说明 with the figures).
Parameters, levels, control types and triggers are data (``resources/rules/warning_rules.json``,
with per-区划 overrides); the rules never read files or clocks themselves.

A context field left at ``None`` means "the server did not supply it": the rules that need it
stay silent rather than guess. Money is integer fen; times are timezone-aware and every
calendar rule (days, months, office hours, holidays) is judged in Asia/Shanghai.

Levels (domain.md §6.1): 1 红 = 拦截 (blocked until cleared); 2 黄 = needs a written explanation
and an attachment before the reviewer may approve; 3 蓝 = 提醒/记录.

Disposition loop: the bureau rules 认定正常 or 需要核实; the unit answers 已整改 or 核实无误 (notes,
and attachments where the level demands); the bureau accepts, asks again or rules 违规. On a
raised yellow warning the unit may also explain first (``explain``: raised → explained, note and
attachment required), which lifts the approval block; the bureau still rules afterwards.
:func:`dispose` applies one step and records who and when; outcomes map to 核实/疑点/违规.

(The module is ``fiscal.warnings``; it never imports the standard-library ``warnings``.)
"""
from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time, timedelta, timezone
from enum import IntEnum, StrEnum
from functools import cache, lru_cache
from pathlib import Path
from typing import Any

__all__ = [
    "TRANSITIONS",
    "AccountInfo",
    "ContractInfo",
    "ControlType",
    "Disposition",
    "DispositionAction",
    "DispositionError",
    "DispositionState",
    "DispositionStep",
    "ExecutionStats",
    "HolidayCalendar",
    "Level",
    "MonitorContext",
    "Outcome",
    "PastPayment",
    "PaymentFacts",
    "PaymentHistory",
    "RuleDef",
    "SangongLine",
    "Side",
    "Trigger",
    "WarningCatalogue",
    "WarningHit",
    "WarningRuleError",
    "allowed_actions",
    "approval_block",
    "dispose",
    "evaluate",
    "evaluate_scheduled",
    "holiday_calendar",
    "is_cleared",
    "load_warning_rules",
    "outcome_of",
    "parse_warning_rules",
    "rule_ids",
]

try:
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    try:
        SHANGHAI: Any = ZoneInfo("Asia/Shanghai")
    except ZoneInfoNotFoundError:  # pragma: no cover - Windows without tzdata; no DST since 1991
        SHANGHAI = timezone(timedelta(hours=8), "Asia/Shanghai")
except ImportError:  # pragma: no cover
    SHANGHAI = timezone(timedelta(hours=8), "Asia/Shanghai")

RULES_FORMAT = "jincai.warning-rules/1"
CALENDAR_FORMAT = "jincai.holiday-calendar/1"


# --------------------------------------------------------------------------- vocabulary


class Level(IntEnum):
    RED = 1     # 红：拦截
    YELLOW = 2  # 黄：需书面说明和附件
    BLUE = 3    # 蓝：提醒/记录

    @property
    def colour(self) -> str:
        return {1: "red", 2: "yellow", 3: "blue"}[self.value]

    @property
    def label(self) -> str:
        return {1: "红色预警", 2: "黄色预警", 3: "蓝色预警"}[self.value]


class ControlType(StrEnum):
    BLOCK = "block"                      # 拦截
    WARN_ATTACHMENT = "warn_attachment"  # 预警，需上传附件
    WARN = "warn"                        # 预警，无需上传附件
    REMIND = "remind"                    # 提醒
    RECORD = "record"                    # 记录

    @property
    def label(self) -> str:
        return CONTROL_NAMES[self]


CONTROL_NAMES = {
    ControlType.BLOCK: "拦截", ControlType.WARN_ATTACHMENT: "预警，需上传附件",
    ControlType.WARN: "预警，无需上传附件", ControlType.REMIND: "提醒", ControlType.RECORD: "记录",
}
LEVEL_CONTROLS: dict[Level, frozenset[ControlType]] = {
    Level.RED: frozenset({ControlType.BLOCK}),
    Level.YELLOW: frozenset({ControlType.WARN_ATTACHMENT, ControlType.WARN}),
    Level.BLUE: frozenset({ControlType.REMIND, ControlType.RECORD}),
}
DEFAULT_CONTROL = {Level.RED: ControlType.BLOCK, Level.YELLOW: ControlType.WARN_ATTACHMENT,
                   Level.BLUE: ControlType.REMIND}


class Trigger(StrEnum):
    IN_PROCESS = "in_process"  # 事中触发（提交时）
    SCHEDULED = "scheduled"    # 定时触发（批量）


class WarningRuleError(ValueError):
    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code
        self.message = message


def _require_aware(value: datetime, what: str) -> datetime:
    if value.tzinfo is None or value.tzinfo.utcoffset(value) is None:
        raise ValueError(f"{what} 必须带时区（UTC 存储）：{value!r}")
    return value


def _yuan(fen: int) -> str:
    sign = "-" if fen < 0 else ""
    yuan, cents = divmod(abs(fen), 100)
    return f"{sign}¥{yuan:,}.{cents:02d}"


# Memoised: the history rules apply these to every past payment of the unit for every new
# one (O(history) calls per submission, the same few values again and again).
@lru_cache(maxsize=8192)
def _local(dt: datetime) -> datetime:
    return _require_aware(dt, "时间").astimezone(SHANGHAI)


@lru_cache(maxsize=8192)
def _norm_account(text: str | None) -> str:
    return re.sub(r"[\s\-－]+", "", text or "").upper()


@lru_cache(maxsize=8192)
def _norm_name(text: str | None) -> str:
    return re.sub(r"\s+", "", text or "").replace("（", "(").replace("）", ")")


# --------------------------------------------------------------------------- inputs


@dataclass(frozen=True, slots=True)
class PaymentFacts:
    """The application (支付申请) being monitored. ``cash`` / ``official_card`` are the
    结算方式 already interpreted by the caller (see :meth:`settlement_flags`)."""

    id: str
    region_code: str
    unit_code: str
    amount_fen: int
    payee_name: str
    payee_account: str
    payee_is_personal: bool = False
    payee_id_number: str | None = None      # 身份证号 when the payee is a person
    use_des: str = ""                       # 用途
    dep_eco_code: str | None = None
    fund_type: str | None = None
    spending_kind: str | None = None        # 'basic' 基本支出 | 'project' 项目支出
    special_fund: bool = False
    cash: bool = False
    official_card: bool = False
    payer_account: str | None = None        # 零余额账户
    contract_no: str | None = None
    gov_procurement: bool = False           # 指标/预算行 是否政府采购
    has_payment_basis: bool = False         # 付款依据 attached
    card_not_accepted: bool = False         # 对方不受理公务卡 (declared)
    created_at: datetime | None = None
    submitted_at: datetime | None = None
    approved_at: datetime | None = None

    @staticmethod
    def settlement_flags(settlement_mode: str | None, dicts: Any = None) -> tuple[bool, bool]:
        """(cash, official_card) for a 结算方式 code or name, using ``fiscal.dictionaries``."""
        if dicts is None:
            from fiscal.dictionaries import dictionaries

            dicts = dictionaries()
        mode = (settlement_mode or "").strip()
        name = dicts.settlement_modes.get(mode, mode)
        cash = mode in dicts.cash_settlement_modes or name in ("现金", "提现", "现金支付")
        card = mode in dicts.official_card.card_settlement_modes or name in ("公务卡", "公务卡结算")
        return cash, card


@dataclass(frozen=True, slots=True)
class PastPayment:
    """A payment (submitted, approved or paid — not voided) from the history."""

    id: str
    unit_code: str
    payee_name: str
    payee_account: str
    amount_fen: int
    at: datetime
    cash: bool = False


class PaymentHistory:
    """Past payments indexed the ways the history rules ask — a unit's payments of one day, to
    one payee (by account or by name), in cash in one month — so a rule reads the few payments
    it needs instead of scanning the whole history. A unit submitting 1,000 payments in one day
    made every submission's check scan the day's history several times (quadratic in a large
    push). Mutable: the server keeps one per unit across the submissions of a transaction and
    adds or drops payments as their status changes; :meth:`since` gives a read-only view
    bounded below in time that shares the indexes."""

    __slots__ = ("_all", "_floor", "_index")

    def __init__(self, payments: Iterable[PastPayment] = ()) -> None:
        self._all: dict[str, PastPayment] = {}
        self._index: dict[tuple, dict[str, PastPayment]] = {}
        self._floor: datetime | None = None
        for p in payments:
            self.add(p)

    @staticmethod
    def _keys(p: PastPayment) -> list[tuple]:
        at = _local(p.at)
        keys = [("day", p.unit_code, at.date()),
                ("account", p.unit_code, _norm_account(p.payee_account)),
                ("name", p.unit_code, _norm_name(p.payee_name))]
        if p.cash:
            keys.append(("cash", p.unit_code, at.year, at.month))
        return keys

    def add(self, p: PastPayment) -> None:
        """Add ``p`` (replacing an earlier entry with its id)."""
        if self._floor is not None:
            raise TypeError("a bounded view of a payment history is read-only")
        self.discard(p.id)
        self._all[p.id] = p
        for k in self._keys(p):
            self._index.setdefault(k, {})[p.id] = p

    def discard(self, payment_id: str) -> None:
        p = self._all.pop(payment_id, None)
        if p is None:
            return
        for k in self._keys(p):
            bucket = self._index.get(k)
            if bucket is not None:
                bucket.pop(payment_id, None)
                if not bucket:
                    del self._index[k]

    def since(self, floor: datetime) -> PaymentHistory:
        """A read-only view of the payments at or after ``floor``, sharing these indexes."""
        view = PaymentHistory.__new__(PaymentHistory)
        view._all, view._index = self._all, self._index
        view._floor = floor if self._floor is None else max(floor, self._floor)
        return view

    def _bucket(self, key: tuple) -> list[PastPayment]:
        found = self._index.get(key)
        if not found:
            return []
        floor = self._floor
        return list(found.values()) if floor is None else [p for p in found.values() if p.at >= floor]

    def __iter__(self):
        floor = self._floor
        return iter([p for p in self._all.values() if floor is None or p.at >= floor])

    def __len__(self) -> int:
        return sum(1 for _ in self)

    def on_day(self, unit_code: str, day: date) -> list[PastPayment]:
        """The unit's payments on ``day`` (Beijing time)."""
        return self._bucket(("day", unit_code, day))

    def to_payee(self, unit_code: str, account: str | None, name: str | None) -> list[PastPayment]:
        """The unit's payments to the same account or the same name (normalised), once each."""
        found = {p.id: p for p in self._bucket(("account", unit_code, _norm_account(account)))}
        found.update((p.id, p) for p in self._bucket(("name", unit_code, _norm_name(name))))
        return list(found.values())

    def cash_in_month(self, unit_code: str, year: int, month: int) -> list[PastPayment]:
        """The unit's cash payments in that calendar month (Beijing time)."""
        return self._bucket(("cash", unit_code, year, month))


@dataclass(frozen=True, slots=True)
class AccountInfo:
    """A real-money account (实有资金账户) of the unit or a related unit.
    ``relation``: own | subordinate (下属单位) | sibling (同一主管部门的二级单位) | related."""

    account_no: str
    owner_unit: str
    relation: str = "own"
    kind: str = "basic"      # basic 基本户 | general 一般户 | special 专用户 | zero_balance …
    owner_name: str = ""


@dataclass(frozen=True, slots=True)
class SangongLine:
    budget_fen: int   # 年度三公预算
    spent_fen: int    # 已支出（含在途）, excluding the application being checked


@dataclass(frozen=True, slots=True)
class ContractInfo:
    contract_no: str
    amount_fen: int
    paid_fen: int     # paid and in transit, excluding the application being checked


@dataclass(frozen=True, slots=True)
class ExecutionStats:
    """The unit's budget execution this year, as of the check moment."""

    budget_fen: int
    paid_fen: int


@dataclass(frozen=True)
class MonitorContext:
    """What the server knows around the application. ``None`` = not supplied (rule skipped)."""

    now: datetime
    # a tuple, or a PaymentHistory the caller keeps indexed (see _history)
    recent_payments: tuple[PastPayment, ...] | PaymentHistory | None = None
    accounts: tuple[AccountInfo, ...] | None = None
    sangong: Mapping[str, SangongLine] | None = None   # category id → line (see rule params)
    contract: ContractInfo | None = None
    account_last_activity: Mapping[str, datetime] | None = None
    staff_id_numbers: frozenset[str] | None = None
    staff_names: frozenset[str] | None = None
    unit_below_county: bool = False
    execution: ExecutionStats | None = None
    calendar: HolidayCalendar | None = None            # default: the shipped calendar
    dictionaries: Any = None                           # default: fiscal.dictionaries(region)

    def __post_init__(self) -> None:
        _require_aware(self.now, "now")


@dataclass(frozen=True, slots=True)
class WarningHit:
    rule_id: str
    rule_name: str
    level: Level
    control: ControlType
    trigger: Trigger
    message: str                          # 疑似违规说明
    application_id: str | None = None
    subject: str | None = None            # e.g. the account for account-level warnings
    details: Mapping[str, Any] = field(default_factory=dict)

    @property
    def colour(self) -> str:
        return self.level.colour

    @property
    def key(self) -> str:
        """Stable de-duplication key (rule + application or subject)."""
        return f"{self.rule_id}:{self.application_id or ''}:{self.subject or ''}"

    def as_dict(self) -> dict[str, Any]:
        return {"rule_id": self.rule_id, "rule_name": self.rule_name, "level": int(self.level),
                "colour": self.colour, "control": self.control.value,
                "trigger": self.trigger.value, "message": self.message,
                "application_id": self.application_id, "subject": self.subject,
                "details": dict(self.details)}


# --------------------------------------------------------------------------- holiday calendar


@dataclass(frozen=True)
class HolidayCalendar:
    holidays: Mapping[date, str]
    workdays: frozenset[date]
    years: frozenset[int]

    @classmethod
    def from_data(cls, data: Mapping[str, Any]) -> HolidayCalendar:
        if data.get("format") != CALENDAR_FORMAT:
            raise WarningRuleError("invalid_calendar", f"节假日文件格式应为 {CALENDAR_FORMAT!r}")
        holidays: dict[date, str] = {}
        workdays: set[date] = set()
        years: set[int] = set()
        for year, spec in data.get("years", {}).items():
            years.add(int(year))
            for h in spec.get("holidays", ()):
                d, end = date.fromisoformat(h["from"]), date.fromisoformat(h["to"])
                if end < d:
                    raise WarningRuleError("invalid_calendar", f"节假日区间无效：{h}")
                while d <= end:
                    holidays[d] = h.get("name", "节假日")
                    d += timedelta(days=1)
            workdays.update(date.fromisoformat(w) for w in spec.get("workdays", ()))
        return cls(holidays, frozenset(workdays), frozenset(years))

    def holiday_name(self, d: date) -> str | None:
        return self.holidays.get(d)

    def is_working_day(self, d: date) -> bool:
        if d in self.holidays:
            return False
        if d in self.workdays:
            return True
        return d.weekday() < 5

    def covers(self, year: int) -> bool:
        return year in self.years

    def describe_day_off(self, d: date) -> str | None:
        """'春节' / '周六' / '周日', or None on a working day."""
        if self.is_working_day(d):
            return None
        return self.holidays.get(d) or ("周六" if d.weekday() == 5 else "周日")


def _rules_path(name: str) -> Path:
    from fiscal.resources import resource_path

    return resource_path("rules", name)


@cache
def holiday_calendar(name: str = "holidays_cn.json") -> HolidayCalendar:
    return HolidayCalendar.from_data(json.loads(_rules_path(name).read_text(encoding="utf-8")))


# --------------------------------------------------------------------------- catalogue


@dataclass(frozen=True)
class RuleDef:
    id: str
    name: str
    level: Level
    control: ControlType
    triggers: frozenset[Trigger]
    params: Mapping[str, Any] = field(default_factory=dict)
    enabled: bool = True
    basis: str = ""

    def hit(self, app: PaymentFacts | None, trigger: Trigger, message: str, *,
            level: Level | None = None, subject: str | None = None, **details: Any) -> WarningHit:
        lvl = self.level if level is None else Level(level)
        control = self.control if lvl == self.level else DEFAULT_CONTROL[lvl]
        return WarningHit(self.id, self.name, lvl, control, trigger, message,
                          app.id if app else None, subject, details)


@dataclass(frozen=True)
class WarningCatalogue:
    rules: tuple[RuleDef, ...]
    version: int = 1

    def get(self, rule_id: str) -> RuleDef:
        for r in self.rules:
            if r.id == rule_id:
                return r
        raise KeyError(rule_id)

    def with_params(self, rule_id: str, **changes: Any) -> WarningCatalogue:
        """A copy with one rule's fields (``level``, ``enabled``…) or ``params`` changed."""
        out = []
        for r in self.rules:
            if r.id == rule_id:
                params = dict(r.params)
                params.update(changes.pop("params", {}))
                r = _make_rule({**_rule_as_dict(r), **changes, "params": params})
            out.append(r)
        return WarningCatalogue(tuple(out), self.version)


def _rule_as_dict(r: RuleDef) -> dict[str, Any]:
    return {"id": r.id, "name": r.name, "level": int(r.level), "control": r.control.value,
            "triggers": [t.value for t in r.triggers], "params": dict(r.params),
            "enabled": r.enabled, "basis": r.basis}


AppRule = Callable[[PaymentFacts, MonitorContext, RuleDef, Trigger], list[WarningHit]]
BatchRule = Callable[[MonitorContext, RuleDef], list[WarningHit]]
_APP_RULES: dict[str, AppRule] = {}
_BATCH_RULES: dict[str, BatchRule] = {}


def _rule(rule_id: str) -> Callable[[AppRule], AppRule]:
    def deco(fn: AppRule) -> AppRule:
        _APP_RULES[rule_id] = fn
        return fn
    return deco


def rule_ids() -> tuple[str, ...]:
    """Every implemented rule id (application rules and account-level batch rules)."""
    return tuple(sorted(set(_APP_RULES) | set(_BATCH_RULES)))


def _make_rule(d: Mapping[str, Any]) -> RuleDef:
    try:
        rid = str(d["id"])
        level = Level(int(d["level"]))
        control = ControlType(d.get("control") or DEFAULT_CONTROL[level])
        triggers = frozenset(Trigger(t) for t in d.get("triggers", ("in_process",)))
    except (KeyError, ValueError) as exc:
        raise WarningRuleError("invalid_rules", f"预警规则配置无效：{d.get('id')!r}: {exc}") from None
    if rid not in _APP_RULES and rid not in _BATCH_RULES:
        raise WarningRuleError("unknown_rule", f"未实现的预警规则：{rid}")
    if control not in LEVEL_CONTROLS[level]:
        raise WarningRuleError(
            "invalid_rules", f"预警规则 {rid}：{level.label}不能使用处理方式“{control.label}”")
    if not triggers:
        raise WarningRuleError("invalid_rules", f"预警规则 {rid} 没有触发方式")
    params = d.get("params") or {}
    if not isinstance(params, Mapping):
        raise WarningRuleError("invalid_rules", f"预警规则 {rid} 的 params 必须是对象")
    return RuleDef(rid, str(d.get("name") or rid), level, control, triggers, dict(params),
                   bool(d.get("enabled", True)), str(d.get("basis") or ""))


def parse_warning_rules(data: Mapping[str, Any],
                        overrides: Mapping[str, Mapping[str, Any]] | None = None
                        ) -> WarningCatalogue:
    """Validate a catalogue document; ``overrides`` (rule id → fields, ``params`` merged key
    by key) is how a 区划 adjusts levels and thresholds."""
    if data.get("format") != RULES_FORMAT:
        raise WarningRuleError("invalid_rules", f"预警规则文件格式应为 {RULES_FORMAT!r}")
    raw = list(data.get("rules") or ())
    ids = [r.get("id") for r in raw]
    if len(set(ids)) != len(ids):
        raise WarningRuleError("invalid_rules", "预警规则编号重复")
    overrides = dict(overrides or {})
    rules = []
    for r in raw:
        o = overrides.pop(r["id"], None)
        if o:
            r = {**r, **{k: v for k, v in o.items() if k != "params"},
                 "params": {**(r.get("params") or {}), **(o.get("params") or {})}}
        rules.append(_make_rule(r))
    if overrides:
        raise WarningRuleError("unknown_rule", f"覆盖文件中的规则不存在：{', '.join(overrides)}")
    return WarningCatalogue(tuple(rules), int(data.get("version", 1)))


def load_warning_rules(region: str | None = None, path: str | Path | None = None
                       ) -> WarningCatalogue:
    """The shipped catalogue, with ``warning_rules.<region>.json`` overrides when present."""
    p = Path(path) if path is not None else _rules_path("warning_rules.json")
    data = json.loads(p.read_text(encoding="utf-8"))
    overrides = None
    if region:
        op = p.with_name(f"warning_rules.{region}.json")
        if op.is_file():
            overrides = json.loads(op.read_text(encoding="utf-8")).get("overrides") or {}
    return parse_warning_rules(data, overrides)


def evaluate(app: PaymentFacts, ctx: MonitorContext, catalogue: WarningCatalogue, *,
             trigger: Trigger = Trigger.IN_PROCESS) -> list[WarningHit]:
    """All hits of the enabled application rules that run on ``trigger``, red first."""
    trigger = Trigger(trigger)
    hits: list[WarningHit] = []
    for rule in catalogue.rules:
        fn = _APP_RULES.get(rule.id)
        if fn is None or not rule.enabled or trigger not in rule.triggers:
            continue
        hits.extend(fn(app, ctx, rule, trigger))
    return sorted(hits, key=lambda h: (h.level, h.rule_id))


def evaluate_scheduled(ctx: MonitorContext, catalogue: WarningCatalogue,
                       applications: Iterable[PaymentFacts] = ()) -> list[WarningHit]:
    """The scheduled batch (定时触发): account-level rules once, then every application rule
    whose triggers include ``scheduled`` on each of ``applications``."""
    hits: list[WarningHit] = []
    for rule in catalogue.rules:
        fn = _BATCH_RULES.get(rule.id)
        if fn is not None and rule.enabled and Trigger.SCHEDULED in rule.triggers:
            hits.extend(fn(ctx, rule))
    for app in applications:
        hits.extend(evaluate(app, ctx, catalogue, trigger=Trigger.SCHEDULED))
    return sorted(hits, key=lambda h: (h.level, h.rule_id, h.application_id or "", h.subject or ""))


# --------------------------------------------------------------------------- helpers for rules


def _when(app: PaymentFacts, ctx: MonitorContext) -> datetime:
    return _local(app.submitted_at or app.created_at or ctx.now)


def _dicts(ctx: MonitorContext, app: PaymentFacts | None = None) -> Any:
    if ctx.dictionaries is not None:
        return ctx.dictionaries
    from fiscal.dictionaries import dictionaries

    return dictionaries(app.region_code if app else None)


def _param(rule: RuleDef, name: str, default: Any) -> Any:
    v = rule.params.get(name)
    return default if v is None else v


def _matches_any(text: str, words: Iterable[str]) -> list[str]:
    return [w for w in words if w and w in text]


def _history(ctx: MonitorContext) -> PaymentHistory:
    """``ctx.recent_payments`` indexed: as given when the caller keeps a :class:`PaymentHistory`,
    else indexed once per context (a scheduled run checks many applications against one)."""
    given = ctx.recent_payments
    if isinstance(given, PaymentHistory):
        return given
    built = ctx.__dict__.get("_history")
    if built is None:
        built = PaymentHistory(given or ())
        object.__setattr__(ctx, "_history", built)  # a cache, not a field: ctx stays frozen
    return built


def _others(app: PaymentFacts, payments: list[PastPayment]) -> list[PastPayment]:
    return [p for p in payments if p.id != app.id]


# --------------------------------------------------------------------------- the rules


@_rule("daily_unit_total")
def _daily_unit_total(app: PaymentFacts, ctx: MonitorContext, rule: RuleDef,
                      trigger: Trigger) -> list[WarningHit]:
    if ctx.recent_payments is None:
        return []
    threshold = int(_param(rule, "threshold_fen", 50_000_000))
    day = _when(app, ctx).date()
    same_day = _others(app, _history(ctx).on_day(app.unit_code, day))
    total = sum(p.amount_fen for p in same_day) + app.amount_fen
    if total <= threshold:
        return []
    return [rule.hit(app, trigger,
                     f"单位 {app.unit_code} {day:%Y年%m月%d日} 累计支付 {_yuan(total)}"
                     f"（含本笔 {_yuan(app.amount_fen)}，共 {len(same_day) + 1} 笔），"
                     f"超过单日累计限额 {_yuan(threshold)}。",
                     total_fen=total, threshold_fen=threshold, count=len(same_day) + 1,
                     day=day.isoformat())]


@_rule("split_payment")
def _split_payment(app: PaymentFacts, ctx: MonitorContext, rule: RuleDef,
                   trigger: Trigger) -> list[WarningHit]:
    if ctx.recent_payments is None:
        return []
    thresholds = sorted((int(t) for t in _param(rule, "thresholds_fen", ())), reverse=True)
    pct = int(_param(rule, "near_percent", 10))
    window = timedelta(days=int(_param(rule, "window_days", 7)))
    min_count = int(_param(rule, "min_count", 2))
    bands = [(t, t - t * pct // 100) for t in thresholds]
    bands = [(t, lower) for t, lower in bands if lower <= app.amount_fen < t]
    if not bands:  # most payments: not just below a limit, so the payee's history is not read
        return []
    when = _when(app, ctx)
    same_payee = [p for p in _others(app, _history(ctx).to_payee(app.unit_code, app.payee_account,
                                                                  app.payee_name))
                  if when - window <= _local(p.at) <= when]
    for t, lower in bands:
        near = [p for p in same_payee if lower <= p.amount_fen < t]
        count = len(near) + 1
        total = sum(p.amount_fen for p in near) + app.amount_fen
        if count >= min_count and total >= t:
            days = window.days
            return [rule.hit(app, trigger,
                             f"收款人“{app.payee_name}”{days} 天内收到 {count} 笔支付，每笔均略低于限额 "
                             f"{_yuan(t)}（在 {_yuan(lower)} 至 {_yuan(t)} 之间），合计 {_yuan(total)}，"
                             "疑似拆分支付规避审批或采购限额。",
                             threshold_fen=t, total_fen=total, count=count,
                             payment_ids=[p.id for p in near])]
    return []


@_rule("personal_payee_large")
def _personal_payee_large(app: PaymentFacts, ctx: MonitorContext, rule: RuleDef,
                          trigger: Trigger) -> list[WarningHit]:
    if not app.payee_is_personal:
        return []
    threshold = rule.params.get("threshold_fen")
    if threshold is None:
        threshold = _dicts(ctx, app).thresholds.personal_payee_basis_fen
    threshold = int(threshold)
    if app.amount_fen <= threshold:
        return []
    level = None
    if not app.has_payment_basis and rule.params.get("level_without_basis") is not None:
        level = Level(int(rule.params["level_without_basis"]))
    basis = "已附付款依据" if app.has_payment_basis else "未附付款依据"
    return [rule.hit(app, trigger,
                     f"向个人账户“{app.payee_name}”单笔支付 {_yuan(app.amount_fen)}，超过 "
                     f"{_yuan(threshold)}，须向银行提供付款依据（{basis}）。",
                     level=level, threshold_fen=threshold, has_payment_basis=app.has_payment_basis)]


@_rule("personal_payee_economic")
def _personal_payee_economic(app: PaymentFacts, ctx: MonitorContext, rule: RuleDef,
                             trigger: Trigger) -> list[WarningHit]:
    if not app.payee_is_personal or not app.dep_eco_code:
        return []
    prefixes = rule.params.get("personal_prefixes")
    if prefixes is None:
        prefixes = _dicts(ctx, app).personal_economic_prefixes
    if app.dep_eco_code.startswith(tuple(prefixes)):
        return []
    return [rule.hit(app, trigger,
                     f"向个人账户“{app.payee_name}”支付 {_yuan(app.amount_fen)}，部门经济分类 "
                     f"{app.dep_eco_code} 不属于对个人支出科目（{'、'.join(prefixes)}）。",
                     dep_eco_code=app.dep_eco_code)]


_RELATION_NAMES = {"own": "本单位", "subordinate": "下属单位", "sibling": "同一主管部门的其他单位",
                   "related": "关联单位"}


@_rule("own_or_related_account")
def _own_or_related_account(app: PaymentFacts, ctx: MonitorContext, rule: RuleDef,
                            trigger: Trigger) -> list[WarningHit]:
    if ctx.accounts is None:
        return []
    relations = set(_param(rule, "relations", ("own", "subordinate", "sibling")))
    acct = _norm_account(app.payee_account)
    for a in ctx.accounts:
        if a.relation in relations and acct and _norm_account(a.account_no) == acct:
            who = _RELATION_NAMES.get(a.relation, a.relation)
            owner = a.owner_name or a.owner_unit
            return [rule.hit(app, trigger,
                             f"收款账户 {app.payee_account} 是{who}（{owner}）的实有资金账户，"
                             f"零余额账户向其转入 {_yuan(app.amount_fen)}，疑似套取资金。",
                             relation=a.relation, owner_unit=a.owner_unit, account_kind=a.kind)]
    return []


@_rule("association_payee")
def _association_payee(app: PaymentFacts, ctx: MonitorContext, rule: RuleDef,
                       trigger: Trigger) -> list[WarningHit]:
    words = _matches_any(_norm_name(app.payee_name), _param(rule, "keywords", ("协会", "学会")))
    if not words:
        return []
    return [rule.hit(app, trigger,
                     f"收款人“{app.payee_name}”名称含“{'、'.join(words)}”，向其支付 "
                     f"{_yuan(app.amount_fen)}，存在小金库风险，请说明业务内容。", keywords=words)]


def _exempt_basic(app: PaymentFacts, rule: RuleDef) -> bool:
    prefixes = tuple(_param(rule, "exempt_basic_prefixes", ()))
    return (app.spending_kind == "basic" and bool(app.dep_eco_code) and bool(prefixes)
            and (app.dep_eco_code or "").startswith(prefixes))


@_rule("sensitive_purpose")
def _sensitive_purpose(app: PaymentFacts, ctx: MonitorContext, rule: RuleDef,
                       trigger: Trigger) -> list[WarningHit]:
    words = _matches_any(app.use_des or "", _param(rule, "keywords", ()))
    if not words or _exempt_basic(app, rule):
        return []
    money = "项目资金" if app.spending_kind == "project" else "资金"
    return [rule.hit(app, trigger,
                     f"用途“{app.use_des}”含敏感词“{'、'.join(words)}”，使用{money} "
                     f"{_yuan(app.amount_fen)}，请说明支出依据。", keywords=words)]


@_rule("sensitive_payee")
def _sensitive_payee(app: PaymentFacts, ctx: MonitorContext, rule: RuleDef,
                     trigger: Trigger) -> list[WarningHit]:
    words = _matches_any(_norm_name(app.payee_name), _param(rule, "keywords", ()))
    if not words or _exempt_basic(app, rule):
        return []
    money = "项目资金" if app.spending_kind == "project" else "资金"
    return [rule.hit(app, trigger,
                     f"收款人“{app.payee_name}”疑似酒店/餐饮/培训中心（含“{'、'.join(words)}”），"
                     f"使用{money}支付 {_yuan(app.amount_fen)}，请说明业务内容。", keywords=words)]


@_rule("staff_labor_fee")
def _staff_labor_fee(app: PaymentFacts, ctx: MonitorContext, rule: RuleDef,
                     trigger: Trigger) -> list[WarningHit]:
    prefixes = tuple(_param(rule, "economic_prefixes", ("30226",)))
    if not app.payee_is_personal or not (app.dep_eco_code or "").startswith(prefixes):
        return []
    by_id = bool(app.payee_id_number and ctx.staff_id_numbers
                 and app.payee_id_number.upper() in ctx.staff_id_numbers)
    by_name = bool(ctx.staff_names and _norm_name(app.payee_name) in ctx.staff_names)
    if not (by_id or by_name):
        return []
    how = "身份证号" if by_id else "姓名"
    return [rule.hit(app, trigger,
                     f"劳务费收款人“{app.payee_name}”的{how}与预算单位在职人员信息一致，"
                     f"支付 {_yuan(app.amount_fen)}，疑似违规兼职取酬。", matched_by=how)]


@_rule("official_card_bypass")
def _official_card_bypass(app: PaymentFacts, ctx: MonitorContext, rule: RuleDef,
                          trigger: Trigger) -> list[WarningHit]:
    card = _dicts(ctx, app).official_card
    code = app.dep_eco_code
    if app.official_card or not card.covers(code):
        return []
    personal = app.payee_is_personal and bool(_param(rule, "include_personal_payee", True))
    if not (app.cash or personal):
        return []
    if card.below_county_level_exempt and ctx.unit_below_county:
        return []
    if app.card_not_accepted and app.amount_fen < card.no_card_acceptance_below_fen:
        return []
    if _matches_any(app.use_des or "", card.cash_only_keywords):
        return []
    how = "现金" if app.cash else "转账给个人"
    name = next((n for c, n in card.economic_codes.items() if (code or "").startswith(c)), "")
    return [rule.hit(app, trigger,
                     f"部门经济分类 {code}{('（' + name + '）') if name else ''} 属于公务卡强制结算目录，"
                     f"本笔 {_yuan(app.amount_fen)} 以{how}方式支付，未使用公务卡。",
                     dep_eco_code=code, how=how)]


@_rule("cash_over_limit")
def _cash_over_limit(app: PaymentFacts, ctx: MonitorContext, rule: RuleDef,
                     trigger: Trigger) -> list[WarningHit]:
    if not app.cash:
        return []
    limit = rule.params.get("limit_fen")
    if limit is None:
        limit = _dicts(ctx, app).thresholds.cash_paper_approval_fen
    limit = int(limit)
    if app.amount_fen <= limit:
        return []
    return [rule.hit(app, trigger,
                     f"现金支付 {_yuan(app.amount_fen)} 超过单笔现金限额 {_yuan(limit)}，"
                     "须先办理现金使用申报审批。", limit_fen=limit)]


@_rule("cash_monthly_total")
def _cash_monthly_total(app: PaymentFacts, ctx: MonitorContext, rule: RuleDef,
                        trigger: Trigger) -> list[WarningHit]:
    if not app.cash or ctx.recent_payments is None:
        return []
    limit = int(_param(rule, "limit_fen", 20_000_000))
    when = _when(app, ctx)
    month = _others(app, _history(ctx).cash_in_month(app.unit_code, when.year, when.month))
    total = sum(p.amount_fen for p in month) + app.amount_fen
    if total <= limit:
        return []
    return [rule.hit(app, trigger,
                     f"单位 {app.unit_code} {when:%Y年%m月} 累计现金支付 {_yuan(total)}"
                     f"（含本笔 {_yuan(app.amount_fen)}，共 {len(month) + 1} 笔），"
                     f"超过当月现金限额 {_yuan(limit)}。", total_fen=total, limit_fen=limit)]


def _hhmm(text: str) -> time:
    h, m = text.split(":")
    return time(int(h), int(m))


def _moments(app: PaymentFacts) -> list[tuple[str, datetime]]:
    return [(label, _local(t)) for label, t in (("创建", app.created_at), ("提交", app.submitted_at),
                                                ("审批", app.approved_at)) if t is not None]


@_rule("off_hours")
def _off_hours(app: PaymentFacts, ctx: MonitorContext, rule: RuleDef,
               trigger: Trigger) -> list[WarningHit]:
    start, end = _hhmm(_param(rule, "work_start", "08:00")), _hhmm(_param(rule, "work_end", "20:00"))
    odd = [(label, t) for label, t in _moments(app) if not start <= t.time() < end]
    if not odd:
        return []
    text = "，".join(f"{label}于 {t:%Y-%m-%d %H:%M}" for label, t in odd)
    return [rule.hit(app, trigger,
                     f"申请{text}（北京时间），不在工作时间 {start:%H:%M}–{end:%H:%M} 内，"
                     f"金额 {_yuan(app.amount_fen)}。", moments=[t.isoformat() for _, t in odd])]


@_rule("non_working_day")
def _non_working_day(app: PaymentFacts, ctx: MonitorContext, rule: RuleDef,
                     trigger: Trigger) -> list[WarningHit]:
    cal = ctx.calendar or holiday_calendar(str(_param(rule, "calendar", "holidays_cn.json")))
    odd = [(label, t, cal.describe_day_off(t.date())) for label, t in _moments(app)]
    odd = [x for x in odd if x[2]]
    if not odd:
        return []
    text = "，".join(f"{label}于 {t:%Y-%m-%d}（{why}）" for label, t, why in odd)
    return [rule.hit(app, trigger, f"申请{text}，为非工作日，金额 {_yuan(app.amount_fen)}。",
                     days=[t.date().isoformat() for _, t, _ in odd])]


@_rule("year_end_rush")
def _year_end_rush(app: PaymentFacts, ctx: MonitorContext, rule: RuleDef,
                   trigger: Trigger) -> list[WarningHit]:
    last_days = int(_param(rule, "last_days", 10))
    large = int(_param(rule, "large_amount_fen", 10_000_000))
    when = _when(app, ctx)
    first_day = 31 - last_days + 1
    if when.month != 12 or when.day < first_day or app.amount_fen < large:
        return []
    return [rule.hit(app, trigger,
                     f"{when:%Y年%m月%d日} 为年底最后 {last_days} 天（12月{first_day}日起），"
                     f"本笔支付 {_yuan(app.amount_fen)} 不低于 {_yuan(large)}，疑似年底突击花钱。",
                     large_amount_fen=large)]


@_rule("low_execution")
def _low_execution(app: PaymentFacts, ctx: MonitorContext, rule: RuleDef,
                   trigger: Trigger) -> list[WarningHit]:
    hit = _execution_hit(ctx, rule, _when(app, ctx), app.unit_code)
    return [] if hit is None else [rule.hit(app, trigger, hit[0], **hit[1])]


def _execution_hit(ctx: MonitorContext, rule: RuleDef, when: datetime,
                   unit: str | None) -> tuple[str, dict[str, Any]] | None:
    ex = ctx.execution
    if ex is None or ex.budget_fen <= 0:
        return None
    passed = [c for c in _param(rule, "checkpoints", ())
              if (when.month, when.day) > (int(c["month"]), int(c["day"]))]
    if not passed:
        return None
    cp = max(passed, key=lambda c: (int(c["month"]), int(c["day"])))
    need = int(cp["min_percent"])
    if ex.paid_fen * 100 >= ex.budget_fen * need:
        return None
    rate = ex.paid_fen * 10000 // ex.budget_fen
    text = (f"单位 {unit or ''} 已过 {int(cp['month'])}月{int(cp['day'])}日 检查点，预算执行率 "
            f"{rate // 100}.{rate % 100:02d}%（已支付 {_yuan(ex.paid_fen)} / "
            f"预算 {_yuan(ex.budget_fen)}），低于 {need}%，请关注年底突击支出。")
    return text, {"rate_bp": rate, "min_percent": need}


@_rule("sangong_overrun")
def _sangong_overrun(app: PaymentFacts, ctx: MonitorContext, rule: RuleDef,
                     trigger: Trigger) -> list[WarningHit]:
    if ctx.sangong is None or not app.dep_eco_code:
        return []
    for cat_id, cat in (_param(rule, "categories", {}) or {}).items():
        if not app.dep_eco_code.startswith(tuple(cat.get("economic_prefixes", ()))):
            continue
        name = cat.get("name", cat_id)
        line = ctx.sangong.get(cat_id)
        if line is None or line.budget_fen <= 0:
            return [rule.hit(app, trigger,
                             f"本单位没有“{name}”三公经费预算，不得支出（本笔 {_yuan(app.amount_fen)}）。",
                             category=cat_id, budget_fen=0)]
        total = line.spent_fen + app.amount_fen
        if total > line.budget_fen:
            return [rule.hit(app, trigger,
                             f"“{name}”已支出 {_yuan(line.spent_fen)}，加本笔 {_yuan(app.amount_fen)} "
                             f"累计 {_yuan(total)}，超过年度预算 {_yuan(line.budget_fen)}。",
                             category=cat_id, budget_fen=line.budget_fen, total_fen=total)]
        return []
    return []


@_rule("procurement_no_contract")
def _procurement_no_contract(app: PaymentFacts, ctx: MonitorContext, rule: RuleDef,
                             trigger: Trigger) -> list[WarningHit]:
    if (app.contract_no or "").strip():
        return []
    limit = rule.params.get("procurement_limit_fen")
    over = limit is not None and app.amount_fen >= int(limit)
    if not (app.gov_procurement or over):
        return []
    why = "指标为政府采购" if app.gov_procurement else f"金额达到采购限额 {_yuan(int(limit))}"
    return [rule.hit(app, trigger,
                     f"{why}，本笔支付 {_yuan(app.amount_fen)} 未关联已登记的采购合同。",
                     gov_procurement=app.gov_procurement)]


@_rule("procurement_over_contract")
def _procurement_over_contract(app: PaymentFacts, ctx: MonitorContext, rule: RuleDef,
                               trigger: Trigger) -> list[WarningHit]:
    c = ctx.contract
    if c is None:
        return []
    total = c.paid_fen + app.amount_fen
    if total <= c.amount_fen:
        return []
    return [rule.hit(app, trigger,
                     f"合同 {c.contract_no} 金额 {_yuan(c.amount_fen)}，已支付 {_yuan(c.paid_fen)}，"
                     f"加本笔 {_yuan(app.amount_fen)} 累计 {_yuan(total)}，超过合同金额。",
                     contract_no=c.contract_no, total_fen=total, contract_fen=c.amount_fen)]


def _dormant_text(account: str, last: datetime, now: datetime, days: int) -> str:
    idle = (now - last).days
    return (f"账户 {account} 自 {_local(last):%Y-%m-%d} 起已 {idle} 天无交易"
            f"（监控口径：连续 {days} 天）。")


@_rule("dormant_account")
def _dormant_account_payment(app: PaymentFacts, ctx: MonitorContext, rule: RuleDef,
                             trigger: Trigger) -> list[WarningHit]:
    if ctx.account_last_activity is None or not app.payer_account:
        return []
    days = int(_param(rule, "dormant_days", 90))
    last = _lookup_account(ctx.account_last_activity, app.payer_account)
    when = _when(app, ctx)
    if last is None or when - _local(last) < timedelta(days=days):
        return []
    return [rule.hit(app, trigger,
                     _dormant_text(app.payer_account, last, when, days)
                     + f"现发生支付 {_yuan(app.amount_fen)}，请核实。",
                     subject=app.payer_account, idle_days=(when - _local(last)).days)]


def _lookup_account(table: Mapping[str, datetime], account: str) -> datetime | None:
    want = _norm_account(account)
    for k, v in table.items():
        if _norm_account(k) == want:
            return v
    return None


def _dormant_accounts_batch(ctx: MonitorContext, rule: RuleDef) -> list[WarningHit]:
    if ctx.account_last_activity is None:
        return []
    days = int(_param(rule, "dormant_days", 90))
    out = []
    for account, last in sorted(ctx.account_last_activity.items()):
        if ctx.now - last >= timedelta(days=days):
            out.append(rule.hit(None, Trigger.SCHEDULED, _dormant_text(account, last, ctx.now, days),
                                subject=account, idle_days=(ctx.now - last).days))
    return out


_BATCH_RULES["dormant_account"] = _dormant_accounts_batch


# --------------------------------------------------------------------------- disposition


class Side(StrEnum):
    BUREAU = "bureau"   # 财政（业务处室/监控岗）
    UNIT = "unit"       # 预算单位


class DispositionState(StrEnum):
    RAISED = "raised"                  # 待处理（已触发）
    NORMAL = "normal"                  # 认定正常（关闭）
    VERIFYING = "verifying"            # 需要核实（已下发单位）
    ANSWERED_OK = "answered_ok"        # 单位反馈：核实无误（待财政复核）
    ANSWERED_FIXED = "answered_fixed"  # 单位反馈：已整改（待财政复核）
    VIOLATION = "violation"            # 认定违规（待整改）
    RECTIFIED = "rectified"            # 整改完成（关闭）
    EXPLAINED = "explained"            # 单位已书面说明（黄色预警，待财政认定；不再拦截审批）


class DispositionAction(StrEnum):
    MARK_NORMAL = "mark_normal"                # 认定正常
    REQUEST_VERIFY = "request_verify"          # 需要核实（下发单位）
    ANSWER_OK = "answer_ok"                    # 核实无误
    ANSWER_FIXED = "answer_fixed"              # 已整改
    MARK_VIOLATION = "mark_violation"          # 认定违规
    ACCEPT_RECTIFICATION = "accept_rectification"  # 确认整改
    EXPLAIN = "explain"                        # 单位书面说明（黄色预警，附附件）


class Outcome(StrEnum):
    VERIFIED = "核实"     # verified normal
    SUSPICIOUS = "疑点"   # pending
    VIOLATION = "违规"    # confirmed violation (with rectification)


STATE_NAMES = {
    DispositionState.RAISED: "待处理", DispositionState.NORMAL: "认定正常",
    DispositionState.VERIFYING: "需要核实", DispositionState.ANSWERED_OK: "核实无误（待复核）",
    DispositionState.ANSWERED_FIXED: "已整改（待复核）", DispositionState.VIOLATION: "认定违规",
    DispositionState.RECTIFIED: "整改完成", DispositionState.EXPLAINED: "已书面说明（待认定）",
}
ACTION_NAMES = {
    DispositionAction.MARK_NORMAL: "认定正常", DispositionAction.REQUEST_VERIFY: "需要核实",
    DispositionAction.ANSWER_OK: "核实无误", DispositionAction.ANSWER_FIXED: "已整改",
    DispositionAction.MARK_VIOLATION: "认定违规",
    DispositionAction.ACCEPT_RECTIFICATION: "确认整改",
    DispositionAction.EXPLAIN: "书面说明",
}

_S, _A = DispositionState, DispositionAction
# (state, action) → (new state, who may do it)
TRANSITIONS: dict[tuple[DispositionState, DispositionAction], tuple[DispositionState, Side]] = {
    (_S.RAISED, _A.MARK_NORMAL): (_S.NORMAL, Side.BUREAU),
    (_S.RAISED, _A.REQUEST_VERIFY): (_S.VERIFYING, Side.BUREAU),
    (_S.RAISED, _A.MARK_VIOLATION): (_S.VIOLATION, Side.BUREAU),
    (_S.VERIFYING, _A.ANSWER_OK): (_S.ANSWERED_OK, Side.UNIT),
    (_S.VERIFYING, _A.ANSWER_FIXED): (_S.ANSWERED_FIXED, Side.UNIT),
    (_S.ANSWERED_OK, _A.MARK_NORMAL): (_S.NORMAL, Side.BUREAU),
    (_S.ANSWERED_OK, _A.REQUEST_VERIFY): (_S.VERIFYING, Side.BUREAU),
    (_S.ANSWERED_OK, _A.MARK_VIOLATION): (_S.VIOLATION, Side.BUREAU),
    (_S.ANSWERED_FIXED, _A.ACCEPT_RECTIFICATION): (_S.RECTIFIED, Side.BUREAU),
    (_S.ANSWERED_FIXED, _A.REQUEST_VERIFY): (_S.VERIFYING, Side.BUREAU),
    (_S.VIOLATION, _A.ANSWER_FIXED): (_S.ANSWERED_FIXED, Side.UNIT),
    # Yellow only (see EXPLAIN_LEVELS): the unit explains in writing before anyone asked; the
    # reviewer may then approve, and the bureau still rules on it later (or asks to verify).
    (_S.RAISED, _A.EXPLAIN): (_S.EXPLAINED, Side.UNIT),
    (_S.EXPLAINED, _A.EXPLAIN): (_S.EXPLAINED, Side.UNIT),   # 补充说明
    (_S.EXPLAINED, _A.MARK_NORMAL): (_S.NORMAL, Side.BUREAU),
    (_S.EXPLAINED, _A.REQUEST_VERIFY): (_S.VERIFYING, Side.BUREAU),
    (_S.EXPLAINED, _A.MARK_VIOLATION): (_S.VIOLATION, Side.BUREAU),
}
_OUTCOMES = {
    _S.RAISED: Outcome.SUSPICIOUS, _S.VERIFYING: Outcome.SUSPICIOUS,
    _S.ANSWERED_OK: Outcome.SUSPICIOUS, _S.NORMAL: Outcome.VERIFIED,
    _S.ANSWERED_FIXED: Outcome.VIOLATION, _S.VIOLATION: Outcome.VIOLATION,
    _S.RECTIFIED: Outcome.VIOLATION, _S.EXPLAINED: Outcome.SUSPICIOUS,
}
CLEARED_STATES = frozenset({_S.NORMAL, _S.RECTIFIED})
# The unit's answers need a note always, and an attachment at these levels.
ATTACHMENT_LEVELS = frozenset({Level.RED, Level.YELLOW})
NOTE_REQUIRED = frozenset({_A.ANSWER_OK, _A.ANSWER_FIXED, _A.MARK_VIOLATION, _A.REQUEST_VERIFY,
                           _A.EXPLAIN})
# A written explanation lifts the approval block of a yellow warning only: a red one stays
# blocked until the bureau clears it, a blue one never blocks.
EXPLAIN_LEVELS = frozenset({Level.YELLOW})


class DispositionError(ValueError):
    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass(frozen=True, slots=True)
class DispositionStep:
    action: DispositionAction
    from_state: DispositionState
    to_state: DispositionState
    side: Side
    by: str
    at: datetime
    note: str = ""
    attachments: tuple[str, ...] = ()   # attachment ids / sha256
    contact: str = ""


@dataclass(frozen=True, slots=True)
class Disposition:
    """The disposition record of one warning: its level, state and every step so far."""

    level: Level
    state: DispositionState = DispositionState.RAISED
    history: tuple[DispositionStep, ...] = ()

    @property
    def outcome(self) -> Outcome:
        return outcome_of(self.state)

    @property
    def cleared(self) -> bool:
        return is_cleared(self.level, self.state)


def outcome_of(state: DispositionState) -> Outcome:
    return _OUTCOMES[DispositionState(state)]


def allowed_actions(state: DispositionState, side: Side | None = None) -> tuple[DispositionAction, ...]:
    state = DispositionState(state)
    return tuple(a for (s, a), (_, who) in TRANSITIONS.items()
                 if s == state and (side is None or who == Side(side)))


def dispose(d: Disposition, action: DispositionAction, *, side: Side, by: str, at: datetime,
            note: str = "", attachments: Sequence[str] = (), contact: str = "") -> Disposition:
    """Apply one disposition step; raises :class:`DispositionError` with codes
    ``not_allowed`` (no such transition), ``wrong_side``, ``note_required``,
    ``attachment_required``, ``level_not_explainable`` (a written explanation is for yellow
    warnings only)."""
    _require_aware(at, "at")
    action, side = DispositionAction(action), Side(side)
    key = (d.state, action)
    if key not in TRANSITIONS:
        allowed = "、".join(ACTION_NAMES[a] for a in allowed_actions(d.state)) or "无"
        raise DispositionError("not_allowed",
                               f"预警处于“{STATE_NAMES[d.state]}”状态，不能“{ACTION_NAMES[action]}”"
                               f"（可执行：{allowed}）。")
    new_state, who = TRANSITIONS[key]
    if action is _A.EXPLAIN and d.level not in EXPLAIN_LEVELS:
        raise DispositionError("level_not_explainable",
                               f"{d.level.label}不能以书面说明解除"
                               + ("，须由财政部门认定正常或确认整改。" if d.level == Level.RED
                                  else "（蓝色预警只作提醒，无需说明）。"))
    if side != who:
        raise DispositionError("wrong_side", f"“{ACTION_NAMES[action]}”应由"
                                             f"{'财政部门' if who == Side.BUREAU else '预算单位'}办理。")
    if action in NOTE_REQUIRED and not note.strip():
        raise DispositionError("note_required", f"“{ACTION_NAMES[action]}”须填写说明。")
    if side == Side.UNIT and d.level in ATTACHMENT_LEVELS and not attachments:
        raise DispositionError("attachment_required",
                               f"{d.level.label}的“{ACTION_NAMES[action]}”反馈须上传证明材料附件。")
    step = DispositionStep(action, d.state, new_state, side, by, at, note.strip(),
                           tuple(attachments), contact)
    return replace(d, state=new_state, history=d.history + (step,))


def is_cleared(level: Level, state: DispositionState) -> bool:
    """Whether a warning no longer stands in the way: blue always; otherwise 认定正常/整改完成."""
    return Level(level) == Level.BLUE or DispositionState(state) in CLEARED_STATES


def approval_block(level: Level, state: DispositionState, *, explanation: str = "",
                   attachment_count: int = 0) -> str | None:
    """Why a reviewer may not approve the application because of this warning (Chinese), or
    ``None``. Red: until cleared. Yellow: until cleared or the unit has given a written
    explanation and at least one attachment. Blue: never blocks."""
    level, state = Level(level), DispositionState(state)
    if is_cleared(level, state):
        return None
    if level == Level.YELLOW and state == DispositionState.EXPLAINED:
        return None  # the EXPLAIN transition already required the note and the attachment
    if level == Level.RED:
        return f"红色预警未解除（当前：{STATE_NAMES[state]}），支付被拦截，须财政部门认定正常或确认整改。"
    if explanation.strip() and attachment_count > 0:
        return None
    return "黄色预警须由单位提交书面说明并上传附件后，审核人方可审批。"
