"""Pure budget-control rules (fiscal.rules.budget) shared by client and server."""
from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from fiscal.codes import code_tables
from fiscal.dictionaries import dictionaries
from fiscal.rules import budget as r

T = code_tables(2026)
D = dictionaries()


def ind(**kw) -> r.IndicatorFacts:
    base = {"id": "BGT-1", "fiscal_year": 2026, "region_code": "330700000",
            "unit_code": "101001", "amount": 100_000_00, "func_code": "2050101",
            "dep_eco_code": "30201"}
    base.update(kw)
    return r.IndicatorFacts(**base)


def app(**kw) -> r.ApplicationFacts:
    base = {"fiscal_year": 2026, "region_code": "330700000", "unit_code": "101001",
            "unit_type": "行政", "amount": 1_000_00, "dep_eco_code": "30201", "settlement_mode": "3"}
    base.update(kw)
    return r.ApplicationFacts(**base)


def evaluate(i, a, **kw):
    card = D.official_card
    return r.evaluate_submission(
        i, a, func_table=T.functional, dep_table=T.dep_economic, gov_for_dep=T.gov_for_dep,
        card_codes=tuple(card.economic_codes), card_modes=card.card_settlement_modes,
        mode_names=D.settlement_modes, card_small_amount_fen=card.no_card_acceptance_below_fen,
        cash_only_keywords=card.cash_only_keywords,
        personal_threshold_fen=D.thresholds.personal_payee_basis_fen, **kw)


def codes(vs):
    return [v.code for v in vs]


def test_available_balance_arithmetic():
    assert r.available_balance(amount=1000, frozen=100, reserved=200, paid=300) == 400


def test_exact_fit_passes_and_one_fen_over_fails_with_figures():
    assert r.check_available(amount=10_000, paid=2_000, reserved=3_000, requested=5_000) is None
    v = r.check_available(amount=10_000, paid=2_000, reserved=3_000, requested=5_001)
    assert v.code == "insufficient_balance"
    assert "指标 100.00 − 已支付 20.00 − 在途 30.00 − 本次 50.01 = 差额 -0.01 元" in v.message
    assert v.details["difference"] == -1
    frozen = r.check_available(amount=10_000, paid=0, reserved=0, frozen=9_000, requested=2_000)
    assert "冻结 90.00" in frozen.message


@given(amount=st.integers(0, 10**12), paid=st.integers(0, 10**12), reserved=st.integers(0, 10**12),
       frozen=st.integers(0, 10**12), requested=st.integers(1, 10**12))
def test_check_available_agrees_with_arithmetic(amount, paid, reserved, frozen, requested):
    v = r.check_available(amount=amount, paid=paid, reserved=reserved, frozen=frozen,
                          requested=requested)
    ok = amount - paid - reserved - frozen - requested >= 0
    assert (v is None) == ok


def test_non_positive_amount():
    assert r.check_available(amount=1, paid=0, reserved=0, requested=0).code == "amount_not_positive"


def test_clean_application_passes_everything():
    assert evaluate(ind(), app()) == []


@pytest.mark.parametrize("i,a,code", [
    (ind(executable=False), app(), "indicator_not_executable"),
    (ind(fiscal_year=2025), app(), "indicator_year_mismatch"),
    (ind(region_code="330100000"), app(), "indicator_region_mismatch"),
    (ind(unit_code="101002"), app(), "indicator_unit_mismatch"),
    (ind(), app(func_code="2050102"), "func_code_out_of_scope"),
    (ind(), app(func_code="2059999"), "unknown_func_code"),
    (ind(), app(dep_eco_code="30211"), "dep_eco_code_out_of_scope"),
    (ind(dep_eco_code=None), app(dep_eco_code=None), "dep_eco_code_required"),
    (ind(dep_eco_code="302"), app(dep_eco_code="30299", gov_eco_code="50101", settlement_mode="1"),
     "eco_mapping_mismatch"),
    (ind(), app(settlement_mode="1"), "official_card_required"),
    (ind(is_gov_procurement=True), app(), "contract_required"),
    (ind(dep_eco_code="30226"), app(dep_eco_code="30226", payee_is_personal=True, amount=5_000_001,
                                    settlement_mode="1"), "personal_payee_basis_required"),
    (ind(amount=1_00), app(amount=2_00), "insufficient_balance"),
])
def test_each_rule_fires(i, a, code):
    vs = evaluate(i, a)
    assert code in codes(vs)
    v = next(v for v in vs if v.code == code)
    assert v.message and any("\u4e00" <= ch <= "\u9fff" for ch in v.message)


def test_open_indicator_accepts_any_existing_code_within_table():
    assert evaluate(ind(dep_eco_code=None), app(dep_eco_code="30211")) == []
    assert "unknown_dep_eco_code" in codes(evaluate(ind(dep_eco_code=None), app(dep_eco_code="39998")))


def test_mapping_uses_unit_type():
    # 30102 → 50101 for 行政, 50501 for 事业 (domain.md §3.4)
    i = ind(dep_eco_code="30102")
    assert evaluate(i, app(dep_eco_code="30102", gov_eco_code="50101", settlement_mode="1")) == []
    assert codes(evaluate(i, app(dep_eco_code="30102", gov_eco_code="50101", unit_type="事业",
                                 settlement_mode="1"))) == ["eco_mapping_mismatch"]
    assert evaluate(i, app(dep_eco_code="30102", gov_eco_code="50501", unit_type="事业",
                           settlement_mode="1")) == []


@pytest.mark.parametrize("a", [
    app(settlement_mode="3"),
    app(settlement_mode="公务卡"),
    app(settlement_mode="1", payee_is_personal=True),
    app(settlement_mode="1", unit_level_below_county=True),
    app(settlement_mode="1", card_not_accepted=True, amount=199_99),
    app(settlement_mode="2", use_des="办理签证费"),
])
def test_official_card_exceptions(a):
    assert r.check_official_card(a, card_codes=D.official_card.economic_codes,
                                 card_modes=D.official_card.card_settlement_modes,
                                 cash_only_keywords=D.official_card.cash_only_keywords) is None


def test_official_card_no_acceptance_only_below_200():
    v = r.check_official_card(app(settlement_mode="1", card_not_accepted=True, amount=200_00),
                              card_codes=D.official_card.economic_codes,
                              mode_names=D.settlement_modes)
    assert v.code == "official_card_required" and "转账" in v.message


def test_procurement_contract_amount():
    i = ind(is_gov_procurement=True)
    a = app(contract_no="C-1", amount=300_00)
    assert r.check_procurement(i, a, contract_amount=1_000_00, contract_paid=700_00) is None
    v = r.check_procurement(i, a, contract_amount=1_000_00, contract_paid=700_01)
    assert v.code == "contract_exceeded" and "差额 -0.01" in v.message


def test_personal_threshold_is_exclusive_and_basis_unlocks():
    assert r.check_personal_payee(app(payee_is_personal=True, amount=5_000_000)) is None
    assert r.check_personal_payee(app(payee_is_personal=True, amount=5_000_001)).code == \
        "personal_payee_basis_required"
    assert r.check_personal_payee(app(payee_is_personal=True, amount=5_000_001,
                                      has_basis_attachment=True)) is None


def test_violation_as_dict():
    v = r.check_available(amount=1, paid=0, reserved=0, requested=2)
    d = v.as_dict()
    assert d["code"] == "insufficient_balance" and d["field"] == "amount"
