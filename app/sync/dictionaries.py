"""The dictionaries the server has in force for the user's 财政区划 (fiscal.dictionaries: 资金性质,
结算方式, 公务卡 directory and exceptions, thresholds…) mirrored into the local code-table cache,
so that offline checks give the answers the server will give — also after a region override or a
server upgrade this client version does not know about.

The pull feed sends a region again only when its digest changed. One row per region in
``code_table_entries`` (``table`` = ``dictionaries``, ``fiscal_year`` = 0, ``code`` = 区划,
``name`` = digest, ``extra`` = the document). Without a mirrored copy the shipped dictionaries
(with the region's shipped override file) are used.
"""
from __future__ import annotations

import logging
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models import CodeTableEntry
from fiscal.dictionaries import Dictionaries, DictionaryError, build_dictionaries, dictionaries

log = logging.getLogger(__name__)

TABLE = "dictionaries"
_YEAR = 0  # dictionaries are not per fiscal year; the cache's key needs one
_cache: dict[tuple[str, str], Dictionaries] = {}  # (region, digest): the digest names the content


def apply_dictionaries(s: Session, data: Any, seq: int) -> bool:
    """Store one region's dictionaries from a pull change; returns whether anything changed.
    A malformed payload is logged and the previous copy stays (offline checks keep working)."""
    try:
        region = str(data["region"]).strip()
        digest = str(data.get("digest") or "")
        raw = data["dictionaries"]
        if not region or len(region) > 40:
            raise DictionaryError(f"区划代码 {region!r} 无效")
        built = build_dictionaries(raw, region)  # validated whole before anything is replaced
    except (KeyError, TypeError, AttributeError, DictionaryError) as exc:
        log.error("sync: dictionaries change %r not applied: %s",
                  data.get("region") if isinstance(data, dict) else data, exc)
        return False
    row = s.get(CodeTableEntry, (TABLE, _YEAR, region))
    if row is not None and digest and row.name == digest:
        row.server_seq = seq
        return False
    if row is None:
        row = CodeTableEntry(table=TABLE, fiscal_year=_YEAR, code=region, name="")
        s.add(row)
    row.name, row.extra, row.server_seq = digest, raw, seq
    if digest:
        _cache[(region, digest)] = built
    return True


def mirrored_regions(s: Session) -> dict[str, str]:
    """``{区划: digest}`` of the dictionaries received from the server."""
    return {c: d for c, d in s.execute(select(CodeTableEntry.code, CodeTableEntry.name)
                                       .where(CodeTableEntry.table == TABLE))}


def _mirrored(s: Session, region: str | None) -> tuple[str, str] | None:
    """(区划, digest) of the mirrored copy that applies to ``region`` (digests only: the
    documents are read when the cache does not have them)."""
    heads = mirrored_regions(s)
    if region:
        if region in heads:
            return region, heads[region]
        # the same area code written with or without the 3 trailing digits
        near = [c for c in heads if c[:6] == region[:6]]
        return (near[0], heads[near[0]]) if len(near) == 1 else None
    # No region asked (a list, a report): a unit user's client mirrors exactly one region.
    return next(iter(heads.items())) if len(heads) == 1 else None


def local_dictionaries(s: Session | None, region: str | None = None) -> Dictionaries:
    """The server's dictionaries for ``region`` as last received, else the shipped ones (with
    the region's shipped override, keyed like the server by the 6-digit area code)."""
    head = _mirrored(s, region) if s is not None else None
    if head is not None:
        if head[1] and head in _cache:
            return _cache[head]
        row = s.get(CodeTableEntry, (TABLE, _YEAR, head[0]))  # type: ignore[union-attr]
        try:
            built = build_dictionaries(row.extra if row is not None else None, head[0])
        except DictionaryError as exc:  # a damaged cache: the shipped dictionaries still work
            log.error("local dictionaries of %s unreadable: %s", head[0], exc)
        else:
            if head[1]:
                _cache[head] = built
            return built
    try:
        return dictionaries(region[:6] if region else None)
    except DictionaryError:
        log.exception("shipped dictionaries of %s unreadable; using the defaults", region)
        return dictionaries()
