"""HTTP routes (``/api/v1``) for what the approval engine and 动态监控 are configured with:
delegations (授权委托), 集体决策 committees, approval rule-set versions, and the monitoring
data (unit accounts, 三公 budgets, staff lists). Thin: the services decide."""
from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Body, Path, Query
from pydantic import AwareDatetime, Field

from fiscal.schemas.common import ErrorBody, WireModel
from server.api.deps import CurrentPrincipal, ReadSessionDep, SessionDep
from server.services import approvals as appr
from server.services import monitoring as mon

ERRORS = {401: {"model": ErrorBody}, 403: {"model": ErrorBody}, 404: {"model": ErrorBody},
          409: {"model": ErrorBody}, 422: {"model": ErrorBody}}
router = APIRouter(prefix="/api/v1", responses=ERRORS)
Id = Annotated[int, Path(ge=1, le=2**31)]
UnitCode = Annotated[str, Path(min_length=1, max_length=21, pattern=r"^[0-9A-Za-z]+$")]
Code = Annotated[str, Field(min_length=1, max_length=21, pattern=r"^[0-9A-Za-z*]+$")]


# ------------------------------------------------------------------------------ delegations

class DelegationCreate(WireModel):
    delegate: str = Field(min_length=1, max_length=64, description="受托人用户名")
    role: Literal["accountant", "unit_finance_head", "unit_head", "committee", "bureau_division",
                  "treasury"]
    scope: Literal["own_unit", "overseeing_bureau_division", "treasury"] | None = None
    target: Code | None = None
    valid_from: AwareDatetime | None = None
    expires_at: AwareDatetime
    reason: str = Field(min_length=1, max_length=300, description="委托事由")
    delegator: str | None = Field(default=None, max_length=64,
                                  description="委托人（默认本人；管理员可代为登记）")


class Revoke(WireModel):
    reason: str = Field(default="", max_length=300)


@router.post("/delegations", tags=["approvals"], summary="设立授权委托（委托人本人或管理员）",
             status_code=201)
def create_delegation(body: DelegationCreate, principal: CurrentPrincipal, session: SessionDep) -> dict:
    d = appr.create_delegation(session, principal=principal, delegate=body.delegate, role=body.role,
                               scope=body.scope, target=body.target, valid_from=body.valid_from,
                               expires_at=body.expires_at, reason=body.reason,
                               delegator=body.delegator)
    session.commit()
    return appr.delegation_public(session, d)


@router.get("/delegations", tags=["approvals"], summary="授权委托：我委托的 / 委托给我的")
def list_delegations(principal: CurrentPrincipal, session: ReadSessionDep,
                     direction: Literal["given", "received", "all"] = "all",
                     username: Annotated[str | None, Query(max_length=64)] = None) -> dict:
    rows = appr.list_delegations(session, principal=principal, direction=direction,
                                 username=username)
    return {"items": [appr.delegation_public(session, d) for d in rows], "total": len(rows)}


@router.post("/delegations/{delegation_id}/revoke", tags=["approvals"], summary="撤销授权委托")
def revoke_delegation(delegation_id: Id, body: Revoke, principal: CurrentPrincipal,
                      session: SessionDep) -> dict:
    d = appr.revoke_delegation(session, principal=principal, delegation_id=delegation_id,
                               reason=body.reason)
    session.commit()
    return appr.delegation_public(session, d)


# ------------------------------------------------------------------------------ committees

class CommitteeSeat(WireModel):
    username: str = Field(min_length=1, max_length=64)
    scope: Literal["own_unit", "overseeing_bureau_division", "treasury"] = "own_unit"
    target: Code


@router.get("/committees", tags=["approvals"], summary="集体决策成员")
def list_committee(principal: CurrentPrincipal, session: ReadSessionDep,
                   target: Annotated[str | None, Query(max_length=21)] = None) -> dict:
    rows = appr.list_committee(session, principal=principal, target=target)
    return {"items": [appr.committee_public(session, m) for m in rows], "total": len(rows)}


@router.post("/committees/members", tags=["approvals"], summary="增加集体决策成员（管理员）",
             status_code=201)
def add_committee_member(body: CommitteeSeat, principal: CurrentPrincipal, session: SessionDep) -> dict:
    m = appr.add_committee_member(session, principal=principal, username=body.username,
                                  scope=body.scope, target=body.target)
    session.commit()
    return appr.committee_public(session, m)


@router.delete("/committees/members/{member_id}", tags=["approvals"], status_code=204,
               summary="移除集体决策成员（管理员）")
def remove_committee_member(member_id: Id, principal: CurrentPrincipal, session: SessionDep) -> None:
    appr.remove_committee_member(session, principal=principal, member_id=member_id)
    session.commit()


# ------------------------------------------------------------------------------ rule sets

class Activate(WireModel):
    effective_from: AwareDatetime | None = Field(
        default=None, description="生效时间（默认取规则文件中的 effective_from）")


@router.get("/approval-rule-sets", tags=["approvals"], summary="审批规则版本（按区划/单位）")
def list_rule_sets(principal: CurrentPrincipal, session: ReadSessionDep,
                   region: Annotated[str | None, Query(max_length=9, pattern=r"^[0-9*]+$")] = None,
                   unit: Annotated[str | None, Query(max_length=21)] = None) -> dict:
    return appr.rule_set_listing(session, principal=principal, region=region, unit=unit)


@router.post("/approval-rule-sets", tags=["approvals"], status_code=201,
             summary="上传审批规则新版本（jincai.approval-rules/1 格式，上传后未生效）")
def upload_rule_sets(principal: CurrentPrincipal, session: SessionDep,
                     document: Annotated[dict[str, Any], Body()]) -> dict:
    rows = appr.upload_rule_sets(session, principal=principal, document=document)
    session.commit()
    return {"items": [{"id": r.rule_set_id, "version": r.version, "region": r.region,
                       "unit": r.unit_code, "active": r.active} for r in rows]}


@router.post("/approval-rule-sets/{rule_set_id}/versions/{version}/activate", tags=["approvals"],
             summary="启用审批规则版本（自指定日期起生效）")
def activate_rule_set(rule_set_id: Annotated[str, Path(min_length=1, max_length=60)],
                      version: Annotated[int, Path(ge=1, le=10**6)], body: Activate,
                      principal: CurrentPrincipal, session: SessionDep) -> dict:
    row = appr.activate_rule_set(session, principal=principal, rule_set_id=rule_set_id,
                                 version=version, effective_from=body.effective_from)
    session.commit()
    return {"id": row.rule_set_id, "version": row.version, "active": row.active,
            "effective_from": row.effective_from}


# ------------------------------------------------------------------------------ monitoring data

class AccountIn(WireModel):
    account_no: str = Field(min_length=1, max_length=40)
    account_name: str = Field(default="", max_length=120)
    bank_name: str = Field(default="", max_length=120)
    kind: str = Field(max_length=16, description="zero_balance 零余额 | basic 基本户 | general 一般户 | special 专用户")
    last_activity_at: AwareDatetime | None = Field(default=None, description="最近一笔交易时间（银行对账）")
    active: bool = True


class Accounts(WireModel):
    items: list[AccountIn] = Field(min_length=1, max_length=500)


class SangongIn(WireModel):
    category: str = Field(min_length=1, max_length=40)
    budget_fen: int = Field(ge=0, le=10**15)


class Sangong(WireModel):
    fiscal_year: int = Field(ge=2000, le=2100)
    items: list[SangongIn] = Field(min_length=1, max_length=20)


class StaffIn(WireModel):
    name: str = Field(min_length=1, max_length=64)
    id_number: str = Field(min_length=15, max_length=18)


class Staff(WireModel):
    items: list[StaffIn] = Field(max_length=20_000)


@router.get("/monitoring/units/{unit_code}/accounts", tags=["warnings"], summary="单位账户信息")
def get_accounts(unit_code: UnitCode, principal: CurrentPrincipal, session: ReadSessionDep) -> dict:
    rows = mon.list_accounts(session, principal=principal, unit_code=unit_code)
    return {"items": [mon.account_public(a) for a in rows]}


@router.put("/monitoring/units/{unit_code}/accounts", tags=["warnings"],
            summary="登记单位账户（零余额/基本户/一般户/专用户，按账号更新）")
def put_accounts(unit_code: UnitCode, body: Accounts, principal: CurrentPrincipal,
                 session: SessionDep) -> dict:
    rows = mon.put_accounts(session, principal=principal, unit_code=unit_code,
                            items=[i.model_dump() for i in body.items])
    session.commit()
    return {"items": [mon.account_public(a) for a in rows]}


@router.get("/monitoring/units/{unit_code}/sangong-budgets", tags=["warnings"],
            summary="三公经费预算与已支出")
def get_sangong(unit_code: UnitCode, principal: CurrentPrincipal, session: ReadSessionDep,
                fiscal_year: Annotated[int, Query(ge=2000, le=2100)]) -> dict:
    return mon.get_sangong(session, principal=principal, unit_code=unit_code, year=fiscal_year)


@router.put("/monitoring/units/{unit_code}/sangong-budgets", tags=["warnings"],
            summary="设置三公经费年度预算")
def put_sangong(unit_code: UnitCode, body: Sangong, principal: CurrentPrincipal,
                session: SessionDep) -> dict:
    out = mon.put_sangong(session, principal=principal, unit_code=unit_code, year=body.fiscal_year,
                          items=[i.model_dump() for i in body.items])
    session.commit()
    return out


@router.get("/monitoring/units/{unit_code}/staff", tags=["warnings"], summary="单位人员信息")
def get_staff(unit_code: UnitCode, principal: CurrentPrincipal, session: ReadSessionDep) -> dict:
    rows = mon.list_staff(session, principal=principal, unit_code=unit_code)
    return {"items": [{"name": r.name, "id_number": r.id_number} for r in rows], "total": len(rows)}


@router.put("/monitoring/units/{unit_code}/staff", tags=["warnings"],
            summary="替换单位人员信息（姓名 + 身份证号）")
def put_staff(unit_code: UnitCode, body: Staff, principal: CurrentPrincipal,
              session: SessionDep) -> dict:
    rows = mon.put_staff(session, principal=principal, unit_code=unit_code,
                         items=[i.model_dump() for i in body.items])
    session.commit()
    return {"items": [{"name": r.name, "id_number": r.id_number} for r in rows], "total": len(rows)}



