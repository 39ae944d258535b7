"""Payee address book (收款人): search as the user types; remembered when applications queue."""
from __future__ import annotations

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from app.db import Database
from app.models import Payee, utcnow
from app.services.errors import InvalidField, NotFound
from app.services.results import Changes, PayeeSaved, PayeeView
from fiscal.ids import check_resident_id

PHONE_MAX, REMARK_MAX = 40, 300  # the columns' sizes (app.models.Payee)


def _view(p: Payee) -> PayeeView:
    return PayeeView(
        id=p.id, name=p.name, account_no=p.account_no, bank_name=p.bank_name,
        bank_code=p.bank_code, kind=p.kind, use_count=p.use_count, last_used_at=p.last_used_at,
        source=p.source, id_no=p.id_no, phone=p.phone, remark=p.remark,
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
    bank_code: str | None = None, source: str = "local", id_no: str | None = None,
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
    if id_no:  # the 身份证号 the application was sent with (already checked)
        payee.id_no = id_no
    if source == "local":
        payee.use_count = (payee.use_count or 0) + 1
        payee.last_used_at = utcnow()
    return payee


def clean_details(*, id_no: str | None, phone: str | None,
                  remark: str | None) -> tuple[str | None, str | None, str | None]:
    """身份证号 / 联系电话 / 备注 as stored (blank → None); bad input → :class:`InvalidField`
    naming the field, before anything is written."""
    id_no = (id_no or "").strip().replace(" ", "").upper() or None
    phone = (phone or "").strip() or None
    remark = (remark or "").strip() or None
    check = check_resident_id(id_no) if id_no is not None else None
    if check is not None and not check.ok:
        raise InvalidField(check.message + ("，请核对。" if check.code == "checksum" else "。"),
                           field="id_no")
    if phone is not None and len(phone) > PHONE_MAX:
        raise InvalidField(f"联系电话不能超过{PHONE_MAX}个字符（现为{len(phone)}个）。", field="phone")
    if remark is not None and len(remark) > REMARK_MAX:
        raise InvalidField(f"备注不能超过{REMARK_MAX}个字符（现为{len(remark)}个）。", field="remark")
    return id_no, phone, remark


def save_payee(
    *, db: Database, name: str, account_no: str, bank_name: str = "", kind: str = "unit",
    bank_code: str | None = None, id_no: str | None = None, phone: str | None = None,
    remark: str | None = None,
) -> tuple[PayeeView | None, Changes]:
    """Add or update an address-book entry by hand."""
    from app.services.applications import _normalise_account

    id_no, phone, remark = clean_details(id_no=id_no, phone=phone, remark=remark)
    with db.transaction() as s:
        p = _remember_payee(s, name=name, account_no=_normalise_account(account_no),
                            bank_name=bank_name, kind=kind, bank_code=bank_code)
        if p is not None:
            p.id_no, p.phone, p.remark = (id_no or p.id_no, phone or p.phone,
                                          remark or p.remark)
        s.flush()
        view = _view(p) if p else None
    return view, Changes(payees=True)


def update_payee_details(*, db: Database, payee_id: int, id_no: str | None,
                         phone: str | None, remark: str | None) -> PayeeSaved:
    """Edit an address-book entry's 身份证号, 联系电话 and 备注 (blank clears). A 身份证号
    marks the entry as a personal payee."""
    id_no, phone, remark = clean_details(id_no=id_no, phone=phone, remark=remark)
    with db.transaction() as s:
        p = s.get(Payee, payee_id)
        if p is None:
            raise NotFound(f"地址簿中没有编号为 {payee_id} 的收款人（可能已被删除），请刷新后重试。")
        p.id_no, p.phone, p.remark = id_no, phone, remark
        if id_no:
            p.kind = "person"
        s.flush()
        view = _view(p)
    return PayeeSaved(view, Changes(payees=True))
