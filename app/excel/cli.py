"""``jincai excel``: templates, imports and exports from the command line.

    jincai excel template indicators|payees|applications -o FILE [--year Y] [--unit 元|万元]
    jincai excel import FILE --kind indicators|payees|applications [--dry-run] [--partial]
                        [--annotate OUT.xlsx] [--json] [--year Y] [--sheet NAME] [--sink FILE.jsonl]
                        [--indicators FILE.jsonl]
    jincai excel export execution|applications --input DATA.json -o FILE

Import exit status: 0 ok, 1 rejected, 2 unreadable.

The import target is **not yet the local database**: rows go to a JSON-lines file
(``--sink``; default ``<user data dir>/excel-imports/<kind>.jsonl``, or ``$JINCAI_EXCEL_SINK_DIR``).
Records already in that file count as existing data for duplicate checks, and batch applications
are checked against the imported indicators (``--indicators``, default the indicators' file).
"""
from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

from app.excel.schema import KINDS

EXIT_OK, EXIT_REJECTED, EXIT_UNREADABLE = 0, 1, 2


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
    imp.add_argument("--sink", metavar="FILE.jsonl", default=None,
                     help="导入目标 JSON-lines 文件（本地数据库接入前的暂存）")
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


def _import(args) -> int:
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
        result = None
        payload = {"file": args.file, "sheet": None, "header_row": None, "unit": None, "valid_rows": 0,
                   "imported_rows": 0, "errors": [], "outcome": "unreadable", "message": message}
        _emit(args, payload, None)
        return EXIT_UNREADABLE
    annotated = None
    if args.annotate and result.sheet is not None:
        from app.excel.annotate import annotate_workbook

        try:
            annotated = annotate_workbook(args.file, args.annotate, result)
        except Exception as exc:  # noqa: BLE001
            print(f"无法写出标注副本：{exc}", file=sys.stderr)
    payload = result.to_json()
    if result.imported_rows:
        payload["message"] += f"（写入 JSON-lines 暂存文件 {sink_path}；尚未接入本地数据库）"
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
