"""The demo data of the 支付 screen (server.seed_approvals.seed_payments): approved applications
with vouchers in every state — sent in a batch and waiting, paid, bounced, refunded — plus one
approved application without a voucher; the ledger and the audit chain stay clean, and a second
seed-demo refuses without changing anything. SQLite and PostgreSQL."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from server import chain, ledger
from server.db import make_engine, make_session_factory
from server.errors import ApiError
from server.models import Application, PaymentBatch, PaymentBatchItem, PaymentVoucher, User

YEAR = 2026


@pytest.fixture(scope="module")
def seeded(database):
    from server.seed import seed_demo
    from server.seed_approvals import seed_applications
    from server.settings import load_settings
    from tests.server.conftest import _one_hash

    engine = make_engine(database.url)
    sm = make_session_factory(engine)
    settings = load_settings(database_url=database.url,
                             data_dir=__import__("pathlib").Path(database.data_dir))
    with sm() as s, _one_hash():
        chain.ensure_head(s)
        seed_demo(s, fiscal_year=YEAR)
        s.commit()
        seed_applications(s, fiscal_year=YEAR, settings=settings)
        s.commit()
    yield sm
    engine.dispose()


def test_vouchers_in_every_state(seeded):
    import uuid

    from server.seed_approvals import NS, PAYMENTS

    with seeded() as s:
        status = {}
        for key, yuan, *_ in PAYMENTS:
            app = s.get(Application, uuid.uuid5(NS, f"{YEAR}:{key}"))
            v = s.execute(select(PaymentVoucher).where(
                PaymentVoucher.application_id == app.id)).scalar_one_or_none()
            status[key] = (app.status, v.status if v else None, v.amount if v else app.amount)
            assert status[key][2] == yuan * 100
        assert status == {
            "pay_sent": ("submitted", "issued", 3_200_00),
            "pay_paid": ("paid", "paid", 4_800_00),
            "pay_bounced": ("voided", "bounced", 2_600_00),
            "pay_refunded": ("paid", "refunded", 5_500_00),
            "pay_waiting": ("submitted", None, 1_800_00),
        }
        [batch] = s.execute(select(PaymentBatch)).scalars().all()
        sent = set(s.execute(select(PaymentBatchItem.voucher_id)).scalars())
        assert batch.voucher_count == 4 and len(sent) == 4
        from server.services import payments as pay
        from server.services.org import Principal, scope_for
        gk = s.query(User).filter_by(username="gk").one()
        report = pay.reconciliation(s, principal=Principal(user=gk, unit_ids=scope_for(s, gk)))
        assert [v["amount_fen"] for v in report["vouchers_without_writeback"]] == [3_200_00]
        assert [(w["voucher_no"], w["amount_fen"]) for w in report["writebacks_without_voucher"]] == [
            (f"PZ{YEAR}33070000099999999", 1_500_00)]
        assert ledger.check(s) == []
        assert chain.verify(s).ok


def test_seeding_again_refuses_and_changes_nothing(seeded):
    from server.seed import seed_demo

    with seeded() as s:
        before = (s.query(PaymentVoucher).count(), s.query(Application).count())
        with pytest.raises(ApiError) as exc:
            seed_demo(s, fiscal_year=YEAR)
        assert exc.value.code == "demo_exists"
        s.rollback()
        assert (s.query(PaymentVoucher).count(), s.query(Application).count()) == before
