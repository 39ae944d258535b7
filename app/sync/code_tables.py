"""The server's classification tables (政府收支分类科目 per fiscal year: 功能分类, 部门/政府经济分类
and the 部门→政府 mapping) mirrored into the local code-table cache, so that offline checks use
the tables the server validates against — not only those this client version shipped with.

The pull feed sends a year again only when its digest changed; applying a year replaces its rows
in one transaction. Rows live in ``code_table_entries`` (``table`` = functional | dep_economic |
gov_economic | dep_to_gov, plus one ``code_tables_digest`` row per year).
"""
from __future__ import annotations

import logging
from typing import Any

from sqlalchemy import delete, insert, select
from sqlalchemy.orm import Session

from app.models import CodeTableEntry
from fiscal.codes import CodeTable, CodeTables

log = logging.getLogger(__name__)

TABLES = ("functional", "dep_economic", "gov_economic")
MAP_TABLE = "dep_to_gov"
DIGEST_TABLE = "code_tables_digest"
_cache: dict[tuple[int, str], CodeTables] = {}  # (year, digest): the digest names the content


def _build(year: int, tables: dict[str, list[dict[str, Any]]],
           mapping: list[dict[str, Any]]) -> CodeTables:
    built = {name: CodeTable.from_rows(name, year, name, tables.get(name) or [])
             for name in TABLES}
    dep_to_gov = {(str(m["unit_type"]), str(m["dep_code"])): str(m["gov_code"]) for m in mapping}
    return CodeTables(year, built["functional"], built["dep_economic"], built["gov_economic"],
                      dep_to_gov)


def apply_code_tables(s: Session, data: dict[str, Any], seq: int) -> bool:
    """Store one year's tables from a pull change; returns whether anything changed. A
    malformed payload is logged and the previous tables stay (offline checks keep working)."""
    try:
        year = int(data["fiscal_year"])
        digest = str(data.get("digest") or "")
        rows = {name: [{"code": str(r["code"]), "name": str(r["name"])}
                       for r in data.get(name) or ()] for name in TABLES}
        mapping = [{"unit_type": str(m["unit_type"]), "dep_code": str(m["dep_code"]),
                    "gov_code": str(m["gov_code"])} for m in data.get("dep_to_gov") or ()]
        tables = _build(year, rows, mapping)  # validates codes and parents before anything is replaced
    except (KeyError, TypeError, ValueError) as exc:
        log.error("sync: code tables change %r not applied: %s", data.get("fiscal_year")
                  if isinstance(data, dict) else data, exc)
        return False
    head = s.get(CodeTableEntry, (DIGEST_TABLE, year, "digest"))
    if head is not None and head.name == digest and digest:
        head.server_seq = seq
        return False
    s.execute(delete(CodeTableEntry).where(CodeTableEntry.table.in_((*TABLES, MAP_TABLE)),
                                           CodeTableEntry.fiscal_year == year))
    new = [{"table": name, "fiscal_year": year, "code": item.code, "name": item.name,
            "level": item.level, "parent": item.parent, "extra": None, "server_seq": seq}
           for name in TABLES for item in tables.table(name).items()]
    new += [{"table": MAP_TABLE, "fiscal_year": year, "code": f"{m['unit_type']}|{m['dep_code']}",
             "name": m["gov_code"], "level": None, "parent": None, "extra": m, "server_seq": seq}
            for m in mapping]
    for b in range(0, len(new), 2000):
        s.execute(insert(CodeTableEntry), new[b:b + 2000])
    if head is None:
        head = CodeTableEntry(table=DIGEST_TABLE, fiscal_year=year, code="digest", name="")
        s.add(head)
    head.name, head.server_seq = digest, seq
    if digest:
        _cache[(year, digest)] = tables
    return True


def mirrored_years(s: Session) -> dict[int, str]:
    """``{fiscal_year: digest}`` of the tables received from the server."""
    return {y: d for y, d in s.execute(select(CodeTableEntry.fiscal_year, CodeTableEntry.name)
                                       .where(CodeTableEntry.table == DIGEST_TABLE))}


def local_code_tables(s: Session, year: int) -> CodeTables | None:
    """The server's tables of ``year`` as last received, or None (never synced, or the server
    has no such year): callers then fall back to the tables shipped with the client."""
    head = s.get(CodeTableEntry, (DIGEST_TABLE, year, "digest"))
    if head is None:
        return None
    key = (year, head.name)
    if key in _cache:
        return _cache[key]
    rows: dict[str, list[dict[str, Any]]] = {name: [] for name in TABLES}
    mapping: list[dict[str, Any]] = []
    for table, code, name, extra in s.execute(
            select(CodeTableEntry.table, CodeTableEntry.code, CodeTableEntry.name,
                   CodeTableEntry.extra)
            .where(CodeTableEntry.fiscal_year == year,
                   CodeTableEntry.table.in_((*TABLES, MAP_TABLE)))):
        if table == MAP_TABLE:
            mapping.append(dict(extra or {}, gov_code=name))
        else:
            rows[table].append({"code": code, "name": name})
    try:
        tables = _build(year, rows, mapping)
    except (KeyError, ValueError) as exc:  # a damaged cache: the shipped tables still work
        log.error("local code tables of %s unreadable: %s", year, exc)
        return None
    _cache[key] = tables
    return tables
