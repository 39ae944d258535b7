"""Publishing the shipped classification tables (fiscal.codes) to clients through sync."""
from __future__ import annotations

from typing import Any

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
    return publish_versions(session, CodeTableVersion, "fiscal_year",
                            {year: table_payload(year) for year in available_years()},
                            entity_type="code_tables")


def publish_versions(session: Session, model: type, key: str, payloads: dict[Any, dict], *,
                     entity_type: str) -> list:
    """Digest-versioned publishing (classification tables per year, dictionaries per 区划): a
    key whose payload's digest changed gets a new sequence number — the pull feed sends it
    again — and an audit event. Returns the keys that changed; commits nothing."""
    column = getattr(model, key)
    existing = {getattr(v, key): v for v in session.execute(
        select(model).where(column.in_(list(payloads)))).scalars()}
    changed = []
    for k, payload in payloads.items():
        d = chain.digest(payload)
        row = existing.get(k)
        if row is not None and row.digest == d:
            continue
        if row is None:
            row = model(**{key: k, "digest": d})
            session.add(row)
        else:
            row.digest = d
        chain.touch(session, row)
        chain.audit(session, actor=chain.SYSTEM, action=f"{entity_type}.publish",
                    entity_type=entity_type, entity_id=k, detail={"digest": d})
        changed.append(k)
    return changed
