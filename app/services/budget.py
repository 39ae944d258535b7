"""Indicator balances and the offline budget pre-check (issue 5, item 5).

Two figures per indicator:

* ``confirmed_available`` — ``Indicator.available`` exactly as the server last confirmed it;
* ``available_after_pending`` — that minus the user's own applications the server has not
  accounted for yet (``pending_own``):
  - applications ``queued`` in the outbox, and
  - applications ``submitted`` whose acceptance (``ack_seq``, the server's head seq in the
    push answer) is beyond the pull cursor (``sync_state.last_server_seq``): the server
    reserved the money, but the mirror has not pulled that reservation yet.

Queueing an application whose amount exceeds ``available_after_pending`` is refused, naming
the rule (不得超指标) and the figures. The server's answer at sync time is final.
Arithmetic is integer fen only.
"""
from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import ColumnElement, and_, func, or_, select
from sqlalchemy.orm import Session

from app.db import Database
from app.models import Indicator, PaymentApplication, SyncState
from app.services.results import BudgetCheck, IndicatorBalance

try:  # the shared rules (another engineer's module); fall back to the same arithmetic
    from fiscal.rules.budget import format_fen as _format_fen
except ImportError:  # pragma: no cover - only before fiscal.rules exists

    def _format_fen(fen: int) -> str:
        sign = "-" if fen < 0 else ""
        fen = abs(int(fen))
        return f"{sign}{fen // 100:,}.{fen % 100:02d}"


RULE_CODE = "insufficient_balance"
RULE_NAME = "不得超指标"


def pending_condition() -> ColumnElement[bool]:
    """SQL condition: an application that counts against ``available_after_pending``."""
    pulled_up_to = (
        select(func.coalesce(func.max(SyncState.last_server_seq), 0))
        .where(SyncState.id == 1)
        .scalar_subquery()
    )
    return or_(
        PaymentApplication.local_status == "queued",
        and_(
            PaymentApplication.local_status == "submitted",
            PaymentApplication.ack_seq.is_not(None),
            PaymentApplication.ack_seq > pulled_up_to,
        ),
    )


def pending_own_amount(
    session: Session, indicator_id: str, *, exclude_application_id: str | None = None
) -> int:
    stmt = (
        select(func.coalesce(func.sum(PaymentApplication.amount), 0))
        .join(Indicator, Indicator.id == PaymentApplication.indicator_id)
        .where(PaymentApplication.indicator_id == indicator_id, pending_condition())
    )
    if exclude_application_id is not None:
        stmt = stmt.where(PaymentApplication.id != exclude_application_id)
    return int(session.scalar(stmt) or 0)


def evaluate_budget(
    *, indicator: Indicator, requested: int, pending_own: int
) -> BudgetCheck:
    """The pre-check itself: pure int-fen arithmetic over a loaded indicator."""
    confirmed = int(indicator.available)
    after = confirmed - int(pending_own)
    shortfall = max(0, int(requested) - after)
    ok = shortfall == 0
    message = ""
    if not ok:
        message = (
            f"{RULE_NAME}（离线预检）：指标 {indicator.id} 服务器确认的可用余额 "
            f"{_format_fen(confirmed)} 元，扣除您尚未被服务器确认的申请 {_format_fen(pending_own)} 元后"
            f"可用 {_format_fen(after)} 元；本次申请 {_format_fen(requested)} 元，"
            f"超出 {_format_fen(shortfall)} 元。请减少金额、改用其他指标或申请追加指标。"
            f"同步后以服务器的结果为准。"
        )
    return BudgetCheck(
        indicator_id=indicator.id,
        requested=int(requested),
        confirmed_available=confirmed,
        pending_own=int(pending_own),
        available_after_pending=after,
        ok=ok,
        shortfall=shortfall,
        rule_code=RULE_CODE,
        rule_name=RULE_NAME,
        message=message,
    )


def check_budget(
    *,
    db: Database,
    indicator_id: str,
    amount: int,
    exclude_application_id: str | None = None,
) -> BudgetCheck:
    """Live pre-check for the form (the same one ``queue_application`` enforces)."""
    from app.services.errors import NotFound

    with db.read() as s:
        ind = s.get(Indicator, indicator_id)
        if ind is None:
            raise NotFound(f"本地没有指标 {indicator_id}，请先同步。", field="indicator_id")
        pending = pending_own_amount(s, indicator_id, exclude_application_id=exclude_application_id)
        return evaluate_budget(indicator=ind, requested=amount, pending_own=pending)


def get_indicator_balances(
    *,
    db: Database,
    indicator_ids: Iterable[str] | None = None,
    fiscal_year: int | None = None,
    unit_code: str | None = None,
    text: str | None = None,
    include_inactive: bool = False,
    limit: int | None = None,
    offset: int = 0,
) -> list[IndicatorBalance]:
    """Indicators with both figures, ordered by id; one query whatever the count."""
    pending = (
        select(
            PaymentApplication.indicator_id.label("indicator_id"),
            func.sum(PaymentApplication.amount).label("pending"),
        )
        .join(Indicator, Indicator.id == PaymentApplication.indicator_id)
        .where(pending_condition())
        .group_by(PaymentApplication.indicator_id)
        .subquery()
    )
    cols = (
        Indicator.id, Indicator.fiscal_year, Indicator.unit_code, Indicator.func_code,
        Indicator.dep_eco_code, Indicator.doc_no, Indicator.doc_title, Indicator.pro_name,
        Indicator.executable, Indicator.active, Indicator.amount, Indicator.paid,
        Indicator.reserved, Indicator.frozen, Indicator.available, Indicator.confirmed_at,
        Indicator.server_seq,
    )
    stmt = (
        select(*cols, func.coalesce(pending.c.pending, 0).label("pending_own"))
        .outerjoin(pending, pending.c.indicator_id == Indicator.id)
        .order_by(Indicator.id)
        .offset(offset)
    )
    if indicator_ids is not None:
        stmt = stmt.where(Indicator.id.in_(list(indicator_ids)))
    if fiscal_year is not None:
        stmt = stmt.where(Indicator.fiscal_year == fiscal_year)
    if unit_code is not None:
        stmt = stmt.where(Indicator.unit_code == unit_code)
    if not include_inactive:
        stmt = stmt.where(Indicator.active.is_(True))
    if text:
        like = f"%{text.strip()}%"
        stmt = stmt.where(
            or_(
                Indicator.id.like(like),
                Indicator.doc_no.like(like),
                Indicator.doc_title.like(like),
                Indicator.pro_name.like(like),
                Indicator.func_code.like(f"{text.strip()}%"),
            )
        )
    if limit is not None:
        stmt = stmt.limit(limit)
    out = []
    with db.read() as s:  # plain rows, not ORM entities: 100 000 indicators in a few seconds
        for r in s.execute(stmt):
            pend = int(r.pending_own)
            out.append(
                IndicatorBalance(
                    id=r.id, fiscal_year=r.fiscal_year, unit_code=r.unit_code,
                    func_code=r.func_code, dep_eco_code=r.dep_eco_code, doc_no=r.doc_no,
                    doc_title=r.doc_title, pro_name=r.pro_name, executable=r.executable,
                    active=r.active, amount=r.amount, paid=r.paid, reserved=r.reserved,
                    frozen=r.frozen, confirmed_available=r.available, pending_own=pend,
                    available_after_pending=r.available - pend, confirmed_at=r.confirmed_at,
                    server_seq=r.server_seq,
                )
            )
    return out
