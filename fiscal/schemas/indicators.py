from __future__ import annotations

from datetime import datetime

from pydantic import Field, StrictBool, StrictInt

from fiscal.schemas.common import Fen, PositiveFen, PublicModel, WireModel

LEDGER_KINDS = ("release", "increase", "decrease", "freeze", "unfreeze", "reserve",
                "release_reservation", "pay", "refund")


class IndicatorUpsert(WireModel):
    """One indicator row as issued (指标下达). ``amount_fen`` is the approved total; the server
    books the difference against the current amount as an increase/decrease journal entry."""

    id: str = Field(min_length=1, max_length=38, pattern=r"^[0-9A-Za-z\-]+$", description="BGT_ID")
    fiscal_year: StrictInt = Field(ge=2000, le=2100)
    unit_code: str = Field(min_length=1, max_length=21)
    func_code: str = Field(min_length=3, max_length=13, pattern=r"^\d+$")
    dep_eco_code: str | None = Field(default=None, max_length=20, pattern=r"^\d*$")
    gov_eco_code: str | None = Field(default=None, max_length=11, pattern=r"^\d*$")
    fund_type_code: str | None = Field(default=None, max_length=4)
    source_type_code: str | None = Field(default=None, max_length=4)
    bgt_type_code: str | None = Field(default=None, max_length=4)
    pro_code: str | None = Field(default=None, max_length=21)
    pro_name: str | None = Field(default=None, max_length=200)
    doc_no: str | None = Field(default=None, max_length=100)
    doc_title: str | None = Field(default=None, max_length=200)
    is_gov_procurement: StrictBool = False
    executable: StrictBool = True
    amount_fen: Fen
    memo: str | None = Field(default=None, max_length=300)


class IndicatorBulkUpsert(WireModel):
    items: list[IndicatorUpsert] = Field(min_length=1, max_length=5000)


class RowError(PublicModel):
    index: int
    id: str | None = None
    code: str
    message: str


class IndicatorBulkResult(PublicModel):
    created: int
    updated: int
    unchanged: int
    errors: list[RowError] = Field(default_factory=list)


class IndicatorPublic(PublicModel):
    id: str
    fiscal_year: int
    region_code: str
    unit_code: str
    func_code: str
    dep_eco_code: str | None = None
    gov_eco_code: str | None = None
    fund_type_code: str | None = None
    source_type_code: str | None = None
    bgt_type_code: str | None = None
    pro_code: str | None = None
    pro_name: str | None = None
    doc_no: str | None = None
    doc_title: str | None = None
    is_gov_procurement: bool
    executable: bool
    amount_fen: int
    frozen_fen: int
    reserved_fen: int
    paid_fen: int
    available_fen: int
    seq: int
    updated_at: datetime | None = None


class IndicatorsPublic(PublicModel):
    items: list[IndicatorPublic]
    total: int


class LedgerAdjust(WireModel):
    kind: str = Field(pattern=r"^(increase|decrease|freeze|unfreeze)$")
    amount_fen: PositiveFen
    memo: str | None = Field(default=None, max_length=300)


class LedgerEntryPublic(PublicModel):
    id: int
    indicator_id: str
    kind: str
    amount_fen: int
    application_id: str | None = None
    created_at: datetime
    memo: str | None = None
