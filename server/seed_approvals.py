"""Demo data for issue 4 (called after :func:`server.seed.seed_demo`): the 第一中学 集体决策
committee (3 members, 2 needed), bank accounts / 三公 budgets / staff lists for 动态监控, and
applications submitted through the real services, so that they follow the default rule set
(≥ 3 tiers) and raise warnings of all three levels (红: cash over the limit, a transfer to the
unit's own 基本户; 黄: 福利 in the purpose, 劳务费 to a member of staff, the day's total; 蓝:
drafted on a Sunday night, a dormant account in the batch)."""
from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from sqlalchemy.orm import Session

from fiscal.ids import resident_id_check_char
from fiscal.schemas.applications import ApplicationDraft
from server.errors import ApiError
from server.models import Application, User, utcnow
from server.services import applications as apps
from server.services import approvals, monitoring
from server.services.org import Principal

UNIT = "101002"
NS = uuid.UUID("5b0f3a1e-6c1d-4c53-9d2b-1f2a3b4c5d6e")
COMMITTEE = ("fz101002", "wy101002a", "wy101002b")
BASIC_101002 = "33050161123500000018"   # 第一中学 基本户 (实有资金账户)


def _id(first17: str) -> str:
    return first17 + resident_id_check_char(first17)


# unit, account, kind, name, idle days (None = no movement recorded)
ACCOUNTS = [
    ("101001", "19555101040000101", "zero_balance", "金华市教育局机关零余额账户", 1),
    ("101001", "33050161123500000001", "basic", "金华市教育局机关", 3),
    ("101002", "19555101040000102", "zero_balance", "金华市第一中学零余额账户", 1),
    ("101002", BASIC_101002, "basic", "金华市第一中学", 5),
    ("101003", "19555101040000103", "zero_balance", "金华市实验小学零余额账户", 120),
    ("101003", "33050161123500000026", "general", "金华市实验小学", 200),
]
STAFF = {"101002": [("王丽华", _id("33070219800312002")), ("陈建国", _id("33070219750921003"))],
         "101003": [("李晓燕", _id("33070219880105004"))]}
SANGONG = {"101002": {"outbound": 0, "reception": 3_000_000, "vehicle_operation": 8_000_000,
                      "vehicle_purchase": 0}}


def seed_monitoring_data(session: Session) -> Principal:
    """Accounts, 三公 budgets and staff lists through the admin services (audited)."""
    admin = session.query(User).filter_by(username="admin").one()
    p = Principal(user=admin, unit_ids=None, device_id="seed")
    now = utcnow()
    by_unit: dict[str, list[dict]] = {}
    for unit, no, kind, name, idle in ACCOUNTS:
        by_unit.setdefault(unit, []).append({
            "account_no": no, "kind": kind, "account_name": name, "bank_name": "中国农业银行金华分行",
            "last_activity_at": None if idle is None else now - timedelta(days=idle)})
    for unit, items in by_unit.items():
        monitoring.put_accounts(session, principal=p, unit_code=unit, items=items)
    for unit, people in STAFF.items():
        monitoring.put_staff(session, principal=p, unit_code=unit,
                             items=[{"name": n, "id_number": i} for n, i in people])
    return p


def seed_committee(session: Session) -> None:
    admin = session.query(User).filter_by(username="admin").one()
    p = Principal(user=admin, unit_ids=None, device_id="seed")
    for username in COMMITTEE:
        approvals.add_committee_member(session, principal=p, username=username, target=UNIT)


def _principal(session: Session, username: str) -> Principal:
    user = session.query(User).filter_by(username=username).one()
    return Principal(user=user, unit_ids=frozenset({user.unit_id}), device_id="seed")


def _try_decide(session: Session, username: str, app: Application, comment: str) -> bool:
    """A warning raised on the seeding day (off hours, year end …) may block a decision: the
    demo is still complete, it just shows that step as pending."""
    try:
        with session.begin_nested():
            approvals.decide(session, principal=_principal(session, username), app_id=app.id,
                             kind="approve", expected_version=app.version, comment=comment)
        return True
    except ApiError:
        return False


PDF = (b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\n% jincai demo: "
       + "运维服务合同（备案）".encode() + b"\ntrailer<<>>\n%%EOF\n")


def _explain_yellow(session: Session, app: Application, settings, note: str) -> None:
    """The unit explains the yellow warnings of ``app`` in writing with an attachment (the
    ``explain`` transition), which lets the reviewer approve."""
    import hashlib

    from server.services import attachments
    maker = _principal(session, f"jb{UNIT}")
    sha = hashlib.sha256(PDF).hexdigest()
    attachments.put_whole(session, settings, principal=maker, sha256=sha, data=PDF)
    for w in monitoring.for_application(session, app.id):
        if w.level == 2 and w.state == "raised":
            monitoring.explain(session, principal=maker, warning_id=w.id, note=note,
                               attachments=[sha])


def seed_applications(session: Session, *, fiscal_year: int, settings=None) -> list[str]:
    if settings is None:
        from server.settings import get_settings
        settings = get_settings()
    seed_committee(session)
    seed_monitoring_data(session)
    admin = _principal(session, "admin")
    admin = Principal(user=admin.user, unit_ids=None, device_id="seed")
    for unit, budgets in SANGONG.items():
        monitoring.put_sangong(session, principal=admin, unit_code=unit, year=fiscal_year,
                               items=[{"category": c, "budget_fen": b} for c, b in budgets.items()])
    p = _principal(session, f"jb{UNIT}")
    ind = {i: f"DEMO{fiscal_year}{i:04d}" for i in (5, 6, 7, 8, 10)}
    sunday_night = datetime(fiscal_year, 3, 8, 15, 30, tzinfo=UTC)  # 23:30 北京时间
    demo = [
        # key, maker, indicator, yuan, payee, account, purpose, settlement, created_at, extra
        # first, so that the day's total does not yet exceed ¥500,000 (no yellow on it):
        ("committee", p, ind[7], 500_000, "浙江某科技有限公司", "6222021234567890777",
         "智慧教室设备采购首付款", "1", None, {"contract_no": "JHCG-2026-0001"}),
        ("yellow", p, ind[6], 8_000, "金华市某某百货有限公司", "6222021234567890123",
         "教师节慰问品（职工福利）", "1", None, {}),
        ("red", p, ind[6], 60_000, "金华市某某建材经营部", "6222021234567890123",
         "零星维修材料款（现金支付）", "现金", None, {}),
        ("blue", p, ind[5], 3_000, "金华市某某印刷有限公司", "6222021234567890123",
         "印刷期末试卷", "1", sunday_night, {}),
        ("tiers", p, ind[6], 60_000, "浙江某某信息技术有限公司", "6222021234567890123",
         "校园网络运维服务费", "1", None, {}),
        ("own_account", p, ind[5], 20_000, "金华市第一中学", BASIC_101002,
         "划转食堂周转金", "1", None, {}),
        ("staff_fee", _principal(session, "jb101003"), ind[10], 1_500, "王丽华",
         "6228481234567890123", "课后服务劳务费", "1", None, {"payee_is_personal": True}),
    ]
    done = []
    for key, maker, ind_id, yuan, payee, account, use, mode, created, extra in demo:
        app_id = uuid.uuid5(NS, f"{fiscal_year}:{key}")
        data = ApplicationDraft(indicator_id=ind_id, amount_fen=yuan * 100, payee_name=payee,
                                payee_account=account, payee_bank="中国工商银行金华分行",
                                use_des=use, settlement_mode=mode, **extra)
        app, _ = apps.save_draft(session, principal=maker, app_id=app_id, data=data)
        if created is not None:
            app.created_at = created
        session.flush()
        apps.submit(session, principal=maker, app_id=app_id)
        session.flush()
        done.append(app.app_no)
    # ¥500,000: 会计审核 → 财务负责人 → 单位负责人 → 集体决策 (1 of the 2 votes needed so far)
    big = session.get(Application, uuid.uuid5(NS, f"{fiscal_year}:committee"))
    for username, comment in (("kj101002", "指标、合同、附件审核无误"), ("cw101002", "同意"),
                              ("fz101002", "同意，提交班子会议"), ("wy101002a", "班子会议同意")):
        if not _try_decide(session, username, big, comment):
            break
    # ¥60,000 on its way: 会计审核 has approved, 财务负责人 is next
    tiers = session.get(Application, uuid.uuid5(NS, f"{fiscal_year}:tiers"))
    _explain_yellow(session, tiers, settings, "系合同约定的年度运维费，合同已备案（见附件）。")
    _try_decide(session, "kj101002", tiers, "指标、科目、附件审核无误")
    # the scheduled batch: the 实验小学's accounts have been idle for months (蓝)
    monitoring.run_scheduled(session)
    session.flush()
    seed_payments(session, fiscal_year=fiscal_year, settings=settings)
    return done


# key, yuan, payee, account, purpose — small amounts (one 会计审核 + 财务负责人 round), distinct
# payees (no 拆分支付 warning), all on the 培训费 indicator of the 第一中学
PAYMENTS = [
    ("pay_sent", 3_200, "金华市某某教育咨询有限公司", "6222021234567890201", "班主任能力提升培训费"),
    ("pay_paid", 4_800, "浙江某某职业培训学校", "6222021234567890202", "教师信息技术应用能力培训费"),
    ("pay_bounced", 2_600, "金华市某某会务服务有限公司", "6222021234567890203", "新教师岗前培训场地费"),
    ("pay_refunded", 5_500, "杭州某某教育科技有限公司", "6222021234567890204", "心理健康教育专题培训费"),
    ("pay_waiting", 1_800, "金华市某某文化传播有限公司", "6222021234567890205", "培训资料印制费"),
]


def _approved_chain(session: Session, app: Application) -> bool:
    from fiscal.approval import ChainStatus
    from server.models import ApplicationApproval
    rec = session.get(ApplicationApproval, app.id)
    return rec is not None and rec.status == ChainStatus.APPROVED.value


def seed_payments(session: Session, *, fiscal_year: int, settings) -> dict[str, str]:
    """Payment execution for the 支付 screen: approved applications with vouchers — one sent to
    the bank in a batch and waiting for its 回单, one paid, one bounced (退票), one paid and
    refunded (退款) — and one approved application still waiting for its voucher. Every step
    goes through the real services. A step refused on the seeding day (a warning the day's
    figures raise, say) leaves that application where it stopped: the seed never fails on it."""
    from server.services import payment_files as files
    from server.services import payments as pay
    from server.services.org import scope_for

    maker = _principal(session, f"jb{UNIT}")
    gk_user = session.query(User).filter_by(username="gk").one()
    gk = Principal(user=gk_user, unit_ids=scope_for(session, gk_user), device_id="seed")
    indicator = f"DEMO{fiscal_year}0005"
    vouchers: dict[str, int] = {}
    for key, yuan, payee, account, use in PAYMENTS:
        app_id = uuid.uuid5(NS, f"{fiscal_year}:{key}")
        try:
            with session.begin_nested():
                data = ApplicationDraft(indicator_id=indicator, amount_fen=yuan * 100,
                                        payee_name=payee, payee_account=account,
                                        payee_bank="中国工商银行金华分行", use_des=use,
                                        settlement_mode="1")
                apps.save_draft(session, principal=maker, app_id=app_id, data=data)
                session.flush()
                apps.submit(session, principal=maker, app_id=app_id)
                session.flush()
        except ApiError:
            continue
        app = session.get(Application, app_id)
        # the day's total of the unit may raise a yellow warning: the unit explains it in writing
        _explain_yellow(session, app, settings, "系年度培训计划内的培训支出，计划已备案（见附件）。")
        for username in ("kj101002", "cw101002", "fz101002"):
            if _approved_chain(session, app):
                break
            _try_decide(session, username, app, "同意")
        if not _approved_chain(session, app) or key == "pay_waiting":
            continue
        try:
            with session.begin_nested():
                vouchers[key] = pay.issue(session, principal=gk, app_id=app_id).id
        except ApiError:
            continue
    out: dict[str, str] = {}
    if not vouchers:
        return out
    try:
        with session.begin_nested():
            batch = files.export(session, principal=gk, fmt="xml",
                                 request_id=f"demo-seed-{fiscal_year}-batch-1")
            out["batch"] = batch.batch_no
    except ApiError:
        return out
    steps = (("pay_paid", True), ("pay_bounced", False), ("pay_refunded", True))
    for n, (key, success) in enumerate(steps, 1):
        if key not in vouchers:
            continue
        try:
            with session.begin_nested():
                v = pay.write_back(session, principal=gk, voucher_id=vouchers[key],
                                   success=success, amount_fen=None,
                                   bank_serial=f"DEMO{fiscal_year}ICBC{n:06d}", paid_at=None,
                                   actual_payee=None)
                if key == "pay_refunded":
                    pay.refund(session, principal=gk, voucher_id=v.id, amount_fen=v.paid_amount,
                               reason="收款人账户信息有误，款项由银行退回")
                out[key] = v.voucher_no
        except ApiError:
            continue
    # the bank's 回单 file also carried a line for a voucher this system never issued: it is
    # recorded, not matched by guesswork, and shows in the reconciliation (回单无凭证)
    unknown = f"PZ{fiscal_year}330700000{99_999_999:08d}"
    line = f"{unknown},1500.00,{fiscal_year}-11-20,DEMO{fiscal_year}ICBC999999,某某物业管理有限公司,成功"
    try:
        with session.begin_nested():
            files.import_writeback(
                session, principal=gk, file_name=f"回单-{fiscal_year}-demo.csv",
                data=("支付凭证号,实际支付金额,实际支付日期,银行交易流水号,实际收款人全称,支付状态\r\n"
                      + line + "\r\n").encode())
            out["unmatched"] = unknown
    except ApiError:
        pass
    session.flush()
    return out
