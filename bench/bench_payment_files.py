"""Bank payment files at the service level (no HTTP): export of 2,000 issued vouchers as one XML
batch, import of the bank's 2,000-line write-back file in one all-or-nothing transaction, and as
the baseline the same number of single write-backs each in its own transaction (what a client
calling ``POST /vouchers/{id}/writeback`` in a loop costs). SQLite always; PostgreSQL when
JINCAI_TEST_PG_URL is set. Ends with ``ledger check`` and ``audit verify`` clean.
"""
from __future__ import annotations

import os
import tempfile
import time
import uuid
from datetime import date

N = 2_000


def _setup(url: str):
    from server import chain, ledger
    from server.db import make_engine, make_session_factory
    from server.migrate import upgrade
    from server.models import Indicator, User
    from server.services import org
    engine = make_engine(url)
    upgrade(engine)
    sm = make_session_factory(engine)
    with sm() as s:
        chain.ensure_head(s)
        org.ensure_region(s, "330700000", "金华市本级")
        org.create_department(s, code="D1", name="压测部门", region_code="330700000")
        unit = org.create_unit(s, code="U1", name="压测单位", department_code="D1", unit_type="行政")
        org.create_user(s, username="bench_admin", password="Bench-Passw0rd-2026", role="admin")
        s.flush()
        ind = Indicator(id="BENCH-PF", fiscal_year=2026, region_code="330700000", unit_id=unit.id,
                        func_code="2010101", dep_eco_code="30299", amount=0, frozen=0, reserved=0,
                        paid=0, available=0)
        s.add(ind)
        s.flush()
        ledger.post(s, ind, "release", 10**13)
        s.commit()
        uid = s.query(User).filter_by(username="bench_admin").one().id
    return engine, sm, unit.id, uid


def _vouchers(sm, unit_id: int, tag: str) -> list[int]:
    """N submitted applications with their reservation and an issued voucher each."""
    from server import ledger
    from server.models import Application, PaymentVoucher
    with sm() as s:
        ind = ledger.lock_indicator(s, "BENCH-PF")
        vs = []
        for i in range(N):
            amount = 100_00 + i
            app = Application(id=uuid.uuid4(), app_no=f"B{tag}{i:06d}", status="submitted",
                              version=1, fiscal_year=2026, region_code="330700000",
                              unit_id=unit_id, indicator_id=ind.id, amount=amount,
                              func_code="2010101", dep_eco_code="30299", gov_eco_code="50299",
                              payee_name=f"收款单位{i}", payee_account=f"62220212345{i:06d}",
                              payee_bank="中国工商银行金华分行", use_des="压测付款")
            s.add(app)
            ledger.post(s, ind, "reserve", amount, application_id=app.id)
            v = PaymentVoucher(voucher_no=f"PZ{tag}{i:08d}", application_id=app.id,
                               fiscal_year=2026, region_code="330700000", unit_id=unit_id,
                               indicator_id=ind.id, amount=amount, status="issued",
                               paid_amount=0, refunded_amount=0)
            s.add(v)
            vs.append(v)
        s.commit()
        return [v.id for v in vs]


def _measure(kind: str, url: str) -> list[dict]:
    from fiscal.money import parse_amount
    from server import chain, ledger
    from server.models import PaymentVoucher, User
    from server.services import bank_files as bf
    from server.services import payment_files, payments
    from server.services.org import Principal
    engine, sm, unit_id, uid = _setup(url)
    rows = []
    try:
        _vouchers(sm, unit_id, "A")
        with sm() as s:
            p = Principal(user=s.get(User, uid), unit_ids=None)
            t0 = time.perf_counter()
            b = payment_files.export(s, principal=p, fmt="xml")
            s.commit()
            t_export = time.perf_counter() - t0
            content = b.content
        recs, errors = bf.read_records(bf.resolve(), "xml", content, kind="export")
        assert not errors and len(recs) == N
        data = bf.render_writeback(bf.resolve(), "xml", [
            {"voucher_no": r["VOU_NO"], "amount": parse_amount(r["PAY_AMT"]),
             "date": date(2026, 3, 2), "bank_serial": f"BA{i:08d}", "success": True}
            for i, (_, r) in enumerate(recs)])
        with sm() as s:
            p = Principal(user=s.get(User, uid), unit_ids=None)
            t0 = time.perf_counter()
            res = payment_files.import_writeback(s, principal=p, data=data, fmt="xml")
            s.commit()
            t_import = time.perf_counter() - t0
        assert res["paid"] == N, res
        ids = _vouchers(sm, unit_id, "B")
        t0 = time.perf_counter()
        for i, vid in enumerate(ids):
            with sm() as s:
                p = Principal(user=s.get(User, uid), unit_ids=None)
                payments.write_back(s, principal=p, voucher_id=vid, success=True, amount_fen=None,
                                    bank_serial=f"BB{i:08d}", paid_at=None, actual_payee=None)
                s.commit()
        t_single = time.perf_counter() - t0
        with sm() as s:
            assert ledger.check(s) == []
            assert chain.verify(s).ok
            assert s.query(PaymentVoucher).filter_by(status="paid").count() == 2 * N
        rows.append({"benchmark": f"payment file export, {N:,} vouchers, XML ({kind})",
                     "value": round(t_export, 3), "unit": "s",
                     "note": f"{len(content) / 1024:,.0f} KiB, one recorded batch"})
        rows.append({"benchmark": f"write-back file import, {N:,} lines ({kind})",
                     "value": round(t_import, 3), "unit": "s", "baseline": round(t_single, 3),
                     "ratio": t_import / t_single if t_single else None,
                     "note": f"baseline: {N:,} single write-backs, one transaction each"})
    finally:
        engine.dispose()
    return rows


def run() -> list[dict]:
    rows = []
    with tempfile.TemporaryDirectory(prefix="jincai-bench-pf-") as d:
        rows += _measure("SQLite", f"sqlite:///{d}/bench.sqlite3")
    pg = os.environ.get("JINCAI_TEST_PG_URL", "").strip()
    if not pg:
        rows.append({"benchmark": "payment files (PostgreSQL)", "value": "", "unit": "",
                     "note": "skipped: JINCAI_TEST_PG_URL is empty"})
        return rows
    from urllib.parse import quote

    from sqlalchemy import create_engine, text
    schema = f"bench_pf_{uuid.uuid4().hex[:8]}"
    admin = create_engine(pg, isolation_level="AUTOCOMMIT")
    with admin.connect() as c:
        c.execute(text(f'CREATE SCHEMA "{schema}"'))
    try:
        sep = "&" if "?" in pg else "?"
        rows += _measure("PostgreSQL", f"{pg}{sep}options={quote(f'-csearch_path={schema}')}")
    finally:
        with admin.connect() as c:
            c.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        admin.dispose()
    return rows


if __name__ == "__main__":
    for row in run():
        print(row)
