"""Approval routing (审批流转) and separation of duties (不相容岗位分离), as pure functions.

The server enforces every rule here; the client may run them for early feedback. Nothing in
this module reads a database, a clock or the network: the caller passes the facts, the rule
sets, the decisions so far and the moment in question.

Model (domain.md §5):

* A :class:`RuleSet` belongs to a 区划 (``region``; ``"*"`` = every region) and optionally to one
  unit, has a ``version`` and an ``effective_from`` moment. :func:`select_rule_set` picks the
  version in force when the application was submitted; the application keeps that version
  for its whole life (store ``chain.rule_set_id`` / ``chain.rule_set_version``).
* A rule set is an ordered list of :class:`Rule`s. Every rule whose :class:`Condition` matches
  the :class:`RoutingFacts` *adds* its steps; a rule marked ``final`` stops the evaluation.
  Steps with the same (role, scope) are merged (the stricter quorum wins) and ordered by role
  (经办 → 会计 → 财务负责人 → 单位负责人 → 集体决策 → 业务处室 → 国库), so that tiers compose:
  "< ¥50k stops at the finance head; ≥ ¥50k adds …; cash adds …".
* A step is a role plus a scope (own unit / overseeing bureau division / treasury) and an
  N-of-M quorum (``required`` of ``pool``) for committee decisions (三重一大 集体决策).
* Separation of duties: :func:`check_can_decide` returns every refusal that applies
  (creator / editor may never decide, one person never approves two steps, role and scope must
  match the current step, a delegation must be in force, the decision must be on the current
  version of the application).
* :func:`needs_restart`: changing the amount or the payee after any approval restarts the chain.

Money is integer fen. Times are timezone-aware (UTC in storage); a date-only
``effective_from`` in the data means 00:00 Asia/Shanghai of that day.
"""
from __future__ import annotations

import json
import os
import re
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta, timezone
from enum import StrEnum
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

__all__ = [
    "ROLE_NAMES",
    "SCOPE_NAMES",
    "Actor",
    "ApplicationParties",
    "ApprovalChain",
    "Authority",
    "ChainState",
    "ChainStatus",
    "ChainStep",
    "Condition",
    "Decision",
    "DecisionError",
    "DecisionKind",
    "Delegation",
    "PaymentTerms",
    "Refusal",
    "Role",
    "RoleGrant",
    "RoutingError",
    "RoutingFacts",
    "Rule",
    "RuleSet",
    "Scope",
    "SpendingKind",
    "StepSpec",
    "apply_decision",
    "changed_terms",
    "check_can_decide",
    "current_step",
    "decide",
    "default_rules_path",
    "effective_approver",
    "load_rule_sets",
    "needs_restart",
    "parse_rule_sets",
    "restart_chain",
    "route",
    "select_rule_set",
    "step_tally",
]

try:  # China has had no DST since 1991, so the fixed offset is exact when tzdata is missing.
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    try:
        SHANGHAI: Any = ZoneInfo("Asia/Shanghai")
    except ZoneInfoNotFoundError:  # pragma: no cover - Windows without tzdata
        SHANGHAI = timezone(timedelta(hours=8), "Asia/Shanghai")
except ImportError:  # pragma: no cover
    SHANGHAI = timezone(timedelta(hours=8), "Asia/Shanghai")

RULES_FORMAT = "jincai.approval-rules/1"


# --------------------------------------------------------------------------- vocabulary


class Role(StrEnum):
    ACCOUNTANT = "accountant"                # 会计审核
    UNIT_FINANCE_HEAD = "unit_finance_head"  # 单位财务负责人
    UNIT_HEAD = "unit_head"                  # 单位负责人 / 分管领导
    COMMITTEE = "committee"                  # 领导班子集体决策 (三重一大)
    BUREAU_DIVISION = "bureau_division"      # 财政局业务处室
    TREASURY = "treasury"                    # 国库支付中心


class Scope(StrEnum):
    OWN_UNIT = "own_unit"                                      # 本单位
    OVERSEEING_BUREAU_DIVISION = "overseeing_bureau_division"  # 主管业务处室
    TREASURY = "treasury"                                      # 国库 (本区划)


class SpendingKind(StrEnum):
    BASIC = "basic"      # 基本支出
    PROJECT = "project"  # 项目支出


class DecisionKind(StrEnum):
    APPROVE = "approve"  # 同意
    RETURN = "return"    # 退回修改 (reservation kept, back to the unit)
    REJECT = "reject"    # 不同意 (reservation released)


class ChainStatus(StrEnum):
    IN_PROGRESS = "in_progress"
    APPROVED = "approved"
    RETURNED = "returned"
    REJECTED = "rejected"


ROLE_NAMES: dict[Role, str] = {
    Role.ACCOUNTANT: "会计审核",
    Role.UNIT_FINANCE_HEAD: "财务负责人",
    Role.UNIT_HEAD: "单位负责人",
    Role.COMMITTEE: "领导班子集体决策",
    Role.BUREAU_DIVISION: "财政业务处室",
    Role.TREASURY: "国库支付中心",
}
SCOPE_NAMES: dict[Scope, str] = {
    Scope.OWN_UNIT: "本单位",
    Scope.OVERSEEING_BUREAU_DIVISION: "主管业务处室",
    Scope.TREASURY: "国库",
}
# Canonical position of each role in a chain (unit first, then the bureau, then the treasury).
ROLE_ORDER: dict[Role, int] = {
    Role.ACCOUNTANT: 10,
    Role.UNIT_FINANCE_HEAD: 20,
    Role.UNIT_HEAD: 30,
    Role.COMMITTEE: 40,
    Role.BUREAU_DIVISION: 50,
    Role.TREASURY: 60,
}
DEFAULT_SCOPE: dict[Role, Scope] = {
    Role.ACCOUNTANT: Scope.OWN_UNIT,
    Role.UNIT_FINANCE_HEAD: Scope.OWN_UNIT,
    Role.UNIT_HEAD: Scope.OWN_UNIT,
    Role.COMMITTEE: Scope.OWN_UNIT,
    Role.BUREAU_DIVISION: Scope.OVERSEEING_BUREAU_DIVISION,
    Role.TREASURY: Scope.TREASURY,
}
# Which scopes make sense for which role (a unit's accountant never sits at the treasury).
ALLOWED_SCOPES: dict[Role, frozenset[Scope]] = {
    Role.ACCOUNTANT: frozenset({Scope.OWN_UNIT}),
    Role.UNIT_FINANCE_HEAD: frozenset({Scope.OWN_UNIT}),
    Role.UNIT_HEAD: frozenset({Scope.OWN_UNIT}),
    Role.COMMITTEE: frozenset(Scope),
    Role.BUREAU_DIVISION: frozenset({Scope.OVERSEEING_BUREAU_DIVISION}),
    Role.TREASURY: frozenset({Scope.TREASURY}),
}
CASH_SETTLEMENT_NAMES = frozenset({"现金", "提现", "现金支付", "cash"})


class RoutingError(ValueError):
    """No rule set in force, or a rule set that yields no step. ``code`` + Chinese ``message``."""

    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code
        self.message = message


class DecisionError(ValueError):
    """A decision that cannot be applied to the chain state (wrong step, chain closed …)."""

    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code
        self.message = message


def _require_aware(value: datetime, what: str) -> datetime:
    if value.tzinfo is None or value.tzinfo.utcoffset(value) is None:
        raise ValueError(f"{what} 必须带时区（UTC 存储）：{value!r}")
    return value


def _dicts() -> Any:
    from fiscal.dictionaries import dictionaries

    return dictionaries()


def _yuan(fen: int) -> str:
    sign = "-" if fen < 0 else ""
    yuan, cents = divmod(abs(fen), 100)
    return f"{sign}¥{yuan:,}.{cents:02d}"


# --------------------------------------------------------------------------- rule-set data


class _Data(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class StepSpec(_Data):
    """One step in a rule's outcome. ``required`` of ``pool`` = N-of-M (committee decisions)."""

    role: Role
    scope: Scope | None = None
    required: int = Field(default=1, ge=1, le=99)
    pool: int | None = Field(default=None, ge=1, le=99)
    label: str | None = None
    comment: str | None = None

    @model_validator(mode="after")
    def _check(self) -> StepSpec:
        scope = self.scope or DEFAULT_SCOPE[self.role]
        if scope not in ALLOWED_SCOPES[self.role]:
            raise ValueError(f"角色 {self.role.value} 不能配置在范围 {scope.value}")
        pool = self.pool if self.pool is not None else self.required
        if self.required > pool:
            raise ValueError(f"会签人数 {self.required} 不能大于成员人数 {pool}")
        object.__setattr__(self, "scope", scope)
        object.__setattr__(self, "pool", pool)
        return self


class Condition(_Data):
    """All given fields must hold (AND); ``any_of`` adds an OR of sub-conditions.

    Amount bands are half-open: ``amount_min_fen <= amount < amount_max_fen``."""

    amount_min_fen: int | None = Field(default=None, ge=0)
    amount_max_fen: int | None = Field(default=None, ge=0)
    fund_types: tuple[str, ...] | None = None
    economic_prefixes: tuple[str, ...] | None = None
    spending_kinds: tuple[SpendingKind, ...] | None = None
    special_fund: bool | None = None
    cash: bool | None = None
    personal_payee: bool | None = None
    any_of: tuple[Condition, ...] | None = None
    comment: str | None = None

    @model_validator(mode="after")
    def _band(self) -> Condition:
        lo, hi = self.amount_min_fen, self.amount_max_fen
        if lo is not None and hi is not None and lo >= hi:
            raise ValueError(f"金额区间无效：下限 {lo} 分 ≥ 上限 {hi} 分")
        return self

    def matches(self, facts: RoutingFacts) -> bool:
        amt = facts.amount_fen
        if self.amount_min_fen is not None and amt < self.amount_min_fen:
            return False
        if self.amount_max_fen is not None and amt >= self.amount_max_fen:
            return False
        if self.fund_types is not None and (facts.fund_type or "") not in self.fund_types:
            return False
        if self.economic_prefixes is not None:
            code = facts.dep_eco_code or ""
            if not code or not any(code.startswith(p) for p in self.economic_prefixes):
                return False
        if self.spending_kinds is not None and facts.spending_kind not in self.spending_kinds:
            return False
        if self.special_fund is not None and facts.special_fund != self.special_fund:
            return False
        if self.cash is not None and facts.cash != self.cash:
            return False
        if self.personal_payee is not None and facts.personal_payee != self.personal_payee:
            return False
        return not (self.any_of is not None and not any(c.matches(facts) for c in self.any_of))


class Rule(_Data):
    id: str = Field(min_length=1, max_length=60)
    name: str = ""
    when: Condition = Condition()
    steps: tuple[StepSpec, ...] = Field(min_length=1)
    final: bool = False
    comment: str | None = None


class RuleSet(_Data):
    """One version of the approval rules of a 区划 (``region``, ``"*"`` = all) or one unit."""

    id: str = Field(min_length=1, max_length=60)
    version: int = Field(ge=1)
    region: str = "*"
    unit: str | None = None
    effective_from: datetime
    name: str = ""
    rules: tuple[Rule, ...] = Field(min_length=1)
    comment: str | None = None
    parameters: dict[str, Any] = Field(default_factory=dict)

    @field_validator("effective_from", mode="before")
    @classmethod
    def _date_means_shanghai_midnight(cls, v: Any) -> Any:
        if isinstance(v, str) and re.fullmatch(r"\d{4}-\d{2}-\d{2}", v):
            v = date.fromisoformat(v)
        if isinstance(v, date) and not isinstance(v, datetime):
            return datetime.combine(v, time(0), SHANGHAI).astimezone(UTC)
        return v

    @field_validator("effective_from")
    @classmethod
    def _aware(cls, v: datetime) -> datetime:
        if v.tzinfo is None:
            raise ValueError("effective_from 必须带时区，或只写日期（按北京时间零点生效）")
        return v

    @model_validator(mode="after")
    def _unique_rule_ids(self) -> RuleSet:
        seen: set[str] = set()
        for r in self.rules:
            if r.id in seen:
                raise ValueError(f"规则编号重复：{r.id}")
            seen.add(r.id)
        return self

    def amount_thresholds(self) -> tuple[int, ...]:
        """Every amount boundary (fen) used by the rules, ascending — e.g. to feed the
        split-payment warning (``fiscal.warnings``, rule ``split_payment``)."""
        found: set[int] = set()

        def walk(c: Condition) -> None:
            found.update(v for v in (c.amount_min_fen, c.amount_max_fen) if v)
            for sub in c.any_of or ():
                walk(sub)

        for r in self.rules:
            walk(r.when)
        return tuple(sorted(found))


class _RuleSetFile(_Data):
    format: str
    comment: str | None = None
    rule_sets: tuple[RuleSet, ...] = Field(min_length=1)

    @field_validator("format")
    @classmethod
    def _format(cls, v: str) -> str:
        if v != RULES_FORMAT:
            raise ValueError(f"不支持的审批规则文件格式 {v!r}（应为 {RULES_FORMAT!r}）")
        return v


def default_rules_path() -> Path:
    """``resources/rules/approval_default.json`` (see :mod:`fiscal.resources` for overrides)."""
    from fiscal.resources import resource_path

    return resource_path("rules", "approval_default.json")


def parse_rule_sets(data: Mapping[str, Any] | str | bytes) -> tuple[RuleSet, ...]:
    """Validate a rule-set document (dict or JSON text). Raises ``RoutingError('invalid_rules')``."""
    try:
        if isinstance(data, (str, bytes)):
            return _RuleSetFile.model_validate_json(data).rule_sets
        return _RuleSetFile.model_validate(data).rule_sets
    except ValidationError as exc:
        raise RoutingError("invalid_rules", f"审批规则配置无效：{exc}") from None


def load_rule_sets(path: str | os.PathLike[str] | None = None) -> tuple[RuleSet, ...]:
    """Read and validate a rule-set file (default: the shipped ``approval_default.json``)."""
    p = Path(path) if path is not None else default_rules_path()
    return parse_rule_sets(json.loads(p.read_text(encoding="utf-8")))


# --------------------------------------------------------------------------- selection & routing


def select_rule_set(rule_sets: Iterable[RuleSet], region: str, unit: str | None,
                    at: datetime) -> RuleSet:
    """The rule set in force for ``region``/``unit`` at ``at`` (the submission moment).

    The most specific scope that has a version in force wins — unit-specific, then the
    region's, then the ``"*"`` default — and within it the latest ``effective_from``
    (ties: the highest ``version``). Raises ``RoutingError('no_rule_set')``."""
    _require_aware(at, "at")
    best: tuple[int, datetime, int] | None = None
    chosen: RuleSet | None = None
    for rs in rule_sets:
        if rs.effective_from > at:
            continue
        if rs.unit is not None:
            if unit is None or rs.unit != unit or rs.region not in (region, "*"):
                continue
            specificity = 2
        elif rs.region == region:
            specificity = 1
        elif rs.region == "*":
            specificity = 0
        else:
            continue
        key = (specificity, rs.effective_from, rs.version)
        if best is None or key > best:
            best, chosen = key, rs
    if chosen is None:
        raise RoutingError(
            "no_rule_set",
            f"区划 {region} 单位 {unit or '-'} 在 {at.astimezone(SHANGHAI):%Y-%m-%d %H:%M} "
            "没有生效的审批规则，请联系财政部门配置审批流程。")
    return chosen


@dataclass(frozen=True, slots=True)
class RoutingFacts:
    """What routing needs to know about an application."""

    amount_fen: int
    fund_type: str | None = None          # 资金性质代码 (1…6)
    dep_eco_code: str | None = None       # 部门经济分类
    spending_kind: SpendingKind | None = None  # 基本支出 / 项目支出
    special_fund: bool = False            # 专项资金
    cash: bool = False                    # 结算方式 = 现金/提现
    personal_payee: bool = False          # 收款人为个人

    @classmethod
    def from_application(cls, *, amount_fen: int, fund_type: str | None = None,
                         dep_eco_code: str | None = None, bgt_type: str | None = None,
                         settlement_mode: str | None = None, payee_is_personal: bool = False,
                         special_fund: bool = False,
                         bgt_type_names: Mapping[str, str] | None = None,
                         cash_settlement_modes: Collection[str] | None = None) -> RoutingFacts:
        """Build facts from application fields. ``bgt_type`` is a 指标类型 code or name; a
        code is mapped through ``bgt_type_names`` (default ``fiscal.dictionaries().bgt_types``)
        and the name decides: containing 项目 → project, 基本 → basic. ``settlement_mode`` is a
        结算方式 code or name; cash = a code in ``cash_settlement_modes`` (default the
        dictionaries' ``cash_settlement_modes``) or a name such as 现金/提现."""
        kind: SpendingKind | None = None
        if bgt_type:
            if bgt_type_names is None:
                bgt_type_names = _dicts().bgt_types
            name = bgt_type_names.get(bgt_type, bgt_type)
            if "项目" in name or name == SpendingKind.PROJECT:
                kind = SpendingKind.PROJECT
            elif "基本" in name or name == SpendingKind.BASIC:
                kind = SpendingKind.BASIC
        if cash_settlement_modes is None:
            cash_settlement_modes = _dicts().cash_settlement_modes
        mode = (settlement_mode or "").strip()
        cash = mode in cash_settlement_modes or mode in CASH_SETTLEMENT_NAMES
        return cls(amount_fen=amount_fen, fund_type=fund_type, dep_eco_code=dep_eco_code,
                   spending_kind=kind, special_fund=special_fund, cash=cash,
                   personal_payee=payee_is_personal)


@dataclass(frozen=True, slots=True)
class ChainStep:
    index: int          # 0-based position in the chain
    role: Role
    scope: Scope
    required: int = 1   # N approvals needed …
    pool: int = 1       # … of M members
    label: str = ""

    @property
    def is_quorum(self) -> bool:
        return self.pool > 1 or self.required > 1

    def describe(self) -> str:
        text = self.label or ROLE_NAMES[self.role]
        return f"{text}（{self.pool}人中{self.required}人同意）" if self.is_quorum else text


@dataclass(frozen=True, slots=True)
class ApprovalChain:
    rule_set_id: str
    rule_set_version: int
    steps: tuple[ChainStep, ...]
    matched_rules: tuple[str, ...] = ()

    @property
    def roles(self) -> tuple[Role, ...]:
        return tuple(s.role for s in self.steps)

    def describe(self) -> str:
        return " → ".join(s.describe() for s in self.steps)

    def to_dict(self) -> dict[str, Any]:
        return {
            "rule_set_id": self.rule_set_id, "rule_set_version": self.rule_set_version,
            "matched_rules": list(self.matched_rules),
            "steps": [{"index": s.index, "role": s.role.value, "scope": s.scope.value,
                       "required": s.required, "pool": s.pool, "label": s.label}
                      for s in self.steps],
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> ApprovalChain:
        steps = tuple(ChainStep(index=int(s["index"]), role=Role(s["role"]),
                                scope=Scope(s["scope"]), required=int(s.get("required", 1)),
                                pool=int(s.get("pool", 1)), label=s.get("label") or "")
                      for s in data["steps"])
        return cls(rule_set_id=data["rule_set_id"], rule_set_version=int(data["rule_set_version"]),
                   steps=steps, matched_rules=tuple(data.get("matched_rules", ())))


def route(facts: RoutingFacts, rule_set: RuleSet) -> ApprovalChain:
    """The ordered approval chain for ``facts`` under ``rule_set``.

    Every matching rule adds its steps (a ``final`` rule stops the evaluation); steps with the
    same (role, scope) merge, keeping the larger ``required`` and ``pool``."""
    merged: dict[tuple[Role, Scope], StepSpec] = {}
    matched: list[str] = []
    for rule in rule_set.rules:
        if not rule.when.matches(facts):
            continue
        matched.append(rule.id)
        for spec in rule.steps:
            assert spec.scope is not None and spec.pool is not None
            key = (spec.role, spec.scope)
            prev = merged.get(key)
            if prev is None:
                merged[key] = spec
            else:
                assert prev.pool is not None
                req = max(prev.required, spec.required)
                merged[key] = prev.model_copy(update={
                    "required": req, "pool": max(prev.pool, spec.pool, req),
                    "label": prev.label or spec.label})
        if rule.final:
            break
    if not merged:
        raise RoutingError(
            "no_route", f"审批规则 {rule_set.id} v{rule_set.version} 对金额 {_yuan(facts.amount_fen)} "
            "的申请没有匹配的审批步骤，请检查规则配置。")
    ordered = sorted(merged.values(), key=lambda s: ROLE_ORDER[s.role])
    steps = tuple(ChainStep(index=i, role=s.role, scope=s.scope or DEFAULT_SCOPE[s.role],
                            required=s.required, pool=s.pool or s.required, label=s.label or "")
                  for i, s in enumerate(ordered))
    return ApprovalChain(rule_set.id, rule_set.version, steps, tuple(matched))


# --------------------------------------------------------------------------- people


@dataclass(frozen=True, slots=True)
class RoleGrant:
    """A role a user holds: ``target`` is the unit code (own_unit), the bureau division code
    (overseeing_bureau_division) or the 区划 code (treasury)."""

    role: Role
    scope: Scope
    target: str


@dataclass(frozen=True, slots=True)
class Delegation:
    """``delegator`` lets ``delegate`` act in ``grant`` from ``valid_from`` until ``expires_at``
    (exclusive). Acting under a delegation counts as both people for separation of duties."""

    delegator: str
    delegate: str
    grant: RoleGrant
    valid_from: datetime
    expires_at: datetime
    revoked: bool = False

    def in_force(self, at: datetime) -> bool:
        return not self.revoked and self.valid_from <= at < self.expires_at


@dataclass(frozen=True, slots=True)
class Actor:
    user_id: str
    grants: tuple[RoleGrant, ...] = ()
    delegations: tuple[Delegation, ...] = ()   # delegations *received* by this user
    name: str = ""


@dataclass(frozen=True, slots=True)
class Authority:
    """Who acts and on whose behalf (``on_behalf_of`` is the delegator, or ``None``)."""

    user_id: str
    grant: RoleGrant
    on_behalf_of: str | None = None
    delegation: Delegation | None = None

    @property
    def people(self) -> tuple[str, ...]:
        return (self.user_id,) if self.on_behalf_of is None else (self.user_id, self.on_behalf_of)


@dataclass(frozen=True, slots=True)
class ApplicationParties:
    """The parts of an application that separation of duties needs."""

    application_id: str
    region_code: str
    unit_code: str
    created_by: str
    last_edited_by: str | None = None
    editors: frozenset[str] = frozenset()   # everyone who ever changed it
    overseeing_division: str | None = None  # 主管业务处室 code
    version: int = 0

    def target_for(self, scope: Scope) -> str | None:
        if scope is Scope.OWN_UNIT:
            return self.unit_code
        if scope is Scope.OVERSEEING_BUREAU_DIVISION:
            return self.overseeing_division
        return self.region_code


def _grant_fits(grant: RoleGrant, step: ChainStep, application: ApplicationParties) -> bool:
    target = application.target_for(step.scope)
    return (grant.role == step.role and grant.scope == step.scope
            and target is not None and grant.target == target)


def effective_approver(actor: Actor, step: ChainStep, application: ApplicationParties,
                       at: datetime) -> Authority | None:
    """The authority under which ``actor`` may decide ``step`` at ``at``: their own grant
    first, else a delegation in force. ``None`` when they have neither."""
    _require_aware(at, "at")
    for g in actor.grants:
        if _grant_fits(g, step, application):
            return Authority(actor.user_id, g)
    for d in actor.delegations:
        if d.delegate == actor.user_id and d.in_force(at) and _grant_fits(d.grant, step, application):
            return Authority(actor.user_id, d.grant, on_behalf_of=d.delegator, delegation=d)
    return None


# --------------------------------------------------------------------------- chain state


@dataclass(frozen=True, slots=True)
class Decision:
    step_index: int
    actor_id: str
    kind: DecisionKind
    at: datetime
    on_behalf_of: str | None = None
    round: int = 1
    comment: str = ""
    role: Role | None = None     # the step's role and scope, filled in by apply_decision()
    scope: Scope | None = None

    @property
    def people(self) -> tuple[str, ...]:
        return (self.actor_id,) if self.on_behalf_of is None else (self.actor_id, self.on_behalf_of)


@dataclass(frozen=True, slots=True)
class ChainState:
    """The chain an application follows, the decisions so far (all rounds) and the current
    round. A restart (:func:`restart_chain`) opens a new round; old decisions stay for audit."""

    chain: ApprovalChain
    decisions: tuple[Decision, ...] = ()
    round: int = 1
    application_version: int = 0

    def round_decisions(self) -> tuple[Decision, ...]:
        return tuple(d for d in self.decisions if d.round == self.round)

    @property
    def status(self) -> ChainStatus:
        return _evaluate(self)[0]

    @property
    def current_index(self) -> int | None:
        return _evaluate(self)[1]

    @property
    def any_approval(self) -> bool:
        return any(d.kind is DecisionKind.APPROVE for d in self.round_decisions())


def step_tally(state: ChainState, index: int) -> tuple[int, int]:
    """(approvals, rejections) of the current round at step ``index`` (distinct people; a vote
    cast under a delegation is the delegator's seat, so two delegates of one member are one)."""
    approvers: set[str] = set()
    rejecters: set[str] = set()
    for d in state.round_decisions():
        if d.step_index == index:
            seat = d.on_behalf_of or d.actor_id
            (approvers if d.kind is DecisionKind.APPROVE else rejecters).add(seat)
    return len(approvers), len(rejecters)


def _evaluate(state: ChainState) -> tuple[ChainStatus, int | None]:
    decisions = state.round_decisions()
    if any(d.kind is DecisionKind.RETURN for d in decisions):
        return ChainStatus.RETURNED, None
    for step in state.chain.steps:
        approvals, rejections = step_tally(state, step.index)
        if rejections > step.pool - step.required:
            return ChainStatus.REJECTED, None
        if approvals < step.required:
            return ChainStatus.IN_PROGRESS, step.index
    return ChainStatus.APPROVED, None


def current_step(state: ChainState) -> ChainStep | None:
    idx = state.current_index
    return None if idx is None else state.chain.steps[idx]


@dataclass(frozen=True, slots=True)
class Refusal:
    code: str
    message: str

    def as_dict(self) -> dict[str, str]:
        return {"code": self.code, "message": self.message}


def check_can_decide(state: ChainState, actor: Actor, application: ApplicationParties, *,
                     at: datetime, kind: DecisionKind = DecisionKind.APPROVE,
                     seen_version: int | None = None) -> tuple[Refusal, ...]:
    """Every reason why ``actor`` may not decide now; empty tuple = allowed.

    Codes: ``chain_closed``, ``stale_version``, ``creator``, ``editor``,
    ``role_mismatch``, ``scope_mismatch``, ``delegation_expired``, ``delegation_not_started``,
    ``delegation_revoked``, ``already_approved_other_step``, ``already_decided_step``.
    The SoD codes also apply to the delegator when the actor acts under a delegation."""
    _require_aware(at, "at")
    kind = DecisionKind(kind)
    step = current_step(state)
    if step is None:
        return (Refusal("chain_closed",
                        f"审批流程已结束（{_STATUS_NAMES[state.status]}），不能再审批。"),)
    out: list[Refusal] = []
    current_version = max(state.application_version, application.version)
    if seen_version is not None and seen_version != current_version:
        out.append(Refusal(
            "stale_version",
            f"申请已被修改（您看到的是第 {seen_version} 版，当前为第 {current_version} 版），"
            "请刷新后重新审核。"))

    authority = effective_approver(actor, step, application, at)
    people: tuple[str, ...] = authority.people if authority else (actor.user_id,)

    for person in people:
        who = "您" if person == actor.user_id else f"委托人 {person}"
        if person == application.created_by:
            out.append(Refusal("creator", f"{who}是该申请的经办（创建）人，不能审批自己的申请。"))
        elif person == application.last_edited_by or person in application.editors:
            out.append(Refusal("editor", f"{who}修改过该申请，不能再审批它（不相容岗位分离）。"))

    if authority is None:
        out.append(_why_no_authority(actor, step, application, at))
    else:
        prior = [d for d in state.decisions if set(d.people) & set(people)]
        for d in prior:
            if d.round == state.round and d.step_index == step.index:
                out.append(Refusal("already_decided_step",
                                   f"您已在本步骤（{step.describe()}）作出过决定，不能重复投票。"))
                break
        for d in prior:
            if d.kind is not DecisionKind.APPROVE:
                continue
            if d.round == state.round:
                other = d.step_index != step.index
            else:  # an earlier round: only the same role may be approved again after a restart
                old = _step_of(state, d)
                other = old is None or old.role != step.role
            if other:
                name = _step_name(state, d)
                out.append(Refusal(
                    "already_approved_other_step",
                    f"同一人不能审批同一申请的两个步骤：已在“{name}”步骤同意过该申请。"))
                break
    return tuple(out)


def _step_of(state: ChainState, d: Decision) -> ChainStep | None:
    if d.round == state.round and 0 <= d.step_index < len(state.chain.steps):
        return state.chain.steps[d.step_index]
    if d.role is None:
        return None
    return ChainStep(d.step_index, d.role, d.scope or DEFAULT_SCOPE[d.role])


def _step_name(state: ChainState, d: Decision) -> str:
    s = _step_of(state, d)
    return s.describe() if s else f"第 {d.step_index + 1} 步"


_STATUS_NAMES = {
    ChainStatus.IN_PROGRESS: "审批中", ChainStatus.APPROVED: "已审批通过",
    ChainStatus.RETURNED: "已退回", ChainStatus.REJECTED: "已否决",
}


def _why_no_authority(actor: Actor, step: ChainStep, application: ApplicationParties,
                      at: datetime) -> Refusal:
    need = step.describe()
    for d in actor.delegations:
        if d.delegate == actor.user_id and _grant_fits(d.grant, step, application):
            if d.revoked:
                return Refusal("delegation_revoked", f"{d.delegator} 对您的授权已撤销，不能代为审批“{need}”。")
            if at < d.valid_from:
                return Refusal("delegation_not_started",
                               f"{d.delegator} 对您的授权自 {d.valid_from.astimezone(SHANGHAI):%Y-%m-%d %H:%M} 起生效，"
                               "现在还不能代为审批。")
            return Refusal("delegation_expired",
                           f"{d.delegator} 对您的授权已于 {d.expires_at.astimezone(SHANGHAI):%Y-%m-%d %H:%M} 到期，"
                           f"不能再代为审批“{need}”。")
    same_role = [g for g in actor.grants if g.role == step.role] + [
        d.grant for d in actor.delegations
        if d.delegate == actor.user_id and d.grant.role == step.role and d.in_force(at)]
    if same_role:
        return Refusal("scope_mismatch",
                       f"您的“{ROLE_NAMES[step.role]}”权限不覆盖本申请"
                       f"（需要 {SCOPE_NAMES[step.scope]} {application.target_for(step.scope) or '未指定'}）。")
    return Refusal("role_mismatch", f"当前步骤需要“{need}”审批，您没有该角色。")


def apply_decision(state: ChainState, decision: Decision) -> ChainState:
    """Record ``decision`` on the current step (no SoD check: call :func:`check_can_decide`
    first, or use :func:`decide`). Fills in the step's role/scope and the round."""
    step = current_step(state)
    if step is None:
        raise DecisionError("chain_closed",
                            f"审批流程已结束（{_STATUS_NAMES[state.status]}），不能再审批。")
    if decision.step_index != step.index:
        raise DecisionError("wrong_step", f"当前待审批的是第 {step.index + 1} 步（{step.describe()}），"
                                          f"不是第 {decision.step_index + 1} 步。")
    _require_aware(decision.at, "decision.at")
    recorded = replace(decision, kind=DecisionKind(decision.kind), round=state.round,
                       role=step.role, scope=step.scope)
    return replace(state, decisions=state.decisions + (recorded,))


def decide(state: ChainState, actor: Actor, application: ApplicationParties, *,
           kind: DecisionKind, at: datetime, seen_version: int | None = None,
           comment: str = "") -> ChainState:
    """Check separation of duties and record the decision. Raises :class:`DecisionError` whose
    ``code`` is the first refusal's code and whose ``refusals`` lists them all."""
    refusals = check_can_decide(state, actor, application, at=at, kind=kind,
                                seen_version=seen_version)
    if refusals:
        err = DecisionError(refusals[0].code, "；".join(r.message for r in refusals))
        err.refusals = refusals  # type: ignore[attr-defined]
        raise err
    step = current_step(state)
    assert step is not None
    authority = effective_approver(actor, step, application, at)
    assert authority is not None
    return apply_decision(state, Decision(step.index, actor.user_id, DecisionKind(kind), at,
                                          on_behalf_of=authority.on_behalf_of, comment=comment))


def restart_chain(state: ChainState, *, chain: ApprovalChain | None = None,
                  application_version: int | None = None) -> ChainState:
    """Open a new round (after a return, or when :func:`needs_restart` says so). Earlier
    decisions stay in ``decisions`` for audit but no longer count. ``chain`` replaces the chain
    when the changed application routes differently (the rule-set version stays the one in
    force at the first submission unless the caller re-selects it)."""
    return replace(state, chain=chain or state.chain, round=state.round + 1,
                   application_version=(state.application_version if application_version is None
                                        else application_version))


@dataclass(frozen=True, slots=True)
class PaymentTerms:
    """The terms whose change after an approval restarts the chain."""

    amount_fen: int
    payee_name: str
    payee_account: str
    payee_bank: str | None = None


def _norm(text: str | None) -> str:
    return re.sub(r"[\s\-－]+", "", text or "").upper()


def changed_terms(old: PaymentTerms, new: PaymentTerms) -> tuple[str, ...]:
    """Names of the changed terms: ``amount_fen``, ``payee_name``, ``payee_account``,
    ``payee_bank`` (whitespace and dashes in names/accounts are ignored)."""
    out: list[str] = []
    if old.amount_fen != new.amount_fen:
        out.append("amount_fen")
    for f in ("payee_name", "payee_account", "payee_bank"):
        if _norm(getattr(old, f)) != _norm(getattr(new, f)):
            out.append(f)
    return tuple(out)


def needs_restart(old: PaymentTerms, new: PaymentTerms, state: ChainState | None = None) -> bool:
    """True when the amount or the payee changed and someone has already approved (in the
    current round of ``state``; without ``state`` an approval is assumed)."""
    if not changed_terms(old, new):
        return False
    return True if state is None else state.any_approval
