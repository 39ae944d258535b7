"""Indicators: bulk idempotent upsert (Excel import / bureau issue), listing, adjustments."""
from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from fiscal.schemas.indicators import IndicatorUpsert
from server import chain, ledger
from server.errors import ApiError, not_found
from server.models import Indicator, LedgerEntry, Unit, utcnow
from server.services import refdata
from server.services.org import Principal

WRITER_ROLES = ("bureau_division", "admin")
FIELDS = ("fiscal_year", "func_code", "dep_eco_code", "gov_eco_code", "fund_type_code",
          "source_type_code", "bgt_type_code", "pro_code", "pro_name", "doc_no", "doc_title",
          "is_gov_procurement", "executable")


def public(ind: Indicator) -> dict:
    return {"id": ind.id, "fiscal_year": ind.fiscal_year, "region_code": ind.region_code,
            "unit_code": ind.unit.code, "func_code": ind.func_code,
            "dep_eco_code": ind.dep_eco_code, "gov_eco_code": ind.gov_eco_code,
            "fund_type_code": ind.fund_type_code, "source_type_code": ind.source_type_code,
            "bgt_type_code": ind.bgt_type_code, "pro_code": ind.pro_code,
            "pro_name": ind.pro_name, "doc_no": ind.doc_no, "doc_title": ind.doc_title,
            "is_gov_procurement": ind.is_gov_procurement, "executable": ind.executable,
            "amount_fen": ind.amount, "frozen_fen": ind.frozen, "reserved_fen": ind.reserved,
            "paid_fen": ind.paid, "available_fen": ind.available, "seq": ind.seq,
            "updated_at": ind.updated_at}


def snapshot(ind: Indicator) -> dict:
    d = public(ind)
    d.pop("seq")
    d.pop("updated_at")
    return d


def get_visible(session: Session, principal: Principal, indicator_id: str) -> Indicator:
    ind = session.get(Indicator, indicator_id)
    if ind is None or not principal.sees(ind.unit_id):
        raise not_found("指标", indicator_id)
    return ind


def _row_errors(session: Session, principal: Principal, items: Sequence[IndicatorUpsert],
                units: dict[str, Unit]) -> list[dict]:
    errors: list[dict] = []
    seen: set[str] = set()
    for i, it in enumerate(items):
        def err(code: str, message: str, i: int = i, it: IndicatorUpsert = it) -> None:
            errors.append({"index": i, "id": it.id, "code": code,
                           "message": f"第 {i + 1} 行（指标 {it.id}）：{message}"})
        if it.id in seen:
            err("duplicate_id", "同一批次中指标主键重复。")
            continue
        seen.add(it.id)
        unit = units.get(it.unit_code)
        if unit is None or not principal.sees(unit.id):
            err("unit_not_found", f"单位 {it.unit_code} 不存在或不在您的管辖范围内。")
            continue
        try:
            t = refdata.tables(it.fiscal_year)
        except ApiError as exc:
            err(exc.code, exc.message)
            continue
        if not t.functional.exists(it.func_code):
            err("unknown_func_code", f"支出功能分类 {it.func_code} 不在 {it.fiscal_year} 年度科目中。")
        if it.dep_eco_code and not t.dep_economic.exists(it.dep_eco_code):
            err("unknown_dep_eco_code", f"部门经济分类 {it.dep_eco_code} 不在 {it.fiscal_year} 年度科目中。")
        if it.gov_eco_code and not t.gov_economic.exists(it.gov_eco_code):
            err("unknown_gov_eco_code", f"政府经济分类 {it.gov_eco_code} 不在 {it.fiscal_year} 年度科目中。")
    return errors


def upsert_many(session: Session, *, principal: Principal,
                items: Sequence[IndicatorUpsert]) -> dict:
    """All-or-nothing: any row error -> 422 listing every bad row, nothing written.
    Re-sending the same rows changes nothing (idempotent). Amount changes are journalled as
    追加/调减 against the current figure; a 调减 below what is already used is refused."""
    principal.require_role(*WRITER_ROLES)
    codes = {it.unit_code for it in items}
    units = {u.code: u for u in session.execute(select(Unit).where(Unit.code.in_(codes))).scalars()}
    errors = _row_errors(session, principal, items, units)
    ids = sorted(it.id for it in items)
    existing: dict[str, Indicator] = {}
    for chunk in range(0, len(ids), 1000):
        for ind in session.execute(select(Indicator).where(Indicator.id.in_(ids[chunk:chunk + 1000]))
                                   .order_by(Indicator.id).with_for_update(of=Indicator)).scalars():
            existing[ind.id] = ind
    for i, it in enumerate(items):
        ind = existing.get(it.id)
        if ind is None:
            continue
        if not principal.sees(ind.unit_id):
            errors.append({"index": i, "id": it.id, "code": "id_conflict",
                           "message": f"第 {i + 1} 行：指标主键 {it.id} 已被占用。"})
        elif ind.unit.code != it.unit_code:
            errors.append({"index": i, "id": it.id, "code": "unit_change",
                           "message": f"第 {i + 1} 行：指标 {it.id} 属于单位 {ind.unit.code}，不能改为 {it.unit_code}。"})
        elif it.amount_fen < ind.amount and ind.amount - it.amount_fen > ind.available:
            errors.append({"index": i, "id": it.id, "code": "decrease_exceeds_available",
                           "message": f"第 {i + 1} 行：指标 {it.id} 调减 {ledger.format_fen(ind.amount - it.amount_fen)} 元"
                                      f"超过可用余额 {ledger.format_fen(ind.available)} 元。"})
    if errors:
        raise ApiError(422, "indicator_rows_invalid",
                       f"指标导入有 {len(errors)} 行错误，未写入任何数据。", {"errors": errors})
    created = updated = unchanged = 0
    actor = principal.actor
    now = utcnow()
    new_rows: list[dict] = []
    new_journal: list[dict] = []
    for it in items:
        unit = units[it.unit_code]
        ind = existing.get(it.id)
        values = {f: getattr(it, f) for f in FIELDS}
        values["dep_eco_code"] = values["dep_eco_code"] or None
        values["gov_eco_code"] = values["gov_eco_code"] or None
        if ind is None:
            # New rows go in as bulk INSERTs at commit (journal line included): an import of
            # 100,000 indicators must not build 300,000 ORM objects.
            row = {"id": it.id, "region_code": unit.region_code, "unit_id": unit.id,
                   "amount": it.amount_fen, "frozen": 0, "reserved": 0, "paid": 0,
                   "available": it.amount_fen, "created_at": now, "updated_at": now, **values}
            new_rows.append(row)
            if it.amount_fen:
                new_journal.append({"indicator_id": it.id, "kind": "release",
                                    "amount": it.amount_fen, "application_id": None,
                                    "actor_id": actor.id, "memo": it.memo or it.doc_no,
                                    "created_at": now})
            after = {k: v for k, v in row.items() if k not in ("created_at", "updated_at",
                                                                "unit_id")}
            after.update(unit_code=unit.code)
            chain.audit(session, actor=actor, action="indicator.create", entity_type="indicator",
                        entity_id=it.id, unit_id=unit.id, after=after)
            created += 1
            continue
        before = snapshot(ind)
        changed = False
        for f, v in values.items():
            if getattr(ind, f) != v:
                setattr(ind, f, v)
                changed = True
        if it.amount_fen != ind.amount:
            kind = "increase" if it.amount_fen > ind.amount else "decrease"
            ledger.post(session, ind, kind, abs(it.amount_fen - ind.amount), actor_id=actor.id,
                        memo=it.memo or it.doc_no)
            changed = True
        if changed:
            chain.touch(session, ind)
            chain.audit(session, actor=actor, action="indicator.update", entity_type="indicator",
                        entity_id=ind.id, unit_id=ind.unit_id, before=before, after=snapshot(ind))
            updated += 1
        else:
            unchanged += 1
    chain.insert_later(session, Indicator, new_rows, sequenced=True)
    chain.insert_later(session, LedgerEntry, new_journal)
    session.flush()
    return {"created": created, "updated": updated, "unchanged": unchanged, "errors": []}


def adjust(session: Session, *, principal: Principal, indicator_id: str, kind: str,
           amount: int, memo: str | None) -> Indicator:
    """追加 / 调减 / 冻结 / 解冻 by the bureau."""
    principal.require_role(*WRITER_ROLES)
    get_visible(session, principal, indicator_id)
    ind = ledger.lock_indicator(session, indicator_id)
    before = snapshot(ind)
    ledger.post(session, ind, kind, amount, actor_id=principal.user.id, memo=memo)
    chain.touch(session, ind)
    chain.audit(session, actor=principal.actor, action=f"indicator.{kind}",
                entity_type="indicator", entity_id=ind.id, unit_id=ind.unit_id, before=before,
                after=snapshot(ind), detail={"amount": amount, "memo": memo})
    session.flush()
    return ind


def list_visible(session: Session, *, principal: Principal, unit_code: str | None = None,
                 fiscal_year: int | None = None, offset: int = 0, limit: int = 100) -> tuple[list[Indicator], int]:
    q = select(Indicator)
    if principal.unit_ids is not None:
        q = q.where(Indicator.unit_id.in_(principal.unit_ids or {-1}))
    if unit_code:
        q = q.join(Unit, Unit.id == Indicator.unit_id).where(Unit.code == unit_code)
    if fiscal_year:
        q = q.where(Indicator.fiscal_year == fiscal_year)
    total = session.execute(select(func.count()).select_from(q.subquery())).scalar_one()
    rows = session.execute(q.order_by(Indicator.id).offset(offset).limit(limit)).scalars().all()
    return list(rows), total


def journal(session: Session, *, principal: Principal, indicator_id: str) -> list[LedgerEntry]:
    get_visible(session, principal, indicator_id)
    return list(session.execute(select(LedgerEntry).where(LedgerEntry.indicator_id == indicator_id)
                                .order_by(LedgerEntry.id)).scalars())
