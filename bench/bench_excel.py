"""Excel import of a 100 000-row indicator workbook, against a bare openpyxl read-only pass.

Each phase runs in its own child process, so each peak RSS is that phase's alone:

- baseline: ``openpyxl.load_workbook(read_only=True)`` and one pass over every row (values only);
- dry-run validation: ``import_workbook(..., dry_run=True)`` — read, header detection, every row
  validated with the fiscal rules, duplicate detection;
- import into the local database: the same plus every record inserted, in one transaction, into
  the ``indicators`` table of a fresh local SQLite database (``app.db.open_database``: WAL,
  synchronous=FULL, Alembic head). The sink used here lives in this file: the product's sink
  belongs in ``app/services`` (indicators normally reach the client from the server, which owns
  them) and is not written yet;
- import into the JSON-lines sink (``jincai excel import --target jsonl``; fsync'ed, atomic);
- import through the server, the product's path for indicators: ``ServerIndicatorSink`` sends a
  staged batch to a central server running in its own process (``python -m server run``,
  SQLite), which validates and applies all rows in one transaction, then a sync brings them into
  the client's local mirror. Client and server peak RSS are reported separately.

Targets (issue 8): validation <= 2x the bare read, import <= 3x, peak RSS <= 300 MB.
"""
from __future__ import annotations

import json
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ROWS = 100_000
YEAR = 2026
VERSION = 3  # bump when the generated workbook changes
TARGETS = {"dry-run validation": 2.0, "import into the local database": 3.0,
           "import (JSON-lines sink)": 3.0, "import through the server (product path)": 3.0}
RSS_TARGET_MB = 300

HEADER = ["指标编码", "指标文号", "预算年度", "预算单位编码", "单位名称", "项目代码", "项目名称",
          "支出功能分类", "经济科目", "资金性质", "指标来源", "预算金额（元）"]


def make_workbook(path: Path, rows: int = ROWS) -> Path:
    """A bureau-style sheet: title row, a note, the header, ``rows`` data rows, a 合计 row."""
    import openpyxl

    from fiscal.codes import code_tables

    tables = code_tables(YEAR)
    funcs = [f"{i.code} {i.name}" for i in tables.functional.items() if len(i.code) == 7]
    ecos = [f"{i.code}" for i in tables.dep_economic.items() if len(i.code) == 5]
    rng = random.Random(20261121)
    wb = openpyxl.Workbook(write_only=True)
    ws = wb.create_sheet("指标明细")
    ws.append([f"{YEAR}年预算指标下达明细表"])
    ws.append(["", "", "", "", "", "", "", "", "", "", "", "单位：元"])
    ws.append(HEADER)
    total = 0
    for n in range(rows):
        fen = rng.randrange(100, 10**10)
        total += fen
        agency = f"{rng.randrange(101, 140)}{rng.randrange(1, 30):03d}"
        ws.append([f"ZB{YEAR}{n:07d}", f"X财预〔{YEAR}〕{rng.randrange(1, 300)}号", YEAR, agency,
                   f"单位{agency}", f"33{rng.randrange(10**8):08d}", f"项目{n % 997}",
                   rng.choice(funcs), rng.choice(ecos), str(rng.randrange(1, 4)), "1", fen / 100])
    ws.append(["合计", "", "", "", "", "", "", "", "", "", "", total / 100])
    tmp = path.with_suffix(".tmp.xlsx")
    wb.save(tmp)
    _add_dimension(tmp, path, f"A1:L{rows + 4}")
    tmp.unlink()
    return path


def _add_dimension(src: Path, dst: Path, ref: str) -> None:
    """openpyxl's write-only mode omits ``<dimension>``; Excel, WPS and LibreOffice always write it."""
    import zipfile

    part = dst.with_suffix(".part")
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(part, "w", zipfile.ZIP_DEFLATED) as zout:
        for item in zin.infolist():
            data = zin.read(item)
            if item.filename == "xl/worksheets/sheet1.xml":
                data = data.replace(b"<sheetViews>", f'<dimension ref="{ref}"/><sheetViews>'.encode(), 1)
            zout.writestr(item, data)
    os.replace(part, dst)


class LocalDbIndicatorSink:
    """ImportSink writing indicators into a local SQLite database, one transaction per import."""

    def __init__(self, db) -> None:
        self.db = db
        self._cm = None
        self._session = None
        self._count = 0

    def begin(self, kind: str, meta: dict) -> None:
        self._cm = self.db.transaction()
        self._session = self._cm.__enter__()
        self._count = 0

    def write(self, records) -> None:
        from sqlalchemy import insert

        from app.models.indicators import Indicator

        rows = []
        for r in records:
            d = r.data
            rows.append({
                "id": d.get("bgt_code") or r.key, "fiscal_year": d["fiscal_year"], "unit_code": d["agency_code"],
                "doc_no": d.get("doc_no"), "func_code": d.get("func_code"), "dep_eco_code": d.get("dep_eco_code"),
                "gov_eco_code": d.get("gov_eco_code"), "pro_code": d.get("project_code"),
                "pro_name": d.get("project_name"), "fund_type_code": d.get("fund_type"),
                "source_type_code": d.get("bgt_source"), "bgt_type_code": d.get("bgt_type"),
                "is_gov_procurement": bool(d.get("is_gov_pur")), "amount": d["amount"],
                "available": d["amount"], "memo": d.get("summary"),
            })
        self._session.execute(insert(Indicator), rows)
        self._count += len(rows)

    def commit(self) -> int:
        self._cm.__exit__(None, None, None)
        self._cm = self._session = None
        return self._count

    def rollback(self) -> None:
        if self._cm is not None:
            error = RuntimeError("import rolled back")
            try:
                self._cm.__exit__(type(error), error, None)
            except RuntimeError:
                pass
            self._cm = self._session = None


class _Keys:
    """Token store of the bench's client (no OS keyring in a child process)."""

    def __init__(self, tokens) -> None:
        self.tokens = tokens

    def load(self, server_url, username):
        return self.tokens

    def save(self, server_url, username, tokens) -> None:
        self.tokens = tokens


def _server_client(scratch: Path):
    """A central server in its own process (``python -m server run``: uvicorn, SQLite file at
    Alembic head) with the workbook's 1,131 units under 39 departments and an admin, and the
    client's HttpTransport talking to it over loopback HTTP."""
    import socket

    import httpx

    from app.sync.credentials import Tokens
    from app.sync.http import HttpTransport
    from server import chain
    from server.db import make_engine
    from server.migrate import upgrade
    from server.models import User
    from server.services import auth, org
    from server.settings import load_settings

    url = f"sqlite:///{scratch}/server.sqlite3"
    engine = make_engine(url)
    upgrade(engine)
    settings = load_settings(database_url=url, data_dir=scratch / "server-data")
    from server.db import make_session_factory

    with make_session_factory(engine)() as s:
        chain.ensure_head(s)
        org.ensure_region(s, "330700000", "金华市本级")
        for dept in range(101, 140):
            org.create_department(s, code=str(dept), name=f"部门{dept}", region_code="330700000")
            for unit in range(1, 30):
                org.create_unit(s, code=f"{dept}{unit:03d}", name=f"单位{dept}{unit:03d}",
                                department_code=str(dept), unit_type="行政")
        user = org.create_user(s, username="bench_admin", password="Bench-Passw0rd-2026",
                               role="admin")
        s.commit()
        pair = auth._issue(s, settings, s.get(User, user.id), device_id="bench", device_name=None)
        s.commit()
    engine.dispose()
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    env = {**os.environ, "JINCAI_DATABASE_URL": url, "JINCAI_DATA_DIR": str(scratch / "server-data"),
           "JINCAI_ENV": "development"}
    proc = subprocess.Popen([sys.executable, "-m", "server", "run", "--host", "127.0.0.1",
                             "--port", str(port)], cwd=ROOT, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    for _ in range(300):
        try:
            if httpx.get(base + "/health", timeout=1).status_code == 200:
                break
        except httpx.HTTPError:
            time.sleep(0.1)
    else:
        proc.kill()
        raise RuntimeError("bench server did not start")
    transport = HttpTransport(server_url=base, username="bench_admin", device_id="bench",
                              store=_Keys(Tokens(pair["access_token"], pair["refresh_token"])))
    return proc, transport


def _server_rss_mb(proc) -> float:
    with open(f"/proc/{proc.pid}/status", encoding="ascii") as fh:
        for line in fh:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return 0.0


def _phase(name: str, path: str, scratch: str) -> None:
    """Child process: run one phase, print {"seconds", "rss_mb", ...} as JSON."""
    import resource

    result: dict = {}
    if name == "generate":
        started = time.perf_counter()
        make_workbook(Path(path))
    elif name == "openpyxl":
        import openpyxl

        started = time.perf_counter()
        wb = openpyxl.load_workbook(path, read_only=True)
        count = 0
        for ws in wb.worksheets:
            for _row in ws.iter_rows(values_only=True):
                count += 1
        wb.close()
        result["rows"] = count
    elif name == "calamine":
        import python_calamine as pc

        started = time.perf_counter()
        book = pc.CalamineWorkbook.from_path(path)
        count = sum(1 for _ in book.get_sheet_by_index(0).iter_rows())
        result["rows"] = count
    else:
        from app.excel.importer import import_workbook
        from app.excel.sinks import JsonLinesSink

        if name == "import-server":
            from sqlalchemy import func, select

            from app.db import open_database
            from app.models.indicators import Indicator
            from app.services.imports import ServerIndicatorSink

            proc, transport = _server_client(Path(scratch))
            db = open_database(Path(scratch) / "client.db", backup=False)
        if name == "import-db":
            from sqlalchemy import func, select

            from app.db import open_database
            from app.models.indicators import Indicator

            db = open_database(Path(scratch) / "local.db", backup=False)
        if name == "dry-run-stream":
            from app.excel import safety

            safety.MAX_CELLS = 1  # as if the sheet were too big to hold in memory
        started = time.perf_counter()
        if name in ("dry-run", "dry-run-stream"):
            res = import_workbook(path, "indicators", dry_run=True, year=YEAR)
        elif name == "import-server":
            sink = ServerIndicatorSink(transport, sync_db=db)
            res = import_workbook(path, "indicators", sink=sink, year=YEAR)
            result["sync_problem"] = sink.sync_problem
            result["chunks"] = sink.chunks
            with db.read() as session:
                result["db_rows"] = session.scalar(select(func.count()).select_from(Indicator))
            db.close()
            transport.close()
            result["server_rss_mb"] = _server_rss_mb(proc)
            proc.terminate()
            proc.wait(timeout=30)
        elif name == "import-db":
            res = import_workbook(path, "indicators", sink=LocalDbIndicatorSink(db), year=YEAR)
            with db.read() as session:
                result["db_rows"] = session.scalar(select(func.count()).select_from(Indicator))
            db.close()
        else:
            target = Path(scratch) / "indicators.jsonl"
            if target.exists():
                target.unlink()
            res = import_workbook(path, "indicators", sink=JsonLinesSink(target), year=YEAR)
        result.update(outcome=res.outcome, valid_rows=res.valid_rows, imported_rows=res.imported_rows,
                      errors=res.error_count, message=res.message)
    result["seconds"] = time.perf_counter() - started
    result["rss_mb"] = _peak_rss_mb(resource)
    print(json.dumps(result, ensure_ascii=False))


def _peak_rss_mb(resource) -> float:
    """This process's peak RSS. ``VmHWM`` belongs to the exec'ed image; ``ru_maxrss`` would carry
    the peak of the parent that forked us (Linux keeps it across execve)."""
    try:
        with open("/proc/self/status", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _run_phase(name: str, path: Path, scratch: Path) -> dict:
    code = (f"import sys; sys.path.insert(0, {str(ROOT)!r}); "
            f"from bench.bench_excel import _phase; _phase({name!r}, {str(path)!r}, {str(scratch)!r})")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         cwd=ROOT, timeout=1800)
    return json.loads(out.stdout.strip().splitlines()[-1])


def run() -> list[dict]:
    cache = Path(tempfile.gettempdir()) / f"jincai-bench-excel-{ROWS}-v{VERSION}.xlsx"
    started = time.perf_counter()
    if not cache.exists():
        _run_phase("generate", cache, cache.parent)  # in a child: keeps this process small
    generated = time.perf_counter() - started
    size_mb = cache.stat().st_size / 1024 / 1024
    with tempfile.TemporaryDirectory(prefix="jincai-bench-") as scratch:
        base = _run_phase("openpyxl", cache, Path(scratch))
        calamine = _run_phase("calamine", cache, Path(scratch))
        dry = _run_phase("dry-run", cache, Path(scratch))
        stream = _run_phase("dry-run-stream", cache, Path(scratch))
        imp_db = _run_phase("import-db", cache, Path(scratch))
        imp = _run_phase("import", cache, Path(scratch))
        imp_srv = _run_phase("import-server", cache, Path(scratch))
    if imp_srv.get("db_rows") != ROWS or imp_srv.get("sync_problem"):
        raise RuntimeError(f"the server import reached {imp_srv.get('db_rows')} local rows: {imp_srv}")
    if imp_db.get("db_rows") != ROWS:
        raise RuntimeError(f"local database holds {imp_db.get('db_rows')} rows, expected {ROWS}")
    for label, res in (("dry-run", dry), ("dry-run-stream", stream), ("import-db", imp_db), ("import", imp),
                       ("import-server", imp_srv)):
        if res["outcome"] != "ok" or res["valid_rows"] != ROWS:
            raise RuntimeError(f"{label} did not validate every row: {res}")
    note_file = f"{ROWS:,} rows × {len(HEADER)} columns, {size_mb:.1f} MB" + (
        f", generated in {generated:.0f} s" if generated > 1 else "")
    rows = [
        {"benchmark": "openpyxl read-only pass (baseline)", "value": base["seconds"], "unit": "s",
         "note": note_file},
        {"benchmark": "python-calamine pass (reader used)", "value": calamine["seconds"], "unit": "s",
         "baseline": base["seconds"], "ratio": calamine["seconds"] / base["seconds"]},
    ]
    for label, res in (("dry-run validation", dry), ("dry-run validation, streamed", stream),
                       ("import into the local database", imp_db), ("import (JSON-lines sink)", imp),
                       ("import through the server (product path)", imp_srv)):
        ratio = res["seconds"] / base["seconds"]
        target = TARGETS.get(label)
        note = f"target <= {target:g}× {'met' if ratio <= target else 'MISSED'}" if target else "no target"
        if label == "import into the local database":
            note += "; SQLite indicators table, one transaction (bench sink)"
        if res is imp_srv:
            note += (f"; staged batch of {imp_srv['chunks']} chunks committed in one transaction by a"
                     " local server process (uvicorn, SQLite), then synced into the local mirror")
        if label.endswith("streamed"):
            note += ": path taken only for a sheet over 3 million cells (openpyxl read-only, flat memory)"
        rows.append({"benchmark": label, "value": res["seconds"], "unit": "s", "baseline": base["seconds"],
                     "ratio": ratio, "note": note})
    for label, res in (("peak RSS: openpyxl pass (baseline)", base), ("peak RSS: calamine pass", calamine),
                       ("peak RSS: dry-run validation", dry), ("peak RSS: dry-run, streamed", stream),
                       ("peak RSS: import into the local database", imp_db),
                       ("peak RSS: import (JSON-lines)", imp),
                       ("peak RSS: import through the server, client", imp_srv)):
        row = {"benchmark": label, "value": res["rss_mb"], "unit": "MB"}
        if res is not base:
            row.update(baseline=base["rss_mb"], ratio=res["rss_mb"] / base["rss_mb"])
            if any(res is r for r in (dry, stream, imp_db, imp, imp_srv)):
                row["note"] = f"target <= {RSS_TARGET_MB} MB {'met' if res['rss_mb'] <= RSS_TARGET_MB else 'MISSED'}"
        rows.append(row)
    rows.append({"benchmark": "peak RSS: import through the server, server process",
                 "value": imp_srv["server_rss_mb"], "unit": "MB",
                 "note": "the whole batch is validated and written in one transaction"})
    rows.append({"benchmark": "validated rows per second (dry run)", "value": ROWS / dry["seconds"],
                 "unit": "rows/s"})
    return rows


if __name__ == "__main__":
    for row in run():
        print(row)
