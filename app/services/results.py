"""Plain result objects handed to the UI: never live ORM rows (they would lazy-load on the
wrong thread after their session has closed). Money is ``int`` fen; times are UTC."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime


@dataclass(frozen=True, slots=True)
class Changes:
    """What a mutation changed, for views to mark themselves stale (Anki's op_executed)."""

    applications: frozenset[str] = frozenset()
    indicators: frozenset[str] = frozenset()
    attachments: frozenset[str] = frozenset()
    outbox: bool = False
    payees: bool = False
    sync_state: bool = False
    conflicts: bool = False

    def __or__(self, other: Changes) -> Changes:
        return Changes(
            applications=self.applications | other.applications,
            indicators=self.indicators | other.indicators,
            attachments=self.attachments | other.attachments,
            outbox=self.outbox or other.outbox,
            payees=self.payees or other.payees,
            sync_state=self.sync_state or other.sync_state,
            conflicts=self.conflicts or other.conflicts,
        )

    def __bool__(self) -> bool:
        return bool(
            self.applications or self.indicators or self.attachments or self.outbox
            or self.payees or self.sync_state or self.conflicts
        )


@dataclass(frozen=True, slots=True)
class IndicatorBalance:
    """The two figures the client shows for every indicator (issue 5, item 5)."""

    id: str
    fiscal_year: int
    unit_code: str
    func_code: str | None
    dep_eco_code: str | None
    doc_no: str | None
    doc_title: str | None
    pro_name: str | None
    executable: bool
    active: bool
    amount: int
    paid: int
    reserved: int
    frozen: int
    confirmed_available: int  # as the server last confirmed it
    pending_own: int  # the user's own applications the server has not accounted for yet
    available_after_pending: int  # confirmed_available - pending_own
    confirmed_at: datetime | None
    server_seq: int


@dataclass(frozen=True, slots=True)
class AttachmentView:
    id: str
    sha256: str
    file_name: str
    media_type: str
    size: int
    role: str
    invoice_key: str | None
    uploaded: bool


@dataclass(frozen=True, slots=True)
class ApplicationView:
    id: str  # client UUID (idempotency key of its creation on the server)
    app_no: str | None
    fiscal_year: int
    region_code: str
    unit_code: str
    indicator_id: str | None
    amount: int
    use_des: str
    payee_name: str
    payee_account: str
    payee_bank: str | None
    payee_is_personal: bool
    func_code: str | None
    dep_eco_code: str | None
    gov_eco_code: str | None
    pay_type_code: str | None
    settlement_mode: str | None
    contract_no: str | None
    card_not_accepted: bool
    local_status: str
    server_status: str | None
    server_message: str | None
    dirty: bool
    base_server_version: int | None
    server_version: int | None
    submission_no: int
    created_at: datetime
    updated_at: datetime
    queued_at: datetime | None
    attachments: tuple[AttachmentView, ...] = ()
    payee_id_number: str | None = None  # 身份证号 of a personal payee


@dataclass(frozen=True, slots=True)
class BudgetCheck:
    """Offline pre-check of 不得超指标 against the local mirror (the server's answer is final)."""

    indicator_id: str
    requested: int
    confirmed_available: int
    pending_own: int
    available_after_pending: int
    ok: bool
    shortfall: int  # > 0 when refused
    rule_code: str = "insufficient_balance"
    rule_name: str = "不得超指标"
    message: str = ""


@dataclass(frozen=True, slots=True)
class RuleNote:
    """A rule of fiscal.rules the application breaks, found offline (advice; server decides)."""

    code: str
    message: str
    field: str | None = None


@dataclass(frozen=True, slots=True)
class SaveResult:
    application: ApplicationView
    changes: Changes


@dataclass(frozen=True, slots=True)
class QueueResult:
    application: ApplicationView
    check: BudgetCheck
    notes: tuple[RuleNote, ...]
    commands: tuple[str, ...]  # idempotency keys of the outbox commands written
    changes: Changes


@dataclass(frozen=True, slots=True)
class PayeeView:
    id: int
    name: str
    account_no: str
    bank_name: str
    bank_code: str | None
    kind: str
    use_count: int
    last_used_at: datetime | None
    source: str = "local"
    extra: dict[str, str] = field(default_factory=dict)
    id_no: str | None = None  # 身份证号 (personal payees)
    phone: str | None = None  # 联系电话
    remark: str | None = None  # 备注


@dataclass(frozen=True, slots=True)
class PayeeSaved:
    payee: PayeeView
    changes: Changes
