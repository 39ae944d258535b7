"""``jincai ocr FILE... [--engine NAME] [--json]`` — read vouchers and print their fields.

JSON output: one object per file (``{file, kind, fields: {name: {value, confidence, source}},
checks: {name: bool}, engine, seconds}``; amounts are integer fen). A file with several pages
(PDF, TIFF) reports page 1 at the top level and every page under ``pages``. A file that cannot be
read gives ``{file, error: {code, message}}``. Exit status: 0 when every file was read, 1 when
any could not be read, 2 for bad arguments.
"""
from __future__ import annotations

import argparse
import json
import sys
import time

from app.ocr.engines import DEFAULT_ENGINE, ENGINES, engine_status


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("files", nargs="*", metavar="FILE",
                        help="凭证文件：JPEG/PNG/TIFF/PDF/数电票 XML")
    parser.add_argument("--engine", default=DEFAULT_ENGINE, choices=sorted(ENGINES),
                        help=f"识别引擎（默认 {DEFAULT_ENGINE}）")
    parser.add_argument("--json", action="store_true", help="每个文件输出一行 JSON")
    parser.add_argument("--timeout", type=float, default=None,
                        help="每页识别超时秒数（默认 30，或环境变量 JINCAI_OCR_TIMEOUT）")
    parser.add_argument("--engines", action="store_true", help="列出可用的识别引擎")


def _page_json(result) -> dict:
    return result.to_json()


def _file_json(path: str, results, seconds: float) -> dict:
    first = results[0]
    out = _page_json(first)
    out["file"] = path
    out["seconds"] = round(seconds, 3)
    if len(results) > 1:
        out["pages"] = [_page_json(r) for r in results]
    return out


def _print_human(obj: dict, out) -> None:
    from app.ocr.model import FIELD_LABELS, KIND_NAMES

    if "error" in obj:
        print(f"✗ {obj['file']}: {obj['error']['message']}", file=out)
        return
    pages = obj.get("pages") or [obj]
    for page in pages:
        head = f"{obj['file']}" + (f" 第{page['page']}页" if len(pages) > 1 else "")
        print(f"■ {head} — {KIND_NAMES.get(page['kind'], page['kind'])}  "
              f"[{page['engine'] or '文本层'} {page['seconds']:.1f}s]", file=out)
        for name, f in page["fields"].items():
            value = f["value"]
            if name.endswith("_fen") and isinstance(value, int):
                value = f"{value / 100:,.2f}"
            print(f"    {FIELD_LABELS.get(name, name):<12} {value}  ({f['source']}, {f['confidence']:.2f})",
                  file=out)
        bad = [k for k, ok in page["checks"].items() if not ok]
        print(f"    校验：{len(page['checks']) - len(bad)}/{len(page['checks'])} 通过", file=out)
        for p in page.get("problems", []):
            print(f"    ! {p}", file=out)


def run(args: argparse.Namespace) -> int:
    from app.ocr.errors import OcrError
    from app.ocr.pipeline import OcrOptions, recognize_file

    out = sys.stdout
    if getattr(args, "engines", False):
        for e in engine_status():
            mark = "✓" if e["available"] else "✗"
            print(f"{mark} {e['name']:<10} {e['label']}{'（默认）' if e['default'] else ''}"
                  f"{'' if e['available'] else '  ' + e['reason']}", file=out)
        return 0
    if not args.files:
        print("请指定至少一个凭证文件。用法：jincai ocr FILE... [--engine NAME] --json", file=sys.stderr)
        return 2
    options = OcrOptions(engine=args.engine, keep_images=False)
    if args.timeout is not None:
        options.timeout = args.timeout
    failures = 0
    for path in args.files:
        started = time.perf_counter()
        try:
            results = recognize_file(path, options)
            obj = _file_json(path, results, time.perf_counter() - started)
        except OcrError as exc:
            failures += 1
            obj = {"file": path, "kind": "unknown", "fields": {}, "checks": {},
                   "engine": args.engine, "seconds": round(time.perf_counter() - started, 3),
                   "error": {"code": exc.code, "message": exc.message}}
        except Exception as exc:
            import logging

            logging.getLogger(__name__).exception("OCR failed for %s", path)
            failures += 1
            obj = {"file": path, "kind": "unknown", "fields": {}, "checks": {},
                   "engine": args.engine, "seconds": round(time.perf_counter() - started, 3),
                   "error": {"code": "internal", "message": f"识别时发生内部错误：{exc}"}}
        if args.json:
            print(json.dumps(obj, ensure_ascii=False), file=out, flush=True)
        else:
            _print_human(obj, out)
    return 1 if failures else 0
