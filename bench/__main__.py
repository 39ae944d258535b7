"""`make bench`: run every benchmark module (bench/bench_*.py), print one table, rewrite BENCHMARKS.md.

Each module exposes ``run() -> list[dict]`` whose rows carry ``benchmark``, ``value``, ``unit`` and,
where a baseline was measured in the same run, ``baseline`` and ``ratio``. Pass module names
(``python -m bench fiscal ocr``) to run a subset; BENCHMARKS.md keeps the other sections as they were.
"""
from __future__ import annotations

import datetime as dt
import importlib
import os
import platform
import re
import sys
import time
import traceback
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUTPUT = ROOT / "BENCHMARKS.md"


def machine_description() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    memory = ""
    try:
        kib = int(re.search(r"MemTotal:\s+(\d+)", Path("/proc/meminfo").read_text()).group(1))
        memory = f", {kib / 1024 / 1024:.0f} GiB RAM"
    except (OSError, AttributeError):
        pass
    return (f"{platform.system()} {platform.release()}, {cpu}, {os.cpu_count()} cores{memory}, "
            f"Python {platform.python_version()}")


def format_value(value) -> str:
    if isinstance(value, float):
        return f"{value:,.3f}" if abs(value) < 100 else f"{value:,.0f}"
    return str(value)


def render_rows(rows: list[dict]) -> list[str]:
    lines = ["| benchmark | value | unit | baseline | ratio | note |", "|---|---:|---|---:|---:|---|"]
    for row in rows:
        lines.append("| {} | {} | {} | {} | {} | {} |".format(
            row.get("benchmark", ""), format_value(row.get("value", "")), row.get("unit", ""),
            format_value(row.get("baseline", "")) if row.get("baseline") is not None else "",
            f"{row['ratio']:.2f}×" if row.get("ratio") is not None else "", row.get("note", "")))
    return lines


def discover() -> list[str]:
    return sorted(p.stem.removeprefix("bench_") for p in (ROOT / "bench").glob("bench_*.py"))


def read_sections() -> dict[str, str]:
    if not OUTPUT.exists():
        return {}
    sections, current, buffer = {}, None, []
    for line in OUTPUT.read_text(encoding="utf-8").splitlines():
        if line.startswith("## "):
            if current:
                sections[current] = "\n".join(buffer).strip()
            current, buffer = line[3:].strip(), []
        elif current:
            buffer.append(line)
    if current:
        sections[current] = "\n".join(buffer).strip()
    return sections


def main(argv: list[str]) -> int:
    names = argv or discover()
    sections = read_sections()
    failures = 0
    for name in names:
        module_name = f"bench.bench_{name}"
        print(f"\n== {name} ==", flush=True)
        started = time.perf_counter()
        try:
            rows = importlib.import_module(module_name).run()
        except Exception:  # noqa: BLE001 - a broken benchmark is reported, the others still run
            failures += 1
            traceback.print_exc()
            rows = [{"benchmark": name, "value": "failed", "unit": "", "note": "see console"}]
        elapsed = time.perf_counter() - started
        table = render_rows(rows)
        print("\n".join(table), flush=True)
        stamp = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
        sections[name] = f"Run {stamp} in {elapsed:.1f} s on {machine_description()}.\n\n" + "\n".join(table)
    body = ["# Benchmarks", "",
            ("Written by `make bench` (`python -m bench`); every figure below was measured on the "
             "machine named in its section. Ratios compare against a baseline measured in the same "
             "run."), ""]
    for name in sorted(sections):
        body += [f"## {name}", "", sections[name], ""]
    OUTPUT.write_text("\n".join(body), encoding="utf-8")
    print(f"\nwrote {OUTPUT}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
