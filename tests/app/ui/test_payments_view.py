"""The treasury's 支付 screen against the real server app in-process: a treasury user issues a
voucher, exports a CSV bank file that parses back to the vouchers shown, imports a write-back
file with one bad line (the line, field, value and reason are shown; nothing changes on the
server), then a good one (已支付); refund and reconciliation; an accountant has no 支付 entry."""
from __future__ import annotations

import csv
import io

import pytest

pytest.importorskip("fastapi")
pytest.importorskip("server.app")

from app.db import open_database
from app.services import payments as svc
from app.ui.context import SignedInUser, UiContext
from app.ui.payments_view import PaymentsView

URL = "http://testserver"
T = "/api/v1"
WB_HEADER = "支付凭证号,实际支付金额,实际支付日期,银行交易流水号,实际收款人全称,支付状态\r\n"


def _add_user(world, username, role, unit=None, oversees=None):
    from server.models import User
    from server.services import org
    from server.services.auth import _issue
    from tests.server.conftest import PASSWORD, Api, _one_hash

    with world.session() as s, _one_hash():
        org.create_user(s, username=username, password=PASSWORD, role=role, unit_code=unit,
                        oversees=oversees)
        s.commit()
    with world.session() as s:
        user = s.query(User).filter_by(username=username).one()
        pair = _issue(s, world.settings, user, device_id=f"dev-{username}", device_name=None)
        s.commit()
    world.apis[username] = Api(world.client, pair["access_token"])


def _approved(world, amount_fen: int, payee: str) -> str:
    from tests.server.conftest import draft, new_id

    app_id = new_id()
    acc = world.api("acc_a1")
    r = acc.put(f"{T}/applications/{app_id}", json=draft("PV-1", amount_fen, payee_name=payee))
    assert r.status_code == 201, r.text
    assert acc.post(f"{T}/applications/{app_id}/submit").status_code == 200
    for u in ("acc2_a1", "fin_a1"):
        ev = world.api("admin").get(f"{T}/applications/{app_id}").json()["version"]
        r = world.api(u).post(f"{T}/applications/{app_id}/decisions",
                              json={"kind": "approve", "expected_version": ev})
        assert r.status_code == 200, r.text
    return app_id


def _db_params():
    from tests.server.conftest import DB_PARAMS

    return DB_PARAMS


@pytest.fixture(params=_db_params())
def world(request, tmp_path, monkeypatch):
    from server.services import monitoring
    from tests.server.conftest import build_world, drop_database, indicator, make_database

    # same-day totals / split-payment warnings would block these approvals; they have their
    # own tests on the server side
    monkeypatch.setattr(monitoring, "on_submit", lambda *a, **k: [])
    database = make_database(request.param, tmp_path / "server")
    request.addfinalizer(lambda: drop_database(database))
    w = build_world(database)
    _add_user(w, "acc2_a1", "accountant", "A1")
    r = w.api("bur_a").post(f"{T}/indicators/bulk", json={"items": [
        indicator("PV-1", "A1", 1_000_000_00, func="20101", eco="302", fund_type_code="1")]})
    assert r.status_code == 200, r.text
    w.app_ids = [_approved(w, 12_345_67, "金华市某某文具有限公司"),
                 _approved(w, 8_000_00, "浙江某某印刷有限公司")]
    yield w
    w.client.close()
    w.app.state.engine.dispose()


def _desk(qtbot, runner, tmp_path, world, username: str, role: str):
    from app.sync.http import HttpTransport, sign_in
    from tests.server.conftest import PASSWORD

    db = open_database(tmp_path / f"client-{username}" / "jincai.sqlite3", backup=False)
    sign_in(db=db, server_url=URL, username=username, password=PASSWORD,
            device_id=f"dev-ui-{username}", client=world.client)
    user = SignedInUser(username, username, (role,), None, URL, online=True)
    ctx = UiContext(db, runner, user=user)

    def transport(_db):
        return HttpTransport(server_url=URL, username=username, device_id=f"dev-ui-{username}",
                             client=world.client)

    view = PaymentsView(ctx, transport_factory=transport)
    qtbot.addWidget(view)
    return view, db


def _act(qtbot, view, fn, *args, ok: bool = True, **kw) -> str:
    qtbot.waitUntil(lambda: not view.is_busy(), timeout=20_000)  # e.g. the reload after an action
    with qtbot.waitSignal(view.sig_action_finished, timeout=20_000) as blocker:
        fn(*args, **kw)
    assert blocker.args[0] is ok, (blocker.args, view.message.text())
    return blocker.args[1]


def _reload(qtbot, view):
    """A fresh read of the desk (after the reload an action's success may have started)."""
    if view.is_busy():
        qtbot.waitSignal(view.sig_loaded, timeout=20_000).wait()
    with qtbot.waitSignal(view.sig_loaded, timeout=20_000):
        view.refresh()


def _shown(view) -> dict[str, tuple[str, ...]]:
    """What the table shows: voucher no → the row's texts."""
    m = view.vouchers
    return {m.index(r, 0).data(): tuple(m.index(r, c).data() for c in range(m.columnCount()))
            for r in range(m.rowCount())}


def test_treasury_exports_csv_and_imports_write_backs(qtbot, runner, tmp_path, world):
    view, db = _desk(qtbot, runner, tmp_path, world, "treas", "treasury")
    _reload(qtbot, view)
    assert view.vouchers.rowCount() == 0 and view.awaiting.rowCount() == 2
    # one voucher through the screen, one through the API (both are "shown")
    _act(qtbot, view, view.issue_voucher_for, world.app_ids[0])
    _reload(qtbot, view)
    assert world.api("treas").post(f"{T}/applications/{world.app_ids[1]}/voucher").status_code == 200
    _reload(qtbot, view)
    shown = _shown(view)
    assert len(shown) == 2 and view.awaiting.rowCount() == 0
    amounts = {no: row[3] for no, row in shown.items()}
    assert sorted(amounts.values()) == ["12,345.67", "8,000.00"]
    assert {row[4] for row in shown.values()} == {"待回单"}
    big = next(no for no, a in amounts.items() if a == "12,345.67")
    row = next(r for r in range(view.vouchers.rowCount()) if view.vouchers.index(r, 0).data() == big)
    from PySide6.QtCore import Qt
    assert view.vouchers.index(row, 3).data(Qt.ItemDataRole.ToolTipRole) == "壹万贰仟叁佰肆拾伍元陆角柒分"

    # export: CSV saved where the user chose; it parses back to exactly the vouchers shown
    out = tmp_path / "银行文件" / "pay.csv"
    _act(qtbot, view, view.export_bank_file_to, out, "csv")
    text = out.read_bytes().decode("utf-8-sig")
    records = list(csv.DictReader(io.StringIO(text)))
    assert {r["支付凭证号"]: r["支付金额"] for r in records} == {
        no: a.replace(",", "") for no, a in amounts.items()}
    assert {r["收款人全称"] for r in records} == {row[2] for row in shown.values()}
    _reload(qtbot, view)
    batches = {row[5] for row in _shown(view).values()}
    assert len(batches) == 1 and batches.pop().startswith("PB")
    # a second export has nothing left to send: a clear refusal, no file written
    again = tmp_path / "again.csv"
    message = _act(qtbot, view, view.export_bank_file_to, again, "csv", ok=False)
    assert "没有待发送" in message and not again.exists()

    # write-back file with one bad line (amount differs): every problem named, nothing changed
    small = next(no for no in amounts if no != big)
    bad = tmp_path / "回单-错.csv"
    bad.write_text(WB_HEADER + f"{big},12345.67,2026-11-20,SER-0001,,成功\r\n"
                   f"{small},7999.00,2026-11-20,SER-0002,,成功\r\n", encoding="utf-8")
    before = world.counts()
    message = _act(qtbot, view, view.import_writeback_from, bad, ok=False)
    assert "未导入任何记录" in message
    errors = [view.errors.item(i).text() for i in range(view.errors.count())]
    assert len(errors) == 1 and not view.errors.isHidden()
    assert errors[0].startswith("第 3 行 实际支付金额“7999.00”：与支付凭证金额 8,000.00 元不符")
    assert world.counts() == before
    _reload(qtbot, view)
    assert {row[4] for row in _shown(view).values()} == {"待回单"}

    # the good file: both paid (and a re-import changes nothing)
    good = tmp_path / "回单.csv"
    good.write_text(WB_HEADER + f"{big},12345.67,2026-11-20,SER-0001,,成功\r\n"
                    f"{small},8000.00,2026-11-20,SER-0002,,成功\r\n", encoding="utf-8")
    message = _act(qtbot, view, view.import_writeback_from, good)
    assert "支付成功 2 笔" in message and view.errors.count() == 0
    _reload(qtbot, view)
    assert {row[4] for row in _shown(view).values()} == {"已支付"}
    before = world.counts()
    assert "此前均已导入" in _act(qtbot, view, view.import_writeback_from, good)
    assert world.counts()["bank_writebacks"] == before["bank_writebacks"]

    # refund part of the small one: 已支付 stays (partly refunded), the indicator recovers
    _reload(qtbot, view)
    row = next(r for r in range(view.vouchers.rowCount()) if view.vouchers.index(r, 0).data() == small)
    view.voucher_table.selectRow(row)
    paid_before = world.api("admin").get(f"{T}/indicators/PV-1").json()
    _act(qtbot, view, view.refund_current, 1_000_00, "收款人多收，退回部分款项")
    _reload(qtbot, view)
    assert view.voucher_by_no(small).refunded_fen == 1_000_00
    paid_after = world.api("admin").get(f"{T}/indicators/PV-1").json()
    assert paid_after != paid_before

    # 更正: the economic code is re-booked, both versions are kept, no money moves
    assert view.current_voucher().voucher_no == small
    _act(qtbot, view, view.correct_current, reason="经济分类填错，更正为办公费", dep_eco_code="30201")
    [c] = svc.corrections(transport=view._transport_factory(db), voucher_id=view.voucher_by_no(small).id)
    assert c["before"]["dep_eco_code"] == "30299" and c["after"]["dep_eco_code"] == "30201"
    def money(d):
        return {k: v for k, v in d.items() if k not in ("updated_at", "seq")}
    assert money(world.api("admin").get(f"{T}/indicators/PV-1").json()) == money(paid_after)
    message = _act(qtbot, view, view.correct_current, reason="x", dep_eco_code="30202", ok=False)
    assert "更正原因" in message

    # reconciliation: a write-back for an unknown voucher lands in 回单无凭证
    orphan = tmp_path / "回单-未知.csv"
    orphan.write_text(WB_HEADER + "PZ2026330700000099999999,50.00,2026-11-21,SER-9,,成功\r\n",
                      encoding="utf-8")
    assert "无对应凭证 1 笔" in _act(qtbot, view, view.import_writeback_from, orphan)
    _act(qtbot, view, view.load_reconciliation)
    assert view.unmatched_vouchers.count() == 0
    assert view.orphan_writebacks.count() == 1
    assert "PZ2026330700000099999999" in view.orphan_writebacks.item(0).text()
    xlsx = tmp_path / "对账.xlsx"
    _act(qtbot, view, view.export_reconciliation_to, xlsx)
    import openpyxl
    cells = [c for row in openpyxl.load_workbook(xlsx).active.iter_rows(values_only=True)
             for c in row if c is not None]
    assert "回单无凭证" in cells and "PZ2026330700000099999999" in cells
    runner.wait_idle(5000)
    db.close()


def test_bureau_looks_and_keyboard_drives_the_desk(qtbot, runner, tmp_path, world):
    from PySide6.QtCore import Qt

    view, db = _desk(qtbot, runner, tmp_path, world, "bur_a", "bureau_division")
    _reload(qtbot, view)
    assert view.awaiting.rowCount() == 2 and not view.desk.can_act
    assert not view.actions_by_key["issue"].isEnabled()
    assert not view.actions_by_key["export"].isEnabled()
    assert "国库支付中心办理" in view.message.text()
    # the server says no too, whatever the client shows
    r = world.api("bur_a").post(f"{T}/applications/{world.app_ids[0]}/voucher")
    assert r.status_code == 403
    # scoped: the other department's division sees none of A1's payments
    other = world.api("bur_b").get(f"{T}/payments/vouchers").json()
    assert other["awaiting_voucher"] == [] and other["vouchers"] == [] and not other["can_act"]
    with qtbot.waitActive(view):  # QAction shortcuts fire in the active window only
        view.show()
        view.activateWindow()
    view.voucher_table.setFocus()
    with qtbot.waitSignal(view.sig_loaded, timeout=20_000):
        qtbot.keyClick(view.voucher_table, Qt.Key.Key_R, Qt.KeyboardModifier.ControlModifier)
    with qtbot.waitSignal(view.sig_action_finished, timeout=20_000) as done:
        qtbot.keyClick(view.voucher_table, Qt.Key.Key_L, Qt.KeyboardModifier.ControlModifier)
    assert done.args == [False, done.args[1]] and "国库" in done.args[1]  # 对账 is the treasury's
    assert view.tabs.currentIndex() == 2
    runner.wait_idle(5000)
    db.close()


class _LostAnswers:
    """A transport whose first ``lose`` answers never arrive: the server did the work, the client
    sees a dropped connection (the case retries must survive without double-spending)."""

    def __init__(self, inner, lose: int = 1):
        self.inner, self.lose, self.calls = inner, lose, 0

    def call(self, method, path, **kw):
        from app.sync.transport import TransportError

        self.calls += 1
        r = self.inner.call(method, path, **kw)
        if self.lose > 0:
            self.lose -= 1
            raise TransportError(f"{method} {path}: ReadTimeout (answer lost)")
        return r


def test_retries_never_double_spend(tmp_path, world):
    from app.sync.http import HttpTransport, sign_in
    from tests.server.conftest import PASSWORD

    db = open_database(tmp_path / "c" / "jincai.sqlite3", backup=False)
    sign_in(db=db, server_url=URL, username="treas", password=PASSWORD, device_id="dev-r",
            client=world.client)
    real = HttpTransport(server_url=URL, username="treas", device_id="dev-r", client=world.client)
    for app_id in world.app_ids:  # issuing is idempotent: a lost answer is asked again
        lossy = _LostAnswers(real)
        v = svc.issue_voucher(transport=lossy, application_id=app_id)
        assert lossy.calls == 2 and v["status"] == "issued"
    assert len(svc.load_desk(transport=real).vouchers) == 2
    # export: the answer is lost, the retry carries the same request id → the same batch
    lossy = _LostAnswers(real)
    out = svc.export_bank_file(transport=lossy, fmt="xml", dest=tmp_path / "pay.xml")
    assert lossy.calls == 2 and out.voucher_count == 2
    batches = svc.list_batches(transport=real)
    assert [b["batch_no"] for b in batches] == [out.batch_no]
    # a cancelled download writes nothing; the batch comes back byte for byte
    with pytest.raises(svc.PaymentCancelled):
        svc.download_batch_file(transport=real, batch_no=out.batch_no, dest=tmp_path / "x.xml",
                                cancelled=lambda: True)
    assert not (tmp_path / "x.xml").exists()
    again = svc.download_batch_file(transport=real, batch_no=out.batch_no, dest=tmp_path / "x.xml")
    assert (tmp_path / "x.xml").read_bytes() == (tmp_path / "pay.xml").read_bytes()
    assert again.sha256 == out.sha256
    # write-back import with a lost answer: retried, idempotent by bank serial
    desk = svc.load_desk(transport=real)
    lines = "".join(f"{v.voucher_no},{v.amount_fen // 100}.{v.amount_fen % 100:02d},2026-11-20,"
                    f"S-{v.id},,成功\r\n" for v in desk.vouchers)
    wb = tmp_path / "wb.csv"
    wb.write_text(WB_HEADER + lines, encoding="utf-8")
    result = svc.import_writeback(transport=_LostAnswers(real), path=wb)
    assert result.already_imported  # the retry found the first attempt's work done
    assert "未重复入账" in result.message
    assert {v.status for v in svc.load_desk(transport=real).vouchers} == {"paid"}
    # a refund is never retried: the lost answer is reported, the money moved once
    v = svc.load_desk(transport=real).vouchers[0]
    lossy = _LostAnswers(real)
    with pytest.raises(svc.PaymentsOffline, match="退款结果未知"):
        svc.refund(transport=lossy, voucher_id=v.id, amount_fen=100, reason="测试退款")
    assert lossy.calls == 1
    after = next(x for x in svc.load_desk(transport=real).vouchers if x.id == v.id)
    assert after.refunded_fen == 100
    with pytest.raises(svc.PaymentRefused, match="可退金额"):
        svc.refund(transport=real, voucher_id=v.id, amount_fen=v.amount_fen, reason="再退一次")
    db.close()


def test_offline_says_online_is_needed(qtbot, runner, tmp_path):
    db = open_database(tmp_path / "c" / "jincai.sqlite3", backup=False)
    ctx = UiContext(db, runner, user=SignedInUser("gk", "国库", ("treasury",), None, URL,
                                                  online=False))
    view = PaymentsView(ctx)
    qtbot.addWidget(view)
    view.refresh()
    assert "需要联网" in view.message.text()
    with pytest.raises(svc.PaymentsOffline, match="需要联网"):
        svc.transport_for(db)  # nobody signed in on this machine
    db.close()


def test_only_treasury_and_bureau_get_the_screen(qtbot, runner, tmp_path, world):
    from app.ui.shell import build_main_window

    def window_for(username, role):
        db = open_database(tmp_path / f"w-{username}" / "jincai.sqlite3", backup=False)
        ctx = UiContext(db, runner, user=SignedInUser(username, username, (role,), "A1", URL,
                                                      online=False))
        w = build_main_window(ctx)
        qtbot.addWidget(w)
        return w, db

    acc, db1 = window_for("acc_a1", "accountant")
    assert "payments" not in acc.page_keys()
    titles = [acc._nav.item(i).text() for i in range(acc._nav.count())]
    assert "支付" not in titles
    gk, db2 = window_for("treas", "treasury")
    assert "payments" in gk.page_keys()
    gk.show_page("payments")
    assert isinstance(gk.page_widget("payments"), PaymentsView)
    keys = gk.shortcuts_text()  # F1 lists the 支付 page's keys for those who have it
    assert "Ctrl+E" in keys and "支付：导出银行文件" in keys and "支付：" not in acc.shortcuts_text()
    for w, db in ((acc, db1), (gk, db2)):
        w.close()
        runner.wait_idle(5000)
        db.close()
    # and the server refuses the accountant whatever a client shows
    r = world.api("acc_a1").get(f"{T}/payments/vouchers")
    assert r.status_code == 403 and "国库" in r.json()["message"]
