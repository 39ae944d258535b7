"""Bank payment files (issue 4): export of vouchers as XML/CSV batches in a configurable format,
import of the bank's write-back file (all-or-nothing, idempotent by bank serial, unknown vouchers
recorded, amount mismatches refused), the CLI, and a full lifecycle export file → write-back file
→ refund → correction with ledger check and audit verify clean. SQLite and PostgreSQL."""
from __future__ import annotations

import hashlib
from datetime import date

import pytest

from server import chain, ledger
from server.services import bank_files as bf
from tests.server.conftest import PASSWORD, draft, indicator, new_id

T = "/api/v1"


def add_user(world, username, role, unit=None, oversees=None):
    from server.models import User
    from server.services import org
    from server.services.auth import _issue
    from tests.server.conftest import Api, _one_hash
    with world.session() as s, _one_hash():
        org.create_user(s, username=username, password=PASSWORD, role=role, unit_code=unit,
                        oversees=oversees)
        s.commit()
    with world.session() as s:
        user = s.query(User).filter_by(username=username).one()
        pair = _issue(s, world.settings, user, device_id=f"dev-{username}", device_name=None)
        s.commit()
    world.apis[username] = Api(world.client, pair["access_token"])


@pytest.fixture(scope="module")
def w(world):
    # The daily-total / split-payment warnings would (rightly) block many test payments of one
    # unit; they have their own tests.
    mp = pytest.MonkeyPatch()
    from server.services import monitoring
    mp.setattr(monitoring, "on_submit", lambda *a, **k: [])
    add_user(world, "acc2_a1", "accountant", "A1")
    r = world.api("bur_a").post(f"{T}/indicators/bulk", json={"items": [
        indicator("PF-A1", "A1", 10_000_000_00, func="20101", eco="302", fund_type_code="1"),
        indicator("PF-A1B", "A1", 1_000_000_00, func="20101", eco="302", fund_type_code="1")]})
    assert r.status_code == 200, r.text
    yield world
    mp.undo()


def vouchered(w, amount_fen, *, ind="PF-A1", **kw) -> dict:
    """draft → submit → 2-step approval → voucher (amounts under the 50k tier)."""
    app_id = new_id()
    acc = w.api("acc_a1")
    assert acc.put(f"{T}/applications/{app_id}", json=draft(ind, amount_fen, **kw)).status_code == 201
    assert acc.post(f"{T}/applications/{app_id}/submit").status_code == 200
    for u in ("acc2_a1", "fin_a1"):
        ev = w.api("admin").get(f"{T}/applications/{app_id}").json()["version"]
        r = w.api(u).post(f"{T}/applications/{app_id}/decisions",
                          json={"kind": "approve", "expected_version": ev})
        assert r.status_code == 200, r.text
    r = w.api("treas").post(f"{T}/applications/{app_id}/voucher")
    assert r.status_code == 200, r.text
    return r.json()


def balances(w, ind="PF-A1") -> dict:
    return w.api("admin").get(f"{T}/indicators/{ind}").json()


def export(w, fmt="xml", user="treas", **body):
    return w.api(user).post(f"{T}/payments/export", json={"format": fmt, **body})


def clean(w):
    with w.session() as s:
        assert ledger.check(s) == []
        assert chain.verify(s).ok


def writeback_file(lines, fmt="xml", bank=None) -> bytes:
    return bf.render_writeback(bf.resolve(bank), fmt, lines)


def import_file(w, data: bytes, user="treas", **params):
    return w.api(user).post(f"{T}/payments/writeback-import", content=data, params=params,
                            headers={"Content-Type": "application/octet-stream"})


# ---------------------------------------------------------------------------------------------

def test_export_xml_and_csv_parse_back_to_the_same_vouchers(w):
    v1 = vouchered(w, 1_234_56, payee_name="金华市<某某>&文具有限公司", use_des='办公用品, "A4 纸"')
    v2 = vouchered(w, 2_000_00)
    assert export(w, user="acc_a1").status_code == 403  # treasury only
    r = export(w, "xml")
    assert r.status_code == 200, r.text
    assert r.headers["content-type"].startswith("application/xml")
    assert r.headers["x-jincai-sha256"] == hashlib.sha256(r.content).hexdigest()
    assert r.headers["x-jincai-voucher-count"] == "2"
    p = bf.resolve()
    recs, errors = bf.read_records(p, "xml", r.content, kind="export")
    assert errors == []
    by_no = {rec["VOU_NO"]: rec for _, rec in recs}
    assert set(by_no) == {v1["voucher_no"], v2["voucher_no"]}
    a1 = w.api("admin").get(f"{T}/applications/{v1['application_id']}").json()
    rec = by_no[v1["voucher_no"]]
    assert rec["PAY_AMT"] == "1234.56" and rec["PAYEE_ACCT_NAME"] == "金华市<某某>&文具有限公司"
    assert rec["USE_DES"] == '办公用品, "A4 纸"' and rec["PAY_APP_NO"] == a1["app_no"]
    assert rec["PAYEE_ACCT_NO"] == a1["payee_account"] and rec["AGENCY_CODE"] == "A1"
    assert rec["BGT_ID"] == "PF-A1" and rec["DEP_BGT_ECO_CODE"] == "30299"
    assert by_no[v2["voucher_no"]]["PAY_AMT"] == "2000.00"
    batch_no = r.headers["x-jincai-batch-no"]

    # a voucher exported once is not exported again …
    r = export(w, "csv")
    assert r.status_code == 409 and r.json()["code"] == "nothing_to_export"
    assert "重发" in r.json()["message"]
    # … a new one is, alone
    v3 = vouchered(w, 3_000_01)
    r = export(w, "csv")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
    recs, errors = bf.read_records(p, "csv", r.content, kind="export")
    assert errors == [] and [rec["VOU_NO"] for _, rec in recs] == [v3["voucher_no"]]
    assert recs[0][1]["PAY_AMT"] == "3000.01"
    assert r.content.decode("utf-8").splitlines()[0].startswith("支付凭证号,凭证日期")
    # … unless explicitly re-sent
    r = export(w, "csv", resend=[v1["voucher_no"]])
    assert r.status_code == 200
    recs, _ = bf.read_records(p, "csv", r.content, kind="export")
    assert [rec["VOU_NO"] for _, rec in recs] == [v1["voucher_no"]]
    r = export(w, "csv", resend=["PZ-NO-SUCH"])
    assert r.status_code == 422 and "PZ-NO-SUCH" in r.json()["message"]

    # the batch is recorded: metadata, the same bytes again, an audit event
    b = w.api("treas").get(f"{T}/payments/batches/{batch_no}").json()
    assert b["voucher_count"] == 2 and b["total_fen"] == 1_234_56 + 2_000_00
    assert sorted(b["vouchers"]) == sorted([v1["voucher_no"], v2["voucher_no"]])
    f = w.api("treas").get(f"{T}/payments/batches/{batch_no}/file")
    assert hashlib.sha256(f.content).hexdigest() == b["sha256"]
    assert [x["batch_no"] for x in w.api("treas").get(f"{T}/payments/batches").json()][-1] == batch_no
    assert w.api("bur_b").get(f"{T}/payments/batches/{batch_no}").status_code == 403
    with w.session() as s:
        from server.models import AuditEvent
        ev = s.query(AuditEvent).filter_by(action="payment_batch.export", entity_id=batch_no).one()
        assert b["sha256"] in ev.detail
    rec = w.api("treas").get(f"{T}/payments/reconciliation").json()
    pending = {x["voucher_no"]: x["batches"] for x in rec["vouchers_without_writeback"]}
    assert batch_no in pending[v1["voucher_no"]] and len(pending[v1["voucher_no"]]) == 2
    clean(w)


def test_export_retry_with_request_id_returns_the_same_batch(w):
    vouchered(w, 10_00)
    r1 = export(w, "xml", request_id="retry-key-0001")
    r2 = export(w, "xml", request_id="retry-key-0001")
    assert r1.status_code == r2.status_code == 200
    assert r1.headers["x-jincai-batch-no"] == r2.headers["x-jincai-batch-no"]
    assert r1.content == r2.content


def test_concurrent_exports_never_put_a_voucher_in_two_files(w):
    import threading

    from server.errors import ApiError
    from server.models import PaymentBatchItem, User
    from server.services import payment_files
    from server.services.org import Principal, scope_for
    mine = {vouchered(w, 1_00 + i)["id"] for i in range(4)}
    barrier = threading.Barrier(3)
    results: list = []

    def run():
        with w.session() as s:
            user = s.query(User).filter_by(username="treas").one()
            p = Principal(user=user, unit_ids=scope_for(s, user))
            s.commit()
            barrier.wait()
            try:
                b = payment_files.export(s, principal=p, fmt="csv")
                s.commit()
                results.append(b.voucher_count)
            except ApiError as exc:
                s.rollback()
                results.append(exc.code)

    threads = [threading.Thread(target=run) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert len(results) == 3 and results.count("nothing_to_export") == 2, results
    assert [r for r in results if isinstance(r, int)] == [4]
    with w.session() as s:
        items = [i.voucher_id for i in s.query(PaymentBatchItem).filter(
            PaymentBatchItem.voucher_id.in_(mine))]
    assert sorted(items) == sorted(mine)  # each exactly once


def test_configured_profile_changes_the_output(w):
    v = vouchered(w, 1_234_56, payee_name="婺城区某某服务部")
    r = export(w, "csv", bank="CCB")  # gbk_fen: GBK, '|' separated, fen, yyyyMMdd, column names
    assert r.status_code == 200, r.text
    assert r.headers["x-jincai-profile"] == "gbk_fen"
    with pytest.raises(UnicodeDecodeError):
        r.content.decode("utf-8")
    text = r.content.decode("gbk")
    header, row = text.splitlines()[:2]
    assert header.startswith("VOU_NO|VOU_DATE|")
    cells = dict(zip(header.split("|"), row.split("|"), strict=True))
    assert cells["VOU_NO"] == v["voucher_no"] and cells["PAY_AMT"] == "123456"
    assert cells["PAYEE_ACCT_NAME"] == "婺城区某某服务部"
    assert len(cells["VOU_DATE"]) == 8 and cells["VOU_DATE"].isdigit()
    # the XML of that profile declares its encoding and parses back
    v2 = vouchered(w, 7_00)
    r = export(w, "xml", bank="CCB")
    assert r.content.startswith(b'<?xml version="1.0" encoding="GBK"?>')
    recs, errors = bf.read_records(bf.resolve("CCB"), "xml", r.content, kind="export")
    assert errors == [] and recs[0][1]["PAY_AMT"] == "700" and recs[0][1]["VOU_NO"] == v2["voucher_no"]
    r = export(w, "xml", bank="NOPE")
    assert r.status_code == 422 and r.json()["code"] == "unknown_bank" and "NOPE" in r.json()["message"]


def test_gbk_export_refuses_a_character_gbk_cannot_carry(w):
    v = vouchered(w, 66_00, payee_name="𠮷祥物业服务部")  # U+20BB7 is outside GBK
    counts = w.counts()
    r = export(w, "csv", bank="CCB")
    assert r.status_code == 422 and r.json()["code"] == "export_encoding"
    assert v["voucher_no"] in r.json()["message"] and "收款人全称" in r.json()["message"]
    assert "𠮷" in r.json()["message"] and w.counts() == counts  # no batch recorded
    r = export(w, "csv")  # UTF-8 carries it
    assert r.status_code == 200 and "𠮷祥物业服务部" in r.content.decode("utf-8")


def test_profile_resolution_region_then_bank_then_default():
    cfg = bf.load_config()
    cfg = {**cfg, "regions": {"330700000": {"ICBC": "gbk_fen", "*": "gbk_fen"}}}
    assert bf.resolve("ICBC", "330700000", config=cfg).id == "gbk_fen"
    assert bf.resolve("ICBC", "330100000", config=cfg).id == "default"
    assert bf.resolve(None, "330700000", config=cfg).id == "gbk_fen"
    assert bf.resolve(None, None, config=cfg).id == "default"
    with pytest.raises(bf.FormatConfigError, match="循环"):
        bf.profile("a", config={"profiles": {"a": {"extends": "b"}, "b": {"extends": "a"}}})


def test_import_success_bounce_unknown_and_idempotent_reimport(w):
    before = balances(w)
    ok, bounce = vouchered(w, 5_000_00), vouchered(w, 800_00)
    assert export(w, "xml").status_code == 200
    mid = balances(w)
    assert mid["reserved_fen"] == before["reserved_fen"] + 5_800_00
    data = writeback_file([
        {"voucher_no": ok["voucher_no"], "amount": 5_000_00, "date": date(2026, 3, 2),
         "bank_serial": "WB-0001", "actual_payee": "某某文具有限公司", "success": True},
        {"voucher_no": bounce["voucher_no"], "amount": 800_00, "date": date(2026, 3, 2),
         "bank_serial": "WB-0002", "actual_payee": "", "success": False},
        {"voucher_no": "PZ2026330700000XXXX", "amount": 99_00, "date": date(2026, 3, 2),
         "bank_serial": "WB-0003", "actual_payee": "不明收款人", "success": True}])
    r = import_file(w, data, file_name="huidan.xml")
    assert r.status_code == 200, r.text
    res = r.json()
    assert (res["paid"], res["bounced"], res["unmatched"], res["duplicates"]) == (1, 1, 1, 0)
    assert "支付成功 1 笔" in res["message"] and "无对应凭证 1 笔" in res["message"]
    after = balances(w)
    assert after["paid_fen"] == mid["paid_fen"] + 5_000_00
    assert after["reserved_fen"] == mid["reserved_fen"] - 5_800_00
    assert after["available_fen"] == mid["available_fen"] + 800_00  # the bounce is released
    v = w.api("admin").get(f"{T}/applications/{ok['application_id']}").json()
    assert v["status"] == "paid"
    assert w.api("admin").get(f"{T}/applications/{bounce['application_id']}").json()["status"] == "voided"
    rec = w.api("treas").get(f"{T}/payments/reconciliation").json()
    pending = {x["voucher_no"] for x in rec["vouchers_without_writeback"]}
    assert ok["voucher_no"] not in pending and bounce["voucher_no"] not in pending
    orphan = [x for x in rec["writebacks_without_voucher"] if x["bank_serial"] == "WB-0003"]
    assert orphan and orphan[0]["amount_fen"] == 99_00 and orphan[0]["voucher_no"] == "PZ2026330700000XXXX"
    clean(w)

    counts = w.counts()
    r = import_file(w, data, file_name="huidan.xml")  # the same file again
    assert r.status_code == 200 and r.json()["already_imported"] is True
    assert "未做任何更改" in r.json()["message"] and r.json()["duplicates"] == 3
    assert w.counts() == counts
    # the single write-back API with a serial the file already used is a no-op too
    r = w.api("treas").post(f"{T}/vouchers/{ok['id']}/writeback", json={"bank_serial": "WB-0001"})
    assert r.status_code == 200 and w.counts() == counts


def test_import_refuses_the_whole_file_and_names_every_bad_line(w):
    good, wrong_amt, done = vouchered(w, 100_00), vouchered(w, 200_00), vouchered(w, 300_00)
    r = w.api("treas").post(f"{T}/vouchers/{done['id']}/writeback", json={"bank_serial": "API-1"})
    assert r.status_code == 200
    d = date(2026, 3, 5)
    data = writeback_file([
        {"voucher_no": good["voucher_no"], "amount": 100_00, "date": d, "bank_serial": "E-1"},
        {"voucher_no": wrong_amt["voucher_no"], "amount": 199_00, "date": d, "bank_serial": "E-2"},
        {"voucher_no": done["voucher_no"], "amount": 300_00, "date": d, "bank_serial": "E-3"},
        {"voucher_no": good["voucher_no"], "amount": 100_00, "date": d, "bank_serial": "E-4"},
        {"voucher_no": "PZX", "amount": 1, "date": d, "bank_serial": "E-1"},
    ], fmt="csv")
    text = data.decode("utf-8").replace("2026-03-05", "2026-02-30", 1)  # line 2: impossible date
    text += "PZY,12.345,2026-03-05,E-9,,成功\r\nPZZ,5,2026-03-05,,某人,已付\r\n"
    counts = w.counts()
    r = import_file(w, text.encode("utf-8"), file_name="bad.csv")
    assert r.status_code == 422, r.text
    body = r.json()
    assert body["code"] == "writeback_file_invalid" and "未导入任何记录" in body["message"]
    errs = {(e["line"], e["field"]) for e in body["details"]["errors"]}
    assert errs == {(2, "实际支付日期"), (6, "银行交易流水号"), (7, "实际支付金额"),
                    (8, "银行交易流水号"), (8, "支付状态")}, body["details"]["errors"]
    e7 = next(e for e in body["details"]["errors"] if e["line"] == 7)
    assert e7["value"] == "12.345" and "小数" in e7["reason"]
    assert w.counts() == counts  # nothing changed

    # with the syntax fixed, the database checks name the rest (still all-or-nothing)
    data = writeback_file([
        {"voucher_no": good["voucher_no"], "amount": 100_00, "date": d, "bank_serial": "E-1"},
        {"voucher_no": wrong_amt["voucher_no"], "amount": 199_00, "date": d, "bank_serial": "E-2"},
        {"voucher_no": done["voucher_no"], "amount": 300_00, "date": d, "bank_serial": "E-3"},
        {"voucher_no": good["voucher_no"], "amount": 100_00, "date": d, "bank_serial": "E-4"},
        {"voucher_no": "PZ-OTHER", "amount": 5_00, "date": d, "bank_serial": "API-1"}])
    r = import_file(w, data, file_name="bad.xml")
    assert r.status_code == 422
    errs = {e["line"]: e for e in r.json()["details"]["errors"]}
    assert set(errs) == {11, 19, 27, 35}  # XML: the line each record starts on
    assert errs[11]["field"] == "实际支付金额" and errs[11]["value"] == "199.00"
    assert "200.00" in errs[11]["reason"] and "不符" in errs[11]["reason"]
    assert errs[19]["field"] == "支付凭证号" and "已回单" in errs[19]["reason"]
    assert errs[27]["field"] == "支付凭证号" and "与第 3 行是同一支付凭证" in errs[27]["reason"]
    assert errs[35]["field"] == "银行交易流水号" and done["voucher_no"] in errs[35]["reason"]
    assert w.counts() == counts
    assert balances(w)["reserved_fen"] >= 300_00  # good and wrong_amt still 在途

    for bad, why in ((b"<PayReturnFile><PayReturn>", "XML 格式错误"),
                     (b'<?xml version="1.0"?><!DOCTYPE a [<!ENTITY x "y">]><PayReturnFile/>', "DTD"),
                     (b"<Other/>", "根元素"),
                     ("支付凭证号,实际支付金额\r\nPZ1,1.00\r\n".encode(), "缺少列")):
        r = import_file(w, bad)
        assert r.status_code == 422 and why in r.json()["message"], (why, r.text)
    r = import_file(w, "支付凭证号|金额".encode("gbk"), bank="CCB")
    assert r.status_code == 422 and "缺少列" in r.json()["message"]
    r = import_file(w, b"VOU_NO|XPAY_AMT\r\n\xff\xff", bank="CCB", format="csv")
    assert r.status_code == 422 and "不是 GBK 编码" in r.json()["message"]
    assert w.api("acc_a1").post(f"{T}/payments/writeback-import", content=data).status_code == 403
    assert w.counts() == counts


def test_cli_export_and_import_writeback(w, monkeypatch, tmp_path, capsys):
    from server import cli
    from server.settings import get_settings
    monkeypatch.setenv("JINCAI_DATABASE_URL", w.db.url)
    monkeypatch.setenv("JINCAI_DATA_DIR", str(tmp_path))
    get_settings.cache_clear()
    try:
        export(w, "xml")  # send whatever earlier tests left pending, so the CLI's batch is ours
        v = vouchered(w, 4_321_00)
        out = tmp_path / "to-bank.csv"
        assert cli.main(["payments", "export", "--format", "csv", "--bank", "CCB", "-o", str(out)]) == 0
        said = capsys.readouterr().out
        assert "1 张凭证" in said and "4,321.00 元" in said
        recs, errors = bf.read_records(bf.resolve("CCB"), "csv", out.read_bytes(), kind="export")
        assert errors == [] and [r["VOU_NO"] for _, r in recs] == [v["voucher_no"]]
        assert cli.main(["payments", "export", "-o", str(tmp_path / "again.xml")]) == 1
        assert "没有待发送" in capsys.readouterr().err
        assert not (tmp_path / "again.xml").exists()

        wb = tmp_path / "huidan.csv"
        wb.write_bytes(writeback_file([{"voucher_no": v["voucher_no"], "amount": 4_321_00,
                                        "date": date(2026, 3, 9), "bank_serial": "CLI-1",
                                        "actual_payee": "某某文具有限公司"}], fmt="csv", bank="CCB"))
        bad = tmp_path / "bad.csv"
        bad.write_bytes(wb.read_bytes().replace(b"432100", b"432199"))
        assert cli.main(["payments", "import-writeback", str(bad), "--bank", "CCB"]) == 1
        err = capsys.readouterr().err
        assert "第 2 行 实际支付金额“432199”" in err and "不符" in err
        assert cli.main(["payments", "import-writeback", str(wb), "--bank", "CCB"]) == 0
        assert "支付成功 1 笔" in capsys.readouterr().out
        assert cli.main(["payments", "import-writeback", str(wb), "--bank", "CCB"]) == 0
        assert "未做任何更改" in capsys.readouterr().out
        assert w.api("admin").get(f"{T}/applications/{v['application_id']}").json()["status"] == "paid"
        assert cli.main(["ledger", "check"]) == 0
        assert cli.main(["audit", "verify"]) == 0
        with w.session() as s:
            from server.models import AuditEvent
            actors = {e.actor for e in s.query(AuditEvent).filter(
                AuditEvent.action.in_(("payment_batch.export", "writeback.import")))}
        assert any(a.startswith("cli:") for a in actors)
    finally:
        get_settings.cache_clear()


def test_lifecycle_export_file_writeback_file_refund_correction(w):
    """draft → submit → approval → voucher → bank file → write-back file → refund → 更正 of the
    indicator; every figure exact, ledger check and audit verify clean."""
    a0, b0 = balances(w, "PF-A1"), balances(w, "PF-A1B")
    v = vouchered(w, 12_345_67)
    assert balances(w)["available_fen"] == a0["available_fen"] - 12_345_67
    r = export(w, "xml")
    assert r.status_code == 200
    recs, _ = bf.read_records(bf.resolve(), "xml", r.content, kind="export")
    assert v["voucher_no"] in [rec["VOU_NO"] for _, rec in recs]
    data = writeback_file([{"voucher_no": v["voucher_no"], "amount": 12_345_67,
                            "date": date(2026, 4, 1), "bank_serial": "LC-0001",
                            "actual_payee": "某某文具有限公司"}])
    assert import_file(w, data).json()["paid"] == 1
    paid = w.api("treas").get(f"{T}/payments/reconciliation").json()
    assert v["voucher_no"] not in {x["voucher_no"] for x in paid["vouchers_without_writeback"]}
    r = w.api("treas").post(f"{T}/vouchers/{v['id']}/refund", json={"amount_fen": 345_67, "reason": "多付"})
    assert r.status_code == 200, r.text
    a1 = balances(w)
    assert a1["paid_fen"] == a0["paid_fen"] + 12_000_00
    assert a1["available_fen"] == a0["available_fen"] - 12_000_00
    r = w.api("treas").post(f"{T}/vouchers/{v['id']}/corrections", json={
        "indicator_id": "PF-A1B", "dep_eco_code": "30201", "reason": "指标用错，按调整书改列"})
    assert r.status_code == 201, r.text
    c = r.json()
    assert c["moved_fen"] == 12_000_00 and c["moved_kind"] == "paid"
    assert c["before"]["indicator_id"] == "PF-A1" and c["after"]["indicator_id"] == "PF-A1B"
    assert c["before"]["gov_eco_code"] == "50299" and c["after"]["gov_eco_code"] == "50201"
    a2, b2 = balances(w, "PF-A1"), balances(w, "PF-A1B")
    assert (a2["paid_fen"], a2["available_fen"]) == (a0["paid_fen"], a0["available_fen"])
    assert b2["paid_fen"] == b0["paid_fen"] + 12_000_00
    assert b2["available_fen"] == b0["available_fen"] - 12_000_00
    # a later refund restores the indicator the payment now belongs to
    r = w.api("treas").post(f"{T}/vouchers/{v['id']}/refund", json={"amount_fen": 1_000_00})
    assert r.status_code == 200
    assert balances(w, "PF-A1B")["available_fen"] == b0["available_fen"] - 11_000_00
    assert balances(w, "PF-A1")["available_fen"] == a0["available_fen"]
    app = w.api("acc_a1").get(f"{T}/applications/{v['application_id']}").json()
    assert app["indicator_id"] == "PF-A1B" and app["dep_eco_code"] == "30201"
    clean(w)
