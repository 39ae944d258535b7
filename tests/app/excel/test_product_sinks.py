"""Excel imports reach the product: indicators → the real server as one staged import batch
(all-or-nothing whatever the size; then a sync into the local mirror), payees → the local address book, batch applications → local drafts."""
from __future__ import annotations

import json

import keyring
import pytest

pytest.importorskip("fastapi")
pytest.importorskip("server.app")

from app.cli import main
from app.db import open_database
from app.excel import cli as excel_cli
from app.excel.importer import import_workbook
from app.models import Indicator, Payee, PaymentApplication
from app.services import imports, search_payees
from app.sync.http import HttpTransport, sign_in
from app.sync.transport import TransportError
from tests.app.excel.conftest import IND_HEADER, ind_row
from tests.app.store.conftest import MemoryKeyring

URL = "http://testserver"
PAYEE_HEADER = ["收款人全称", "收款账号", "开户银行", "联行号", "统一社会信用代码", "身份证号"]
APP_HEADER = ["指标编码", "收款人全称", "收款人账号", "收款人开户银行", "金额(元)", "部门经济分类科目",
              "结算方式", "用途", "身份证号", "申请编号"]


@pytest.fixture
def memory_keyring():
    previous = keyring.get_keyring()
    backend = MemoryKeyring()
    keyring.set_keyring(backend)
    yield backend
    keyring.set_keyring(previous)


@pytest.fixture
def world(tmp_path):
    from tests.server.conftest import build_world, indicator, make_database

    w = build_world(make_database("sqlite", tmp_path / "server"))
    r = w.api("bur_b").post("/api/v1/indicators/bulk", json={"items": [indicator("TAKEN", "B1", 1000)]})
    assert r.status_code == 200, r.text
    yield w
    w.client.close()
    w.app.state.engine.dispose()


@pytest.fixture
def db(tmp_path, monkeypatch):
    monkeypatch.setenv("JINCAI_DATA_DIR", str(tmp_path / "data"))
    database = open_database(tmp_path / "data" / "jincai.sqlite3")
    yield database
    database.close()


@pytest.fixture
def bureau(db, world, memory_keyring):
    """The local database signed in as bur_a (bureau division overseeing DA: units A1, A2)."""
    from tests.server.conftest import PASSWORD

    sign_in(db=db, server_url=URL, username="bur_a", password=PASSWORD, device_id="dev-x",
            client=world.client)
    return HttpTransport(server_url=URL, username="bur_a", device_id="dev-x", client=world.client)


def _ind_book(book, codes, agency="A1"):
    rows = [IND_HEADER]
    for i, c in enumerate(codes):
        code, unit = c if isinstance(c, tuple) else (c, agency)
        rows.append(ind_row(code, amount=100 + i, agency=unit))
    return book(rows)


def _server_total(world) -> int:
    return world.api("bur_a").get("/api/v1/indicators", params={"limit": 1}).json()["total"]


def test_indicators_to_server_in_chunks_then_sync_and_reimport_is_idempotent(book, world, bureau, db):
    path = _ind_book(book, ["S1", "S2", "S3"])
    sink = imports.ServerIndicatorSink(bureau, chunk_rows=2)
    result = import_workbook(path, "indicators", sink=sink, year=2026)
    imports.finish_result(result, sink)
    assert (result.outcome, result.imported_rows, sink.chunks, sink.created) == ("ok", 3, 2, 3)
    batch = world.api("bur_a").get(f"/api/v1/indicator-imports/{sink.batch_id}").json()
    assert (batch["status"], batch["row_count"], batch["file_name"]) == ("committed", 3, path.name)
    assert world.api("bur_a").get("/api/v1/indicators/S2").json()["amount_fen"] == 10100
    report, problem = imports.sync_after_import(db=db, transport=bureau)
    assert problem is None and report.sanity_ok is True
    with db.read() as s:
        assert {i.id: i.available for i in s.query(Indicator).filter(Indicator.id.like("S%"))} == {
            "S1": 10000, "S2": 10100, "S3": 10200}

    again = imports.ServerIndicatorSink(bureau, chunk_rows=2)
    result = import_workbook(path, "indicators", sink=again, year=2026)
    assert result.outcome == "ok" and (again.created, again.updated, again.unchanged) == (0, 0, 3)
    assert _server_total(world) == 3


def test_rows_without_code_get_a_stable_id(book, world, bureau):
    path = book([IND_HEADER, ind_row(None, amount=5, doc="文号1", agency="A1"),
                 ind_row(None, amount=6, doc="文号2", agency="A1")])
    for _ in range(2):
        sink = imports.ServerIndicatorSink(bureau)
        assert import_workbook(path, "indicators", sink=sink, year=2026).outcome == "ok"
    assert (sink.created, sink.unchanged) == (0, 2) and _server_total(world) == 2


def test_unit_outside_scope_is_refused_before_anything_is_sent(book, world, bureau):
    path = _ind_book(book, ["U1", ("U2", "B1"), "U3"])
    sink = imports.ServerIndicatorSink(bureau, chunk_rows=1)
    result = import_workbook(path, "indicators", sink=sink, year=2026)
    imports.finish_result(result, sink)
    assert result.outcome == "rejected" and result.imported_rows == 0 and sink.requests == 0
    assert [(e.row, e.column, e.value) for e in result.errors] == [(3, "单位代码", "B1")]
    assert _server_total(world) == 0


def test_refusal_found_at_commit_writes_nothing_and_names_the_excel_row(book, world, bureau):
    # "TAKEN" belongs to unit B1 (bur_b): only the server can tell, when the batch is committed
    path = _ind_book(book, ["K1", "TAKEN", "K3"])
    sink = imports.ServerIndicatorSink(bureau, chunk_rows=1)
    result = import_workbook(path, "indicators", sink=sink, year=2026)
    imports.finish_result(result, sink)
    assert result.outcome == "rejected" and result.imported_rows == 0 and sink.chunks == 3
    assert "未导入任何数据" in result.message
    [error] = result.errors
    assert (error.row, error.code, error.column) == (3, "id_conflict", "指标编码")
    assert error.reason.startswith("服务器拒绝：指标主键 TAKEN")  # the server's position is replaced by the row
    assert _server_total(world) == 0
    batch = world.api("bur_a").get(f"/api/v1/indicator-imports/{sink.batch_id}").json()
    assert batch["status"] == "rejected"


def test_every_indicator_template_field_reaches_the_server_or_is_checked(book, world, bureau):
    header = [*IND_HEADER, "指标文标题", "是否可执行", "是否政府采购", "项目代码", "项目名称", "指标来源",
              "指标类型", "部门代码", "摘要"]
    extra = ["关于下达2026年教育专项的通知", "否", "是", "33070026000001", "校舍维修", "1", "2", "DA",
             "年初下达"]
    path = book([header, [*ind_row("M1", amount=250, agency="A1"), *extra]])
    sink = imports.ServerIndicatorSink(bureau)
    result = import_workbook(path, "indicators", sink=sink, year=2026)
    imports.finish_result(result, sink)
    assert result.outcome == "ok", result.errors
    got = world.api("bur_a").get("/api/v1/indicators/M1").json()
    assert {k: got[k] for k in ("doc_title", "executable", "is_gov_procurement", "pro_code", "pro_name",
                                "source_type_code", "bgt_type_code", "amount_fen", "doc_no")} == {
        "doc_title": "关于下达2026年教育专项的通知", "executable": False, "is_gov_procurement": True,
        "pro_code": "33070026000001", "pro_name": "校舍维修", "source_type_code": "1",
        "bgt_type_code": "2", "amount_fen": 25000, "doc_no": "X财预〔2026〕1号"}
    [line] = world.api("bur_a").get("/api/v1/indicators/M1/ledger").json()
    assert line["memo"] == "年初下达"
    # 部门代码 is checked against the unit's department on the server (A1 belongs to DA)
    wrong = book([header, [*ind_row("M2", agency="A1"), *extra[:7], "DB", None]])
    sink = imports.ServerIndicatorSink(bureau)
    result = import_workbook(wrong, "indicators", sink=sink, year=2026)
    imports.finish_result(result, sink)
    assert result.outcome == "rejected" and sink.batch_id is None
    [error] = result.errors
    assert (error.row, error.column, error.value, error.code) == (2, "部门代码", "DB", "dept_mismatch")
    assert "主管部门是 DA" in error.reason


class FlakyTransport(HttpTransport):
    """Drops the connection on the n-th chunk upload, every time it is tried; with
    ``lose_commit_answer`` the first commit reaches the server but its answer is lost."""

    def __init__(self, *args, fail_on: int = 0, lose_commit_answer: bool = False,
                 lose_chunk_answer: int = 0, **kw) -> None:
        super().__init__(*args, **kw)
        self.fail_on, self.chunk_calls = fail_on, 0
        self.lose_commit_answer, self.commit_calls = lose_commit_answer, 0
        self.lose_chunk_answer = lose_chunk_answer

    def call(self, method, path, **kw):
        if path.endswith("/chunks"):
            self.chunk_calls += 1
            if self.fail_on and self.chunk_calls >= self.fail_on:
                raise TransportError("connection reset")
            if self.chunk_calls == self.lose_chunk_answer:  # stored by the server, answer lost
                super().call(method, path, **kw)
                raise TransportError("read timeout")
        if path.endswith("/commit"):
            self.commit_calls += 1
            if self.lose_commit_answer and self.commit_calls == 1:
                super().call(method, path, **kw)
                raise TransportError("read timeout")
        return super().call(method, path, **kw)


def test_network_failure_midway_writes_nothing_then_rerun_completes(book, world, bureau):
    path = _ind_book(book, ["N1", "N2", "N3"])
    flaky = FlakyTransport(server_url=URL, username="bur_a", device_id="dev-x", client=world.client,
                           fail_on=2)
    sink = imports.ServerIndicatorSink(flaky, chunk_rows=2, attempts=3, sleep=lambda s: None)
    result = import_workbook(path, "indicators", sink=sink, year=2026)
    imports.finish_result(result, sink)
    assert result.outcome == "rejected" and result.imported_rows == 0 and flaky.chunk_calls == 4
    assert "网络中断" in result.message and "服务器未写入任何指标" in result.message
    assert _server_total(world) == 0
    batch = world.api("bur_a").get(f"/api/v1/indicator-imports/{sink.batch_id}").json()
    assert batch["status"] == "aborted"
    sink = imports.ServerIndicatorSink(bureau, chunk_rows=2)
    assert import_workbook(path, "indicators", sink=sink, year=2026).outcome == "ok"
    assert (sink.created, sink.unchanged) == (3, 0) and _server_total(world) == 3


def test_lost_commit_answer_is_retried_and_counted_once(book, world, bureau):
    path = _ind_book(book, ["R1", "R2", "R3"])
    flaky = FlakyTransport(server_url=URL, username="bur_a", device_id="dev-x", client=world.client,
                           lose_commit_answer=True)
    sink = imports.ServerIndicatorSink(flaky, chunk_rows=2, sleep=lambda s: None)
    result = import_workbook(path, "indicators", sink=sink, year=2026)
    imports.finish_result(result, sink)
    assert result.outcome == "ok" and result.imported_rows == 3 and flaky.commit_calls == 2
    assert (sink.created, sink.updated, sink.unchanged) == (3, 0, 0) and _server_total(world) == 3


def test_lost_chunk_answer_is_retried_with_the_same_key(book, world, bureau):
    path = _ind_book(book, ["Q1", "Q2", "Q3", "Q4", "Q5"])
    flaky = FlakyTransport(server_url=URL, username="bur_a", device_id="dev-x", client=world.client,
                           lose_chunk_answer=2)
    sink = imports.ServerIndicatorSink(flaky, chunk_rows=2, sleep=lambda s: None)
    result = import_workbook(path, "indicators", sink=sink, year=2026)
    imports.finish_result(result, sink)
    assert result.outcome == "ok" and result.imported_rows == 5 and flaky.chunk_calls == 4
    batch = world.api("bur_a").get(f"/api/v1/indicator-imports/{sink.batch_id}").json()
    assert (batch["chunk_count"], batch["row_count"], batch["result"]["created"]) == (3, 5, 5)
    assert _server_total(world) == 5


def test_cancel_during_upload_aborts_the_batch(book, world, bureau):
    path = _ind_book(book, ["X1", "X2", "X3", "X4"])
    seen = []
    sink = imports.ServerIndicatorSink(bureau, chunk_rows=1)
    result = imports.import_to_product(path, "indicators", sink=sink, year=2026,
                                       progress=lambda done, total: seen.append((done, total)),
                                       cancel=lambda: sink.chunks >= 2)
    assert result.outcome == "cancelled" and result.imported_rows == 0, result.message
    assert "已取消" in result.message and result.to_json()["outcome"] == "rejected"
    assert seen[-3:] == [(4, 4), (1, 4), (2, 4)]  # rows read, then rows uploaded
    assert _server_total(world) == 0
    batch = world.api("bur_a").get(f"/api/v1/indicator-imports/{sink.batch_id}").json()
    assert (batch["status"], batch["chunk_count"]) == ("aborted", 2)


def test_accountant_cannot_issue_indicators(book, world, db, memory_keyring):
    from tests.server.conftest import PASSWORD

    sign_in(db=db, server_url=URL, username="acc_a1", password=PASSWORD, device_id="dev-x",
            client=world.client)
    transport = HttpTransport(server_url=URL, username="acc_a1", device_id="dev-x", client=world.client)
    sink = imports.ServerIndicatorSink(transport)
    result = import_workbook(_ind_book(book, ["Z1"]), "indicators", sink=sink, year=2026)
    imports.finish_result(result, sink)
    assert result.outcome == "rejected" and "无权导入指标" in result.message and result.imported_rows == 0


def _cli(capsys, *argv) -> tuple[int, dict]:
    code = main(["excel", "import", *argv, "--json", "--year", "2026"])
    return code, json.loads(capsys.readouterr().out)


def test_cli_default_target_sends_indicators_and_syncs(book, world, bureau, db, monkeypatch, capsys):
    monkeypatch.delenv("JINCAI_EXCEL_SINK_DIR")
    monkeypatch.setattr(excel_cli, "make_transport", lambda _db, url, user: HttpTransport(
        server_url=url, username=user, device_id="dev-x", client=world.client))
    code, payload = _cli(capsys, str(_ind_book(book, ["C1", "C2"])), "--kind", "indicators",
                         "--db", str(db.path))
    assert code == 0, payload
    assert set(payload) == {"file", "sheet", "header_row", "unit", "valid_rows", "imported_rows",
                            "errors", "outcome", "message"}
    assert payload["imported_rows"] == 2 and "新建 2" in payload["message"] and "已同步到本机" in payload["message"]
    with db.read() as s:
        assert s.get(Indicator, "C1").amount == 10000
    # payees cannot go to the server; indicators cannot go only to the local store
    code, payload = _cli(capsys, str(_ind_book(book, ["C3"])), "--kind", "indicators", "--target", "local",
                         "--db", str(db.path))
    assert code == 1 and payload["outcome"] == "rejected" and payload["imported_rows"] == 0


def test_payees_into_the_address_book(book, db, capsys):
    path = book([PAYEE_HEADER, ["某某文具有限公司", "6222 0212 0200 1234 567", "工行金华分行", "102338000012",
                                "91330100MA27XXXX0F", None],
                 ["张三", "6222021202001234568", "农行", None, None, "110101199003074514"]])
    code, payload = _cli(capsys, str(path), "--kind", "payees", "--target", "local", "--db", str(db.path))
    assert code == 0 and payload["imported_rows"] == 2, payload
    with db.read() as s:
        rows = {p.name: (p.account_no, p.kind, p.bank_code, p.uscc) for p in s.query(Payee)}
    assert rows == {"某某文具有限公司": ("6222021202001234567", "unit", "102338000012", "91330100MA27XXXX0F"),
                    "张三": ("6222021202001234568", "person", None, None)}
    assert [p.name for p in search_payees(db=db, text="文具")] == ["某某文具有限公司"]
    code, payload = _cli(capsys, str(path), "--kind", "payees", "--target", "local", "--db", str(db.path))
    assert code == 1 and all("已存在" in e["reason"] for e in payload["errors"])
    with db.read() as s:
        assert s.query(Payee).count() == 2


def _local_indicators(db) -> None:
    with db.transaction() as s:
        for ind_id, unit in (("L1", "101001"), ("L2", "101002")):
            s.add(Indicator(id=ind_id, fiscal_year=2026, unit_code=unit, region_code="330700000",
                            func_code="2050202", amount=10_000_00, available=10_000_00, active=True))


def test_batch_applications_become_drafts_all_or_nothing(book, db, monkeypatch, capsys):
    monkeypatch.delenv("JINCAI_EXCEL_SINK_DIR")
    _local_indicators(db)
    good = ["L1", "张三", "6222021202001234567", "工行", 800, "30226", "转账", "讲课费", "110101199003074514", "P-1"]
    other = ["L1", "李四", "6222021202001234568", "工行", 600.5, "30226", "公务卡", "评审费", None, "P-2"]
    code, payload = _cli(capsys, str(book([[*APP_HEADER, "对方不受理公务卡"], [*good, "是"], [*other, None]])),
                         "--kind", "applications", "--db", str(db.path))
    assert code == 0 and payload["imported_rows"] == 2, payload
    with db.read() as s:
        apps = {a.payee_name: a for a in s.query(PaymentApplication)}
        assert {n: (a.local_status, a.amount, a.indicator_id, a.unit_code, a.fiscal_year, a.settlement_mode)
                for n, a in apps.items()} == {
            "张三": ("draft", 80000, "L1", "101001", 2026, "转账"),
            "李四": ("draft", 60050, "L1", "101001", 2026, "公务卡")}
        assert apps["张三"].payee_is_personal and apps["张三"].extra["unit_app_no"] == "P-1"
        assert (apps["张三"].card_not_accepted, apps["李四"].card_not_accepted) == (True, False)
        assert apps["张三"].func_code == "2050202"
    # the same rows again: duplicates of existing drafts, nothing written
    code, payload = _cli(capsys, str(book([APP_HEADER, good])), "--kind", "applications", "--db", str(db.path))
    assert code == 1 and "已存在" in payload["errors"][0]["reason"]
    # unknown indicator: a located error before anything is written
    code, payload = _cli(capsys, str(book([APP_HEADER, [*good[:9], "P-3"], ["L9", *good[1:9], "P-4"]])),
                         "--kind", "applications", "--db", str(db.path))
    assert code == 1 and [(e["row"], e["value"]) for e in payload["errors"]] == [(3, "L9")]
    # a row the draft service refuses (unit differs from the indicator's) rolls back the batch
    bad = ["L2", "王五", "6222021202001234569", "工行", 100, "30226", "转账", "劳务费", None, "P-6"]
    header = [*APP_HEADER, "单位代码"]
    code, payload = _cli(capsys, str(book([header, [*good[:9], "P-5", "101001"], [*bad, "101001"]])),
                         "--kind", "applications", "--db", str(db.path))
    assert code == 1 and payload["imported_rows"] == 0
    assert [(e["row"], e["column"]) for e in payload["errors"]] == [(3, "单位代码")]
    with db.read() as s:
        assert s.query(PaymentApplication).count() == 2


def test_wizard_given_the_database_imports_into_the_product(qtbot, book, world, bureau, db):
    from app.ui.import_wizard import ImportWizard

    wizard = ImportWizard(db=db)
    wizard._targets._transport_factory = lambda _db: HttpTransport(
        server_url=URL, username="bur_a", device_id="dev-x", client=world.client)
    qtbot.addWidget(wizard)
    wizard.show()
    assert "服务器" in wizard.target_description
    for kind, path in (("indicators", _ind_book(book, ["W1", "W2"])),
                       ("payees", book([PAYEE_HEADER, ["某某公司", "6222021202001234567", "工行", None, None, None]])),
                       ("applications", book([APP_HEADER, ["W1", "张三", "6222021202001234568", "工行", 80, "30226",
                                                          "转账", "讲课费", None, "Q-1"]]))):
        wizard.restart()
        wizard.set_file(path, kind)
        wizard.file_page.year_spin.setValue(2026)
        with qtbot.waitSignal(wizard.sig_preview_ready, timeout=10_000):
            wizard.next()
        with qtbot.waitSignal(wizard.sig_imported, timeout=20_000) as imported:
            wizard.next()
        assert imported.args[0].imported_rows == (2 if kind == "indicators" else 1), imported.args[0].message
    assert "已同步到本机" in wizard.import_result.message or wizard.import_result.kind == "applications"
    with db.read() as s:
        assert s.get(Indicator, "W2").available == 10100
        assert s.query(Payee).count() == 1  # a draft's payee is remembered when it is queued
        [app] = s.query(PaymentApplication).all()
        assert (app.indicator_id, app.local_status) == ("W1", "draft")


DETAIL_HEADER = ["收款人全称", "收款账号", "开户银行", "身份证号", "联系电话", "备注"]


def test_payee_details_reach_the_address_book(book, db, capsys):
    path = book([DETAIL_HEADER,
                 ["李四", "6222021202001234569", "农行金华分行", "110101199003074514", "0579-82345678",
                  "评审专家"],
                 ["某某物业有限公司", "6222021202001234570", "工行金华分行", None, "13800000000", None]])
    code, payload = _cli(capsys, str(path), "--kind", "payees", "--target", "local", "--db", str(db.path))
    assert code == 0 and payload["imported_rows"] == 2, payload
    with db.read() as s:
        rows = {p.name: (p.kind, p.id_no, p.phone, p.remark) for p in s.query(Payee)}
    assert rows == {"李四": ("person", "110101199003074514", "0579-82345678", "评审专家"),
                    "某某物业有限公司": ("unit", None, "13800000000", None)}
    found = search_payees(db=db, text="李四")[0]
    assert (found.id_no, found.phone, found.remark) == ("110101199003074514", "0579-82345678", "评审专家")


def test_bad_id_number_is_named_by_sheet_row_and_column_and_nothing_is_written(book, db, capsys):
    path = book([DETAIL_HEADER,
                 ["王五", "6222021202001234571", "农行", "110101199003074515", None, None],  # check digit
                 ["赵六", "6222021202001234572", "农行", "11010119900307451", None, None]],  # 17 digits
                sheet="收款人")
    code, payload = _cli(capsys, str(path), "--kind", "payees", "--target", "local", "--db", str(db.path))
    assert code == 1 and payload["imported_rows"] == 0
    assert payload["sheet"] == "收款人"
    errors = {(e["row"], e["column"]): e["reason"] for e in payload["errors"]}
    assert "校验位" in errors[(2, "身份证号")] and "110101199003074515" in errors[(2, "身份证号")]
    assert "18位" in errors[(3, "身份证号")]
    with db.read() as s:
        assert s.query(Payee).count() == 0
