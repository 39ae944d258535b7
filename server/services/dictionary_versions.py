"""Publishing the dictionaries in force for each 财政区划 (fiscal.dictionaries: shipped defaults
merged with the region's override file) to that region's clients through sync, digest-versioned
like the classification tables (server.services.codes)."""
from __future__ import annotations

import logging
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from fiscal.dictionaries import DictionaryError, build_dictionaries, shipped_raw
from server.models import DictionaryVersion, Region, Unit
from server.services.codes import publish_versions
from server.services.org import Principal

log = logging.getLogger(__name__)


def dictionaries_payload(region: str) -> dict[str, Any]:
    # Override files are keyed by the 6-digit area code (as server.services.refdata.dicts).
    raw = shipped_raw(region[:6] if region else None)
    build_dictionaries(raw, region)  # a broken override file fails here, not on every client
    return {"region": region, "dictionaries": raw}


def publish(session: Session, regions: list[str] | None = None) -> list[str]:
    """Give every region (default: all regions served) whose dictionaries changed a new
    sequence number. Idempotent; commits nothing."""
    if regions is None:
        regions = list(session.execute(select(Region.code).order_by(Region.code)).scalars())
    payloads = {}
    for region in regions:
        try:
            payloads[region] = dictionaries_payload(region)
        except DictionaryError as exc:  # one broken override file holds back only its region
            log.error("dictionaries of %s not published (fix its override file): %s", region, exc)
    return publish_versions(session, DictionaryVersion, "region", payloads,
                            entity_type="dictionaries")


def pull_rows(session: Session, principal: Principal, since: int, upper: int,
              fetch: int) -> list[tuple[int, str, str, str, Any]]:
    """Pull-feed rows: the dictionaries of the regions of the units the caller sees."""
    q = (select(DictionaryVersion)
         .where(DictionaryVersion.seq > since, DictionaryVersion.seq <= upper)
         .order_by(DictionaryVersion.seq).limit(fetch))
    if principal.unit_ids is not None:
        q = q.where(DictionaryVersion.region.in_(
            select(Unit.region_code).where(Unit.id.in_(principal.unit_ids or {-1}))))
    return [(v.seq, "dictionaries", v.region, "upsert", v) for v in session.execute(q).scalars()]


def payload(row: DictionaryVersion) -> dict[str, Any]:
    return {**dictionaries_payload(row.region), "digest": row.digest}
