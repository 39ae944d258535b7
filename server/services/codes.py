"""Publishing the shipped classification tables (fiscal.codes) to clients through sync."""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from fiscal.codes import available_years, code_tables
from server import chain
from server.models import CodeTableVersion


def table_payload(year: int) -> dict:
    t = code_tables(year)

    def rows(table):
        return [{"code": i.code, "name": i.name, "level": i.level, "parent": i.parent}
                for i in table.items()]
    return {"fiscal_year": year, "functional": rows(t.functional),
            "dep_economic": rows(t.dep_economic), "gov_economic": rows(t.gov_economic),
            "dep_to_gov": [{"unit_type": ut, "dep_code": dep, "gov_code": gov}
                           for (ut, dep), gov in sorted(t.mapping().items())]}


def publish(session: Session) -> list[int]:
    """Give every year whose tables changed a new sequence number. Idempotent; commits nothing."""
    changed = []
    existing = {v.fiscal_year: v for v in session.execute(select(CodeTableVersion)).scalars()}
    for year in available_years():
        d = chain.digest(table_payload(year))
        row = existing.get(year)
        if row is not None and row.digest == d:
            continue
        if row is None:
            row = CodeTableVersion(fiscal_year=year, digest=d)
            session.add(row)
        else:
            row.digest = d
        chain.touch(session, row)
        chain.audit(session, actor=chain.SYSTEM, action="code_tables.publish",
                    entity_type="code_tables", entity_id=year, detail={"digest": d})
        changed.append(year)
    return changed
