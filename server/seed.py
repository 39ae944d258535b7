"""Demo data: one 区划, several departments and units, indicators across functional and economic
codes, a contract, and a user for every role (random passwords, printed once)."""
from __future__ import annotations

import secrets
import string

from sqlalchemy.orm import Session

from fiscal.schemas.indicators import IndicatorUpsert
from server import chain
from server.errors import ApiError
from server.models import Contract, Region, User
from server.services import indicators as inds
from server.services import org
from server.services.org import Principal

REGION = ("330700000", "金华市本级")
DEPARTMENTS = [("101", "金华市教育局"), ("102", "金华市卫生健康委员会"), ("103", "金华市农业农村局")]
UNITS = [
    # code, name, department, type, uscc
    ("101001", "金华市教育局机关", "101", "行政", "11330700002565428X"),
    ("101002", "金华市第一中学", "101", "事业", "12330700471769613F"),
    ("101003", "金华市实验小学", "101", "事业", None),
    ("102001", "金华市卫生健康委员会机关", "102", "行政", None),
    ("102002", "金华市疾病预防控制中心", "102", "事业", None),
    ("103001", "金华市农业农村局机关", "103", "行政", None),
]
# unit, func code, dep eco (None = open), amount yuan, procurement, project
INDICATORS = [
    ("101001", "2050101", "30201", 300_000, False, None),
    ("101001", "2050101", "30211", 120_000, False, None),
    ("101001", "2050101", "30101", 2_400_000, False, None),
    ("101001", "2050102", None, 500_000, False, "教育信息化专项"),
    ("101002", "2050204", "30216", 80_000, False, None),
    ("101002", "2050204", "30201", 150_000, False, None),
    ("101002", "2050204", "31002", 900_000, True, "智慧教室设备采购"),
    ("101002", "2050204", "30102", 3_600_000, False, None),
    ("101003", "2050202", "30201", 90_000, False, None),
    ("101003", "2050202", "30226", 60_000, False, "课后服务"),
    ("102001", "2100101", "30201", 200_000, False, None),
    ("102001", "2100101", "30215", 50_000, False, None),
    ("102002", "2100401", "30218", 400_000, False, "疾病监测"),
    ("102002", "2100401", None, 1_000_000, False, "基本公共卫生服务"),
    ("103001", "2130101", "30201", 180_000, False, None),
    ("103001", "2130101", "30211", 100_000, False, None),
]


def _password(username: str) -> str:
    """A random password the server's own rule accepts (a short username such as ``gk`` turns
    up inside a random one now and then: seeding failed by chance)."""
    from server.security import password_problem
    alphabet = string.ascii_letters + string.digits
    while True:
        pw = "".join(secrets.choice(alphabet) for _ in range(14))
        if password_problem(pw, username=username) is None:
            return pw


def seed_demo(session: Session, *, fiscal_year: int = 2026) -> list[dict]:
    if session.get(Region, REGION[0]) is not None:
        raise ApiError(409, "demo_exists", "演示数据已存在（区划 330700000）。如需重建请使用新的数据库。")
    org.ensure_region(session, *REGION)
    for code, name in DEPARTMENTS:
        org.create_department(session, code=code, name=name, region_code=REGION[0])
    for code, name, dept, utype, uscc in UNITS:
        org.create_unit(session, code=code, name=name, department_code=dept, unit_type=utype,
                        uscc=uscc)
    users: list[dict] = []

    def add(username: str, role: str, unit: str | None = None, oversees: list[str] | None = None,
            display: str | None = None) -> User:
        pw = _password(username)
        u = org.create_user(session, username=username, password=pw, role=role, unit_code=unit,
                            oversees=oversees, display_name=display)
        users.append({"username": username, "password": pw, "role": role, "unit": unit or "",
                      "oversees": ",".join(oversees or [])})
        return u

    admin = add("admin", "admin", display="系统管理员")
    for code, name, *_ in UNITS:
        add(f"jb{code}", "accountant", code, display=f"{name}经办人")
    add("cw101002", "unit_finance_head", "101002", display="第一中学财务负责人")
    add("fz101002", "unit_head", "101002", display="第一中学校长")
    add("kj101002", "accountant", "101002", display="第一中学会计（审核）")
    # 第一中学领导班子集体决策 (with fz101002; seats in server.seed_approvals)
    add("wy101002a", "unit_head", "101002", display="第一中学党委书记")
    add("wy101002b", "unit_head", "101002", display="第一中学副校长")
    add("ywc_jy", "bureau_division", oversees=["101"], display="教科文处")
    add("ywc_sw", "bureau_division", oversees=["102", "103"], display="社保/农业处")
    add("gk", "treasury", oversees=[d[0] for d in DEPARTMENTS], display="国库支付中心")
    session.flush()
    principal = Principal(user=admin, unit_ids=None, device_id="seed")
    items = []
    for i, (unit, func, eco, yuan, pur, project) in enumerate(INDICATORS, 1):
        items.append(IndicatorUpsert(
            id=f"DEMO{fiscal_year}{i:04d}", fiscal_year=fiscal_year, unit_code=unit,
            func_code=func, dep_eco_code=eco, fund_type_code="1",
            source_type_code="1", bgt_type_code="2" if project else "1",
            pro_code=f"33070026{i:06d}" if project else None, pro_name=project,
            doc_no=f"金财预〔{fiscal_year}〕{i}号", doc_title=f"关于下达{fiscal_year}年部门预算指标的通知",
            is_gov_procurement=pur, executable=True, amount_fen=yuan * 100))
    inds.upsert_many(session, principal=principal, items=items)
    unit = org.unit_by_code(session, "101002")
    session.add(Contract(unit_id=unit.id, contract_no="JHCG-2026-0001", name="智慧教室设备采购合同",
                         amount=850_000 * 100, supplier="浙江某科技有限公司"))
    chain.audit(session, actor=chain.SYSTEM, action="contract.register", entity_type="contract",
                entity_id="JHCG-2026-0001", unit_id=unit.id,
                after={"contract_no": "JHCG-2026-0001", "amount": 850_000 * 100})
    session.flush()
    return users
