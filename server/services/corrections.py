"""更正 (调整书, issue 4): re-book a vouchered or paid application's classification (功能分类 /
经济分类) or indicator without moving money.

A correction keeps both versions (``payment_corrections.before/after``, reason, who/when, an audit
event). Changing the indicator moves what the voucher holds — 在途 while it waits for the bank,
已支付 (net of refunds) once paid — from the old indicator to the new one with a pair of journal
lines (``correct_out_*`` / ``correct_in_*``) in one transaction, under the same row locks as a
submission, so the new indicator can never go below zero and ``ledger check`` stays exact. The
new classification must pass the same scope rules as a submission (fiscal.rules.budget).
"""
from __future__ import annotations

import json

from sqlalchemy import select
from sqlalchemy.orm import Session

from fiscal.money import format_amount
from fiscal.rules import budget as rules
from server import chain, ledger
from server.errors import ApiError, conflict
from server.models import Indicator, PaymentCorrection, PaymentVoucher
from server.services import applications as apps
from server.services import payments as pay
from server.services import refdata
from server.services.org import Principal

FIELDS = ("indicator_id", "func_code", "dep_eco_code", "gov_eco_code")
LABELS = {"indicator_id": "指标", "func_code": "支出功能分类", "dep_eco_code": "部门经济分类",
          "gov_eco_code": "政府经济分类"}
CORRECTABLE = ("issued", "paid", "refunded")


def public(c: PaymentCorrection, voucher_no: str | None = None) -> dict:
    return {"id": c.id, "correction_no": c.correction_no, "application_id": str(c.application_id),
            "voucher_id": c.voucher_id, "voucher_no": voucher_no, "before": json.loads(c.before),
            "after": json.loads(c.after), "reason": c.reason, "from_indicator": c.from_indicator,
            "to_indicator": c.to_indicator, "moved_fen": c.moved_amount,
            "moved_kind": c.moved_kind, "created_by": c.created_by_name,
            "created_at": c.created_at}


def _version(app, v: PaymentVoucher) -> dict:
    return {"indicator_id": app.indicator_id, "func_code": app.func_code,
            "dep_eco_code": app.dep_eco_code, "gov_eco_code": app.gov_eco_code,
            "voucher_indicator_id": v.indicator_id}


def correct(session: Session, *, principal: Principal, voucher_id: int, reason: str,
            indicator_id: str | None = None, func_code: str | None = None,
            dep_eco_code: str | None = None, gov_eco_code: str | None = None,
            request_id: str | None = None) -> tuple[PaymentCorrection, bool]:
    """Returns ``(correction, created)``; a retry with the same ``request_id`` returns the first
    answer and changes nothing."""
    principal.require_role(*pay.TREASURY_ROLES)
    reason = (reason or "").strip()
    if len(reason) < 2:
        raise ApiError(422, "reason_required", "请填写更正原因（调整书须说明理由）。", {"field": "reason"})
    v = pay._voucher(session, principal, voucher_id)
    if request_id:
        # checked under the voucher's row lock, so a retry racing its original waits for it
        old = session.execute(select(PaymentCorrection).where(
            PaymentCorrection.request_id == request_id)).scalar_one_or_none()
        if old is not None:
            if old.voucher_id != voucher_id or old.created_by != principal.user.id:
                raise conflict("request_id_used", f"请求编号 {request_id} 已用于另一项更正。")
            return old, False
    if v.status not in CORRECTABLE:
        raise conflict("not_correctable", f"支付凭证 {v.voucher_no} 当前状态为{v.status}（已退票），"
                       "没有可更正的支付。", {"status": v.status})
    app = apps.get_visible(session, principal, v.application_id, lock=True)
    before = _version(app, v)
    wanted = {"indicator_id": indicator_id, "func_code": func_code, "dep_eco_code": dep_eco_code,
              "gov_eco_code": gov_eco_code}
    new = {k: before[k] for k in FIELDS}
    for k, val in wanted.items():
        if val is None:
            continue
        val = val.strip()
        if k in ("indicator_id", "func_code") and not val:
            raise ApiError(422, f"{k}_required", f"{LABELS[k]}不能为空。", {"field": k})
        new[k] = val or None
    if new["dep_eco_code"] != before["dep_eco_code"] and gov_eco_code is None:
        # the 政府经济分类 follows the 部门经济分类 (domain.md §3.4) unless given explicitly
        new["gov_eco_code"] = None
    for k in ("func_code", "dep_eco_code", "gov_eco_code"):
        table = {"func_code": "functional", "dep_eco_code": "dep_economic",
                 "gov_eco_code": "gov_economic"}[k]
        bad = refdata.check_code(app.fiscal_year, table, new[k], LABELS[k], k)
        if bad is not None:
            raise bad
    # Indicators locked in id order (both of them when the indicator changes).
    old_id, new_id = before["indicator_id"], new["indicator_id"]
    locked: dict[str, Indicator] = {}
    for iid in sorted({old_id, new_id}):
        ind = ledger.lock_indicator(session, iid)
        if ind is None or not principal.sees(ind.unit_id):
            raise ApiError(404, "indicator_not_found", f"指标 {iid} 不存在或无权访问。",
                           {"field": "indicator_id", "value": iid})
        locked[iid] = ind
    old_ind, new_ind = locked[old_id], locked[new_id]
    for k in FIELDS:
        setattr(app, k, new[k])
    if not app.gov_eco_code and app.dep_eco_code:
        unit_type = "行政" if app.unit.unit_type in ("行政", "参公") else app.unit.unit_type
        app.gov_eco_code = refdata.tables(app.fiscal_year).gov_for_dep(app.dep_eco_code, unit_type)
    after = {**{k: getattr(app, k) for k in FIELDS}, "voucher_indicator_id": new_id}
    if all(after[k] == before[k] for k in FIELDS):
        raise ApiError(422, "no_change", "更正内容与当前记录相同，无需更正。")
    # The corrected payment must be one the rules would have accepted: same unit/year/区划,
    # executable indicator, classification within the indicator's scope, 部门→政府 mapping.
    t = refdata.tables(app.fiscal_year)
    ind_f, app_f = apps._facts(session, app, new_ind)
    problems = [x for x in (
        rules.check_indicator_usable(ind_f, app_f),
        rules.check_functional_scope(ind_f, app_f, t.functional),
        rules.check_economic_scope(ind_f, app_f, t.dep_economic),
        rules.check_dep_gov_mapping(dep_eco_code=app_f.dep_eco_code or ind_f.dep_eco_code,
                                    gov_eco_code=app_f.gov_eco_code, unit_type=app_f.unit_type,
                                    gov_for_dep=t.gov_for_dep),
    ) if x]
    if problems:
        raise ApiError(422, problems[0].code, f"更正后不符合支付规则：{problems[0].message}",
                       {"violations": [x.as_dict() for x in problems]})
    moved, kind = 0, None
    if new_id != old_id:
        if v.status == "issued":
            moved, kind = v.amount, "reserved"  # still 在途: the reservation follows
        else:
            moved, kind = v.paid_amount - v.refunded_amount, "paid"
        if moved > new_ind.available:
            raise ApiError(409, "insufficient_balance",
                           f"新指标 {new_id} 可用余额 {format_amount(new_ind.available)} 元，不足以承接凭证 "
                           f"{v.voucher_no} 的{'在途' if kind == 'reserved' else '已支付'}金额 "
                           f"{format_amount(moved)} 元，不能更正。",
                           {"indicator_id": new_id, "available": new_ind.available, "amount": moved})
        if moved:
            memo = f"{v.voucher_no} 更正"
            ledger.post(session, old_ind, f"correct_out_{kind}", moved, application_id=app.id,
                        actor_id=principal.user.id, memo=memo)
            ledger.post(session, new_ind, f"correct_in_{kind}", moved, application_id=app.id,
                        actor_id=principal.user.id, memo=memo)
        v.indicator_id = new_id
    app.version += 1
    n = pay.next_number(session, f"correction:{app.fiscal_year}:{app.region_code}")
    c = PaymentCorrection(
        correction_no=f"GZ{app.fiscal_year}{app.region_code}{n:06d}", request_id=request_id or None,
        application_id=app.id, voucher_id=v.id, unit_id=app.unit_id,
        before=json.dumps(before, ensure_ascii=False), after=json.dumps(after, ensure_ascii=False),
        reason=reason[:300], from_indicator=old_id, to_indicator=new_id, moved_amount=moved,
        moved_kind=kind, created_by=principal.user.id, created_by_name=principal.user.username)
    session.add(c)
    session.flush()
    for obj in (app, v, *locked.values()):
        chain.touch(session, obj)
    chain.audit(session, actor=principal.actor, action="voucher.correct", entity_type="voucher",
                entity_id=v.voucher_no, unit_id=app.unit_id, before=before, after=after,
                detail={"correction_no": c.correction_no, "application_id": str(app.id),
                        "reason": c.reason, "moved": moved, "moved_kind": kind,
                        "from_indicator": old_id, "to_indicator": new_id})
    return c, True


def list_for_voucher(session: Session, *, principal: Principal, voucher_id: int) -> list[dict]:
    principal.require_role(*pay.TREASURY_ROLES, "accountant", "unit_finance_head", "unit_head",
                           "bureau_division")
    v = session.get(PaymentVoucher, voucher_id)
    if v is None or not principal.sees(v.unit_id):
        raise ApiError(404, "not_found", f"支付凭证 {voucher_id} 不存在或无权访问。", {"id": str(voucher_id)})
    return [public(c, v.voucher_no) for c in session.execute(
        select(PaymentCorrection).where(PaymentCorrection.voucher_id == voucher_id)
        .order_by(PaymentCorrection.id)).scalars()]
