"""Budget-control rules (预算控制规则) that the client runs for early feedback and the server runs
as the authority (domain.md §1.1, §2.3).

Every check is a pure function over plain data. It returns ``None`` when the rule holds, or a
:class:`RuleViolation` with a stable machine ``code`` and a Simplified-Chinese ``message`` that
names the rule and the figures. Reference data (classification tables, the 公务卡 directory,
thresholds) is passed in by the caller, which takes it from :mod:`fiscal.codes` and
:mod:`fiscal.dictionaries`; the rules never read files themselves.

Money is integer fen throughout.
"""
from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Mapping
from dataclasses import dataclass
from dataclasses import field as dc_field
from typing import Any, Protocol

from fiscal.money import format_amount

__all__ = [
    "ApplicationFacts",
    "IndicatorFacts",
    "RuleViolation",
    "available_balance",
    "check_available",
    "check_dep_gov_mapping",
    "check_economic_scope",
    "check_functional_scope",
    "check_indicator_usable",
    "check_official_card",
    "check_personal_payee",
    "check_procurement",
    "evaluate_submission",
    "format_fen",
]

# Settlement-mode names as they appear in dictionaries (结算方式). Codes are local, so the rules
# accept either a code that the caller has mapped to a name or the name itself.
OFFICIAL_CARD_NAMES = frozenset({"公务卡", "公务卡结算"})
CASH_NAMES = frozenset({"现金", "提现", "现金支付"})


@dataclass(frozen=True, slots=True)
class RuleViolation:
    """One broken rule: ``code`` for machines, ``message`` (Chinese) for people."""

    code: str
    message: str
    field: str | None = None
    details: dict[str, Any] = dc_field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {"code": self.code, "message": self.message, "field": self.field,
                "details": dict(self.details)}


@dataclass(frozen=True, slots=True)
class IndicatorFacts:
    """What the rules need to know about a budget indicator (指标)."""

    id: str
    fiscal_year: int
    region_code: str
    unit_code: str
    amount: int            # 指标金额 (released + increases − decreases), fen
    frozen: int = 0        # 冻结
    reserved: int = 0      # 在途 (applied, not yet paid)
    paid: int = 0          # 已支付
    executable: bool = True
    func_code: str | None = None
    dep_eco_code: str | None = None   # None/'' = 不细化到经济分类 (open)
    gov_eco_code: str | None = None
    is_gov_procurement: bool = False
    bgt_type_code: str | None = None


@dataclass(frozen=True, slots=True)
class ApplicationFacts:
    """What the rules need to know about a payment application (支付申请)."""

    fiscal_year: int
    region_code: str
    unit_code: str
    unit_type: str | None        # '行政' | '事业' (for the 部门→政府 mapping)
    amount: int                  # 本次申请金额, fen
    func_code: str | None = None
    dep_eco_code: str | None = None
    gov_eco_code: str | None = None
    settlement_mode: str | None = None   # 结算方式 name (公务卡 / 转账 / 现金 …)
    payee_is_personal: bool = False
    payee_name: str | None = None
    use_des: str | None = None           # 用途
    contract_no: str | None = None
    has_basis_attachment: bool = False   # 付款依据 attached
    unit_level_below_county: bool = False
    card_not_accepted: bool = False      # 对方不受理公务卡 (declared by the applicant)


def format_fen(fen: int) -> str:
    """``123456`` -> ``'1,234.56'`` (delegates to :func:`fiscal.money.format_amount`)."""
    return format_amount(int(fen))


def available_balance(*, amount: int, frozen: int = 0, reserved: int = 0, paid: int = 0) -> int:
    """可用余额 = 指标金额 − 冻结 − 在途 − 已支付 (domain.md §1.1)."""
    return int(amount) - int(frozen) - int(reserved) - int(paid)


def check_indicator_usable(ind: IndicatorFacts, app: ApplicationFacts) -> RuleViolation | None:
    """无预算不支出: executable indicator of the same year, 区划 and unit."""
    if not ind.executable:
        return RuleViolation("indicator_not_executable",
                             f"指标 {ind.id} 不是可执行指标（可执行标志未设置），不能用于支付。",
                             "indicator_id", {"indicator_id": ind.id})
    if ind.fiscal_year != app.fiscal_year:
        return RuleViolation("indicator_year_mismatch",
                             f"指标年度为 {ind.fiscal_year} 年，支付申请年度为 {app.fiscal_year} 年，"
                             "只能使用本年度指标。", "fiscal_year",
                             {"indicator_year": ind.fiscal_year, "application_year": app.fiscal_year})
    if ind.region_code != app.region_code:
        return RuleViolation("indicator_region_mismatch",
                             f"指标所属财政区划 {ind.region_code} 与申请的区划 {app.region_code} 不一致。",
                             "region_code")
    if ind.unit_code != app.unit_code:
        return RuleViolation("indicator_unit_mismatch",
                             f"指标属于单位 {ind.unit_code}，不能用于单位 {app.unit_code} 的支付申请。",
                             "indicator_id")
    return None


def check_available(*, amount: int, paid: int, reserved: int, requested: int, frozen: int = 0,
                    ) -> RuleViolation | None:
    """不得超指标: ``requested`` must fit the available balance.

    The message spells the arithmetic out: 指标 − 已支付 − 在途 (− 冻结) − 本次 = 差额.
    """
    if requested <= 0:
        return RuleViolation("amount_not_positive", "申请金额必须大于 0。", "amount",
                             {"requested": requested})
    diff = available_balance(amount=amount, frozen=frozen, reserved=reserved, paid=paid) - requested
    if diff >= 0:
        return None
    frozen_part = f" − 冻结 {format_fen(frozen)}" if frozen else ""
    return RuleViolation(
        "insufficient_balance",
        f"超出指标可用余额：指标 {format_fen(amount)} − 已支付 {format_fen(paid)} − 在途 "
        f"{format_fen(reserved)}{frozen_part} − 本次 {format_fen(requested)} = 差额 {format_fen(diff)} 元。"
        "请减少申请金额或申请追加指标。",
        "amount",
        {"indicator_amount": amount, "paid": paid, "reserved": reserved, "frozen": frozen,
         "requested": requested, "difference": diff,
         "available": available_balance(amount=amount, frozen=frozen, reserved=reserved, paid=paid)},
    )


class _Table(Protocol):  # the parts of fiscal.codes.CodeTable that the rules use
    def exists(self, code: str) -> bool: ...
    def is_within(self, code: str, scope: str) -> bool: ...


def _scope_check(kind: str, label: str, field_name: str, ind_code: str | None,
                 app_code: str | None, table: _Table | None) -> RuleViolation | None:
    ind_code = (ind_code or "").strip() or None
    app_code = (app_code or "").strip() or None
    if app_code is None:
        if ind_code is None:
            return RuleViolation(f"{kind}_required", f"指标未细化{label}，支付时必须填写{label}。",
                                 field_name)
        return None  # inherits the indicator's code
    if table is not None and not table.exists(app_code):
        return RuleViolation(f"unknown_{kind}", f"{label} {app_code} 不在本年度政府收支分类科目中。",
                             field_name, {"code": app_code})
    if ind_code is None:
        return None
    within = table.is_within(app_code, ind_code) if table is not None else (
        app_code.startswith(ind_code))
    if not within:
        return RuleViolation(f"{kind}_out_of_scope",
                             f"不得超范围：支付的{label} {app_code} 不在指标的{label} {ind_code} 范围内。",
                             field_name, {"indicator_code": ind_code, "application_code": app_code})
    return None


def check_functional_scope(ind: IndicatorFacts, app: ApplicationFacts,
                           table: _Table | None = None) -> RuleViolation | None:
    """支出功能分类 of the payment equals or is below the indicator's."""
    return _scope_check("func_code", "支出功能分类", "func_code", ind.func_code, app.func_code, table)


def check_economic_scope(ind: IndicatorFacts, app: ApplicationFacts,
                         table: _Table | None = None) -> RuleViolation | None:
    """部门经济分类 of the payment equals or is below the indicator's (an open indicator accepts
    any existing code, but the payment must then name one)."""
    return _scope_check("dep_eco_code", "部门经济分类", "dep_eco_code", ind.dep_eco_code,
                        app.dep_eco_code, table)


def check_dep_gov_mapping(*, dep_eco_code: str | None, gov_eco_code: str | None,
                          unit_type: str | None,
                          gov_for_dep: Callable[[str, str], str | None]) -> RuleViolation | None:
    """部门→政府 经济分类 mapping must be consistent (domain.md §3.4).

    ``gov_for_dep(dep_code, unit_type)`` is :meth:`fiscal.codes.CodeTables.gov_for_dep`.
    A missing 政府经济分类 is not an error here (the server fills it in from the mapping).
    """
    if not dep_eco_code or not gov_eco_code:
        return None
    if unit_type not in ("行政", "事业"):
        return RuleViolation("unit_type_unknown",
                             "单位类型未设置为“行政”或“事业”，无法校验部门经济分类与政府经济分类的对应关系。",
                             "unit_type")
    expected = gov_for_dep(dep_eco_code, unit_type)
    if expected is None:
        return None  # no mapping published for this code: nothing to compare
    if not (gov_eco_code == expected or gov_eco_code.startswith(expected)
            or expected.startswith(gov_eco_code)):
        return RuleViolation(
            "eco_mapping_mismatch",
            f"经济分类对应关系不一致：{unit_type}单位的部门经济分类 {dep_eco_code} 应对应政府经济分类 "
            f"{expected}，申请填写的是 {gov_eco_code}。",
            "gov_eco_code", {"expected": expected, "given": gov_eco_code})
    return None


def _as_int(value: Any, default: int) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return default


def check_official_card(app: ApplicationFacts, *, card_codes: Collection[str],
                        card_modes: Collection[str] = OFFICIAL_CARD_NAMES,
                        small_amount_fen: int = 20_000,
                        cash_only_keywords: Iterable[str] = (),
                        below_county_exempt: bool = True,
                        personal_payee_exempt: bool = True,
                        mode_names: Mapping[str, str] | None = None) -> RuleViolation | None:
    """公务卡强制结算目录: directory items are settled by 公务卡 unless an exception applies.

    Exceptions (domain.md §2.3): units below county level; payments to individuals; the payee does
    not accept cards and the amount is below ``small_amount_fen`` (¥200); items payable only in
    cash (签证费, 快递费, 过路费, 出租车费 — ``cash_only_keywords`` matched against 用途).
    """
    code = (app.dep_eco_code or "").strip()
    if not code or not any(code == c or code.startswith(c) for c in card_codes):
        return None
    mode = (app.settlement_mode or "").strip()
    if mode in card_modes or mode in OFFICIAL_CARD_NAMES:
        return None
    if (app.unit_level_below_county and below_county_exempt) or (
            app.payee_is_personal and personal_payee_exempt):
        return None
    if app.card_not_accepted and app.amount < small_amount_fen:
        return None
    if app.use_des and any(k and k in app.use_des for k in cash_only_keywords):
        return None
    shown = (mode_names or {}).get(mode, mode) or "未填写"
    return RuleViolation(
        "official_card_required",
        f"部门经济分类 {code} 属于公务卡强制结算目录，应以公务卡结算（当前结算方式：{shown}）。"
        f"例外：县级以下单位、支付给个人、对方不受理公务卡且金额低于 {format_fen(small_amount_fen)} 元、"
        "只能以现金支付的项目。",
        "settlement_mode", {"dep_eco_code": code, "settlement_mode": mode})


def check_procurement(ind: IndicatorFacts, app: ApplicationFacts, *,
                      contract_amount: int | None = None,
                      contract_paid: int = 0) -> RuleViolation | None:
    """政府采购: a procurement-flagged indicator requires a contract number, and the payments on
    one contract may not exceed its amount (when the caller knows the contract)."""
    if not ind.is_gov_procurement:
        return None
    if not (app.contract_no or "").strip():
        return RuleViolation("contract_required",
                             "该指标为政府采购指标，支付申请必须填写已登记的采购合同编号。",
                             "contract_no")
    if contract_amount is not None and contract_paid + app.amount > contract_amount:
        diff = contract_amount - contract_paid - app.amount
        return RuleViolation(
            "contract_exceeded",
            f"超出采购合同金额：合同 {format_fen(contract_amount)} − 已申请 {format_fen(contract_paid)} − "
            f"本次 {format_fen(app.amount)} = 差额 {format_fen(diff)} 元。",
            "amount", {"contract_amount": contract_amount, "contract_paid": contract_paid,
                       "requested": app.amount, "difference": diff})
    return None


def check_personal_payee(app: ApplicationFacts, *, threshold_fen: int = 5_000_000,
                         ) -> RuleViolation | None:
    """A payment to a personal account above the threshold (¥50,000) needs a 付款依据 attachment."""
    if not app.payee_is_personal or app.amount <= threshold_fen or app.has_basis_attachment:
        return None
    return RuleViolation(
        "personal_payee_basis_required",
        f"向个人账户单笔支付 {format_fen(app.amount)} 元，超过 {format_fen(threshold_fen)} 元，"
        "必须上传付款依据附件。",
        "attachments", {"amount": app.amount, "threshold": threshold_fen})


def evaluate_submission(ind: IndicatorFacts, app: ApplicationFacts, *,
                        func_table: _Table | None = None,
                        dep_table: _Table | None = None,
                        gov_for_dep: Callable[[str, str], str | None] | None = None,
                        card_codes: Collection[str] = (),
                        card_modes: Collection[str] = OFFICIAL_CARD_NAMES,
                        mode_names: Mapping[str, str] | None = None,
                        card_small_amount_fen: int = 20_000,
                        cash_only_keywords: Iterable[str] = (),
                        personal_threshold_fen: int = 5_000_000,
                        contract_amount: int | None = None,
                        contract_paid: int = 0) -> list[RuleViolation]:
    """All submission rules in a fixed order; the balance check comes last so that a caller can
    run this list before taking the indicator lock and repeat :func:`check_available` under it."""
    out: list[RuleViolation] = []
    v = check_indicator_usable(ind, app)
    if v:
        return [v]  # nothing else is meaningful against the wrong indicator
    for v in (
        check_functional_scope(ind, app, func_table),
        check_economic_scope(ind, app, dep_table),
        check_dep_gov_mapping(dep_eco_code=app.dep_eco_code or ind.dep_eco_code,
                              gov_eco_code=app.gov_eco_code, unit_type=app.unit_type,
                              gov_for_dep=gov_for_dep) if gov_for_dep else None,
        check_official_card(app, card_codes=card_codes, card_modes=card_modes,
                            mode_names=mode_names,
                            small_amount_fen=card_small_amount_fen,
                            cash_only_keywords=cash_only_keywords),
        check_procurement(ind, app, contract_amount=contract_amount, contract_paid=contract_paid),
        check_personal_payee(app, threshold_fen=personal_threshold_fen),
        check_available(amount=ind.amount, paid=ind.paid, reserved=ind.reserved,
                        frozen=ind.frozen, requested=app.amount),
    ):
        if v:
            out.append(v)
    return out


def _ensure_int(value: Any, default: int) -> int:  # kept for callers reading dictionaries
    return _as_int(value, default)
