from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any, Literal

from pydantic import Field, StrictBool, StrictInt, ValidationInfo, field_validator, model_validator

from fiscal.schemas.common import PositiveFen, PublicModel, WireModel

STATUSES = ("draft", "submitted", "voided")
ATTACHMENT_ROLES = ("invoice", "contract", "basis", "receipt", "other")


class ApplicationDraft(WireModel):
    """Create or replace a draft. The client UUID in the path is the idempotency key.

    The amount is either ``amount_fen`` (integer fen) or ``amount`` (元 as text, at most two
    decimals — parsed by :func:`fiscal.money.parse_amount`)."""

    indicator_id: str = Field(min_length=1, max_length=38)
    amount_fen: PositiveFen
    fiscal_year: StrictInt | None = Field(default=None, ge=2000, le=2100)
    unit_code: str | None = Field(default=None, max_length=21,
                                  description="optional; must be the caller's unit")
    func_code: str | None = Field(default=None, max_length=13, pattern=r"^\d*$")
    dep_eco_code: str | None = Field(default=None, max_length=20, pattern=r"^\d*$")
    gov_eco_code: str | None = Field(default=None, max_length=11, pattern=r"^\d*$")
    payee_name: str = Field(min_length=1, max_length=120)
    payee_account: str = Field(min_length=1, max_length=40)
    payee_bank: str | None = Field(default=None, max_length=120)
    payee_is_personal: StrictBool = False
    payee_id_number: str | None = Field(
        default=None, max_length=40,
        description="收款人证件号码（18 位居民身份证号，末位 X 大写）；只用于个人收款人，可不填")
    settlement_mode: str | None = Field(default=None, max_length=20)
    use_des: str = Field(min_length=1, max_length=300)
    contract_no: str | None = Field(default=None, max_length=60)
    card_not_accepted: StrictBool = False
    expected_version: StrictInt | None = Field(default=None, ge=0,
                                               description="optimistic lock for edits")

    @model_validator(mode="before")
    @classmethod
    def _amount_in_yuan(cls, data: Any) -> Any:
        if isinstance(data, dict) and "amount" in data:
            data = dict(data)
            raw = data.pop("amount")
            if "amount_fen" in data:
                raise ValueError("amount 与 amount_fen 只能填写一个")
            if isinstance(raw, bool) or not isinstance(raw, (str, int)):
                raise ValueError("amount 必须是以元为单位的文本，例如 \"1234.56\"")
            from fiscal.money import AmountError, parse_amount
            try:
                data["amount_fen"] = parse_amount(raw)
            except AmountError as exc:
                raise ValueError(f"金额 {raw!r} 无效：{exc.message}") from None
        return data

    @field_validator("payee_id_number", mode="after")
    @classmethod
    def _payee_id_number(cls, value: str | None, info: ValidationInfo) -> str | None:
        """Blank = absent (older clients send nothing); otherwise a valid 身份证号 of a personal
        payee, stored upper-case without spaces. Declared after ``payee_is_personal`` so that
        its value is known here and the error names this field."""
        from fiscal.ids import is_valid_resident_id, normalize_resident_id
        text = normalize_resident_id(value or "")
        if not text:
            return None
        if not info.data.get("payee_is_personal", False):
            raise ValueError("收款人不是个人（payee_is_personal 为 false），不能填写证件号码 "
                             "payee_id_number；请删除证件号码，或把收款人标为个人")
        if not is_valid_resident_id(text):
            if len(text) != 18:
                raise ValueError(f"证件号码 payee_id_number 应为 18 位居民身份证号，“{text}”是 "
                                 f"{len(text)} 位")
            raise ValueError(f"证件号码 payee_id_number “{text}”不是有效的居民身份证号"
                             "（出生日期或校验位不符），请核对")
        return text


class AttachmentLink(WireModel):
    sha256: str = Field(pattern=r"^[0-9a-f]{64}$")
    role: Literal["invoice", "contract", "basis", "receipt", "other"]
    invoice: InvoiceMeta | None = None


class InvoiceMeta(WireModel):
    kind: str | None = Field(default=None, max_length=40)
    code: str | None = Field(default=None, pattern=r"^(\d{10}|\d{12})$")
    number: str = Field(pattern=r"^(\d{8}|\d{20})$")
    amount_fen: PositiveFen | None = None
    issue_date: str | None = Field(default=None, pattern=r"^\d{4}-\d{2}-\d{2}$")


AttachmentLink.model_rebuild()


class ApplicationAttachmentPublic(PublicModel):
    sha256: str
    role: str
    media_type: str
    size: int
    invoice_key: str | None = None


class ApplicationPublic(PublicModel):
    id: uuid.UUID
    app_no: str
    status: str
    version: int
    fiscal_year: int
    region_code: str
    unit_code: str
    indicator_id: str
    amount_fen: int
    func_code: str | None = None
    dep_eco_code: str | None = None
    gov_eco_code: str | None = None
    payee_name: str
    payee_account: str
    payee_bank: str | None = None
    payee_is_personal: bool
    payee_id_number: str | None = None
    settlement_mode: str | None = None
    use_des: str
    contract_no: str | None = None
    card_not_accepted: bool = False
    submitted_at: datetime | None = None
    created_at: datetime
    updated_at: datetime
    seq: int
    attachments: list[ApplicationAttachmentPublic] = Field(default_factory=list)


class ApplicationsPublic(PublicModel):
    items: list[ApplicationPublic]
    total: int


class RuleViolationPublic(PublicModel):
    code: str
    message: str
    field: str | None = None
    details: dict[str, Any] = Field(default_factory=dict)
