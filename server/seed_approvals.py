"""Demo applications for issue 4 (called by :func:`server.seed.seed_demo`): submitted through the
real services, so they follow the default rule set (≥ 3 tiers) and raise warnings of all three
levels (红: cash over the limit; 黄: 福利 in the purpose; 蓝: drafted on a Sunday night)."""
from __future__ import annotations

import uuid
from datetime import UTC, datetime

from sqlalchemy.orm import Session

from fiscal.schemas.applications import ApplicationDraft
from server.models import Application, User
from server.services import applications as apps
from server.services import approvals
from server.services.org import Principal

UNIT = "101002"
NS = uuid.UUID("5b0f3a1e-6c1d-4c53-9d2b-1f2a3b4c5d6e")


def seed_applications(session: Session, *, fiscal_year: int) -> list[str]:
    from server.services.org import unit_by_code
    unit = unit_by_code(session, UNIT)
    maker = session.query(User).filter_by(username=f"jb{UNIT}").one()
    reviewer = session.query(User).filter_by(username=f"kj{UNIT}").one()
    p = Principal(user=maker, unit_ids=frozenset({unit.id}), device_id="seed")
    ind = {i: f"DEMO{fiscal_year}{i:04d}" for i in (5, 6, 8)}
    sunday_night = datetime(fiscal_year, 3, 8, 15, 30, tzinfo=UTC)  # 23:30 北京时间
    demo = [
        # key, indicator, yuan, payee, purpose, settlement, created_at
        ("yellow", ind[6], 8_000, "金华市某某百货有限公司", "教师节慰问品（职工福利）", "1", None),
        ("red", ind[6], 60_000, "金华市某某建材经营部", "零星维修材料款（现金支付）", "现金", None),
        ("blue", ind[5], 3_000, "金华市某某印刷有限公司", "印刷期末试卷", "1", sunday_night),
        ("tiers", ind[6], 60_000, "浙江某某信息技术有限公司", "校园网络运维服务费", "1", None),
    ]
    done = []
    for key, ind_id, yuan, payee, use, mode, created in demo:
        app_id = uuid.uuid5(NS, f"{fiscal_year}:{key}")
        data = ApplicationDraft(indicator_id=ind_id, amount_fen=yuan * 100, payee_name=payee,
                                payee_account="6222021234567890123",
                                payee_bank="中国工商银行金华分行", use_des=use,
                                settlement_mode=mode)
        app, _ = apps.save_draft(session, principal=p, app_id=app_id, data=data)
        if created is not None:
            app.created_at = created
        session.flush()
        apps.submit(session, principal=p, app_id=app_id)
        session.flush()
        done.append(app.app_no)
    # the large one is on its way: 会计审核 has approved, 财务负责人 is next
    reviewer_p = Principal(user=reviewer, unit_ids=frozenset({unit.id}), device_id="seed")
    big = session.get(Application, uuid.uuid5(NS, f"{fiscal_year}:tiers"))
    for w in approvals.monitoring.for_application(session, big.id):
        if w.level == 2:  # the unit explains yellow hits so that the reviewer may approve
            w.explanation = "系合同约定的年度运维费，合同已备案。"
    from server.errors import ApiError
    try:  # a warning raised on the seeding day may block it: the demo is still complete
        with session.begin_nested():
            approvals.decide(session, principal=reviewer_p, app_id=big.id, kind="approve",
                             expected_version=big.version, comment="指标、科目、附件审核无误")
    except ApiError:
        pass
    session.flush()
    return done
