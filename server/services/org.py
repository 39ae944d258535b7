"""Organisation, users and the caller's scope."""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from fiscal.schemas.auth import BUREAU_ROLES, ROLE_NAMES, ROLES, UNIT_ROLES
from server import chain
from server.errors import ApiError, forbidden
from server.models import Application, Contract, Department, Region, Unit, User, UserScope
from server.security import hash_password, password_problem


@dataclass(frozen=True)
class Principal:
    user: User
    unit_ids: frozenset[int] | None  # None = every unit (admin)
    device_id: str | None = None
    session_id: str | None = None

    @property
    def actor(self) -> chain.Actor:
        return chain.Actor(self.user.id, self.user.username, self.device_id)

    @property
    def role(self) -> str:
        return self.user.role

    def sees(self, unit_id: int) -> bool:
        return self.unit_ids is None or unit_id in self.unit_ids

    def require_role(self, *roles: str) -> None:
        if self.user.role not in roles:
            names = "、".join(ROLE_NAMES.get(r, r) for r in roles)
            raise forbidden(f"此操作仅限{names}执行，当前角色为{ROLE_NAMES.get(self.role, self.role)}。",
                            "role_forbidden")


def scope_for(session: Session, user: User) -> frozenset[int] | None:
    if user.role == "admin":
        return None
    if user.role in UNIT_ROLES:
        return frozenset({user.unit_id}) if user.unit_id is not None else frozenset()
    ids: set[int] = set()
    dept_ids = [s.department_id for s in user.scopes if s.department_id is not None]
    ids.update(s.unit_id for s in user.scopes if s.unit_id is not None)
    if dept_ids:
        ids.update(session.execute(select(Unit.id).where(Unit.department_id.in_(dept_ids)))
                   .scalars())
    return frozenset(ids)


def unit_by_code(session: Session, code: str) -> Unit | None:
    return session.execute(select(Unit).where(Unit.code == code)).scalar_one_or_none()


def visible_unit(session: Session, principal: Principal, code: str) -> Unit:
    unit = unit_by_code(session, code)
    if unit is None or not principal.sees(unit.id):
        raise ApiError(404, "unit_not_found", f"单位 {code} 不存在或不在您的管辖范围内。",
                       {"unit_code": code})
    return unit


def oversees_codes(session: Session, user: User) -> list[str]:
    out: list[str] = []
    for s in user.scopes:
        if s.department_id is not None:
            d = session.get(Department, s.department_id)
            if d:
                out.append(d.code)
        elif s.unit_id is not None:
            u = session.get(Unit, s.unit_id)
            if u:
                out.append(u.code)
    return out


def user_public(session: Session, user: User) -> dict:
    return {"id": user.id, "username": user.username, "display_name": user.display_name,
            "role": user.role, "unit_code": user.unit.code if user.unit else None,
            "is_active": user.is_active, "oversees": oversees_codes(session, user)}


def create_user(session: Session, *, username: str, password: str, role: str,
                unit_code: str | None = None, display_name: str | None = None,
                oversees: list[str] | None = None, actor: chain.Actor = chain.SYSTEM,
                check_password: bool = True) -> User:
    if role not in ROLES:
        raise ApiError(422, "unknown_role", f"未知角色 {role}，可选：{', '.join(ROLES)}。")
    if session.execute(select(User.id).where(User.username == username)).first():
        raise ApiError(409, "username_taken", f"用户名 {username} 已存在。")
    unit = None
    if role in UNIT_ROLES:
        if not unit_code:
            raise ApiError(422, "unit_required", f"角色 {ROLE_NAMES[role]} 必须绑定一个单位（--unit）。")
        unit = unit_by_code(session, unit_code)
        if unit is None:
            raise ApiError(422, "unit_not_found", f"单位 {unit_code} 不存在。")
    elif unit_code:
        raise ApiError(422, "unit_not_allowed", f"角色 {ROLE_NAMES[role]} 不绑定单位，请改用管辖范围。")
    if check_password and (p := password_problem(password, username=username)):
        raise ApiError(422, "weak_password", p)
    user = User(username=username, password_hash=hash_password(password), role=role,
                unit_id=unit.id if unit else None, display_name=display_name)
    session.add(user)
    session.flush()
    for code in oversees or []:
        if role not in BUREAU_ROLES:
            raise ApiError(422, "scope_not_allowed", "只有业务处室和国库支付中心用户可以设置管辖范围。")
        dept = session.execute(select(Department).where(Department.code == code)).scalar_one_or_none()
        if dept is not None:
            session.add(UserScope(user_id=user.id, department_id=dept.id))
            continue
        u = unit_by_code(session, code)
        if u is None:
            raise ApiError(422, "scope_not_found", f"管辖范围 {code} 既不是部门也不是单位。")
        session.add(UserScope(user_id=user.id, unit_id=u.id))
    session.flush()
    session.refresh(user)
    chain.audit(session, actor=actor, action="user.create", entity_type="user",
                entity_id=user.id, unit_id=user.unit_id,
                after={"username": username, "role": role, "unit": unit_code,
                       "oversees": oversees or []})
    return user


def ensure_region(session: Session, code: str, name: str) -> Region:
    r = session.get(Region, code)
    if r is None:
        r = Region(code=code, name=name)
        session.add(r)
        session.flush()
        # A new 区划's clients need its dictionaries before the next server start publishes
        # them (a broken override file is logged and only this region waits: shipped copies)
        from server.services import dictionary_versions

        dictionary_versions.publish(session, [code])
    return r


def create_department(session: Session, *, code: str, name: str, region_code: str,
                      actor: chain.Actor = chain.SYSTEM) -> Department:
    d = Department(code=code, name=name, region_code=region_code)
    session.add(d)
    session.flush()
    chain.audit(session, actor=actor, action="department.create", entity_type="department",
                entity_id=code, after={"code": code, "name": name, "region": region_code})
    return d


def create_unit(session: Session, *, code: str, name: str, department_code: str,
                unit_type: str, uscc: str | None = None, below_county: bool = False,
                actor: chain.Actor = chain.SYSTEM) -> Unit:
    dept = session.execute(select(Department).where(Department.code == department_code)
                           ).scalar_one_or_none()
    if dept is None:
        raise ApiError(422, "department_not_found", f"部门 {department_code} 不存在。")
    if unit_by_code(session, code) is not None:
        raise ApiError(409, "unit_exists", f"单位代码 {code} 已存在。")
    if uscc:
        try:
            from fiscal.ids import check_uscc
            res = check_uscc(uscc)
            if not res.ok and res.code == "format":
                raise ApiError(422, "invalid_uscc", f"统一社会信用代码 {uscc} 格式错误：{res.message}")
        except ImportError:  # pragma: no cover - fiscal.ids lands with the foundation work
            pass
    unit = Unit(code=code, name=name, department_id=dept.id, region_code=dept.region_code,
                unit_type=unit_type, uscc=uscc, below_county=below_county)
    session.add(unit)
    session.flush()
    chain.touch(session, unit)
    chain.audit(session, actor=actor, action="unit.create", entity_type="unit", entity_id=code,
                unit_id=unit.id, after={"code": code, "name": name, "department": department_code,
                                        "unit_type": unit_type, "uscc": uscc})
    return unit


def unit_public(unit: Unit) -> dict:
    return {"code": unit.code, "name": unit.name, "region_code": unit.region_code,
            "department_code": unit.department.code, "unit_type": unit.unit_type,
            "uscc": unit.uscc}


def _contract_public(session: Session, c: Contract, unit_code: str) -> dict:
    applied = session.execute(select(func.coalesce(func.sum(Application.amount), 0)).where(
        Application.unit_id == c.unit_id, Application.contract_no == c.contract_no,
        Application.status == "submitted")).scalar_one()
    return {"unit_code": unit_code, "contract_no": c.contract_no, "name": c.name,
            "amount_fen": c.amount, "supplier": c.supplier, "applied_fen": int(applied)}


def list_contracts(session: Session, *, principal: Principal) -> list[dict]:
    q = select(Contract, Unit.code).join(Unit, Unit.id == Contract.unit_id).order_by(
        Unit.code, Contract.contract_no)
    if principal.unit_ids is not None:
        q = q.where(Contract.unit_id.in_(principal.unit_ids or {-1}))
    return [_contract_public(session, c, code) for c, code in session.execute(q).all()]


def register_contract(session: Session, *, principal: Principal, contract_no: str,
                      name: str | None, amount: int, supplier: str | None) -> dict:
    principal.require_role("accountant", "unit_finance_head")
    unit = session.get(Unit, principal.user.unit_id)
    if session.execute(select(Contract.id).where(Contract.unit_id == unit.id,
                                                 Contract.contract_no == contract_no)).first():
        raise ApiError(409, "contract_exists", f"采购合同 {contract_no} 已登记。")
    c = Contract(unit_id=unit.id, contract_no=contract_no, name=name, amount=amount,
                 supplier=supplier)
    session.add(c)
    session.flush()
    chain.audit(session, actor=principal.actor, action="contract.register",
                entity_type="contract", entity_id=contract_no, unit_id=unit.id,
                after={"contract_no": contract_no, "name": name, "amount": amount,
                       "supplier": supplier})
    return _contract_public(session, c, unit.code)


def update_user(session: Session, *, principal: Principal, username: str,
                is_active: bool | None, unlock: bool, display_name: str | None) -> User:
    principal.require_role("admin")
    user = session.execute(select(User).where(User.username == username).with_for_update(of=User)
                           ).scalar_one_or_none()
    if user is None:
        raise ApiError(404, "user_not_found", f"用户 {username} 不存在。")
    if user.id == principal.user.id and is_active is False:
        raise ApiError(422, "cannot_deactivate_self", "不能停用自己的账户。")
    before = {"is_active": user.is_active, "locked_until": user.locked_until,
              "display_name": user.display_name}
    if is_active is not None and is_active != user.is_active:
        user.is_active = is_active
        if not is_active:  # every session of a deactivated user ends now
            from server.services.auth import revoke_all
            user.token_version += 1
            revoke_all(session, user.id, "deactivated")
    if unlock:
        user.failed_logins = 0
        user.locked_until = None
    if display_name is not None:
        user.display_name = display_name
    session.flush()
    chain.audit(session, actor=principal.actor, action="user.update", entity_type="user",
                entity_id=user.id, unit_id=user.unit_id, before=before,
                after={"is_active": user.is_active, "locked_until": user.locked_until,
                       "display_name": user.display_name})
    return user
