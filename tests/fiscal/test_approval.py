"""Approval routing and separation of duties (fiscal.approval)."""
from __future__ import annotations

import itertools
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fiscal.approval import (
    ROLE_ORDER,
    Actor,
    ApplicationParties,
    ApprovalChain,
    ChainState,
    ChainStatus,
    Condition,
    Decision,
    DecisionError,
    DecisionKind,
    Delegation,
    PaymentTerms,
    Role,
    RoleGrant,
    RoutingError,
    RoutingFacts,
    RuleSet,
    Scope,
    SpendingKind,
    StepSpec,
    apply_decision,
    changed_terms,
    check_can_decide,
    current_step,
    decide,
    effective_approver,
    load_rule_sets,
    needs_restart,
    parse_rule_sets,
    restart_chain,
    route,
    select_rule_set,
    step_tally,
)

REGION = "330700000"
UNIT = "101001"
DIVISION = "JJK"  # overseeing bureau division
NOW = datetime(2026, 3, 10, 2, 0, tzinfo=UTC)  # 10:00 Beijing time

YUAN = 100
T2 = 50_000 * YUAN    # ¥50,000
T3 = 500_000 * YUAN   # ¥500,000

A, FH, UH, CM, BD, TR = (Role.ACCOUNTANT, Role.UNIT_FINANCE_HEAD, Role.UNIT_HEAD, Role.COMMITTEE,
                         Role.BUREAU_DIVISION, Role.TREASURY)


@pytest.fixture(scope="module")
def default_set() -> RuleSet:
    return select_rule_set(load_rule_sets(), REGION, UNIT, NOW)


def app_parties(**kw) -> ApplicationParties:
    base = {"application_id": "app-1", "region_code": REGION, "unit_code": UNIT,
            "created_by": "clerk", "last_edited_by": "clerk", "overseeing_division": DIVISION,
            "version": 3}
    base.update(kw)
    return ApplicationParties(**base)


def grant_for(role: Role) -> RoleGrant:
    scope = {BD: Scope.OVERSEEING_BUREAU_DIVISION, TR: Scope.TREASURY}.get(role, Scope.OWN_UNIT)
    target = {Scope.OWN_UNIT: UNIT, Scope.OVERSEEING_BUREAU_DIVISION: DIVISION,
              Scope.TREASURY: REGION}[scope]
    return RoleGrant(role, scope, target)


def people() -> dict[str, Actor]:
    """One holder per role, plus three committee members."""
    out = {r.value: Actor(r.value, (grant_for(r),)) for r in Role if r is not CM}
    for i in range(1, 4):
        out[f"cm{i}"] = Actor(f"cm{i}", (grant_for(CM),))
    out["clerk"] = Actor("clerk", ())
    return out


def expected_roles(amount: int, fund_type: str) -> tuple[Role, ...]:
    """Independent oracle for the default rule set without cash/special/三公 flags."""
    roles = [A, FH]
    if amount >= T2:
        roles += [UH]
    if amount >= T3:
        roles += [CM]
    if amount >= T2:
        roles += [BD]
    if amount >= T3 and fund_type != "6":
        roles += [TR]
    return tuple(roles)


AMOUNTS = [1, T2 - 1, T2, T2 + 1, T3 - 1, T3, T3 + 1, 10**13]
FUND_TYPES = ["1", "2", "3", "4", "5", "6"]


# --------------------------------------------------------------------------- the default data


def test_default_rule_set_loads_and_has_three_tiers(default_set: RuleSet) -> None:
    assert default_set.id == "default" and default_set.region == "*"
    lengths = {len(route(RoutingFacts(a, "1"), default_set).steps) for a in (1, T2, T3)}
    assert lengths == {2, 4, 6}


def test_date_only_effective_from_means_shanghai_midnight(default_set: RuleSet) -> None:
    assert default_set.effective_from == datetime(2024, 12, 31, 16, 0, tzinfo=UTC)


@pytest.mark.parametrize(("amount", "fund_type"), list(itertools.product(AMOUNTS, FUND_TYPES)))
def test_matrix_amount_bands_by_fund_type(default_set: RuleSet, amount: int,
                                          fund_type: str) -> None:
    chain = route(RoutingFacts(amount, fund_type, "30201", SpendingKind.BASIC), default_set)
    assert chain.roles == expected_roles(amount, fund_type)
    assert [s.index for s in chain.steps] == list(range(len(chain.steps)))
    for s in chain.steps:
        if s.role is CM:
            assert (s.required, s.pool) == (2, 3)
        else:
            assert (s.required, s.pool) == (1, 1)


@pytest.mark.parametrize(("amount", "fund_type"),
                         [(a, f) for a in (1, T2, T3) for f in ("1", "6")])
def test_matrix_roles_only_the_step_role_may_decide(default_set: RuleSet, amount: int,
                                                    fund_type: str) -> None:
    """Walk every chain of the matrix: at each step each role holder is allowed exactly when
    they hold the step's role, and the chain ends approved."""
    chain = route(RoutingFacts(amount, fund_type), default_set)
    state = ChainState(chain, application_version=3)
    app = app_parties()
    crowd = people()
    committee_used = 0
    while (step := current_step(state)) is not None:
        for name, actor in crowd.items():
            refusals = check_can_decide(state, actor, app, at=NOW)
            codes = {r.code for r in refusals}
            holds = any(g.role is step.role for g in actor.grants)
            if name == "clerk":
                assert "creator" in codes
            elif holds and not any(d.actor_id == name for d in state.decisions):
                assert refusals == (), (name, step)
            elif not holds:
                assert "role_mismatch" in codes, (name, step, codes)
        if step.role is CM:
            committee_used += 1
            who = crowd[f"cm{committee_used}"]
        else:
            who = crowd[step.role.value]
        state = decide(state, who, app, kind=DecisionKind.APPROVE, at=NOW, seen_version=3)
    assert state.status is ChainStatus.APPROVED
    assert committee_used == (2 if CM in chain.roles else 0)


def test_cash_adds_bureau_division(default_set: RuleSet) -> None:
    small = route(RoutingFacts(100 * YUAN, "1", cash=True), default_set)
    assert small.roles == (A, FH, BD)
    assert "cash" in small.matched_rules
    # the same step is not added twice when the amount tier adds it as well
    mid = route(RoutingFacts(T2, "1", cash=True), default_set)
    assert mid.roles == (A, FH, UH, BD)


def test_special_project_money_adds_committee_bureau_and_treasury(default_set: RuleSet) -> None:
    chain = route(RoutingFacts(1_000 * YUAN, "1", spending_kind=SpendingKind.PROJECT,
                               special_fund=True), default_set)
    assert chain.roles == (A, FH, CM, BD, TR)
    # special flag on basic spending does not match the rule (spending_kinds = project)
    basic = route(RoutingFacts(1_000 * YUAN, "1", spending_kind=SpendingKind.BASIC,
                               special_fund=True), default_set)
    assert basic.roles == (A, FH)


@pytest.mark.parametrize("code", ["30212", "3021201", "30217", "30231", "31013", "30913"])
def test_sangong_economic_prefixes_add_unit_head(default_set: RuleSet, code: str) -> None:
    assert route(RoutingFacts(100, "1", code), default_set).roles == (A, FH, UH)


@pytest.mark.parametrize("code", ["30201", "3021", None, ""])
def test_other_economic_codes_do_not_add_unit_head(default_set: RuleSet, code) -> None:
    assert route(RoutingFacts(100, "1", code), default_set).roles == (A, FH)


# --------------------------------------------------------------------------- conditions


def make_set(rules: list[dict], **kw) -> RuleSet:
    data = {"id": "t", "version": 1, "region": REGION, "effective_from": "2025-01-01",
            "rules": rules}
    data.update(kw)
    return RuleSet.model_validate(data)


BASE = {"id": "base", "when": {}, "steps": [{"role": "accountant"}]}


@pytest.mark.parametrize(("when", "facts", "hit"), [
    ({"amount_min_fen": 100}, RoutingFacts(99), False),
    ({"amount_min_fen": 100}, RoutingFacts(100), True),
    ({"amount_max_fen": 100}, RoutingFacts(99), True),
    ({"amount_max_fen": 100}, RoutingFacts(100), False),
    ({"fund_types": ["2", "5"]}, RoutingFacts(1, "5"), True),
    ({"fund_types": ["2", "5"]}, RoutingFacts(1, "1"), False),
    ({"fund_types": ["2"]}, RoutingFacts(1, None), False),
    ({"economic_prefixes": ["302"]}, RoutingFacts(1, dep_eco_code="30201"), True),
    ({"economic_prefixes": ["302"]}, RoutingFacts(1, dep_eco_code="30101"), False),
    ({"spending_kinds": ["project"]}, RoutingFacts(1, spending_kind=SpendingKind.PROJECT), True),
    ({"spending_kinds": ["project"]}, RoutingFacts(1, spending_kind=SpendingKind.BASIC), False),
    ({"spending_kinds": ["basic"]}, RoutingFacts(1), False),
    ({"cash": True}, RoutingFacts(1, cash=True), True),
    ({"cash": False}, RoutingFacts(1, cash=True), False),
    ({"personal_payee": True}, RoutingFacts(1, personal_payee=True), True),
    ({"personal_payee": True}, RoutingFacts(1), False),
    ({"special_fund": True}, RoutingFacts(1, special_fund=True), True),
    ({"any_of": [{"cash": True}, {"amount_min_fen": 10}]}, RoutingFacts(10), True),
    ({"any_of": [{"cash": True}, {"amount_min_fen": 10}]}, RoutingFacts(9, cash=True), True),
    ({"any_of": [{"cash": True}, {"amount_min_fen": 10}]}, RoutingFacts(9), False),
])
def test_conditions(when: dict, facts: RoutingFacts, hit: bool) -> None:
    rs = make_set([BASE, {"id": "x", "when": when, "steps": [{"role": "unit_head"}]}])
    assert (UH in route(facts, rs).roles) is hit
    assert Condition.model_validate(when).matches(facts) is hit


def test_final_rule_stops_evaluation_and_steps_merge_with_stricter_quorum() -> None:
    rs = make_set([
        BASE,
        {"id": "c1", "when": {}, "steps": [{"role": "committee", "required": 2, "pool": 3}]},
        {"id": "c2", "when": {"amount_min_fen": 10}, "final": True,
         "steps": [{"role": "committee", "required": 3, "pool": 5}]},
        {"id": "never", "when": {}, "steps": [{"role": "treasury"}]},
    ])
    small = route(RoutingFacts(1), rs)
    assert small.roles == (A, CM, TR) and small.steps[1].required == 2
    big = route(RoutingFacts(10), rs)
    assert big.roles == (A, CM) and (big.steps[1].required, big.steps[1].pool) == (3, 5)
    assert big.matched_rules == ("base", "c1", "c2")


def test_route_without_matching_steps_is_an_error() -> None:
    rs = make_set([{"id": "only_big", "when": {"amount_min_fen": 100},
                    "steps": [{"role": "accountant"}]}])
    with pytest.raises(RoutingError) as e:
        route(RoutingFacts(1), rs)
    assert e.value.code == "no_route"


@pytest.mark.parametrize("bad", [
    {"rules": []},
    {"rules": [BASE, BASE]},
    {"rules": [{"id": "x", "steps": [{"role": "committee", "required": 3, "pool": 2}]}]},
    {"rules": [{"id": "x", "steps": [{"role": "accountant", "scope": "treasury"}]}]},
    {"rules": [{"id": "x", "steps": [{"role": "treasury", "scope": "own_unit"}]}]},
    {"rules": [{"id": "x", "steps": [{"role": "cashier"}]}]},
    {"rules": [{"id": "x", "steps": []}]},
    {"rules": [{"id": "x", "when": {"amount_min_fen": 5, "amount_max_fen": 5},
                "steps": [{"role": "accountant"}]}]},
    {"rules": [{"id": "x", "when": {"amout_min_fen": 5}, "steps": [{"role": "accountant"}]}]},
    {"effective_from": "2025-01-01T00:00:00"},
])
def test_invalid_rule_sets_are_refused(bad: dict) -> None:
    data = {"id": "t", "version": 1, "region": REGION, "effective_from": "2025-01-01",
            "rules": [BASE]}
    data.update(bad)
    with pytest.raises(RoutingError) as e:
        parse_rule_sets({"format": "jincai.approval-rules/1", "rule_sets": [data]})
    assert e.value.code == "invalid_rules"


def test_wrong_file_format_is_refused() -> None:
    with pytest.raises(RoutingError):
        parse_rule_sets('{"format": "other/1", "rule_sets": []}')


def test_default_scope_comes_from_the_role() -> None:
    assert StepSpec(role=Role.BUREAU_DIVISION).scope is Scope.OVERSEEING_BUREAU_DIVISION
    assert StepSpec(role=Role.TREASURY).scope is Scope.TREASURY
    assert StepSpec(role=Role.COMMITTEE, scope=Scope.TREASURY).scope is Scope.TREASURY


# --------------------------------------------------------------------------- selection


def versions() -> list[RuleSet]:
    one = {"id": "base", "when": {}, "steps": [{"role": "accountant"}]}
    return [
        make_set([one], id="default-v1", region="*", version=1, effective_from="2025-01-01"),
        make_set([one], id="default-v2", region="*", version=2, effective_from="2026-01-01"),
        make_set([one], id="region-v1", version=1, effective_from="2026-02-01"),
        make_set([one], id="region-v2", version=2, effective_from="2026-06-01"),
        make_set([one], id="unit-v1", unit=UNIT, version=1, effective_from="2026-04-01"),
        make_set([one], id="other", region="110000000", version=9, effective_from="2020-01-01"),
    ]


def shanghai_midnight(y: int, m: int, d: int) -> datetime:
    return datetime(y, m, d, tzinfo=UTC) - timedelta(hours=8)


@pytest.mark.parametrize(("region", "unit", "at", "expected"), [
    (REGION, UNIT, shanghai_midnight(2025, 6, 1), "default-v1"),
    (REGION, UNIT, shanghai_midnight(2026, 1, 1) - timedelta(microseconds=1), "default-v1"),
    (REGION, UNIT, shanghai_midnight(2026, 1, 1), "default-v2"),
    (REGION, UNIT, shanghai_midnight(2026, 2, 1), "region-v1"),
    (REGION, UNIT, shanghai_midnight(2026, 4, 1) - timedelta(seconds=1), "region-v1"),
    (REGION, UNIT, shanghai_midnight(2026, 4, 1), "unit-v1"),
    (REGION, UNIT, shanghai_midnight(2026, 7, 1), "unit-v1"),       # unit beats newer region
    (REGION, "999", shanghai_midnight(2026, 7, 1), "region-v2"),
    (REGION, None, shanghai_midnight(2026, 5, 1), "region-v1"),
    ("440300000", UNIT, shanghai_midnight(2026, 7, 1), "default-v2"),
    ("110000000", None, shanghai_midnight(2021, 1, 1), "other"),
])
def test_select_rule_set_version_in_force(region, unit, at, expected) -> None:
    assert select_rule_set(versions(), region, unit, at).id == expected


def test_select_rule_set_same_moment_highest_version_wins() -> None:
    one = {"id": "base", "when": {}, "steps": [{"role": "accountant"}]}
    sets = [make_set([one], id="a", version=1), make_set([one], id="b", version=2)]
    assert select_rule_set(sets, REGION, None, NOW).id == "b"


def test_select_rule_set_none_in_force() -> None:
    with pytest.raises(RoutingError) as e:
        select_rule_set(versions(), REGION, UNIT, shanghai_midnight(2024, 1, 1))
    assert e.value.code == "no_rule_set"
    assert "没有生效的审批规则" in e.value.message


def test_select_rule_set_needs_aware_time() -> None:
    with pytest.raises(ValueError):
        select_rule_set(versions(), REGION, UNIT, datetime(2026, 1, 1))


def test_application_keeps_its_submission_version() -> None:
    """Judged by the version in force at submission, even after a newer one starts."""
    sets = versions()
    submitted = shanghai_midnight(2026, 3, 1)
    chosen = select_rule_set(sets, REGION, "999", submitted)
    assert chosen.id == "region-v1"
    assert select_rule_set(sets, REGION, "999", shanghai_midnight(2026, 7, 1)).id == "region-v2"
    chain = route(RoutingFacts(1), chosen)
    assert (chain.rule_set_id, chain.rule_set_version) == ("region-v1", 1)


# --------------------------------------------------------------------------- SoD refusals


@pytest.fixture
def mid_chain(default_set: RuleSet) -> ChainState:
    """¥50,000 chain: accountant → finance head → unit head → bureau division."""
    return ChainState(route(RoutingFacts(T2, "1"), default_set), application_version=3)


def codes(state, actor, app=None, **kw) -> set[str]:
    return {r.code for r in check_can_decide(state, actor, app or app_parties(),
                                             at=kw.pop("at", NOW), **kw)}


def approve(state: ChainState, actor: Actor, app=None, at=NOW) -> ChainState:
    return decide(state, actor, app or app_parties(), kind=DecisionKind.APPROVE, at=at)


def test_allowed_decision_has_no_refusal(mid_chain: ChainState) -> None:
    assert codes(mid_chain, people()["accountant"]) == set()


def test_refusal_creator(mid_chain: ChainState) -> None:
    creator = Actor("clerk", (grant_for(A),))
    assert codes(mid_chain, creator) == {"creator"}


def test_refusal_last_editor(mid_chain: ChainState) -> None:
    editor = Actor("ed", (grant_for(A),))
    assert codes(mid_chain, editor, app_parties(last_edited_by="ed")) == {"editor"}


def test_refusal_any_earlier_editor(mid_chain: ChainState) -> None:
    editor = Actor("ed", (grant_for(A),))
    assert codes(mid_chain, editor, app_parties(editors=frozenset({"ed", "x"}))) == {"editor"}


@pytest.mark.parametrize("kind", list(DecisionKind))
def test_creator_may_not_return_or_reject_either(mid_chain: ChainState, kind) -> None:
    assert "creator" in codes(mid_chain, Actor("clerk", (grant_for(A),)), kind=kind)


def test_refusal_one_person_two_steps(mid_chain: ChainState) -> None:
    both = Actor("both", (grant_for(A), grant_for(FH)))
    state = approve(mid_chain, both)
    assert codes(state, both) == {"already_approved_other_step"}
    msg = check_can_decide(state, both, app_parties(), at=NOW)[0].message
    assert "会计审核" in msg


def test_refusal_vote_twice_on_committee_step(default_set: RuleSet) -> None:
    state = ChainState(route(RoutingFacts(T3, "1"), default_set), application_version=3)
    crowd = people()
    for r in ("accountant", "unit_finance_head", "unit_head"):
        state = approve(state, crowd[r])
    assert current_step(state).role is CM
    state = approve(state, crowd["cm1"])
    assert codes(state, crowd["cm1"]) == {"already_decided_step"}
    assert codes(state, crowd["cm2"]) == set()


def test_refusal_role_mismatch(mid_chain: ChainState) -> None:
    assert codes(mid_chain, people()["unit_head"]) == {"role_mismatch"}
    assert codes(mid_chain, Actor("nobody")) == {"role_mismatch"}


@pytest.mark.parametrize("grant", [
    RoleGrant(A, Scope.OWN_UNIT, "other-unit"),
])
def test_refusal_scope_mismatch_own_unit(mid_chain: ChainState, grant) -> None:
    assert codes(mid_chain, Actor("x", (grant,))) == {"scope_mismatch"}


def walk_to(state: ChainState, role: Role) -> ChainState:
    crowd = people()
    while current_step(state).role is not role:
        state = approve(state, crowd[current_step(state).role.value])
    return state


def test_refusal_scope_mismatch_bureau_division(mid_chain: ChainState) -> None:
    state = walk_to(mid_chain, BD)
    other_div = Actor("bd2", (RoleGrant(BD, Scope.OVERSEEING_BUREAU_DIVISION, "OTHER"),))
    assert codes(state, other_div) == {"scope_mismatch"}
    # no overseeing division recorded on the application: nobody can match
    assert codes(state, people()["bureau_division"], app_parties(overseeing_division=None)) == {
        "scope_mismatch"}


def test_refusal_scope_mismatch_treasury(default_set: RuleSet) -> None:
    state = walk_to(ChainState(route(RoutingFacts(T2, "1", cash=True, special_fund=True,
                                                  spending_kind=SpendingKind.PROJECT),
                                     default_set), application_version=3), CM)
    crowd = people()
    state = approve(approve(state, crowd["cm1"]), crowd["cm2"])
    state = approve(state, crowd["bureau_division"])
    assert current_step(state).role is TR
    other = Actor("tr2", (RoleGrant(TR, Scope.TREASURY, "110000000"),))
    assert codes(state, other) == {"scope_mismatch"}
    assert codes(state, crowd["treasury"]) == set()


def fh_delegation(delegate: str = "deputy", **kw) -> Delegation:
    base = {"delegator": "fh", "delegate": delegate, "grant": grant_for(FH),
            "valid_from": NOW - timedelta(days=1), "expires_at": NOW + timedelta(days=1)}
    base.update(kw)
    return Delegation(**base)


def at_finance_head(mid_chain: ChainState) -> ChainState:
    return approve(mid_chain, people()["accountant"])


def test_delegation_in_force_allows_and_reports_principal(mid_chain: ChainState) -> None:
    state = at_finance_head(mid_chain)
    deputy = Actor("deputy", delegations=(fh_delegation(),))
    assert codes(state, deputy) == set()
    auth = effective_approver(deputy, current_step(state), app_parties(), NOW)
    assert auth is not None and auth.on_behalf_of == "fh"
    state = approve(state, deputy)
    assert state.decisions[-1].on_behalf_of == "fh"


def test_refusal_delegation_expired_exactly_at_expiry(mid_chain: ChainState) -> None:
    state = at_finance_head(mid_chain)
    d = fh_delegation(expires_at=NOW)
    deputy = Actor("deputy", delegations=(d,))
    assert codes(state, deputy) == {"delegation_expired"}
    assert codes(state, deputy, at=NOW - timedelta(seconds=1)) == set()


def test_refusal_delegation_not_started(mid_chain: ChainState) -> None:
    state = at_finance_head(mid_chain)
    deputy = Actor("deputy", delegations=(fh_delegation(valid_from=NOW + timedelta(hours=1)),))
    assert codes(state, deputy) == {"delegation_not_started"}


def test_refusal_delegation_revoked(mid_chain: ChainState) -> None:
    state = at_finance_head(mid_chain)
    deputy = Actor("deputy", delegations=(fh_delegation(revoked=True),))
    assert codes(state, deputy) == {"delegation_revoked"}


def test_delegation_for_another_role_is_role_mismatch(mid_chain: ChainState) -> None:
    state = at_finance_head(mid_chain)
    d = fh_delegation(grant=grant_for(UH))
    assert codes(state, Actor("deputy", delegations=(d,))) == {"role_mismatch"}


def test_delegation_cannot_be_used_by_someone_else(mid_chain: ChainState) -> None:
    state = at_finance_head(mid_chain)
    assert codes(state, Actor("stranger", delegations=(fh_delegation(),))) == {"role_mismatch"}


def test_refusal_delegator_is_creator(mid_chain: ChainState) -> None:
    state = at_finance_head(mid_chain)
    deputy = Actor("deputy", delegations=(fh_delegation(),))
    assert codes(state, deputy, app_parties(created_by="fh")) == {"creator"}


def test_refusal_delegate_already_approved_other_step(mid_chain: ChainState) -> None:
    """The accountant who approved step 1 cannot approve step 2 as the finance head's deputy."""
    state = at_finance_head(mid_chain)
    acc = Actor("accountant", (grant_for(A),), delegations=(fh_delegation("accountant"),))
    assert codes(state, acc) == {"already_approved_other_step"}


def test_refusal_delegator_already_approved_other_step(mid_chain: ChainState) -> None:
    """The finance head approved step 2; their deputy for the unit head cannot do step 3."""
    state = approve(at_finance_head(mid_chain), people()["unit_finance_head"])
    d = Delegation("unit_finance_head", "deputy", grant_for(UH), NOW - timedelta(days=1),
                   NOW + timedelta(days=1))
    assert codes(state, Actor("deputy", delegations=(d,))) == {"already_approved_other_step"}


@pytest.mark.parametrize("kind", [DecisionKind.REJECT, DecisionKind.RETURN])
def test_refusal_chain_closed_after_reject_or_return(mid_chain: ChainState, kind) -> None:
    state = decide(mid_chain, people()["accountant"], app_parties(), kind=kind, at=NOW)
    assert state.status is (ChainStatus.REJECTED if kind is DecisionKind.REJECT
                            else ChainStatus.RETURNED)
    assert codes(state, people()["unit_finance_head"]) == {"chain_closed"}


def test_refusal_chain_closed_after_approval(default_set: RuleSet) -> None:
    state = ChainState(route(RoutingFacts(1, "1"), default_set))
    state = approve(approve(state, people()["accountant"]), people()["unit_finance_head"])
    assert state.status is ChainStatus.APPROVED
    assert codes(state, people()["unit_head"]) == {"chain_closed"}


def test_refusal_stale_version(mid_chain: ChainState) -> None:
    acc = people()["accountant"]
    assert codes(mid_chain, acc, seen_version=2) == {"stale_version"}
    assert codes(mid_chain, acc, seen_version=3) == set()
    msg = check_can_decide(mid_chain, acc, app_parties(), at=NOW, seen_version=2)[0].message
    assert "第 2 版" in msg and "第 3 版" in msg


def test_several_refusals_are_all_reported(mid_chain: ChainState) -> None:
    creator_without_role = Actor("clerk")
    assert codes(mid_chain, creator_without_role, seen_version=0) == {
        "creator", "role_mismatch", "stale_version"}


def test_naive_time_is_refused(mid_chain: ChainState) -> None:
    with pytest.raises(ValueError):
        check_can_decide(mid_chain, people()["accountant"], app_parties(),
                         at=datetime(2026, 1, 1))


def test_decide_raises_with_all_refusals(mid_chain: ChainState) -> None:
    with pytest.raises(DecisionError) as e:
        decide(mid_chain, Actor("clerk"), app_parties(), kind=DecisionKind.APPROVE, at=NOW)
    assert e.value.code == "creator"
    assert {r.code for r in e.value.refusals} == {"creator", "role_mismatch"}


# --------------------------------------------------------------------------- chain mechanics


def test_committee_two_of_three(default_set: RuleSet) -> None:
    state = walk_to(ChainState(route(RoutingFacts(T3, "1"), default_set)), CM)
    crowd = people()
    idx = current_step(state).index
    state = decide(state, crowd["cm1"], app_parties(), kind=DecisionKind.REJECT, at=NOW)
    assert state.status is ChainStatus.IN_PROGRESS and step_tally(state, idx) == (0, 1)
    state = approve(state, crowd["cm2"])
    assert current_step(state).role is CM
    state = approve(state, crowd["cm3"])
    assert step_tally(state, idx) == (2, 1)
    assert current_step(state).role is BD


def test_committee_two_rejections_reject(default_set: RuleSet) -> None:
    state = walk_to(ChainState(route(RoutingFacts(T3, "1"), default_set)), CM)
    crowd = people()
    for who in ("cm1", "cm2"):
        state = decide(state, crowd[who], app_parties(), kind=DecisionKind.REJECT, at=NOW)
    assert state.status is ChainStatus.REJECTED


def test_apply_decision_checks_step_and_state(mid_chain: ChainState) -> None:
    with pytest.raises(DecisionError) as e:
        apply_decision(mid_chain, Decision(1, "x", DecisionKind.APPROVE, NOW))
    assert e.value.code == "wrong_step"
    closed = apply_decision(mid_chain, Decision(0, "x", DecisionKind.REJECT, NOW))
    with pytest.raises(DecisionError) as e:
        apply_decision(closed, Decision(0, "y", DecisionKind.APPROVE, NOW))
    assert e.value.code == "chain_closed"
    assert closed.decisions[0].role is A and closed.decisions[0].round == 1


def test_chain_round_trips_through_dict(default_set: RuleSet) -> None:
    chain = route(RoutingFacts(T3, "1", cash=True), default_set)
    assert ApprovalChain.from_dict(chain.to_dict()) == chain
    assert "领导班子集体决策（3人中2人同意）" in chain.describe()


def test_routing_facts_from_application_fields() -> None:
    f = RoutingFacts.from_application(amount_fen=5, fund_type="1", bgt_type="2",
                                      settlement_mode="2", payee_is_personal=True)
    assert f.spending_kind is SpendingKind.PROJECT and f.cash and f.personal_payee
    f = RoutingFacts.from_application(amount_fen=5, bgt_type="基本支出", settlement_mode="现金")
    assert f.spending_kind is SpendingKind.BASIC and f.cash
    f = RoutingFacts.from_application(amount_fen=5, bgt_type="X", settlement_mode="1",
                                      bgt_type_names={"X": "项目支出"},
                                      cash_settlement_modes={"9"})
    assert f.spending_kind is SpendingKind.PROJECT and not f.cash


# --------------------------------------------------------------------------- restarts


TERMS = PaymentTerms(1_000_000, "某某科技有限公司", "6222 0000 1111 2222", "工商银行")


@pytest.mark.parametrize(("new", "changed"), [
    (TERMS, ()),
    (replace(TERMS, payee_account="6222-0000-1111-2222"), ()),
    (replace(TERMS, payee_name=" 某某科技有限公司 "), ()),
    (replace(TERMS, amount_fen=1_000_001), ("amount_fen",)),
    (replace(TERMS, payee_name="另一家公司"), ("payee_name",)),
    (replace(TERMS, payee_account="6222000011112223"), ("payee_account",)),
    (replace(TERMS, payee_bank="建设银行"), ("payee_bank",)),
])
def test_changed_terms(new: PaymentTerms, changed: tuple) -> None:
    assert changed_terms(TERMS, new) == changed


def test_needs_restart_only_after_an_approval(mid_chain: ChainState) -> None:
    new = replace(TERMS, amount_fen=TERMS.amount_fen + 1)
    assert needs_restart(TERMS, new, mid_chain) is False
    approved_once = at_finance_head(mid_chain)
    assert needs_restart(TERMS, new, approved_once) is True
    assert needs_restart(TERMS, TERMS, approved_once) is False
    assert needs_restart(TERMS, replace(TERMS, payee_name="X"), approved_once) is True
    assert needs_restart(TERMS, new) is True  # without state an approval is assumed
    returned = decide(approved_once, people()["unit_finance_head"], app_parties(),
                      kind=DecisionKind.RETURN, at=NOW)
    assert needs_restart(TERMS, new, returned) is True


def test_restart_opens_a_new_round(mid_chain: ChainState) -> None:
    crowd = people()
    state = approve(at_finance_head(mid_chain), crowd["unit_finance_head"])
    restarted = restart_chain(state, application_version=4)
    assert restarted.round == 2 and restarted.application_version == 4
    assert current_step(restarted).index == 0 and not restarted.any_approval
    assert len(restarted.decisions) == 2  # history kept
    # the same accountant may approve the same role again after the restart …
    assert codes(restarted, crowd["accountant"], app_parties(version=4)) == set()
    # … but someone who approved as finance head in round 1 may not take the accountant step
    both = Actor("unit_finance_head", (grant_for(A), grant_for(FH)))
    assert codes(restarted, both, app_parties(version=4)) == {"already_approved_other_step"}
    assert codes(restarted, crowd["accountant"], app_parties(version=4), seen_version=3) == {
        "stale_version"}


# --------------------------------------------------------------------------- properties


facts_strategy = st.builds(
    RoutingFacts,
    amount_fen=st.integers(min_value=1, max_value=10**14 - 1),
    fund_type=st.sampled_from(FUND_TYPES + [None]),
    dep_eco_code=st.sampled_from([None, "30201", "30212", "30217", "31013", "30101", "30226"]),
    spending_kind=st.sampled_from([None, SpendingKind.BASIC, SpendingKind.PROJECT]),
    special_fund=st.booleans(), cash=st.booleans(), personal_payee=st.booleans(),
)


@settings(max_examples=300, deadline=None)
@given(facts=facts_strategy, extra=st.integers(min_value=0, max_value=10**12))
def test_route_properties(default_set: RuleSet, facts: RoutingFacts, extra: int) -> None:
    chain = route(facts, default_set)
    roles = chain.roles
    assert roles[:2] == (A, FH)
    assert list(roles) == sorted(roles, key=ROLE_ORDER.__getitem__)
    assert len({(s.role, s.scope) for s in chain.steps}) == len(chain.steps)
    assert all(1 <= s.required <= s.pool for s in chain.steps)
    assert (BD in roles) >= facts.cash
    # a larger amount never removes a step
    bigger = route(replace(facts, amount_fen=min(facts.amount_fen + extra, 10**14 - 1)),
                   default_set)
    assert set(roles) <= set(bigger.roles)
    assert route(facts, default_set) == chain


@settings(max_examples=150, deadline=None)
@given(facts=facts_strategy, order=st.randoms(use_true_random=False))
def test_no_single_person_can_complete_two_steps(default_set: RuleSet, facts: RoutingFacts,
                                                 order) -> None:
    """Someone holding every role still approves at most one step of the chain."""
    chain = route(facts, default_set)
    boss = Actor("boss", tuple(grant_for(r) for r in Role))
    state = ChainState(chain)
    state = approve(state, boss)
    steps_done = {d.step_index for d in state.decisions}
    assert len(steps_done) == 1
    if current_step(state) is not None and current_step(state).index != 0:
        assert codes(state, boss) == {"already_approved_other_step"}


def test_amount_thresholds_feed_split_payment_rule(default_set: RuleSet) -> None:
    assert default_set.amount_thresholds() == (T2, T3)
    rs = make_set([BASE, {"id": "x", "when": {"any_of": [{"amount_max_fen": 7}, {"cash": True}]},
                          "steps": [{"role": "unit_head"}]}])
    assert rs.amount_thresholds() == (7,)


def test_committee_seat_voted_by_two_delegates_counts_once(default_set: RuleSet) -> None:
    """cm1 delegated the seat to two deputies: the second is refused, and the raw decisions
    (as a server might hold them) count one seat, not two."""
    state = walk_to(ChainState(route(RoutingFacts(T3, "1"), default_set)), CM)
    idx = current_step(state).index
    dels = [Delegation("cm1", d, grant_for(CM), NOW - timedelta(days=1), NOW + timedelta(days=1))
            for d in ("dep1", "dep2")]
    dep1 = Actor("dep1", (), (dels[0],))
    dep2 = Actor("dep2", (), (dels[1],))
    state = approve(state, dep1)
    assert state.decisions[-1].on_behalf_of == "cm1" and step_tally(state, idx) == (1, 0)
    refusals = check_can_decide(state, dep2, app_parties(), at=NOW)
    assert [r.code for r in refusals] == ["already_decided_step"]
    forced = apply_decision(state, Decision(idx, "dep2", DecisionKind.APPROVE, NOW, on_behalf_of="cm1"))
    assert step_tally(forced, idx) == (1, 0) and current_step(forced).role is CM
