"""Bank files (issue 4): export of vouchers to the agent bank as a recorded batch, and import of
the bank's write-back (回单) file.

Export: every ``issued`` voucher the caller may see that was never sent goes into one batch
(batch no., file SHA-256, the bytes as sent, who/when, an audit event). A voucher is sent again
only when named in ``resend``. Exports are serialized by the batch-number counter row, so two
concurrent exports never put the same voucher in two files.

Import: all-or-nothing. The file is parsed (:mod:`server.services.bank_files`), then every line is
checked against the database; any bad line refuses the whole file with every problem named
(line, field, value, reason). Lines are idempotent by bank serial: a re-imported file changes
nothing and says so. A success pays exactly as the single write-back does (it calls
:func:`server.services.payments.write_back`), a bounce releases; an unknown voucher number is
recorded as a write-back without voucher (reconciliation), an amount that differs from the
voucher is refused — never "repaired".
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from fiscal.money import format_amount
from server import chain, ledger
from server.errors import ApiError, conflict
from server.models import (
    Application,
    BankWriteback,
    PaymentBatch,
    PaymentBatchItem,
    PaymentVoucher,
    Unit,
    WritebackImport,
    utcnow,
)
from server.services import bank_files as bf
from server.services import payments as pay
from server.services.org import Principal

SETTLEMENT_FIELD = "settlement_mode"


def _profile(bank: str | None, region: str | None) -> bf.Profile:
    try:
        return bf.resolve(bank, region)
    except bf.UnknownBank as exc:
        raise ApiError(422, "unknown_bank", str(exc), {"field": "bank", "value": bank}) from None
    except bf.FormatConfigError as exc:
        raise ApiError(500, "bank_format_config", f"银行文件格式配置有误：{exc}") from None


def _check_format(fmt: str) -> str:
    fmt = (fmt or "").lower()
    if fmt not in bf.FORMATS:
        raise ApiError(422, "unknown_file_format", f"文件格式 {fmt or '（空）'} 无效，应为 xml 或 csv。",
                       {"field": "format", "value": fmt})
    return fmt


def batch_public(b: PaymentBatch, voucher_nos: list[str] | None = None) -> dict:
    d = {"id": b.id, "batch_no": b.batch_no, "format": b.file_format, "profile": b.profile,
         "bank": b.bank_code, "region_code": b.region_code, "file_name": b.file_name,
         "sha256": b.sha256, "voucher_count": b.voucher_count, "total_fen": b.total_amount,
         "resend": b.resend, "created_by": b.created_by_name, "created_at": b.created_at}
    if voucher_nos is not None:
        d["vouchers"] = voucher_nos
    return d


def batch_vouchers(session: Session, batch: PaymentBatch) -> list[str]:
    return list(session.execute(
        select(PaymentVoucher.voucher_no).join(PaymentBatchItem,
                                               PaymentBatchItem.voucher_id == PaymentVoucher.id)
        .where(PaymentBatchItem.batch_id == batch.id).order_by(PaymentVoucher.id)).scalars())


def _records(session: Session, vouchers: list[PaymentVoucher]) -> list[dict]:
    apps = {a.id: a for a in session.execute(select(Application).where(
        Application.id.in_([v.application_id for v in vouchers]))).unique().scalars()}
    out = []
    for v in vouchers:
        a = apps[v.application_id]
        unit: Unit = a.unit
        out.append({
            "voucher_no": v.voucher_no, "voucher_date": v.created_at.astimezone(pay.SHANGHAI),
            "region_code": v.region_code, "fiscal_year": v.fiscal_year, "app_no": a.app_no,
            "unit_code": unit.code, "unit_name": unit.name, "indicator_id": v.indicator_id,
            "func_code": a.func_code, "dep_eco_code": a.dep_eco_code, "gov_eco_code": a.gov_eco_code,
            "payee_name": a.payee_name, "payee_account": a.payee_account,
            "payee_bank": a.payee_bank, "amount": v.amount,
            SETTLEMENT_FIELD: a.settlement_mode, "use_des": a.use_des})
    return out


def export(session: Session, *, principal: Principal, fmt: str, bank: str | None = None,
           region: str | None = None, resend: list[str] | None = None,
           request_id: str | None = None) -> PaymentBatch:
    """Build, record and return one batch (its ``content`` is the file)."""
    principal.require_role(*pay.TREASURY_ROLES)
    fmt = _check_format(fmt)
    p = _profile(bank, region)
    old = _replay(session, principal, request_id)
    if old is not None:
        return old  # a retry gets the same file, not a second batch
    # Taking the number first locks the counter row: exports are serialized from here on.
    now = utcnow()
    n = pay.next_number(session, "payment_batch")
    # … so a retry racing its original is caught here (at the price of one unused number).
    old = _replay(session, principal, request_id)
    if old is not None:
        return old
    batch_no = f"PB{now.astimezone(pay.SHANGHAI):%Y%m%d}{n:06d}"
    q = (select(PaymentVoucher).where(PaymentVoucher.status == "issued")
         .order_by(PaymentVoucher.id).with_for_update(of=PaymentVoucher))
    if principal.unit_ids is not None:
        q = q.where(PaymentVoucher.unit_id.in_(principal.unit_ids or {-1}))
    if region:
        q = q.where(PaymentVoucher.region_code == region)
    if resend:
        wanted = list(dict.fromkeys(x.strip() for x in resend if x.strip()))
        found = {v.voucher_no: v for v in session.execute(
            select(PaymentVoucher).where(PaymentVoucher.voucher_no.in_(wanted))).scalars()
            if principal.sees(v.unit_id)}
        problems = []
        for no in wanted:
            v = found.get(no)
            if v is None:
                problems.append({"voucher_no": no, "reason": "不存在或无权访问"})
            elif v.status != "issued":
                problems.append({"voucher_no": no, "reason": f"已回单（{v.status}），无需重发"})
            elif region and v.region_code != region:
                problems.append({"voucher_no": no, "reason": f"属于区划 {v.region_code}，不是 {region}"})
        if problems:
            raise ApiError(422, "resend_invalid", "以下支付凭证不能重发：" + "；".join(
                f"{x['voucher_no']} {x['reason']}" for x in problems) + "。", {"vouchers": problems})
        vouchers = list(session.execute(q.where(PaymentVoucher.voucher_no.in_(wanted))).scalars())
    else:
        sent = select(PaymentBatchItem.voucher_id)
        vouchers = list(session.execute(q.where(PaymentVoucher.id.not_in(sent))).scalars())
    if not vouchers:
        raise conflict("nothing_to_export", "没有待发送给代理银行的支付凭证（已导出过的凭证不会重复导出；"
                       "如银行未收到，请指定凭证号重发）。")
    records = _records(session, vouchers)
    total = sum(v.amount for v in vouchers)
    try:
        content = bf.render(p, fmt, records, batch={"batch_no": batch_no, "created_at": now,
                                                     "count": len(vouchers), "total": total})
    except bf.EncodeError as exc:
        raise ApiError(422, "export_encoding", str(exc),
                       {"voucher_no": exc.voucher_no, "field": exc.label, "char": exc.char}) from None
    b = PaymentBatch(batch_no=batch_no, request_id=request_id or None, file_format=fmt,
                     profile=p.id, bank_code=bank, region_code=region,
                     file_name=f"{batch_no}.{fmt}", sha256=hashlib.sha256(content).hexdigest(),
                     content=content, voucher_count=len(vouchers), total_amount=total,
                     resend=bool(resend), created_by=principal.user.id,
                     created_by_name=principal.user.username, created_at=now)
    session.add(b)
    session.flush()
    session.add_all(PaymentBatchItem(batch_id=b.id, voucher_id=v.id) for v in vouchers)
    chain.audit(session, actor=principal.actor, action="payment_batch.export",
                entity_type="payment_batch", entity_id=batch_no,
                after=batch_public(b, [v.voucher_no for v in vouchers]),
                detail={"sha256": b.sha256, "format": fmt, "profile": p.id, "bank": bank,
                        "count": len(vouchers), "total": total, "resend": bool(resend)})
    return b


def _replay(session: Session, principal: Principal, request_id: str | None) -> PaymentBatch | None:
    if not request_id:
        return None
    old = session.execute(select(PaymentBatch).where(
        PaymentBatch.request_id == request_id)).scalar_one_or_none()
    if old is not None and old.created_by != principal.user.id:
        raise conflict("request_id_used", f"请求编号 {request_id} 已被其他用户使用。")
    return old


def list_batches(session: Session, *, principal: Principal, limit: int = 100) -> list[dict]:
    principal.require_role(*pay.TREASURY_ROLES)
    out = []
    for b in session.execute(select(PaymentBatch).order_by(PaymentBatch.id.desc()).limit(limit)).scalars():
        if _batch_visible(session, principal, b):
            out.append(batch_public(b, batch_vouchers(session, b)))
    return out


def _batch_visible(session: Session, principal: Principal, b: PaymentBatch) -> bool:
    if principal.unit_ids is None:
        return True
    units = set(session.execute(select(PaymentVoucher.unit_id).join(
        PaymentBatchItem, PaymentBatchItem.voucher_id == PaymentVoucher.id)
        .where(PaymentBatchItem.batch_id == b.id)).scalars())
    return units <= set(principal.unit_ids)


def get_batch(session: Session, *, principal: Principal, batch_no: str) -> PaymentBatch:
    principal.require_role(*pay.TREASURY_ROLES)
    b = session.execute(select(PaymentBatch).where(PaymentBatch.batch_no == batch_no)).scalar_one_or_none()
    if b is None or not _batch_visible(session, principal, b):
        raise ApiError(404, "not_found", f"支付文件批次 {batch_no} 不存在或无权访问。", {"id": batch_no})
    return b


# ---------------------------------------------------------------------------------------------
# write-back import
# ---------------------------------------------------------------------------------------------

@dataclass
class _Planned:
    line: bf.WritebackLine
    voucher: PaymentVoucher | None  # None = unknown voucher number


def sniff_format(data: bytes, file_name: str | None) -> str:
    if file_name and "." in file_name:
        ext = file_name.rsplit(".", 1)[1].lower()
        if ext in bf.FORMATS:
            return ext
    head = data.lstrip(b"\xef\xbb\xbf \t\r\n")[:1]
    return "xml" if head == b"<" else "csv"


def _refuse(errors: list[bf.LineError], file_name: str | None) -> ApiError:
    shown = "；".join(e.message() for e in errors[:5])
    more = f"；另有 {len(errors) - 5} 处" if len(errors) > 5 else ""
    return ApiError(422, "writeback_file_invalid",
                    f"回单文件{('“' + file_name + '”') if file_name else ''}有 {len(errors)} 处错误，"
                    f"未导入任何记录：{shown}{more}。请更正后重新导入整个文件。",
                    {"errors": [e.as_dict() for e in errors], "file_name": file_name})


def import_writeback(session: Session, *, principal: Principal, data: bytes,
                     fmt: str | None = None, bank: str | None = None, region: str | None = None,
                     file_name: str | None = None) -> dict:
    principal.require_role(*pay.TREASURY_ROLES)
    fmt = _check_format(fmt) if fmt else sniff_format(data, file_name)
    p = _profile(bank, region)
    lines, errors = bf.parse_writeback(p, fmt, data)
    if errors:
        raise _refuse(errors, file_name)
    cols = {c.key: c.label for c in p.writeback_fields}

    def err(ln: bf.WritebackLine, key: str, value, reason: str) -> None:
        errors.append(bf.LineError(ln.line, cols[key], None if value is None else str(value), reason))

    # Lock the vouchers first, in id order (two imports sharing vouchers queue up instead of
    # deadlocking); the serial check below then sees whatever a concurrent import committed.
    nos = sorted({ln.voucher_no for ln in lines})
    vouchers = {v.voucher_no: v for v in session.execute(
        select(PaymentVoucher).where(PaymentVoucher.voucher_no.in_(nos))
        .order_by(PaymentVoucher.id).with_for_update(of=PaymentVoucher)
        .execution_options(populate_existing=True)).scalars()}
    known = {w.bank_serial: w for w in session.execute(select(BankWriteback).where(
        BankWriteback.bank_serial.in_([ln.bank_serial for ln in lines]))).scalars()}
    legacy = {v.bank_serial: v for v in session.execute(select(PaymentVoucher).where(
        PaymentVoucher.bank_serial.in_([ln.bank_serial for ln in lines]))).scalars()}
    plan: list[_Planned] = []
    duplicates = 0
    first_line_of_voucher: dict[str, int] = {}
    for ln in lines:
        w = known.get(ln.bank_serial)
        if w is not None or ln.bank_serial in legacy:
            same = (w.voucher_no == ln.voucher_no and w.amount == ln.amount
                    and w.success == ln.success) if w is not None else (
                legacy[ln.bank_serial].voucher_no == ln.voucher_no)
            if same:
                duplicates += 1  # imported before: idempotent
            else:
                old_no = w.voucher_no if w is not None else legacy[ln.bank_serial].voucher_no
                err(ln, "bank_serial", ln.bank_serial,
                    f"该流水号已于此前导入（凭证 {old_no}），但本行内容不同；同一流水号不能对应两笔回单，请与代理银行核实。")
            continue
        v = vouchers.get(ln.voucher_no)
        if v is not None and not principal.sees(v.unit_id):
            err(ln, "voucher_no", ln.voucher_no, "该支付凭证不在您的管辖范围内，不能办理其回单。")
            continue
        if ln.voucher_no in first_line_of_voucher:
            err(ln, "voucher_no", ln.voucher_no,
                f"与第 {first_line_of_voucher[ln.voucher_no]} 行是同一支付凭证，一张凭证只能有一条回单。")
            continue
        first_line_of_voucher[ln.voucher_no] = ln.line
        if v is None:
            plan.append(_Planned(ln, None))
            continue
        if v.status != "issued":
            err(ln, "voucher_no", ln.voucher_no,
                f"该凭证已回单（{_STATUS.get(v.status, v.status)}，银行流水号 {v.bank_serial}），不能再次回单。")
            continue
        if ln.amount != v.amount:
            err(ln, "amount", p.format_amount(ln.amount),
                f"与支付凭证金额 {format_amount(v.amount)} 元不符（回单 {format_amount(ln.amount)} 元）；"
                "金额不符的回单不予入账，请与代理银行核实。")
            continue
        plan.append(_Planned(ln, v))
    if errors:
        raise _refuse(errors, file_name)
    sha = hashlib.sha256(data).hexdigest()
    if not plan:
        return {"already_imported": True, "sha256": sha, "lines": len(lines), "applied": 0,
                "paid": 0, "bounced": 0, "unmatched": 0, "duplicates": duplicates,
                "message": f"该回单文件的 {len(lines)} 条记录此前均已导入，本次未做任何更改。"}
    # Lock order of a single write-back is voucher → application → indicator; take the
    # applications and indicators of the whole file in id order up front so that two imports
    # touching the same indicators cannot deadlock half-way.
    matched = [x.voucher for x in plan if x.voucher is not None]
    app_of: dict = {}
    ind_of: dict = {}
    if matched:
        app_of = {a.id: a for a in session.execute(
            select(Application).where(Application.id.in_(sorted(v.application_id for v in matched)))
            .order_by(Application.id).with_for_update(of=Application)
            .execution_options(populate_existing=True)).unique().scalars()}
        for iid in sorted({v.indicator_id for v in matched}):
            ind_of[iid] = ledger.lock_indicator(session, iid)
    imp = WritebackImport(sha256=sha, file_name=(file_name or "")[:200] or None, file_format=fmt,
                          profile=p.id, lines=len(lines), applied=len(matched),
                          unmatched=len(plan) - len(matched), duplicates=duplicates,
                          created_by=principal.user.id, created_by_name=principal.user.username)
    session.add(imp)
    session.flush()
    paid = bounced = 0
    with session.no_autoflush:  # one flush for the whole file, not one per line
        for x in plan:
            ln = x.line
            paid_at = datetime.combine(ln.paid_on, datetime.min.time(), tzinfo=pay.SHANGHAI)
            if x.voucher is None:
                session.add(BankWriteback(
                    bank_serial=ln.bank_serial, voucher_no=ln.voucher_no, voucher_id=None,
                    import_id=imp.id, line_no=ln.line, success=ln.success, amount=ln.amount,
                    paid_on=ln.paid_on.isoformat(), actual_payee=ln.actual_payee,
                    created_by=principal.user.id))
                chain.audit(session, actor=principal.actor, action="writeback.unmatched",
                            entity_type="bank_writeback", entity_id=ln.bank_serial,
                            after=ln.as_dict(), detail={"import_id": imp.id})
                continue
            # the same bookkeeping as the single write-back API; the checks it would make
            # (serial, status, scope) were made above for the whole file under the same locks
            v = x.voucher
            pay.apply_write_back(session, principal=principal, voucher=v,
                                 app=app_of[v.application_id], ind=ind_of[v.indicator_id],
                                 success=ln.success, amount_fen=ln.amount,
                                 bank_serial=ln.bank_serial, paid_at=paid_at,
                                 actual_payee=ln.actual_payee, import_id=imp.id, line_no=ln.line)
            if ln.success:
                paid += 1
            else:
                bounced += 1
    try:
        session.flush()
    except IntegrityError:
        # only reachable when a concurrent import recorded the same unknown-voucher serial
        raise conflict("writeback_concurrent", "另一回单文件正在导入相同的银行流水，请稍后重新导入本文件"
                       "（已导入的记录会被自动跳过）。") from None
    unmatched = len(plan) - len(matched)
    chain.audit(session, actor=principal.actor, action="writeback.import",
                entity_type="writeback_import", entity_id=imp.id,
                detail={"sha256": sha, "file_name": file_name, "format": fmt, "profile": p.id,
                        "lines": len(lines), "paid": paid, "bounced": bounced,
                        "unmatched": unmatched, "duplicates": duplicates})
    parts = [f"支付成功 {paid} 笔", f"退票 {bounced} 笔"]
    if unmatched:
        parts.append(f"无对应凭证 {unmatched} 笔（已记录，见对账报告）")
    if duplicates:
        parts.append(f"此前已导入 {duplicates} 笔（跳过）")
    return {"already_imported": False, "import_id": imp.id, "sha256": sha, "lines": len(lines),
            "applied": len(matched), "paid": paid, "bounced": bounced, "unmatched": unmatched,
            "duplicates": duplicates, "message": f"回单已导入：{'，'.join(parts)}。"}


_STATUS = {"paid": "已支付", "bounced": "已退票", "refunded": "已退款", "issued": "待回单"}
