"""三级预警 rule catalogue and disposition state machine (fiscal.warnings)."""
from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta, timezone

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fiscal.warnings import (
    TRANSITIONS,
    AccountInfo,
    ContractInfo,
    ControlType,
    Disposition,
    DispositionAction,
    DispositionError,
    DispositionState,
    ExecutionStats,
    HolidayCalendar,
    Level,
    MonitorContext,
    Outcome,
    PastPayment,
    PaymentFacts,
    PaymentHistory,
    SangongLine,
    Side,
    Trigger,
    WarningCatalogue,
    WarningRuleError,
    allowed_actions,
    approval_block,
    dispose,
    evaluate,
    evaluate_scheduled,
    holiday_calendar,
    is_cleared,
    load_warning_rules,
    outcome_of,
    parse_warning_rules,
    rule_ids,
)

REGION = "330700000"
UNIT = "101001"
YUAN = 100


def bj(y: int, mo: int, d: int, h: int = 10, mi: int = 0, s: int = 0) -> datetime:
    """A Beijing wall-clock time as an aware UTC datetime."""
    return datetime(y, mo, d, h, mi, s, tzinfo=UTC) - timedelta(hours=8)


WORK = bj(2026, 3, 10)  # a Tuesday, 10:00

BASE = PaymentFacts(
    id="app-1", region_code=REGION, unit_code=UNIT, amount_fen=1_000 * YUAN,
    payee_name="杭州某某科技有限公司", payee_account="3301 0400 0000 1234",
    use_des="购买办公用品", dep_eco_code="30201", fund_type="1", spending_kind="basic",
    payer_account="1202 0000 0000 0001", created_at=WORK, submitted_at=WORK,
)
CTX = MonitorContext(now=WORK)


@pytest.fixture(scope="module")
def cat() -> WarningCatalogue:
    return load_warning_rules()


def fired(cat: WarningCatalogue, rule_id: str, app: PaymentFacts = BASE,
          ctx: MonitorContext = CTX, trigger: Trigger = Trigger.IN_PROCESS):
    return [h for h in evaluate(app, ctx, cat, trigger=trigger) if h.rule_id == rule_id]


def past(amount: int, at: datetime, *, id: str = "p", unit: str = UNIT,
         payee: str = BASE.payee_name, account: str = BASE.payee_account,
         cash: bool = False) -> PastPayment:
    return PastPayment(id, unit, payee, account, amount, at, cash)


# --------------------------------------------------------------------------- catalogue


def test_every_implemented_rule_is_in_the_shipped_catalogue(cat: WarningCatalogue) -> None:
    assert sorted(r.id for r in cat.rules) == sorted(rule_ids())
    assert len(cat.rules) >= 15


def test_shipped_levels_and_controls_are_consistent(cat: WarningCatalogue) -> None:
    for r in cat.rules:
        if r.level == Level.RED:
            assert r.control is ControlType.BLOCK
        elif r.level == Level.YELLOW:
            assert r.control in (ControlType.WARN_ATTACHMENT, ControlType.WARN)
        else:
            assert r.control in (ControlType.REMIND, ControlType.RECORD)
        assert r.triggers and r.name and r.basis
    assert {r.level for r in cat.rules} == {Level.RED, Level.YELLOW, Level.BLUE}


def test_clean_application_raises_nothing(cat: WarningCatalogue) -> None:
    assert evaluate(BASE, CTX, cat) == []
    full = MonitorContext(now=WORK, recent_payments=(), accounts=(), sangong={},
                          account_last_activity={}, staff_id_numbers=frozenset(),
                          execution=ExecutionStats(100, 100))
    assert evaluate(BASE, full, cat) == []


def doc(rules: list[dict]) -> dict:
    return {"format": "jincai.warning-rules/1", "version": 1, "rules": rules}


@pytest.mark.parametrize(("rules", "code"), [
    ([{"id": "cash_over_limit", "level": 1, "control": "remind"}], "invalid_rules"),
    ([{"id": "off_hours", "level": 3, "control": "block"}], "invalid_rules"),
    ([{"id": "off_hours", "level": 4}], "invalid_rules"),
    ([{"id": "off_hours", "level": 3, "triggers": ["sometimes"]}], "invalid_rules"),
    ([{"id": "off_hours", "level": 3, "triggers": []}], "invalid_rules"),
    ([{"id": "no_such_rule", "level": 2}], "unknown_rule"),
    ([{"id": "off_hours", "level": 3}, {"id": "off_hours", "level": 3}], "invalid_rules"),
])
def test_invalid_catalogues_are_refused(rules: list[dict], code: str) -> None:
    with pytest.raises(WarningRuleError) as e:
        parse_warning_rules(doc(rules))
    assert e.value.code == code


def test_wrong_format_refused() -> None:
    with pytest.raises(WarningRuleError):
        parse_warning_rules({"format": "x", "rules": []})


def test_control_defaults_from_level() -> None:
    c = parse_warning_rules(doc([{"id": "off_hours", "level": 2}]))
    assert c.get("off_hours").control is ControlType.WARN_ATTACHMENT


def test_region_overrides(tmp_path) -> None:
    from fiscal.warnings import _rules_path

    shipped = json.loads(_rules_path("warning_rules.json").read_text(encoding="utf-8"))
    (tmp_path / "warning_rules.json").write_text(json.dumps(shipped), encoding="utf-8")
    (tmp_path / f"warning_rules.{REGION}.json").write_text(json.dumps({"overrides": {
        "daily_unit_total": {"params": {"threshold_fen": 1}},
        "off_hours": {"enabled": False},
        "association_payee": {"level": 1, "control": "block"},
    }}), encoding="utf-8")
    c = load_warning_rules(REGION, tmp_path / "warning_rules.json")
    assert c.get("daily_unit_total").params["threshold_fen"] == 1
    assert c.get("off_hours").enabled is False
    assert c.get("association_payee").level == Level.RED
    other = load_warning_rules("110000000", tmp_path / "warning_rules.json")
    assert other.get("daily_unit_total").params["threshold_fen"] == 50_000_000
    with pytest.raises(WarningRuleError) as e:
        parse_warning_rules(shipped, {"nope": {"enabled": False}})
    assert e.value.code == "unknown_rule"


def test_evaluate_orders_red_first_and_respects_enabled_and_trigger(
        cat: WarningCatalogue) -> None:
    app = replace(BASE, amount_fen=60_000 * YUAN, cash=True, payee_is_personal=True,
                  use_des="发放奖金", created_at=bj(2026, 10, 3, 22), submitted_at=None)
    hits = evaluate(app, CTX, cat)
    assert [h.level for h in hits] == sorted(h.level for h in hits)
    assert hits[0].level == Level.RED and hits[-1].level == Level.BLUE
    ids = {h.rule_id for h in hits}
    assert {"cash_over_limit", "personal_payee_large", "official_card_bypass",
            "sensitive_purpose", "off_hours", "non_working_day"} <= ids
    off = cat.with_params("cash_over_limit", enabled=False)
    assert "cash_over_limit" not in {h.rule_id for h in evaluate(app, CTX, off)}
    scheduled = {h.rule_id for h in evaluate(app, CTX, cat, trigger=Trigger.SCHEDULED)}
    assert "cash_over_limit" not in scheduled and "sensitive_purpose" in scheduled
    h = hits[0]
    d = h.as_dict()
    assert d["colour"] == "red" and d["control"] == "block" and d["application_id"] == "app-1"
    assert h.key.startswith(h.rule_id)


# --------------------------------------------------------------------------- rules, one by one


def test_daily_unit_total(cat: WarningCatalogue) -> None:
    history = (past(40_000_000, bj(2026, 3, 10, 0, 0), id="a"),      # same Beijing day
               past(99_000_000, bj(2026, 3, 9, 23, 59), id="b"),     # the day before
               past(99_000_000, WORK, id="c", unit="999999"),        # another unit
               past(99_000_000, WORK, id="app-1"))                   # the application itself
    ctx = replace(CTX, recent_payments=history)
    assert fired(cat, "daily_unit_total", replace(BASE, amount_fen=10_000_000), ctx) == []
    (h,) = fired(cat, "daily_unit_total", replace(BASE, amount_fen=10_000_001), ctx)
    assert h.level == Level.YELLOW and h.details["total_fen"] == 50_000_001
    assert "¥500,000.01" in h.message and "¥500,000.00" in h.message and "共 2 笔" in h.message
    assert fired(cat, "daily_unit_total", replace(BASE, amount_fen=10**9)) == []  # no history


def test_split_payment(cat: WarningCatalogue) -> None:
    three_days = WORK - timedelta(days=3)
    ctx = replace(CTX, recent_payments=(past(4_600_000, three_days, account="3301-0400-0000-1234"),))
    (h,) = fired(cat, "split_payment", replace(BASE, amount_fen=4_500_000), ctx)
    assert h.details["threshold_fen"] == 5_000_000 and h.details["count"] == 2
    assert "拆分" in h.message and "¥91,000.00" in h.message
    # not "just under": below the 10 % band, or at the threshold itself
    assert fired(cat, "split_payment", replace(BASE, amount_fen=4_499_999), ctx) == []
    assert fired(cat, "split_payment", replace(BASE, amount_fen=5_000_000), ctx) == []
    # window: exactly 7 days fires, a second more does not
    edge = replace(CTX, recent_payments=(past(4_600_000, WORK - timedelta(days=7)),))
    assert fired(cat, "split_payment", replace(BASE, amount_fen=4_500_000), edge)
    out = replace(CTX, recent_payments=(past(4_600_000, WORK - timedelta(days=7, seconds=1)),))
    assert fired(cat, "split_payment", replace(BASE, amount_fen=4_500_000), out) == []
    other = replace(CTX, recent_payments=(past(4_600_000, three_days, payee="别家", account="9"),))
    assert fired(cat, "split_payment", replace(BASE, amount_fen=4_500_000), other) == []
    # the higher threshold (¥500,000) is checked too
    big = replace(CTX, recent_payments=(past(49_000_000, three_days),))
    (h,) = fired(cat, "split_payment", replace(BASE, amount_fen=46_000_000), big)
    assert h.details["threshold_fen"] == 50_000_000


def test_personal_payee_large(cat: WarningCatalogue) -> None:
    person = replace(BASE, payee_is_personal=True, payee_name="张三", dep_eco_code="30226")
    assert fired(cat, "personal_payee_large", replace(person, amount_fen=5_000_000)) == []
    (h,) = fired(cat, "personal_payee_large", replace(person, amount_fen=5_000_001))
    assert h.level == Level.RED and h.control is ControlType.BLOCK and "未附付款依据" in h.message
    (h,) = fired(cat, "personal_payee_large",
                 replace(person, amount_fen=5_000_001, has_payment_basis=True))
    assert h.level == Level.YELLOW and h.control is ControlType.WARN_ATTACHMENT
    assert fired(cat, "personal_payee_large", replace(BASE, amount_fen=10**9)) == []


def test_personal_payee_economic(cat: WarningCatalogue) -> None:
    person = replace(BASE, payee_is_personal=True, payee_name="张三")
    (h,) = fired(cat, "personal_payee_economic", person)
    assert "30201" in h.message
    for ok in ("30226", "30101", "30305"):
        assert fired(cat, "personal_payee_economic", replace(person, dep_eco_code=ok)) == []
    assert fired(cat, "personal_payee_economic", replace(person, dep_eco_code=None)) == []
    assert fired(cat, "personal_payee_economic", BASE) == []


def test_own_or_related_account(cat: WarningCatalogue) -> None:
    own = AccountInfo("3301-0400-0000-1234", UNIT, "own", "basic", "本单位")
    (h,) = fired(cat, "own_or_related_account", ctx=replace(CTX, accounts=(own,)))
    assert h.level == Level.RED and "本单位" in h.message
    sibling = replace(own, owner_unit="101002", relation="sibling", owner_name="兄弟单位")
    (h,) = fired(cat, "own_or_related_account", ctx=replace(CTX, accounts=(sibling,)))
    assert "同一主管部门" in h.message
    unrelated = replace(own, relation="related")
    assert fired(cat, "own_or_related_account", ctx=replace(CTX, accounts=(unrelated,))) == []
    elsewhere = replace(own, account_no="3301040000001235")
    assert fired(cat, "own_or_related_account", ctx=replace(CTX, accounts=(elsewhere,))) == []
    narrowed = cat.with_params("own_or_related_account", params={"relations": ["own"]})
    assert fired(narrowed, "own_or_related_account", ctx=replace(CTX, accounts=(sibling,))) == []


@pytest.mark.parametrize(("payee", "hit"), [
    ("浙江省会计学会", True), ("金华市个体劳动者协会", True), ("某某研究会", True),
    ("杭州某某科技有限公司", False), ("协力科技有限公司", False),
])
def test_association_payee(cat: WarningCatalogue, payee: str, hit: bool) -> None:
    assert bool(fired(cat, "association_payee", replace(BASE, payee_name=payee))) is hit


@pytest.mark.parametrize(("use_des", "kind", "eco", "hit"), [
    ("发放职工福利", "project", "30227", True),
    ("购买购物卡", "basic", "30201", True),
    ("春节慰问品", "basic", "30299", True),
    ("发放奖金", "basic", "30103", False),      # wages: exempt for basic spending
    ("发放生活补贴", "basic", "30305", False),
    ("发放奖金", "project", "30103", True),     # but not for project money
    ("购买办公用品", "project", "30201", False),
])
def test_sensitive_purpose(cat: WarningCatalogue, use_des, kind, eco, hit) -> None:
    app = replace(BASE, use_des=use_des, spending_kind=kind, dep_eco_code=eco)
    hits = fired(cat, "sensitive_purpose", app)
    assert bool(hits) is hit
    if hit and kind == "project":
        assert "项目资金" in hits[0].message


@pytest.mark.parametrize(("payee", "kind", "eco", "hit"), [
    ("金华某某大酒店有限公司", "project", "30215", True),
    ("金华某某大酒店有限公司", "basic", "30215", False),   # 会议费 at a hotel
    ("金华某某大酒店有限公司", "basic", "30201", True),
    ("某某干部培训中心", "project", "30216", True),
    ("某某餐饮管理有限公司", "basic", "30299", True),
    ("杭州某某科技有限公司", "project", "30201", False),
])
def test_sensitive_payee(cat: WarningCatalogue, payee, kind, eco, hit) -> None:
    app = replace(BASE, payee_name=payee, spending_kind=kind, dep_eco_code=eco)
    assert bool(fired(cat, "sensitive_payee", app)) is hit


def test_staff_labor_fee(cat: WarningCatalogue) -> None:
    app = replace(BASE, payee_is_personal=True, payee_name="李四", dep_eco_code="30226",
                  payee_id_number="33070219800101001x")
    staff = replace(CTX, staff_id_numbers=frozenset({"33070219800101001X"}))
    (h,) = fired(cat, "staff_labor_fee", app, staff)
    assert "身份证号" in h.message
    by_name = replace(CTX, staff_names=frozenset({"李四"}))
    assert fired(cat, "staff_labor_fee", app, by_name)
    assert fired(cat, "staff_labor_fee", app, replace(CTX, staff_names=frozenset({"王五"}))) == []
    assert fired(cat, "staff_labor_fee", replace(app, dep_eco_code="30201"), staff) == []
    assert fired(cat, "staff_labor_fee", app) == []   # no staff list supplied


def test_official_card_bypass(cat: WarningCatalogue) -> None:
    cash = replace(BASE, cash=True)
    (h,) = fired(cat, "official_card_bypass", cash)
    assert "公务卡" in h.message and "办公费" in h.message and "现金" in h.message
    assert fired(cat, "official_card_bypass", replace(cash, official_card=True, cash=False)) == []
    assert fired(cat, "official_card_bypass", BASE) == []  # transfer to a company
    person = replace(BASE, payee_is_personal=True)
    assert fired(cat, "official_card_bypass", person)
    no_personal = cat.with_params("official_card_bypass",
                                  params={"include_personal_payee": False})
    assert fired(no_personal, "official_card_bypass", person) == []
    # exceptions: card not accepted and < ¥200; cash-only items; below county level
    declined = replace(cash, card_not_accepted=True)
    assert fired(cat, "official_card_bypass", replace(declined, amount_fen=19_999)) == []
    assert fired(cat, "official_card_bypass", replace(declined, amount_fen=20_000))
    assert fired(cat, "official_card_bypass", replace(cash, use_des="支付快递费")) == []
    assert fired(cat, "official_card_bypass", cash, replace(CTX, unit_below_county=True)) == []
    assert fired(cat, "official_card_bypass", replace(cash, dep_eco_code="30101")) == []


def test_cash_over_limit(cat: WarningCatalogue) -> None:
    cash = replace(BASE, cash=True, dep_eco_code="30299")
    assert fired(cat, "cash_over_limit", replace(cash, amount_fen=5_000_000)) == []
    (h,) = fired(cat, "cash_over_limit", replace(cash, amount_fen=5_000_001))
    assert h.level == Level.RED and "¥50,000.00" in h.message
    assert fired(cat, "cash_over_limit", replace(BASE, amount_fen=10**9)) == []


def test_cash_monthly_total(cat: WarningCatalogue) -> None:
    history = (past(15_000_000, bj(2026, 3, 1, 0, 0), id="a", cash=True),
               past(90_000_000, bj(2026, 2, 28, 23, 59), id="b", cash=True),  # last month
               past(90_000_000, bj(2026, 3, 2), id="c", cash=False))          # not cash
    ctx = replace(CTX, recent_payments=history)
    cash = replace(BASE, cash=True, dep_eco_code="30299")
    assert fired(cat, "cash_monthly_total", replace(cash, amount_fen=5_000_000), ctx) == []
    (h,) = fired(cat, "cash_monthly_total", replace(cash, amount_fen=5_000_001), ctx)
    assert h.details["total_fen"] == 20_000_001
    assert fired(cat, "cash_monthly_total", replace(BASE, amount_fen=5_000_001), ctx) == []


@pytest.mark.parametrize(("h", "m", "hit"), [
    (7, 59, True), (8, 0, False), (12, 0, False), (19, 59, False), (20, 0, True), (2, 30, True),
])
def test_off_hours(cat: WarningCatalogue, h: int, m: int, hit: bool) -> None:
    t = bj(2026, 3, 10, h, m)
    hits = fired(cat, "off_hours", replace(BASE, created_at=t, submitted_at=t))
    assert bool(hits) is hit
    if hit:
        assert hits[0].level == Level.BLUE and f"{h:02d}:{m:02d}" in hits[0].message


def test_off_hours_considers_approval_time(cat: WarningCatalogue) -> None:
    (h,) = fired(cat, "off_hours", replace(BASE, approved_at=bj(2026, 3, 10, 23)))
    assert "审批于" in h.message


@pytest.mark.parametrize(("day", "hit", "why"), [
    (date(2026, 3, 10), False, None),        # Tuesday
    (date(2026, 3, 14), True, "周六"),
    (date(2026, 3, 15), True, "周日"),
    (date(2026, 2, 14), False, None),        # Saturday, 调休 working day
    (date(2026, 10, 1), True, "国庆节"),
    (date(2026, 2, 16), True, "春节"),        # Monday in the Spring Festival
    (date(2025, 10, 8), True, "国庆节、中秋节"),
    (date(2030, 3, 12), False, None),        # year not in the calendar: weekdays work
    (date(2030, 3, 16), True, "周六"),
])
def test_non_working_day(cat: WarningCatalogue, day: date, hit: bool, why) -> None:
    t = bj(day.year, day.month, day.day)
    hits = fired(cat, "non_working_day", replace(BASE, created_at=t, submitted_at=t))
    assert bool(hits) is hit
    if hit:
        assert why in hits[0].message


def test_holiday_calendar_data() -> None:
    cal = holiday_calendar()
    assert cal.covers(2025) and cal.covers(2026) and not cal.covers(2030)
    assert cal.holiday_name(date(2026, 1, 1)) == "元旦"
    assert cal.is_working_day(date(2026, 1, 4))  # Sunday, 调休
    with pytest.raises(WarningRuleError):
        HolidayCalendar.from_data({"format": "x"})
    custom = HolidayCalendar.from_data({"format": "jincai.holiday-calendar/1", "years": {
        "2027": {"holidays": [{"name": "测试", "from": "2027-03-02", "to": "2027-03-03"}]}}})
    t = bj(2027, 3, 3)
    ctx = replace(CTX, calendar=custom)
    (h,) = fired(load_warning_rules(), "non_working_day", replace(BASE, created_at=t,
                                                                   submitted_at=t), ctx)
    assert "测试" in h.message


@pytest.mark.parametrize(("t", "amount", "hit"), [
    (bj(2026, 12, 22, 0, 0), 10_000_000, True),
    (bj(2026, 12, 21, 23, 59), 10_000_000, False),
    (bj(2026, 12, 31, 16), 10_000_000, True),
    (bj(2026, 12, 31, 16), 9_999_999, False),
    (bj(2026, 11, 30), 10**10, False),
])
def test_year_end_rush(cat: WarningCatalogue, t: datetime, amount: int, hit: bool) -> None:
    app = replace(BASE, amount_fen=amount, created_at=t, submitted_at=t)
    assert bool(fired(cat, "year_end_rush", app)) is hit


@pytest.mark.parametrize(("t", "paid", "hit"), [
    (bj(2026, 10, 1), 74, True),    # after 9/30: needs 75 %
    (bj(2026, 10, 1), 75, False),
    (bj(2026, 9, 30), 60, False),   # 9/30 itself: only 6/30 (50 %) has passed
    (bj(2026, 9, 30), 49, True),
    (bj(2026, 6, 30), 0, False),    # no checkpoint passed yet
    (bj(2026, 12, 20), 79, True),   # after 10/31: needs 80 %
])
def test_low_execution(cat: WarningCatalogue, t: datetime, paid: int, hit: bool) -> None:
    app = replace(BASE, created_at=t, submitted_at=t)
    ctx = replace(CTX, execution=ExecutionStats(budget_fen=100 * 10_000, paid_fen=paid * 10_000))
    hits = fired(cat, "low_execution", app, ctx)
    assert bool(hits) is hit
    if hit:
        assert hits[0].level == Level.BLUE and hits[0].control is ControlType.RECORD
        assert f"{paid}.00%" in hits[0].message
    assert fired(cat, "low_execution", app) == []   # execution not supplied


def test_sangong_overrun(cat: WarningCatalogue) -> None:
    app = replace(BASE, dep_eco_code="30217", use_des="公务接待")
    budget = {"reception": SangongLine(1_000_000, 900_000)}
    ctx = replace(CTX, sangong=budget)
    assert fired(cat, "sangong_overrun", replace(app, amount_fen=100_000), ctx) == []
    (h,) = fired(cat, "sangong_overrun", replace(app, amount_fen=100_001), ctx)
    assert h.level == Level.RED and "公务接待费" in h.message and "¥10,000.00" in h.message
    (h,) = fired(cat, "sangong_overrun", app, replace(CTX, sangong={}))
    assert "没有" in h.message
    zero = replace(CTX, sangong={"reception": SangongLine(0, 0)})
    assert fired(cat, "sangong_overrun", app, zero)
    car = replace(app, dep_eco_code="31013")
    assert fired(cat, "sangong_overrun", car, ctx)  # vehicle purchase has no budget line here
    assert fired(cat, "sangong_overrun", app) == []             # not supplied
    assert fired(cat, "sangong_overrun", BASE, replace(CTX, sangong={})) == []  # not 三公


def test_procurement_no_contract(cat: WarningCatalogue) -> None:
    gp = replace(BASE, gov_procurement=True)
    (h,) = fired(cat, "procurement_no_contract", gp)
    assert h.level == Level.RED and "合同" in h.message
    assert fired(cat, "procurement_no_contract", replace(gp, contract_no="HT-2026-001")) == []
    assert fired(cat, "procurement_no_contract", replace(gp, contract_no="  ")) != []
    assert fired(cat, "procurement_no_contract", BASE) == []
    limited = cat.with_params("procurement_no_contract",
                              params={"procurement_limit_fen": 100_000_000})
    assert fired(limited, "procurement_no_contract", replace(BASE, amount_fen=100_000_000))
    assert fired(limited, "procurement_no_contract", replace(BASE, amount_fen=99_999_999)) == []


def test_procurement_over_contract(cat: WarningCatalogue) -> None:
    ctx = replace(CTX, contract=ContractInfo("HT-1", 1_000_000, 900_000))
    app = replace(BASE, contract_no="HT-1")
    assert fired(cat, "procurement_over_contract", replace(app, amount_fen=100_000), ctx) == []
    (h,) = fired(cat, "procurement_over_contract", replace(app, amount_fen=100_001), ctx)
    assert "HT-1" in h.message and h.details["total_fen"] == 1_000_001
    assert fired(cat, "procurement_over_contract", replace(app, amount_fen=10**9)) == []


def test_dormant_account_at_payment(cat: WarningCatalogue) -> None:
    acct = BASE.payer_account.replace(" ", "")
    idle = replace(CTX, account_last_activity={acct: WORK - timedelta(days=90)})
    (h,) = fired(cat, "dormant_account", ctx=idle)
    assert h.level == Level.BLUE and h.subject == BASE.payer_account and "90 天" in h.message
    fresh = replace(CTX, account_last_activity={acct: WORK - timedelta(days=90) + timedelta(seconds=1)})
    assert fired(cat, "dormant_account", ctx=fresh) == []
    assert fired(cat, "dormant_account", replace(BASE, payer_account=None), idle) == []


def test_scheduled_batch_scans_accounts_and_applications(cat: WarningCatalogue) -> None:
    now = WORK
    ctx = replace(CTX, account_last_activity={
        "A-OLD": now - timedelta(days=91), "A-EDGE": now - timedelta(days=90),
        "A-NEW": now - timedelta(days=89, hours=23)})
    apps = [replace(BASE, id="x1", payee_name="某某学会"), BASE]
    hits = evaluate_scheduled(ctx, cat, apps)
    dormant = sorted(h.subject for h in hits if h.rule_id == "dormant_account")
    assert dormant == ["A-EDGE", "A-OLD"]
    assert all(h.trigger is Trigger.SCHEDULED for h in hits)
    assert [(h.rule_id, h.application_id) for h in hits if h.rule_id == "association_payee"] == [
        ("association_payee", "x1")]
    off = cat.with_params("dormant_account", triggers=["in_process"])
    assert not [h for h in evaluate_scheduled(ctx, off) if h.rule_id == "dormant_account"]


def test_naive_times_refused(cat: WarningCatalogue) -> None:
    with pytest.raises(ValueError):
        MonitorContext(now=datetime(2026, 1, 1))
    with pytest.raises(ValueError):
        evaluate(replace(BASE, created_at=datetime(2026, 1, 1)), CTX, cat)


@settings(max_examples=200, deadline=None)
@given(amounts=st.lists(st.integers(min_value=1, max_value=30_000_000), max_size=6),
       amount=st.integers(min_value=1, max_value=60_000_000))
def test_daily_total_fires_exactly_over_threshold(amounts: list[int], amount: int) -> None:
    cat = load_warning_rules()
    history = tuple(past(a, WORK - timedelta(minutes=i + 1), id=f"p{i}")
                    for i, a in enumerate(amounts))
    hits = fired(cat, "daily_unit_total", replace(BASE, amount_fen=amount),
                 replace(CTX, recent_payments=history))
    assert bool(hits) is (sum(amounts) + amount > 50_000_000)


# --------------------------------------------------------------------------- disposition


S, A = DispositionState, DispositionAction
EVERY = [(s, a, side) for s in S for a in A for side in Side]


@pytest.mark.parametrize(("state", "action", "side"), EVERY)
def test_every_transition_allowed_or_refused(state, action, side) -> None:
    d = Disposition(Level.YELLOW, state)
    kw = {"side": side, "by": "u1", "at": WORK, "note": "说明", "attachments": ("sha-1",)}
    target = TRANSITIONS.get((state, action))
    if target is None:
        with pytest.raises(DispositionError) as e:
            dispose(d, action, **kw)
        assert e.value.code == "not_allowed"
    elif target[1] != side:
        with pytest.raises(DispositionError) as e:
            dispose(d, action, **kw)
        assert e.value.code == "wrong_side"
    else:
        new = dispose(d, action, **kw)
        assert new.state == target[0]
        step = new.history[-1]
        assert (step.from_state, step.to_state, step.by, step.at) == (state, target[0], "u1", WORK)


def test_transition_table_shape() -> None:
    assert allowed_actions(S.RAISED, Side.BUREAU) == (A.MARK_NORMAL, A.REQUEST_VERIFY,
                                                      A.MARK_VIOLATION)
    assert allowed_actions(S.RAISED, Side.UNIT) == (A.EXPLAIN,)
    assert allowed_actions(S.EXPLAINED, Side.BUREAU) == (A.MARK_NORMAL, A.REQUEST_VERIFY,
                                                         A.MARK_VIOLATION)
    assert set(allowed_actions(S.VERIFYING, Side.UNIT)) == {A.ANSWER_OK, A.ANSWER_FIXED}
    assert allowed_actions(S.NORMAL) == () and allowed_actions(S.RECTIFIED) == ()


@pytest.mark.parametrize("level", list(Level))
@pytest.mark.parametrize("action", [A.ANSWER_OK, A.ANSWER_FIXED])
def test_unit_answer_requirements_by_level(level: Level, action) -> None:
    d = Disposition(level, S.VERIFYING)
    with pytest.raises(DispositionError) as e:
        dispose(d, action, side=Side.UNIT, by="u", at=WORK, note="  ", attachments=("a",))
    assert e.value.code == "note_required"
    if level in (Level.RED, Level.YELLOW):
        with pytest.raises(DispositionError) as e:
            dispose(d, action, side=Side.UNIT, by="u", at=WORK, note="已核实")
        assert e.value.code == "attachment_required"
    else:
        assert dispose(d, action, side=Side.UNIT, by="u", at=WORK, note="已核实").state in (
            S.ANSWERED_OK, S.ANSWERED_FIXED)


def test_bureau_notes() -> None:
    d = Disposition(Level.RED)
    assert dispose(d, A.MARK_NORMAL, side=Side.BUREAU, by="b", at=WORK).state is S.NORMAL
    for action in (A.REQUEST_VERIFY, A.MARK_VIOLATION):
        with pytest.raises(DispositionError) as e:
            dispose(d, action, side=Side.BUREAU, by="b", at=WORK)
        assert e.value.code == "note_required"


def test_full_loops_and_outcomes() -> None:
    t = [WORK + timedelta(hours=i) for i in range(6)]
    d = Disposition(Level.YELLOW)
    assert d.outcome is Outcome.SUSPICIOUS and not d.cleared
    d = dispose(d, A.REQUEST_VERIFY, side=Side.BUREAU, by="bureau", at=t[0], note="请说明用途")
    d = dispose(d, A.ANSWER_OK, side=Side.UNIT, by="unit", at=t[1], note="系会议费",
                attachments=("sha-1",), contact="0579-1234567")
    assert d.outcome is Outcome.SUSPICIOUS
    d = dispose(d, A.REQUEST_VERIFY, side=Side.BUREAU, by="bureau", at=t[2], note="附件不清")
    d = dispose(d, A.ANSWER_OK, side=Side.UNIT, by="unit", at=t[3], note="补充",
                attachments=("sha-2",))
    d = dispose(d, A.MARK_NORMAL, side=Side.BUREAU, by="bureau", at=t[4])
    assert d.state is S.NORMAL and d.outcome is Outcome.VERIFIED and d.cleared
    assert [s.by for s in d.history] == ["bureau", "unit", "bureau", "unit", "bureau"]
    assert [s.at for s in d.history] == t[:5] and d.history[1].contact == "0579-1234567"

    r = Disposition(Level.RED)
    r = dispose(r, A.MARK_VIOLATION, side=Side.BUREAU, by="b", at=t[0], note="转入本单位基本户")
    assert r.outcome is Outcome.VIOLATION and not r.cleared
    r = dispose(r, A.ANSWER_FIXED, side=Side.UNIT, by="u", at=t[1], note="已退回零余额账户",
                attachments=("sha",))
    assert not r.cleared
    r = dispose(r, A.ACCEPT_RECTIFICATION, side=Side.BUREAU, by="b", at=t[2])
    assert r.state is S.RECTIFIED and r.outcome is Outcome.VIOLATION and r.cleared


def test_outcome_mapping() -> None:
    assert {s: outcome_of(s) for s in S} == {
        S.RAISED: Outcome.SUSPICIOUS, S.VERIFYING: Outcome.SUSPICIOUS,
        S.ANSWERED_OK: Outcome.SUSPICIOUS, S.NORMAL: Outcome.VERIFIED,
        S.ANSWERED_FIXED: Outcome.VIOLATION, S.VIOLATION: Outcome.VIOLATION,
        S.RECTIFIED: Outcome.VIOLATION, S.EXPLAINED: Outcome.SUSPICIOUS}


@pytest.mark.parametrize("state", list(S))
def test_approval_block(state) -> None:
    cleared = state in (S.NORMAL, S.RECTIFIED)
    # red: blocked until cleared, whatever explanation
    assert (approval_block(Level.RED, state, explanation="x", attachment_count=3) is None) is cleared
    # yellow: cleared, explained through the EXPLAIN transition, or explanation + attachment
    passes = cleared or state is S.EXPLAINED
    assert (approval_block(Level.YELLOW, state) is None) is passes
    assert approval_block(Level.YELLOW, state, explanation="说明", attachment_count=1) is None
    assert (approval_block(Level.YELLOW, state, explanation="说明") is None) is passes
    assert (approval_block(Level.YELLOW, state, attachment_count=1) is None) is passes
    # blue never blocks
    assert approval_block(Level.BLUE, state) is None and is_cleared(Level.BLUE, state)


def test_disposition_needs_aware_time() -> None:
    with pytest.raises(ValueError):
        dispose(Disposition(Level.BLUE), A.MARK_NORMAL, side=Side.BUREAU, by="b",
                at=datetime(2026, 1, 1))


@settings(max_examples=200, deadline=None)
@given(level=st.sampled_from(list(Level)),
       steps=st.lists(st.tuples(st.sampled_from(list(A)), st.sampled_from(list(Side)),
                                st.booleans()), max_size=12))
def test_disposition_random_walk(level, steps) -> None:
    d = Disposition(level)
    applied = 0
    for action, side, with_attachment in steps:
        before = d.state
        try:
            d = dispose(d, action, side=side, by="x", at=WORK, note="n",
                        attachments=("a",) if with_attachment else ())
        except DispositionError:
            assert d.state == before
            continue
        applied += 1
        assert TRANSITIONS[(before, action)] == (d.state, side)
    assert len(d.history) == applied
    if d.state in (S.NORMAL, S.RECTIFIED):
        assert allowed_actions(d.state) == () and d.cleared


def test_unit_explains_a_yellow_warning_then_the_bureau_rules() -> None:
    d = Disposition(Level.YELLOW)
    with pytest.raises(DispositionError) as e:  # a note and an attachment are both required
        dispose(d, A.EXPLAIN, side=Side.UNIT, by="u", at=WORK, note=" ", attachments=("a",))
    assert e.value.code == "note_required"
    with pytest.raises(DispositionError) as e:
        dispose(d, A.EXPLAIN, side=Side.UNIT, by="u", at=WORK, note="系合同约定")
    assert e.value.code == "attachment_required" and "附件" in e.value.message
    with pytest.raises(DispositionError) as e:  # the bureau does not explain for the unit
        dispose(d, A.EXPLAIN, side=Side.BUREAU, by="b", at=WORK, note="x", attachments=("a",))
    assert e.value.code == "wrong_side"
    d = dispose(d, A.EXPLAIN, side=Side.UNIT, by="u", at=WORK, note="系合同约定", attachments=("a",))
    assert d.state is S.EXPLAINED and not d.cleared and d.outcome is Outcome.SUSPICIOUS
    assert approval_block(Level.YELLOW, d.state) is None  # the reviewer may approve now
    d = dispose(d, A.EXPLAIN, side=Side.UNIT, by="u", at=WORK + timedelta(hours=1), note="补充",
                attachments=("b",))
    assert d.state is S.EXPLAINED and [s.action for s in d.history] == [A.EXPLAIN, A.EXPLAIN]
    d = dispose(d, A.REQUEST_VERIFY, side=Side.BUREAU, by="b", at=WORK, note="请提供合同原件")
    assert d.state is S.VERIFYING and approval_block(Level.YELLOW, d.state) is not None


@pytest.mark.parametrize("level, code", [(Level.RED, "level_not_explainable"),
                                         (Level.BLUE, "level_not_explainable")])
def test_explanation_is_for_yellow_warnings_only(level, code) -> None:
    with pytest.raises(DispositionError) as e:
        dispose(Disposition(level), A.EXPLAIN, side=Side.UNIT, by="u", at=WORK, note="说明",
                attachments=("a",))
    assert e.value.code == code and "不能以书面说明解除" in e.value.message


# --------------------------------------------------------------------------- indexed history


_SH = timezone(timedelta(hours=8))


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(["U1", "U2"]), st.sampled_from(["甲公司", "乙 公司", "丙（个人）"]),
                          st.sampled_from(["6222-0001", "62220001", "6222 0002", ""]),
                          st.integers(0, 60 * 24 * 40), st.booleans()), max_size=40),
       st.integers(0, 60 * 24 * 40), st.sets(st.integers(0, 39)))
def test_payment_history_answers_what_a_scan_of_the_history_answers(rows, floor_min, dropped):
    """The indexes give exactly the payments a full scan with the rules' old filters gives,
    also after payments are dropped and through a view bounded in time."""
    from fiscal.warnings import _local, _norm_account, _norm_name

    base = datetime(2026, 3, 1, tzinfo=_SH)
    pays = [PastPayment(f"p{i}", unit, name, acct, 100 + i, base + timedelta(minutes=m), cash)
            for i, (unit, name, acct, m, cash) in enumerate(rows)]
    history = PaymentHistory(pays)
    for i in dropped:
        history.discard(f"p{i}")
    kept = [p for p in pays if int(p.id[1:]) not in dropped]
    floor = base + timedelta(minutes=floor_min)
    view = history.since(floor)
    visible = [p for p in kept if p.at >= floor]
    assert sorted(p.id for p in view) == sorted(p.id for p in visible) and len(view) == len(visible)
    for p in pays:
        day, when = _local(p.at).date(), _local(p.at)
        assert {x.id for x in view.on_day(p.unit_code, day)} == {
            x.id for x in visible if x.unit_code == p.unit_code and _local(x.at).date() == day}
        assert {x.id for x in view.to_payee(p.unit_code, p.payee_account, p.payee_name)} == {
            x.id for x in visible if x.unit_code == p.unit_code and (
                _norm_account(x.payee_account) == _norm_account(p.payee_account)
                or _norm_name(x.payee_name) == _norm_name(p.payee_name))}
        assert {x.id for x in history.cash_in_month(p.unit_code, when.year, when.month)} == {
            x.id for x in kept if x.cash and x.unit_code == p.unit_code
            and (_local(x.at).year, _local(x.at).month) == (when.year, when.month)}


def test_payment_history_replaces_by_id_and_a_view_is_read_only():
    at = datetime(2026, 3, 2, 10, tzinfo=_SH)
    history = PaymentHistory([PastPayment("a", "U1", "甲公司", "1", 100, at)])
    history.add(PastPayment("a", "U1", "乙公司", "2", 200, at + timedelta(days=1)))
    assert history.on_day("U1", at.date()) == [] and len(history) == 1
    assert [p.amount_fen for p in history.to_payee("U1", "2", "x")] == [200]
    with pytest.raises(TypeError):
        history.since(at).add(PastPayment("b", "U1", "甲公司", "1", 1, at))


def test_rules_read_a_kept_history_like_a_tuple():
    """The server passes an indexed history it keeps up to date; a tuple gives the same hits."""
    cat = load_warning_rules()
    now = datetime(2026, 3, 3, 15, tzinfo=_SH)
    past = tuple(PastPayment(f"h{i}", "U1", "某某文具有限公司", "6222021234567890123", 48_000_00,
                             now - timedelta(hours=i + 1)) for i in range(3))
    app = PaymentFacts(id="new", region_code="330700", unit_code="U1", amount_fen=48_000_00,
                       payee_name="某某文具有限公司", payee_account="6222-0212-3456-7890-123",
                       submitted_at=now)
    by_tuple = evaluate(app, MonitorContext(now=now, recent_payments=past), cat)
    by_index = evaluate(app, MonitorContext(now=now, recent_payments=PaymentHistory(past)), cat)
    assert [h.rule_id for h in by_tuple] == [h.rule_id for h in by_index]
    assert "split_payment" in {h.rule_id for h in by_index}
    assert [h.message for h in by_tuple] == [h.message for h in by_index]
