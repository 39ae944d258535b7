"""``jincai excel``: templates, imports and exports from the command line.

    jincai excel template indicators|payees|applications -o FILE [--year Y] [--unit 元|万元]
    jincai excel import FILE --kind indicators|payees|applications [--dry-run] [--partial]
                        [--annotate OUT.xlsx] [--json] [--year Y] [--sheet NAME]
                        [--target server|local|jsonl] [--db FILE] [--no-sync]
                        [--sink FILE.jsonl] [--indicators FILE.jsonl]
    jincai excel export execution|applications --input DATA.json -o FILE

Import exit status: 0 ok, 1 rejected, 2 unreadable.

Targets (``--target``; the product sinks are in :mod:`app.services.imports`):

* ``server`` — indicators only: the central server's bulk endpoint, as the signed-in user
  (``jincai login``), then one sync brings them into the local mirror (``--no-sync`` skips it);
* ``local`` — payees into the local address book, batch applications into local drafts (checked
  against the indicators of the local mirror), all in one local transaction;
* ``jsonl`` — a JSON-lines staging file (``--sink``; default ``<user data dir>/excel-imports/<kind>.jsonl``
  or ``$JINCAI_EXCEL_SINK_DIR``), as before the local store existed.

Default: ``jsonl`` when ``--sink`` or ``$JINCAI_EXCEL_SINK_DIR`` is given; otherwise indicators go to
the server when a user is signed in (else to the staging file, with a note), payees and
applications to the local database.
"""
from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

from app.excel.schema import KINDS

EXIT_OK, EXIT_REJECTED, EXIT_UNREADABLE = 0, 1, 2
TARGETS = ("server", "local", "jsonl")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    sub = parser.add_subparsers(dest="excel_command", metavar="{template,import,export}")
    sub.required = True

    tpl = sub.add_parser("template", help="生成空白导入模板 / write a blank template")
    tpl.add_argument("kind", choices=KINDS)
    tpl.add_argument("-o", "--output", required=True, help="输出 .xlsx 文件")
    tpl.add_argument("--year", type=int, default=None, help="科目年度（默认：当前年度）")
    tpl.add_argument("--unit", choices=("元", "万元"), default="元", help="金额单位")

    imp = sub.add_parser("import", help="校验并导入工作簿 / validate and import a workbook")
    imp.add_argument("file")
    imp.add_argument("--kind", required=True, choices=KINDS)
    imp.add_argument("--dry-run", action="store_true", help="只校验，不写入")
    imp.add_argument("--partial", action="store_true", help="只导入正确的行（默认：有错则全部不导入）")
    imp.add_argument("--annotate", metavar="OUT.xlsx", help="输出标注了错误单元格的工作簿副本")
    imp.add_argument("--json", action="store_true", help="以 JSON 输出结果")
    imp.add_argument("--year", type=int, default=None, help="科目年度（默认：当前年度）")
    imp.add_argument("--sheet", default=None, help="数据所在工作表（默认：自动识别）")
    imp.add_argument("--region", default=None, help="字典的区划（默认：通用字典）")
    imp.add_argument("--target", choices=TARGETS, default=None,
                     help="导入目标：server（指标→服务器）、local（收款人/批量申请→本地数据库）、"
                          "jsonl（暂存文件）；默认按类型选择")
    imp.add_argument("--db", default=None, help="本地数据库文件（默认在数据目录，可用 JINCAI_DATA_DIR 改变）")
    imp.add_argument("--no-sync", action="store_true", help="指标导入服务器后不立即同步到本机")
    imp.add_argument("--sink", metavar="FILE.jsonl", default=None,
                     help="导入目标 JSON-lines 暂存文件（隐含 --target jsonl）")
    imp.add_argument("--indicators", metavar="FILE.jsonl", default=None,
                     help="批量支付申请：核对指标编码所用的已导入指标（默认：指标的暂存文件，存在时）")

    exp = sub.add_parser("export", help="导出报表 / export a report")
    exp.add_argument("report", choices=("execution", "applications"))
    exp.add_argument("--input", required=True, help="JSON 数组：每个元素一条指标或申请（金额单位：分）")
    exp.add_argument("-o", "--output", required=True)
    exp.add_argument("--title", default=None)


def default_sink_path(kind: str) -> Path:
    base = os.environ.get("JINCAI_EXCEL_SINK_DIR")
    if not base:
        import platformdirs

        base = os.path.join(platformdirs.user_data_dir("jincai-desk", appauthor=False), "excel-imports")
    return Path(base) / f"{kind}.jsonl"


def run(args: argparse.Namespace) -> int:
    command = args.excel_command
    if command == "template":
        return _template(args)
    if command == "import":
        return _import(args)
    return _export(args)


def _template(args) -> int:
    from app.excel.templates import write_template

    try:
        path = write_template(args.kind, args.output, year=args.year, unit=args.unit)
    except Exception as exc:  # noqa: BLE001 - e.g. an unknown year, an unwritable path
        print(f"无法生成模板：{getattr(exc, 'message', exc)}", file=sys.stderr)
        return EXIT_UNREADABLE
    print(f"已生成模板：{path}")
    return EXIT_OK


def _local_db_path(args) -> Path:
    if args.db:
        return Path(args.db)
    from app.db import default_db_path

    return default_db_path()


def _signed_in(db_path: Path):
    """(server_url, username) of the signed-in account of an existing local database."""
    if not db_path.exists():
        return None
    import sqlite3

    try:
        with sqlite3.connect(f"file:{db_path}?mode=ro", uri=True) as conn:
            row = conn.execute("SELECT server_url, username FROM accounts WHERE signed_in = 1 "
                               "ORDER BY last_online_sign_in_at DESC LIMIT 1").fetchone()
    except sqlite3.Error:
        return None
    return (row[0], row[1]) if row else None


def resolve_target(args) -> str:
    if args.target:
        return args.target
    if args.sink or os.environ.get("JINCAI_EXCEL_SINK_DIR"):
        return "jsonl"
    if args.kind == "indicators":
        return "server" if _signed_in(_local_db_path(args)) else "jsonl"
    return "local"


def make_transport(db, server_url: str, username: str):
    """The signed-in user's authenticated transport (tests replace this function)."""
    from app.sync.credentials import device_id
    from app.sync.http import HttpTransport

    return HttpTransport(server_url=server_url, username=username, device_id=device_id(db.data_dir))


def _refuse(args, message: str, code: int = EXIT_REJECTED) -> int:
    payload = {"file": args.file, "sheet": None, "header_row": None, "unit": None, "valid_rows": 0,
               "imported_rows": 0, "errors": [], "outcome": "rejected" if code == EXIT_REJECTED else "unreadable",
               "message": message}
    _emit(args, payload, None)
    return code


def _import(args) -> int:
    target = resolve_target(args)
    if target == "server" and args.kind != "indicators":
        return _refuse(args, "只有预算指标导入服务器；收款人和批量支付申请请用 --target local 导入本地。")
    if target == "local" and args.kind == "indicators":
        return _refuse(args, "预算指标由服务器管理，不能只导入本机：请登录后用 --target server 导入"
                             "（随后同步到本机），或用 --target jsonl 暂存。")
    if target == "jsonl":
        return _import_jsonl(args)
    from app.db import LocalDatabaseError, open_database

    try:
        db = open_database(_local_db_path(args))
    except LocalDatabaseError as exc:
        return _refuse(args, exc.message + " 恢复：jincai store restore 或 jincai store fresh", EXIT_UNREADABLE)
    try:
        return _import_product(args, db, target)
    finally:
        db.close()


def _import_product(args, db, target: str) -> int:
    from app.excel.importer import import_workbook
    from app.services import imports

    transport = None
    existing = indicators = None
    note = ""
    try:
        if target == "server":
            who = _signed_in(db.path)
            if who is None:
                return _refuse(args, "尚未登录：请先运行 jincai login --server URL --user NAME，再导入指标。")
            transport = make_transport(db, *who)
            sink = imports.ServerIndicatorSink(transport, sync_db=None if args.no_sync else db)
        elif args.kind == "payees":
            sink = imports.LocalPayeeSink(db)
            existing = sink
        else:
            sink = imports.LocalDraftSink(db)
            existing = sink
            indicators = imports.LocalIndicatorKeys(db)
        result = import_workbook(args.file, args.kind, sink=sink, existing=existing, indicators=indicators,
                                 dry_run=args.dry_run, partial=args.partial, year=args.year,
                                 sheet=args.sheet, region=args.region)
        imports.finish_result(result, sink)
        if target == "server" and result.imported_rows and result.outcome == "ok":
            note = sink.summary()
        elif target == "local" and result.imported_rows:
            note = "已写入本地数据库" + ("（草稿，需逐笔核对后提交）。" if args.kind == "applications"
                                   else "（收款人地址簿）。")
    except Exception as exc:  # noqa: BLE001 - e.g. no keyring, a year without code tables
        message = getattr(exc, "message", None) or str(exc)
        return _refuse(args, message, EXIT_UNREADABLE)
    finally:
        if transport is not None:
            transport.close()
    return _finish(args, result, note)


def _import_jsonl(args) -> int:
    from app.excel.importer import import_workbook
    from app.excel.sinks import JsonLinesSink

    sink_path = Path(args.sink) if args.sink else default_sink_path(args.kind)
    sink = JsonLinesSink(sink_path)
    indicators = None
    if args.kind == "applications":
        known = Path(args.indicators) if args.indicators else default_sink_path("indicators")
        if known.exists():
            indicators = JsonLinesSink(known)
    try:
        result = import_workbook(args.file, args.kind, sink=sink, existing=sink, indicators=indicators,
                                 dry_run=args.dry_run, partial=args.partial, year=args.year,
                                 sheet=args.sheet, region=args.region)
    except Exception as exc:  # noqa: BLE001 - e.g. a year without code tables
        message = getattr(exc, "message", None) or str(exc)
        return _refuse(args, message, EXIT_UNREADABLE)
    note = ""
    if result.imported_rows:
        note = f"（写入 JSON-lines 暂存文件 {sink_path}；暂存文件尚未接入本地数据库或服务器）"
        if args.kind == "indicators" and not args.target:
            note += "。登录后用 --target server 重新导入同一文件即可发送到服务器"
    return _finish(args, result, note)


def _finish(args, result, note: str) -> int:
    annotated = None
    if args.annotate and result.sheet is not None:
        from app.excel.annotate import annotate_workbook

        try:
            annotated = annotate_workbook(args.file, args.annotate, result)
        except Exception as exc:  # noqa: BLE001
            print(f"无法写出标注副本：{exc}", file=sys.stderr)
    payload = result.to_json()
    payload["message"] += note
    _emit(args, payload, annotated, result)
    return result.exit_code


def _emit(args, payload: dict, annotated, result=None) -> None:
    if args.json:
        print(json.dumps(payload, ensure_ascii=False, indent=2))
        if annotated:
            print(f"标注副本：{annotated}", file=sys.stderr)
        return
    print(payload["message"])
    if payload["sheet"]:
        unit = f"，金额单位：{payload['unit']}" if payload.get("unit") else ""
        print(f"工作表：{payload['sheet']}，表头在第 {payload['header_row']} 行{unit}；有效行 {payload['valid_rows']}，"
              f"已导入 {payload['imported_rows']}。")
    if result is not None and result.ignored_headers:
        print("未识别（已忽略）的列：" + "、".join(result.ignored_headers))
    for error in payload["errors"][:200]:
        where = f"第{error['row']}行" if error["row"] is not None else ""
        col = f"，列“{error['column']}”" if error["column"] else ""
        value = f"：{error['value']}" if error["value"] not in (None, "") else ""
        print(f"  {where}{col}{value} —— {error['reason']}")
    if len(payload["errors"]) > 200:
        print(f"  ……另有 {len(payload['errors']) - 200} 处错误（用 --json 或 --annotate 查看全部）")
    if annotated:
        print(f"已生成标注副本：{annotated}")


def _export(args) -> int:
    from app.excel.export import write_application_list, write_execution_report

    try:
        with open(args.input, encoding="utf-8") as fh:
            data = json.load(fh)
        if args.report == "execution":
            path = write_execution_report(args.output, data, **({"title": args.title} if args.title else {}))
        else:
            path = write_application_list(args.output, data, **({"title": args.title} if args.title else {}))
    except (OSError, ValueError, TypeError) as exc:
        print(f"无法导出：{exc}", file=sys.stderr)
        return EXIT_UNREADABLE
    print(f"已导出：{path}")
    return EXIT_OK
