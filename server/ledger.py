"""Indicator ledger: an immutable journal plus cached balances updated in the same transaction.

=====================  ===========================================  =========================
kind                   effect on the cached balances                 refused when
=====================  ===========================================  =========================
release / increase     amount += a
decrease               amount -= a                                   a > available
freeze                 frozen += a                                   a > available
unfreeze               frozen -= a                                   a > frozen
reserve                reserved += a  (在途)                          a > available
release_reservation    reserved -= a                                 a > reserved
pay                    reserved -= a, paid += a                      a > reserved
refund                 paid -= a                                     a > paid
correct_out_reserved   reserved -= a   (更正: 在途 leaves this one)    a > reserved
correct_in_reserved    reserved += a   (更正: … and lands here)       a > available
correct_out_paid       paid -= a       (更正: 已支付 leaves this one)   a > paid
correct_in_paid        paid += a       (更正: … and lands here)       a > available
=====================  ===========================================  =========================

A 更正 (correction) moves no money: it posts an ``out`` line on the old indicator and an ``in``
line on the new one in one transaction, so Σ paid/reserved over all indicators is unchanged.

``available = amount − frozen − reserved − paid`` is both cached and enforced by CHECK
constraints. Callers must hold the row lock (:func:`lock_indicator`) before :func:`post`.
"""
from __future__ import annotations

import uuid
from dataclasses import dataclass

from sqlalchemy import case, func, inspect, select
from sqlalchemy.orm import Session

from fiscal.rules.budget import format_fen
from server import chain
from server.errors import ApiError
from server.models import Application, Indicator, LedgerEntry, PaymentVoucher

#: Application statuses whose amount is reserved (在途) on the indicator.
RESERVING_STATUSES = ("submitted",)

KINDS = ("release", "increase", "decrease", "freeze", "unfreeze", "reserve",
         "release_reservation", "pay", "refund", "correct_out_reserved", "correct_in_reserved",
         "correct_out_paid", "correct_in_paid")
KIND_NAMES = {"release": "下达", "increase": "追加", "decrease": "调减", "freeze": "冻结",
              "unfreeze": "解冻", "reserve": "在途占用", "release_reservation": "释放在途",
              "pay": "支付", "refund": "退款恢复", "correct_out_reserved": "更正转出在途",
              "correct_in_reserved": "更正转入在途", "correct_out_paid": "更正转出已支付",
              "correct_in_paid": "更正转入已支付"}

# (amount, frozen, reserved, paid) multipliers per kind
EFFECTS: dict[str, tuple[int, int, int, int]] = {
    "release": (1, 0, 0, 0), "increase": (1, 0, 0, 0), "decrease": (-1, 0, 0, 0),
    "freeze": (0, 1, 0, 0), "unfreeze": (0, -1, 0, 0), "reserve": (0, 0, 1, 0),
    "release_reservation": (0, 0, -1, 0), "pay": (0, 0, -1, 1), "refund": (0, 0, 0, -1),
    "correct_out_reserved": (0, 0, -1, 0), "correct_in_reserved": (0, 0, 1, 0),
    "correct_out_paid": (0, 0, 0, -1), "correct_in_paid": (0, 0, 0, 1),
}


def lock_indicator(session: Session, indicator_id: str) -> Indicator | None:
    """Row lock on PostgreSQL (FOR UPDATE); on SQLite the transaction is already exclusive.

    Once this transaction holds the lock (a push group submits many applications on one
    indicator) the row cannot change under it, so the loaded object is current and is returned
    without locking again. A savepoint rollback forgets that (PostgreSQL releases the locks taken
    inside a rolled-back savepoint): see server.chain._on_rollback."""
    held = chain.transaction_cache(session, chain.LOCKED_ROWS)
    ind = held.get(("indicator", indicator_id))
    if ind is not None:
        state = inspect(ind)
        if state.persistent and not state.expired_attributes and state.session is session:
            return ind
    ind = session.execute(
        select(Indicator).where(Indicator.id == indicator_id).with_for_update(of=Indicator)
        .execution_options(populate_existing=True)).scalar_one_or_none()
    if ind is not None:
        held[("indicator", indicator_id)] = ind
    return ind


def post(session: Session, ind: Indicator, kind: str, amount: int, *,
         application_id: uuid.UUID | None = None, actor_id: int | None = None,
         memo: str | None = None) -> LedgerEntry:
    if kind not in EFFECTS:
        raise ValueError(f"unknown ledger kind {kind!r}")
    if not isinstance(amount, int) or isinstance(amount, bool) or amount <= 0:
        raise ApiError(422, "amount_not_positive", "记账金额必须是大于 0 的整数（分）。")
    da, df, dr, dp = (m * amount for m in EFFECTS[kind])
    limit = {"decrease": ind.available, "freeze": ind.available, "reserve": ind.available,
             "unfreeze": ind.frozen, "release_reservation": ind.reserved, "pay": ind.reserved,
             "refund": ind.paid, "correct_out_reserved": ind.reserved,
             "correct_in_reserved": ind.available, "correct_out_paid": ind.paid,
             "correct_in_paid": ind.available}.get(kind)
    if limit is not None and amount > limit:
        raise ApiError(409, f"ledger_{kind}_exceeds",
                       f"{KIND_NAMES[kind]}金额 {format_fen(amount)} 元超过可用额度 {format_fen(limit)} 元"
                       f"（指标 {ind.id}）。",
                       {"indicator_id": ind.id, "amount": amount, "limit": limit})
    ind.amount += da
    ind.frozen += df
    ind.reserved += dr
    ind.paid += dp
    ind.available = ind.amount - ind.frozen - ind.reserved - ind.paid
    entry = LedgerEntry(indicator=ind, kind=kind, amount=amount,
                        application_id=application_id, actor_id=actor_id, memo=memo)
    session.add(entry)
    return entry


@dataclass
class Mismatch:
    indicator_id: str
    field: str
    cached: int
    journal: int


def check(session: Session) -> list[Mismatch]:
    """Recompute every indicator's balances from the journal and compare with the cache."""
    def s(kinds: tuple[str, ...], sign: int = 1):
        return func.coalesce(func.sum(case((LedgerEntry.kind.in_(kinds), LedgerEntry.amount),
                                           else_=0)), 0) * sign

    sums = (select(LedgerEntry.indicator_id.label("iid"),
                   (s(("release", "increase")) - s(("decrease",))).label("amount"),
                   (s(("freeze",)) - s(("unfreeze",))).label("frozen"),
                   (s(("reserve", "correct_in_reserved"))
                    - s(("release_reservation", "pay", "correct_out_reserved"))).label("reserved"),
                   (s(("pay", "correct_in_paid"))
                    - s(("refund", "correct_out_paid"))).label("paid"))
            .group_by(LedgerEntry.indicator_id).subquery())
    rows = session.execute(
        select(Indicator.id, Indicator.amount, Indicator.frozen, Indicator.reserved,
               Indicator.paid, Indicator.available, sums.c.amount, sums.c.frozen,
               sums.c.reserved, sums.c.paid)
        .outerjoin(sums, sums.c.iid == Indicator.id)).all()
    out: list[Mismatch] = []
    for r in rows:
        journal = [int(x or 0) for x in r[6:10]]
        cached = [r[1], r[2], r[3], r[4]]
        for name, c, j in zip(("amount", "frozen", "reserved", "paid"), cached, journal):
            if c != j:
                out.append(Mismatch(r[0], name, c, j))
        exp_avail = journal[0] - journal[1] - journal[2] - journal[3]
        if r[5] != exp_avail:
            out.append(Mismatch(r[0], "available", r[5], exp_avail))
        if exp_avail < 0:
            out.append(Mismatch(r[0], "available_negative", r[5], exp_avail))
    # Cross-check with the applications: what is 在途 on an indicator is exactly the sum of its
    # applications that hold a reservation.
    held = dict(session.execute(
        select(Application.indicator_id, func.sum(Application.amount))
        .where(Application.status.in_(RESERVING_STATUSES))
        .group_by(Application.indicator_id)).all())
    for iid, reserved in session.execute(select(Indicator.id, Indicator.reserved)).all():
        expected = int(held.get(iid) or 0)
        if reserved != expected:
            out.append(Mismatch(iid, "reserved_vs_applications", reserved, expected))
    # What is paid on an indicator that vouchers have paid is exactly Σ(paid − refunded) of its
    # vouchers: a 更正 that moved the money but not the voucher (or vice versa) shows up here.
    # Indicators without vouchers are skipped (the journal alone is their truth).
    by_voucher = dict(session.execute(
        select(PaymentVoucher.indicator_id,
               func.sum(PaymentVoucher.paid_amount - PaymentVoucher.refunded_amount))
        .group_by(PaymentVoucher.indicator_id)).all())
    if by_voucher:
        for iid, paid in session.execute(select(Indicator.id, Indicator.paid).where(
                Indicator.id.in_(list(by_voucher)))).all():
            expected = int(by_voucher.get(iid) or 0)
            if paid != expected:
                out.append(Mismatch(iid, "paid_vs_vouchers", paid, expected))
    orphans = session.execute(
        select(LedgerEntry.indicator_id).where(~LedgerEntry.indicator_id.in_(
            select(Indicator.id))).distinct()).scalars().all()
    for iid in orphans:
        out.append(Mismatch(iid, "orphan_journal", 0, 0))
    return out
