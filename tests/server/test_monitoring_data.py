"""The monitoring context on the server (issue 4): unit accounts, 三公 budgets and staff lists are
maintained through the admin API, and every rule of the 三级预警 catalogue has a server test that
fires and one that does not. SQLite and PostgreSQL.

Rules that depend on the moment (off hours, holidays, year end, execution checkpoints) and the
procurement rule that the budget control already refuses at submission are checked through
``monitoring.check`` on a stored application with the moment given; everything else goes
through submissions over HTTP and ``GET /warnings``."""
from __future__ import annotations

import hashlib
import uuid
from datetime import UTC, datetime, timedelta

import pytest

from fiscal import warnings as fw
from fiscal.ids import resident_id_check_char
from tests.server.conftest import draft, indicator, new_id
from tests.server.test_approvals import add_user

STAFF_ID = "33070219800312002" + resident_id_check_char("33070219800312002")
ZB_A1, BASIC_A1, BASIC_A2, BASIC_B1 = ("19555101040000901", "33050161123500000901",
                                       "33050161123500000902", "33050161123500000903")
ZB_C1 = "19555101040000904"


@pytest.fixture(scope="module")
def w(world):
    from server.services import org
    with world.session() as s:
        org.create_unit(s, code="A3", name="单位A3", department_code="DA", unit_type="事业")
        org.create_unit(s, code="C1", name="单位C1", department_code="DB", unit_type="事业")
        s.commit()
    for user, unit in (("acc_a3", "A3"), ("acc_c1", "C1")):
        add_user(world, user, "accountant", unit)
    big = 5_000_000_00
    r = world.api("bur_a").post("/api/v1/indicators/bulk", json={"items": [
        indicator("MD-A1", "A1", big, fund_type_code="1"),
        indicator("MD-LAB", "A1", big, eco="30226", fund_type_code="1"),
        indicator("MD-OFF", "A1", big, eco="30201", fund_type_code="1"),
        indicator("MD-SG", "A1", big, eco="30217", fund_type_code="1"),
        indicator("MD-PUR", "A1", big, eco="31002", fund_type_code="1", is_gov_procurement=True),
        indicator("MD-A3", "A3", big, fund_type_code="1")]})
    assert r.status_code == 200, r.text
    r = world.api("bur_b").post("/api/v1/indicators/bulk", json={"items": [
        indicator("MD-B1", "B1", big, fund_type_code="1"),
        indicator("MD-B1SG", "B1", big, eco="30217", fund_type_code="1"),
        indicator("MD-C1", "C1", big, fund_type_code="1")]})
    assert r.status_code == 200, r.text
    admin = world.api("admin")
    now = datetime.now(UTC)
    for unit, items in {
        "A1": [{"account_no": ZB_A1, "kind": "zero_balance", "account_name": "A1零余额",
                "last_activity_at": (now - timedelta(days=1)).isoformat()},
               {"account_no": BASIC_A1, "kind": "basic", "account_name": "单位A1"}],
        "A2": [{"account_no": BASIC_A2, "kind": "basic", "account_name": "单位A2"}],
        "B1": [{"account_no": BASIC_B1, "kind": "general", "account_name": "单位B1"}],
        "C1": [{"account_no": ZB_C1, "kind": "zero_balance", "account_name": "C1零余额",
                "last_activity_at": (now - timedelta(days=120)).isoformat()}],
    }.items():
        r = admin.put(f"/api/v1/monitoring/units/{unit}/accounts", json={"items": items})
        assert r.status_code == 200, r.text
    r = admin.put("/api/v1/monitoring/units/B1/staff",
                  json={"items": [{"name": "赵 小明", "id_number": STAFF_ID}]})
    assert r.status_code == 200 and r.json()["items"][0]["name"] == "赵小明", r.text
    r = admin.put("/api/v1/monitoring/units/A1/sangong-budgets", json={
        "fiscal_year": 2026, "items": [{"category": "reception", "budget_fen": 10_000_00}]})
    assert r.status_code == 200, r.text
    r = world.api("acc_a1").post("/api/v1/contracts", json={
        "contract_no": "HT-MD-1", "amount_fen": 100_000_00, "supplier": "某某设备有限公司"})
    assert r.status_code == 201, r.text
    return world


def submit(w, ind, amount_fen, *, user="acc_a1", basis: bytes | None = None, **kw):
    api = w.api(user)
    app_id = new_id()
    r = api.put(f"/api/v1/applications/{app_id}", json=draft(ind, amount_fen, **kw))
    assert r.status_code == 201, r.text
    if basis is not None:  # 付款依据 (required by the budget control above ¥50,000 to a person)
        sha = hashlib.sha256(basis).hexdigest()
        r = api.put(f"/api/v1/attachments/{sha}", content=basis,
                    headers={"Content-Type": "application/pdf"})
        assert r.status_code in (200, 201), r.text
        r = api.post(f"/api/v1/applications/{app_id}/attachments", json={"sha256": sha, "role": "basis"})
        assert r.status_code in (200, 201), r.text
    r = api.post(f"/api/v1/applications/{app_id}/submit")
    assert r.status_code == 200, r.text
    return app_id


def hits(w, app_id) -> dict[str, dict]:
    r = w.api("admin").get("/api/v1/warnings", params={"application_id": app_id})
    assert r.status_code == 200, r.text
    return {x["rule_id"]: x for x in r.json()["items"]}


def check_at(w, app_id, when: datetime, **changes) -> set[str]:
    """monitoring.check on the stored application with its moments set to ``when`` (rolled back)."""
    from server.models import Application, Indicator
    from server.services import monitoring
    with w.session() as s:
        app = s.get(Application, uuid.UUID(app_id))
        app.created_at = app.submitted_at = when
        for k, v in changes.items():
            setattr(app, k, v)
        s.flush()
        out = {h.rule_id for h in monitoring.check(s, app, s.get(Indicator, app.indicator_id), now=when)}
        s.rollback()
    return out


def draft_only(w, ind, amount_fen, *, user="acc_a1", **kw):
    app_id = new_id()
    r = w.api(user).put(f"/api/v1/applications/{app_id}", json=draft(ind, amount_fen, **kw))
    assert r.status_code == 201, r.text
    return app_id


# --------------------------------------------------------------------------- one test per rule

def test_every_catalogue_rule_is_covered_here():
    covered = {name.removeprefix("test_rule_").removesuffix("_fires_and_not")
               for name in globals() if name.startswith("test_rule_")}
    assert covered == set(fw.rule_ids()) == {r.id for r in fw.load_warning_rules().rules}


def test_rule_daily_unit_total_fires_and_not(w):
    first = submit(w, "MD-A3", 300_000_00, user="acc_a3", payee_name="甲建设有限公司",
                   payee_account="6222000000000000301")
    assert "daily_unit_total" not in hits(w, first)
    second = submit(w, "MD-A3", 250_000_00, user="acc_a3", payee_name="乙建设有限公司",
                    payee_account="6222000000000000302")
    h = hits(w, second)["daily_unit_total"]
    assert h["level"] == 2 and h["details"]["total_fen"] == 550_000_00


def test_rule_split_payment_fires_and_not(w):
    one = submit(w, "MD-A1", 48_000_00, payee_name="丙咨询有限公司", payee_account="6222000000000000401")
    assert "split_payment" not in hits(w, one)
    two = submit(w, "MD-A1", 49_000_00, payee_name="丙咨询有限公司", payee_account="6222000000000000401")
    h = hits(w, two)["split_payment"]
    assert h["details"]["threshold_fen"] == 50_000_00 and h["details"]["count"] == 2
    other = submit(w, "MD-A1", 48_500_00, payee_name="丁咨询有限公司", payee_account="6222000000000000402")
    assert "split_payment" not in hits(w, other)


def test_rule_personal_payee_large_fires_and_not(w):
    big = submit(w, "MD-LAB", 60_000_00, payee_name="钱一", payee_account="6228480000000000501",
                 payee_is_personal=True, dep_eco_code="30226",
                 basis=b"%PDF-1.4\n% basis for qian yi\n%%EOF\n")
    h = hits(w, big)["personal_payee_large"]
    assert h["level"] == 2 and h["details"]["has_payment_basis"] is True
    small = submit(w, "MD-LAB", 40_000_00, payee_name="钱二", payee_account="6228480000000000502",
                   payee_is_personal=True, dep_eco_code="30226")
    assert "personal_payee_large" not in hits(w, small)


def test_rule_personal_payee_economic_fires_and_not(w):
    bad = submit(w, "MD-A1", 2_000_00, payee_name="孙三", payee_account="6228480000000000601",
                 payee_is_personal=True)
    assert hits(w, bad)["personal_payee_economic"]["details"]["dep_eco_code"] == "30299"
    ok = submit(w, "MD-LAB", 2_000_00, payee_name="孙四", payee_account="6228480000000000602",
                payee_is_personal=True, dep_eco_code="30226")
    assert "personal_payee_economic" not in hits(w, ok)


def test_rule_own_or_related_account_fires_and_not(w):
    own = submit(w, "MD-A1", 3_000_00, payee_name="单位A1", payee_account=BASIC_A1)
    h = hits(w, own)["own_or_related_account"]
    assert h["level"] == 1 and h["details"]["relation"] == "own"
    sibling = submit(w, "MD-A1", 3_100_00, payee_name="单位A2", payee_account=BASIC_A2)
    assert hits(w, sibling)["own_or_related_account"]["details"]["relation"] == "sibling"
    other_dept = submit(w, "MD-A1", 3_200_00, payee_name="单位B1", payee_account=BASIC_B1)
    assert "own_or_related_account" not in hits(w, other_dept)
    # a deactivated account no longer counts
    r = w.api("admin").put("/api/v1/monitoring/units/A2/accounts", json={"items": [
        {"account_no": BASIC_A2, "kind": "basic", "active": False}]})
    assert r.status_code == 200 and r.json()["items"][0]["active"] is False
    again = submit(w, "MD-A1", 3_300_00, payee_name="单位A2", payee_account=BASIC_A2)
    assert "own_or_related_account" not in hits(w, again)


def test_rule_association_payee_fires_and_not(w):
    a = submit(w, "MD-A1", 1_100_00, payee_name="金华市会计学会", payee_account="6222000000000000701")
    assert hits(w, a)["association_payee"]["details"]["keywords"] == ["学会"]
    b = submit(w, "MD-A1", 1_200_00, payee_name="金华市某某文具有限公司", payee_account="6222000000000000702")
    assert "association_payee" not in hits(w, b)


def test_rule_sensitive_purpose_fires_and_not(w):
    a = submit(w, "MD-A1", 1_300_00, use_des="春节职工福利购物卡")
    assert set(hits(w, a)["sensitive_purpose"]["details"]["keywords"]) == {"福利", "购物卡"}
    b = submit(w, "MD-A1", 1_400_00, use_des="购买办公用品")
    assert "sensitive_purpose" not in hits(w, b)


def test_rule_sensitive_payee_fires_and_not(w):
    a = submit(w, "MD-A1", 1_500_00, payee_name="金华某某大酒店", payee_account="6222000000000000801")
    assert hits(w, a)["sensitive_payee"]["details"]["keywords"] == ["酒店"]
    b = submit(w, "MD-A1", 1_600_00, payee_name="金华某某印刷厂", payee_account="6222000000000000802")
    assert "sensitive_payee" not in hits(w, b)


def test_rule_staff_labor_fee_fires_and_not(w):
    # 赵小明 is on B1's staff list: a 劳务费 from A1 to him is 兼职取酬
    a = submit(w, "MD-LAB", 800_00, payee_name="赵小明", payee_account="6228480000000000901",
               payee_is_personal=True, dep_eco_code="30226")
    assert hits(w, a)["staff_labor_fee"]["details"]["matched_by"] == "姓名"
    b = submit(w, "MD-LAB", 900_00, payee_name="周大海", payee_account="6228480000000000902",
               payee_is_personal=True, dep_eco_code="30226")
    assert "staff_labor_fee" not in hits(w, b)
    # once he leaves B1's list (replaced by an empty one), the same payment is silent
    r = w.api("admin").put("/api/v1/monitoring/units/B1/staff", json={"items": []})
    assert r.status_code == 200 and r.json()["total"] == 0
    c = submit(w, "MD-LAB", 950_00, payee_name="赵小明", payee_account="6228480000000000901",
               payee_is_personal=True, dep_eco_code="30226")
    assert "staff_labor_fee" not in hits(w, c)
    r = w.api("admin").put("/api/v1/monitoring/units/B1/staff",
                           json={"items": [{"name": "赵小明", "id_number": STAFF_ID}]})
    assert r.status_code == 200 and r.json()["total"] == 1


def test_rule_official_card_bypass_fires_and_not(w):
    # 办公费 in cash is refused by the budget control already; paid to a person it is an
    # exception there, but the warning still asks why the card was not used
    a = submit(w, "MD-OFF", 500_00, payee_is_personal=True, payee_name="吴五",
               payee_account="6228480000000001001", use_des="报销办公用品", dep_eco_code="30201")
    h = hits(w, a)["official_card_bypass"]
    assert h["details"]["how"] == "转账给个人" and "公务卡强制结算目录" in h["message"]
    b = submit(w, "MD-OFF", 600_00, settlement_mode="3", use_des="购买办公用品", dep_eco_code="30201")
    assert "official_card_bypass" not in hits(w, b)


def test_rule_cash_over_limit_fires_and_not(w):
    a = submit(w, "MD-B1", 60_000_00, user="acc_b1", settlement_mode="现金",
               payee_name="某某五金店", payee_account="6222000000000001001")
    assert hits(w, a)["cash_over_limit"]["level"] == 1
    b = submit(w, "MD-B1", 1_000_00, user="acc_b1", settlement_mode="现金",
               payee_name="某某五金店二", payee_account="6222000000000001002")
    assert "cash_over_limit" not in hits(w, b)


def test_rule_cash_monthly_total_fires_and_not(w):
    # B1 has paid ¥61,000 in cash this month so far (test above)
    a = submit(w, "MD-B1", 100_000_00, user="acc_b1", settlement_mode="现金",
               payee_name="某某劳务队", payee_account="6222000000000001101")
    assert "cash_monthly_total" not in hits(w, a)
    b = submit(w, "MD-B1", 40_000_00, user="acc_b1", settlement_mode="现金",
               payee_name="某某劳务队二", payee_account="6222000000000001102")
    assert hits(w, b)["cash_monthly_total"]["details"]["total_fen"] == 201_000_00


def test_rule_off_hours_fires_and_not(w):
    app_id = draft_only(w, "MD-A1", 1_700_00)
    night = datetime(2026, 3, 11, 15, 30, tzinfo=UTC)    # Wednesday 23:30 北京时间
    day = datetime(2026, 3, 11, 2, 0, tzinfo=UTC)        # Wednesday 10:00
    assert "off_hours" in check_at(w, app_id, night)
    assert "off_hours" not in check_at(w, app_id, day)


def test_rule_non_working_day_fires_and_not(w):
    app_id = draft_only(w, "MD-A1", 1_800_00)
    sunday = datetime(2026, 3, 8, 2, 0, tzinfo=UTC)
    wednesday = datetime(2026, 3, 11, 2, 0, tzinfo=UTC)
    assert "non_working_day" in check_at(w, app_id, sunday)
    assert "non_working_day" not in check_at(w, app_id, wednesday)


def test_rule_year_end_rush_fires_and_not(w):
    app_id = draft_only(w, "MD-A1", 150_000_00)
    dec = datetime(2026, 12, 24, 2, 0, tzinfo=UTC)        # Thursday, within the last 10 days
    assert "year_end_rush" in check_at(w, app_id, dec)
    assert "year_end_rush" not in check_at(w, app_id, dec, amount=50_000_00)
    assert "year_end_rush" not in check_at(w, app_id, datetime(2026, 12, 10, 2, 0, tzinfo=UTC))


def test_rule_low_execution_fires_and_not(w):
    app_id = draft_only(w, "MD-A1", 1_900_00)
    assert "low_execution" in check_at(w, app_id, datetime(2026, 7, 15, 2, 0, tzinfo=UTC))
    assert "low_execution" not in check_at(w, app_id, datetime(2026, 5, 13, 2, 0, tzinfo=UTC))


def test_rule_sangong_overrun_fires_and_not(w):
    # A1: 公务接待 budget ¥10,000
    a = submit(w, "MD-SG", 6_000_00, dep_eco_code="30217", use_des="接待上级检查组工作餐",
               settlement_mode="3")
    assert "sangong_overrun" not in hits(w, a)
    b = submit(w, "MD-SG", 5_000_00, dep_eco_code="30217", use_des="接待兄弟单位考察",
               settlement_mode="3")
    h = hits(w, b)["sangong_overrun"]
    assert h["level"] == 1 and h["details"] == {"category": "reception", "budget_fen": 10_000_00,
                                                 "total_fen": 11_000_00}
    budget = w.api("admin").get("/api/v1/monitoring/units/A1/sangong-budgets",
                                params={"fiscal_year": 2026}).json()
    line = next(x for x in budget["items"] if x["category"] == "reception")
    assert line == {**line, "budget_fen": 10_000_00, "spent_fen": 11_000_00}
    # B1 has no 三公 budget at all: no 公务接待 spending
    c = submit(w, "MD-B1SG", 500_00, user="acc_b1", dep_eco_code="30217", use_des="工作餐",
               settlement_mode="3")
    assert hits(w, c)["sangong_overrun"]["details"]["budget_fen"] == 0


def test_rule_procurement_no_contract_fires_and_not(w):
    # the budget control refuses such a submission outright; the warning still watches the
    # applications (e.g. in the batch after an indicator is flagged), checked here directly
    app_id = draft_only(w, "MD-PUR", 20_000_00, dep_eco_code="31002")
    when = datetime(2026, 3, 11, 2, 0, tzinfo=UTC)
    assert "procurement_no_contract" in check_at(w, app_id, when)
    assert "procurement_no_contract" not in check_at(w, app_id, when, contract_no="HT-MD-1")
    r = w.api("acc_a1").post(f"/api/v1/applications/{app_id}/submit")
    assert r.status_code == 422 and "contract_required" in r.text


def test_rule_procurement_over_contract_fires_and_not(w):
    # HT-MD-1 = ¥100,000 on an indicator without the procurement flag: the warning watches it
    a = submit(w, "MD-A1", 60_000_00, contract_no="HT-MD-1", payee_name="某某设备有限公司",
               payee_account="6222000000000001201")
    assert "procurement_over_contract" not in hits(w, a)
    b = submit(w, "MD-A1", 50_000_00, contract_no="HT-MD-1", payee_name="某某设备有限公司",
               payee_account="6222000000000001201")
    h = hits(w, b)["procurement_over_contract"]
    assert h["details"]["total_fen"] == 110_000_00 and h["details"]["contract_fen"] == 100_000_00


def test_rule_dormant_account_fires_and_not(w):
    from server.services import monitoring
    # C1's 零余额账户 has had no movement for 120 days: its next payment is flagged …
    a = submit(w, "MD-C1", 1_000_00, user="acc_c1")
    h = hits(w, a)["dormant_account"]
    assert h["subject"] == ZB_C1 and h["details"]["idle_days"] >= 119
    # … and the payment itself is a movement: the next one is not
    b = submit(w, "MD-C1", 1_100_00, user="acc_c1")
    assert "dormant_account" not in hits(w, b)
    # A1's account moved yesterday
    c = submit(w, "MD-A1", 2_100_00)
    assert "dormant_account" not in hits(w, c)
    # the scheduled batch: C1's account is idle again 100 days later, A1's is not (its
    # recorded movement is refreshed by the bank statement import)
    later = datetime.now(UTC) + timedelta(days=100)
    r = w.api("admin").put("/api/v1/monitoring/units/A1/accounts", json={"items": [
        {"account_no": ZB_A1, "kind": "zero_balance", "last_activity_at": later.isoformat()}]})
    assert r.status_code == 200
    with w.session() as s:
        new = monitoring.run_scheduled(s, now=later)
        s.commit()
        batch = {(x.rule_id, x.subject) for x in new}
    assert ("dormant_account", ZB_C1) in batch and ("dormant_account", ZB_A1) not in batch


# --------------------------------------------------------------------------- the admin API

def test_monitoring_data_refusals_change_nothing(w):
    admin = w.api("admin")
    before = w.counts()
    cases = [
        ("put", "/api/v1/monitoring/units/A1/accounts",
         {"items": [{"account_no": "12AB", "kind": "basic"}]}, 422, "账号"),
        ("put", "/api/v1/monitoring/units/A1/accounts",
         {"items": [{"account_no": "33050161123500009999", "kind": "savings"}]}, 422, "账户类型"),
        ("put", "/api/v1/monitoring/units/A1/accounts",   # B1's account cannot become A1's
         {"items": [{"account_no": BASIC_B1, "kind": "basic"}]}, 422, "已登记为单位 B1"),
        ("put", "/api/v1/monitoring/units/A1/accounts",   # one good row, one bad: nothing stored
         {"items": [{"account_no": "33050161123500009998", "kind": "basic"},
                    {"account_no": "33050161123500009998", "kind": "basic"}]}, 422, "重复"),
        ("put", "/api/v1/monitoring/units/B1/staff",
         {"items": [{"name": "张三", "id_number": "330702198003120020"}]}, 422, "身份证号"),
        ("put", "/api/v1/monitoring/units/A1/sangong-budgets",
         {"fiscal_year": 2026, "items": [{"category": "gifts", "budget_fen": 1}]}, 422, "三公经费类别"),
        ("put", "/api/v1/monitoring/units/ZZ/staff", {"items": []}, 404, "ZZ"),
    ]
    for method, url, body, status, words in cases:
        r = getattr(admin, method)(url, json=body)
        assert r.status_code == status, (url, r.text)
        assert words in r.json()["message"], r.json()
    # only the admin maintains the data; a unit cannot even read it
    r = w.api("acc_a1").put("/api/v1/monitoring/units/A1/staff", json={"items": []})
    assert r.status_code == 403
    assert w.api("acc_a1").get("/api/v1/monitoring/units/A1/accounts").status_code == 403
    assert w.api("bur_b").get("/api/v1/monitoring/units/A1/accounts").status_code == 404
    assert w.api("bur_a").get("/api/v1/monitoring/units/A1/accounts").status_code == 200
    assert w.counts() == before


def test_monitoring_data_is_audited(w):
    from server.models import AuditEvent
    with w.session() as s:
        acts = {e.action for e in s.query(AuditEvent).filter(AuditEvent.action.like("monitor_data.%"))}
    assert acts == {"monitor_data.accounts", "monitor_data.staff", "monitor_data.sangong"}
