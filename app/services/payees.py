"""Payee address book (收款人): search as the user types; remembered when applications queue."""
from __future__ import annotations

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from app.db import Database
from app.models import Payee, utcnow
from app.services.results import Changes, PayeeView


def _view(p: Payee) -> PayeeView:
    return PayeeView(
        id=p.id, name=p.name, account_no=p.account_no, bank_name=p.bank_name,
        bank_code=p.bank_code, kind=p.kind, use_count=p.use_count, last_used_at=p.last_used_at,
        source=p.source,
    )


def search_payees(*, db: Database, text: str = "", limit: int = 20) -> list[PayeeView]:
    """Name substring or account-number prefix (spaces/dashes ignored); most used first."""
    text = (text or "").strip()
    stmt = select(Payee)
    if text:
        digits = "".join(ch for ch in text if ch.isdigit())
        conds = [Payee.name.like(f"%{text}%")]
        if digits and len(digits) == len(text.replace(" ", "").replace("-", "")):
            conds.append(Payee.account_no.like(f"{digits}%"))
        stmt = stmt.where(or_(*conds))
    stmt = stmt.order_by(
        Payee.use_count.desc(), Payee.last_used_at.desc().nulls_last(), Payee.name
    ).limit(limit)
    with db.read() as s:
        return [_view(p) for p in s.scalars(stmt)]


def _remember_payee(
    s: Session, *, name: str, account_no: str, bank_name: str = "", kind: str = "unit",
    bank_code: str | None = None, source: str = "local",
) -> Payee | None:
    name, account_no = name.strip(), account_no.strip()
    if not name or not account_no:
        return None
    payee = s.scalar(select(Payee).where(Payee.account_no == account_no, Payee.name == name))
    if payee is None:
        payee = Payee(name=name, account_no=account_no, bank_name=bank_name, kind=kind,
                      bank_code=bank_code, source=source, use_count=0)
        s.add(payee)
    elif bank_name:
        payee.bank_name = bank_name
    payee.kind = kind
    if source == "local":
        payee.use_count = (payee.use_count or 0) + 1
        payee.last_used_at = utcnow()
    return payee


def save_payee(
    *, db: Database, name: str, account_no: str, bank_name: str = "", kind: str = "unit",
    bank_code: str | None = None,
) -> tuple[PayeeView | None, Changes]:
    """Add or update an address-book entry by hand."""
    from app.services.applications import _normalise_account

    with db.transaction() as s:
        p = _remember_payee(s, name=name, account_no=_normalise_account(account_no),
                            bank_name=bank_name, kind=kind, bank_code=bank_code)
        s.flush()
        view = _view(p) if p else None
    return view, Changes(payees=True)
