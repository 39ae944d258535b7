from __future__ import annotations

from typing import Literal

from pydantic import Field

from fiscal.schemas.common import PublicModel, WireModel


class RegionPublic(PublicModel):
    code: str
    name: str


class DepartmentPublic(PublicModel):
    code: str
    name: str
    region_code: str


class UnitPublic(PublicModel):
    code: str
    name: str
    region_code: str
    department_code: str
    unit_type: str
    uscc: str | None = None


class UnitCreate(WireModel):
    code: str = Field(min_length=1, max_length=21, pattern=r"^[0-9A-Za-z]+$")
    name: str = Field(min_length=1, max_length=120)
    department_code: str = Field(min_length=1, max_length=21)
    unit_type: Literal["行政", "事业", "参公"]
    uscc: str | None = Field(default=None, min_length=18, max_length=18)


class ContractCreate(WireModel):
    """A procurement contract (政府采购合同) registered by the unit."""

    contract_no: str = Field(min_length=1, max_length=60, pattern=r"^[0-9A-Za-z\-_/]+$")
    name: str | None = Field(default=None, max_length=200)
    amount_fen: int = Field(ge=1, le=10**14 - 1, strict=True)
    supplier: str | None = Field(default=None, max_length=120)


class ContractPublic(PublicModel):
    unit_code: str
    contract_no: str
    name: str | None = None
    amount_fen: int
    supplier: str | None = None
    applied_fen: int = 0
