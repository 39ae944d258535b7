"""Server ORM (SQLAlchemy 2). ORM classes are singular, tables plural. Never used as the wire
contract: the API maps them to :mod:`fiscal.schemas`.

Money columns are BIGINT fen. Indicator balances carry CHECK constraints so that even a buggy
service cannot commit a negative available balance or an inconsistent cache.
"""
from __future__ import annotations

import uuid
from datetime import UTC, datetime

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
    Uuid,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

BigId = BigInteger().with_variant(Integer(), "sqlite")  # SQLite autoincrement needs INTEGER


def utcnow() -> datetime:
    return datetime.now(UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


class TZDateTime(TypeDecorator):
    """Timezone-aware UTC datetimes on both PostgreSQL and SQLite (which drops the zone)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is not None:
            if value.tzinfo is None:
                raise ValueError("naive datetime: store UTC-aware datetimes only")
            value = value.astimezone(UTC)
            if dialect.name == "sqlite":
                value = value.replace(tzinfo=None)
        return value

    def process_result_value(self, value, dialect):
        if value is not None and value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        return value


class Region(Base):
    __tablename__ = "regions"
    code: Mapped[str] = mapped_column(String(9), primary_key=True)
    name: Mapped[str] = mapped_column(String(120))


class Department(Base):
    __tablename__ = "departments"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(21), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    region_code: Mapped[str] = mapped_column(ForeignKey("regions.code"))


class Unit(Base):
    __tablename__ = "units"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(21), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    department_id: Mapped[int] = mapped_column(ForeignKey("departments.id"), index=True)
    region_code: Mapped[str] = mapped_column(ForeignKey("regions.code"))
    unit_type: Mapped[str] = mapped_column(String(8))  # 行政 / 事业 / 参公
    uscc: Mapped[str | None] = mapped_column(String(18))
    below_county: Mapped[bool] = mapped_column(Boolean, default=False)
    seq: Mapped[int] = mapped_column(BigInteger, default=0, index=True)

    department: Mapped[Department] = relationship(lazy="joined")


class User(Base):
    __tablename__ = "users"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str | None] = mapped_column(String(64))
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(32))
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"), index=True)
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    failed_logins: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[datetime | None] = mapped_column(TZDateTime())
    token_version: Mapped[int] = mapped_column(Integer, default=0)
    password_changed_at: Mapped[datetime | None] = mapped_column(TZDateTime())
    created_at: Mapped[datetime] = mapped_column(TZDateTime(), default=utcnow)

    unit: Mapped[Unit | None] = relationship(lazy="joined")
    scopes: Mapped[list[UserScope]] = relationship(lazy="selectin", cascade="all, delete-orphan")


class UserScope(Base):
    """Departments or units a bureau user oversees."""

    __tablename__ = "user_scopes"
    __table_args__ = (CheckConstraint("(department_id IS NULL) <> (unit_id IS NULL)",
                                      name="one_target"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    department_id: Mapped[int | None] = mapped_column(ForeignKey("departments.id"))
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"))


class RefreshToken(Base):
    """A device session. Only the SHA-256 of the token is stored; rotation keeps the family."""

    __tablename__ = "refresh_tokens"
    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    family_id: Mapped[uuid.UUID] = mapped_column(Uuid, index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    device_id: Mapped[str] = mapped_column(String(64))
    device_name: Mapped[str | None] = mapped_column(String(128))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(TZDateTime(), default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(TZDateTime())
    revoked_at: Mapped[datetime | None] = mapped_column(TZDateTime())
    revoke_reason: Mapped[str | None] = mapped_column(String(40))


class Indicator(Base):
    __tablename__ = "indicators"
    __table_args__ = (
        CheckConstraint("amount >= 0", name="amount_nonneg"),
        CheckConstraint("frozen >= 0", name="frozen_nonneg"),
        CheckConstraint("reserved >= 0", name="reserved_nonneg"),
        CheckConstraint("paid >= 0", name="paid_nonneg"),
        CheckConstraint("available >= 0", name="available_nonneg"),
        CheckConstraint("available = amount - frozen - reserved - paid", name="available_sum"),
        Index("ix_indicators_unit_seq", "unit_id", "seq"),
    )
    id: Mapped[str] = mapped_column(String(38), primary_key=True)
    fiscal_year: Mapped[int] = mapped_column(Integer)
    region_code: Mapped[str] = mapped_column(ForeignKey("regions.code"))
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"))
    func_code: Mapped[str] = mapped_column(String(13))
    dep_eco_code: Mapped[str | None] = mapped_column(String(20))
    gov_eco_code: Mapped[str | None] = mapped_column(String(11))
    fund_type_code: Mapped[str | None] = mapped_column(String(4))
    source_type_code: Mapped[str | None] = mapped_column(String(4))
    bgt_type_code: Mapped[str | None] = mapped_column(String(4))
    pro_code: Mapped[str | None] = mapped_column(String(21))
    pro_name: Mapped[str | None] = mapped_column(String(200))
    doc_no: Mapped[str | None] = mapped_column(String(100))
    doc_title: Mapped[str | None] = mapped_column(String(200))
    is_gov_procurement: Mapped[bool] = mapped_column(Boolean, default=False)
    executable: Mapped[bool] = mapped_column(Boolean, default=True)
    amount: Mapped[int] = mapped_column(BigInteger, default=0)
    frozen: Mapped[int] = mapped_column(BigInteger, default=0)
    reserved: Mapped[int] = mapped_column(BigInteger, default=0)
    paid: Mapped[int] = mapped_column(BigInteger, default=0)
    available: Mapped[int] = mapped_column(BigInteger, default=0)
    seq: Mapped[int] = mapped_column(BigInteger, default=0, index=True)
    created_at: Mapped[datetime] = mapped_column(TZDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(TZDateTime(), default=utcnow, onupdate=utcnow)

    unit: Mapped[Unit] = relationship(lazy="joined")


class LedgerEntry(Base):
    """Immutable journal line. Effects on the cached balances (see :mod:`server.ledger`)."""

    __tablename__ = "ledger_entries"
    __table_args__ = (CheckConstraint("amount > 0", name="amount_pos"),)
    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    indicator_id: Mapped[str] = mapped_column(ForeignKey("indicators.id"), index=True)
    kind: Mapped[str] = mapped_column(String(24))
    amount: Mapped[int] = mapped_column(BigInteger)
    application_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, index=True)
    actor_id: Mapped[int | None] = mapped_column(Integer)
    memo: Mapped[str | None] = mapped_column(String(300))
    created_at: Mapped[datetime] = mapped_column(TZDateTime(), default=utcnow)

    indicator: Mapped[Indicator] = relationship(lazy="raise")  # orders the INSERTs only


class Contract(Base):
    """Registered procurement contract (政府采购合同)."""

    __tablename__ = "contracts"
    __table_args__ = (UniqueConstraint("unit_id", "contract_no"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"))
    contract_no: Mapped[str] = mapped_column(String(60))
    name: Mapped[str | None] = mapped_column(String(200))
    amount: Mapped[int] = mapped_column(BigInteger)
    supplier: Mapped[str | None] = mapped_column(String(120))


class Application(Base):
    __tablename__ = "applications"
    __table_args__ = (
        CheckConstraint("amount > 0", name="amount_pos"),
        Index("ix_applications_unit_seq", "unit_id", "seq"),
    )
    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    app_no: Mapped[str] = mapped_column(String(32), unique=True)
    status: Mapped[str] = mapped_column(String(16), default="draft", index=True)
    version: Mapped[int] = mapped_column(Integer, default=1)
    fiscal_year: Mapped[int] = mapped_column(Integer)
    region_code: Mapped[str] = mapped_column(ForeignKey("regions.code"))
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"))
    indicator_id: Mapped[str] = mapped_column(ForeignKey("indicators.id"), index=True)
    amount: Mapped[int] = mapped_column(BigInteger)
    func_code: Mapped[str | None] = mapped_column(String(13))
    dep_eco_code: Mapped[str | None] = mapped_column(String(20))
    gov_eco_code: Mapped[str | None] = mapped_column(String(11))
    payee_name: Mapped[str] = mapped_column(String(120))
    payee_account: Mapped[str] = mapped_column(String(40))
    payee_bank: Mapped[str | None] = mapped_column(String(120))
    payee_is_personal: Mapped[bool] = mapped_column(Boolean, default=False)
    payee_id_number: Mapped[str | None] = mapped_column(String(18))  # 身份证号, personal payees (0012)
    settlement_mode: Mapped[str | None] = mapped_column(String(20))
    use_des: Mapped[str] = mapped_column(String(300))
    contract_no: Mapped[str | None] = mapped_column(String(60))
    card_not_accepted: Mapped[bool] = mapped_column(Boolean, default=False)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    submitted_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    submitted_at: Mapped[datetime | None] = mapped_column(TZDateTime())
    created_at: Mapped[datetime] = mapped_column(TZDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(TZDateTime(), default=utcnow, onupdate=utcnow)
    seq: Mapped[int] = mapped_column(BigInteger, default=0, index=True)

    unit: Mapped[Unit] = relationship(lazy="joined")
    attachments: Mapped[list[ApplicationAttachment]] = relationship(
        lazy="selectin", cascade="all, delete-orphan", order_by="ApplicationAttachment.id")


class NumberCounter(Base):
    """Per-(year, 区划) counters for PAY_APP_NO."""

    __tablename__ = "number_counters"
    key: Mapped[str] = mapped_column(String(40), primary_key=True)
    value: Mapped[int] = mapped_column(BigInteger, default=0)


class Blob(Base):
    """Content-addressed attachment bytes (files under data_dir/blobs)."""

    __tablename__ = "blobs"
    sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    size: Mapped[int] = mapped_column(BigInteger)
    media_type: Mapped[str] = mapped_column(String(40))
    created_at: Mapped[datetime] = mapped_column(TZDateTime(), default=utcnow)


class BlobGrant(Base):
    """Which units may see a blob (the bytes are shared, visibility is not)."""

    __tablename__ = "blob_grants"
    __table_args__ = (UniqueConstraint("sha256", "unit_id"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    sha256: Mapped[str] = mapped_column(ForeignKey("blobs.sha256"), index=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"))
    created_by: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(TZDateTime(), default=utcnow)


class ApplicationAttachment(Base):
    __tablename__ = "application_attachments"
    __table_args__ = (UniqueConstraint("application_id", "sha256"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    application_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("applications.id", ondelete="CASCADE"), index=True)
    sha256: Mapped[str] = mapped_column(ForeignKey("blobs.sha256"))
    role: Mapped[str] = mapped_column(String(16))
    invoice_kind: Mapped[str | None] = mapped_column(String(40))
    invoice_code: Mapped[str | None] = mapped_column(String(12))
    invoice_number: Mapped[str | None] = mapped_column(String(20))
    invoice_amount: Mapped[int | None] = mapped_column(BigInteger)
    invoice_date: Mapped[str | None] = mapped_column(String(10))
    invoice_key: Mapped[str | None] = mapped_column(String(40), index=True)

    blob: Mapped[Blob] = relationship(lazy="joined")


class InvoiceClaim(Base):
    """One row per invoice that is attached to a live application, system-wide: the primary key
    makes double reimbursement impossible even under concurrency."""

    __tablename__ = "invoice_claims"
    invoice_key: Mapped[str] = mapped_column(String(40), primary_key=True)
    application_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("applications.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(TZDateTime(), default=utcnow)


class Tombstone(Base):
    __tablename__ = "tombstones"
    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    entity: Mapped[str] = mapped_column(String(24))
    entity_id: Mapped[str] = mapped_column(String(64))
    unit_id: Mapped[int | None] = mapped_column(Integer, index=True)
    seq: Mapped[int] = mapped_column(BigInteger, default=0, index=True)
    deleted_at: Mapped[datetime] = mapped_column(TZDateTime(), default=utcnow)


class IdempotencyRecord(Base):
    __tablename__ = "idempotency_records"
    __table_args__ = (UniqueConstraint("user_id", "key"),)
    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    key: Mapped[str] = mapped_column(String(64))
    request_hash: Mapped[str] = mapped_column(String(64))
    http_status: Mapped[int] = mapped_column(Integer)
    response: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(TZDateTime(), default=utcnow)


class ChainHead(Base):
    """Single row (id = 1): the server sequence number for sync and the head of the audit chain.
    Locked only at the very end of a writing transaction (see :mod:`server.chain`)."""

    __tablename__ = "chain_head"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    sync_seq: Mapped[int] = mapped_column(BigInteger, default=0)
    audit_seq: Mapped[int] = mapped_column(BigInteger, default=0)
    audit_hash: Mapped[str] = mapped_column(String(64))


class AuditEvent(Base):
    __tablename__ = "audit_events"
    # who created/edited an application (approvals.parties: separation of duties) is read from
    # its events; without this index every such read scanned the whole chain
    __table_args__ = (Index("ix_audit_events_entity", "entity_type", "entity_id"),)
    seq: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=False)
    ts: Mapped[str] = mapped_column(String(32))  # ISO 8601 UTC, exactly as hashed
    actor_id: Mapped[int | None] = mapped_column(Integer)
    actor: Mapped[str | None] = mapped_column(String(64))
    device_id: Mapped[str | None] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(48))
    entity_type: Mapped[str] = mapped_column(String(24))
    entity_id: Mapped[str | None] = mapped_column(String(64))
    unit_id: Mapped[int | None] = mapped_column(Integer)
    before_digest: Mapped[str | None] = mapped_column(String(64))
    after_digest: Mapped[str | None] = mapped_column(String(64))
    detail: Mapped[str] = mapped_column(Text)  # canonical JSON
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64), unique=True)


class AuditCheckpoint(Base):
    """Ed25519 signature over (audit_seq, head hash), so an exported log can be verified offline."""

    __tablename__ = "audit_checkpoints"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    audit_seq: Mapped[int] = mapped_column(BigInteger)
    head_hash: Mapped[str] = mapped_column(String(64))
    signature: Mapped[str] = mapped_column(String(128))
    public_key: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(TZDateTime(), default=utcnow)


class CodeTableVersion(Base):
    """One row per fiscal year of 政府收支分类科目 published to clients through sync."""

    __tablename__ = "code_table_versions"
    fiscal_year: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    digest: Mapped[str] = mapped_column(String(64))
    seq: Mapped[int] = mapped_column(BigInteger, default=0, index=True)
    published_at: Mapped[datetime] = mapped_column(TZDateTime(), default=utcnow)


class LoginThrottle(Base):
    """Failed-login counters for user names that do not exist, so that lockout answers the same
    whether or not an account exists (no user enumeration through 423 vs 401)."""

    __tablename__ = "login_throttles"
    key: Mapped[str] = mapped_column(String(64), primary_key=True)  # sha256(lower(username))
    failures: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[datetime | None] = mapped_column(TZDateTime())
    updated_at: Mapped[datetime] = mapped_column(TZDateTime(), default=utcnow, onupdate=utcnow)


class ApplicationApproval(Base):
    """The approval chain of a submitted application (issue 4): the rule-set version in force at
    the first submission, the routed steps and the current round/status. One row per application."""

    __tablename__ = "application_approvals"
    application_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("applications.id", ondelete="CASCADE"), primary_key=True)
    unit_id: Mapped[int] = mapped_column(Integer, index=True)
    rule_set_id: Mapped[str] = mapped_column(String(60))
    rule_set_version: Mapped[int] = mapped_column(Integer)
    chain: Mapped[str] = mapped_column(Text)  # ApprovalChain.to_dict() as JSON
    round: Mapped[int] = mapped_column(Integer, default=1)
    status: Mapped[str] = mapped_column(String(16), index=True)  # fiscal.approval.ChainStatus
    current_step: Mapped[int | None] = mapped_column(Integer)
    application_version: Mapped[int] = mapped_column(Integer, default=0)
    terms: Mapped[str] = mapped_column(Text)  # PaymentTerms at the last submission (JSON)
    updated_at: Mapped[datetime] = mapped_column(TZDateTime(), default=utcnow, onupdate=utcnow)
    seq: Mapped[int] = mapped_column(BigInteger, default=0, index=True)


class ApprovalDecision(Base):
    """One decision (approve/return/reject) or comment on an application's chain. Append-only."""

    __tablename__ = "approval_decisions"
    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    application_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("applications.id", ondelete="CASCADE"), index=True)
    round: Mapped[int] = mapped_column(Integer)
    step_index: Mapped[int | None] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(16))  # approve | return | reject | comment
    role: Mapped[str | None] = mapped_column(String(32))
    scope: Mapped[str | None] = mapped_column(String(40))
    actor_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    on_behalf_of: Mapped[int | None] = mapped_column(Integer)
    comment: Mapped[str] = mapped_column(String(500), default="")
    application_version: Mapped[int] = mapped_column(Integer)
    at: Mapped[datetime] = mapped_column(TZDateTime(), default=utcnow)


class MonitorWarning(Base):
    """A 三级预警 hit (fiscal.warnings.WarningHit) and its disposition state and history."""

    __tablename__ = "monitor_warnings"
    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    key: Mapped[str] = mapped_column(String(200), unique=True)
    application_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("applications.id", ondelete="CASCADE"), index=True)
    unit_id: Mapped[int | None] = mapped_column(Integer, index=True)
    rule_id: Mapped[str] = mapped_column(String(60))
    rule_name: Mapped[str] = mapped_column(String(120))
    level: Mapped[int] = mapped_column(Integer)
    control: Mapped[str] = mapped_column(String(24))
    trigger: Mapped[str] = mapped_column(String(16))
    message: Mapped[str] = mapped_column(Text)
    subject: Mapped[str | None] = mapped_column(String(120))
    details: Mapped[str] = mapped_column(Text, default="{}")
    state: Mapped[str] = mapped_column(String(20), default="raised", index=True)
    history: Mapped[str] = mapped_column(Text, default="[]")
    explanation: Mapped[str] = mapped_column(Text, default="")
    attachments: Mapped[str] = mapped_column(Text, default="[]")  # sha256 list (JSON)
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(TZDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(TZDateTime(), default=utcnow, onupdate=utcnow)
    seq: Mapped[int] = mapped_column(BigInteger, default=0, index=True)


class PaymentVoucher(Base):
    """支付凭证: one per approved application, number unique per (year, 区划)."""

    __tablename__ = "payment_vouchers"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    voucher_no: Mapped[str] = mapped_column(String(40), unique=True)
    application_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("applications.id"), unique=True)
    fiscal_year: Mapped[int] = mapped_column(Integer)
    region_code: Mapped[str] = mapped_column(String(9))
    unit_id: Mapped[int] = mapped_column(Integer, index=True)
    indicator_id: Mapped[str] = mapped_column(String(38))
    amount: Mapped[int] = mapped_column(BigInteger)
    status: Mapped[str] = mapped_column(String(16), index=True)  # issued | paid | bounced | refunded
    paid_amount: Mapped[int] = mapped_column(BigInteger, default=0)
    refunded_amount: Mapped[int] = mapped_column(BigInteger, default=0)
    bank_serial: Mapped[str | None] = mapped_column(String(64))
    actual_payee: Mapped[str | None] = mapped_column(String(120))
    paid_at: Mapped[datetime | None] = mapped_column(TZDateTime())
    created_at: Mapped[datetime] = mapped_column(TZDateTime(), default=utcnow)
    seq: Mapped[int] = mapped_column(BigInteger, default=0, index=True)


# ---- delegations, committees and monitoring data (0007)


class Delegation(Base):
    """授权委托: ``delegator`` lets ``delegate`` act in one role grant (role + scope + target)
    from ``valid_from`` until ``expires_at`` (exclusive). Never deleted: revoking sets
    ``revoked_at`` so that decisions taken under it stay explainable."""

    __tablename__ = "delegations"
    __table_args__ = (CheckConstraint("delegator_id <> delegate_id", name="not_self"),
                      CheckConstraint("expires_at > valid_from", name="period"))
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    delegator_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    delegate_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    role: Mapped[str] = mapped_column(String(32))     # fiscal.approval.Role
    scope: Mapped[str] = mapped_column(String(40))    # fiscal.approval.Scope
    target: Mapped[str] = mapped_column(String(21))   # unit / department / 区划 code
    valid_from: Mapped[datetime] = mapped_column(TZDateTime())
    expires_at: Mapped[datetime] = mapped_column(TZDateTime())
    revoked_at: Mapped[datetime | None] = mapped_column(TZDateTime())
    revoked_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    reason: Mapped[str] = mapped_column(String(300), default="")
    created_by: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(TZDateTime(), default=utcnow)


class CommitteeMember(Base):
    """A member of a 集体决策 committee (领导班子, 三重一大): role ``committee`` bound to a unit
    (scope own_unit, target = unit code), a department (overseeing_bureau_division) or a 区划."""

    __tablename__ = "committee_members"
    __table_args__ = (UniqueConstraint("user_id", "scope", "target"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    scope: Mapped[str] = mapped_column(String(40))
    target: Mapped[str] = mapped_column(String(21), index=True)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(TZDateTime(), default=utcnow)


class ApprovalRuleSetVersion(Base):
    """An uploaded version of an approval rule set (fiscal.approval.RuleSet as JSON). Uploaded
    inactive; activation fixes ``effective_from``. The shipped defaults are not stored here."""

    __tablename__ = "approval_rule_sets"
    __table_args__ = (UniqueConstraint("rule_set_id", "version"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    rule_set_id: Mapped[str] = mapped_column(String(60))
    version: Mapped[int] = mapped_column(Integer)
    region: Mapped[str] = mapped_column(String(9), index=True)   # "*" = every 区划
    unit_code: Mapped[str | None] = mapped_column(String(21))
    name: Mapped[str] = mapped_column(String(200), default="")
    document: Mapped[str] = mapped_column(Text)                  # the RuleSet as JSON
    active: Mapped[bool] = mapped_column(Boolean, default=False)
    effective_from: Mapped[datetime | None] = mapped_column(TZDateTime())
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(TZDateTime(), default=utcnow)
    activated_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    activated_at: Mapped[datetime | None] = mapped_column(TZDateTime())


class UnitAccount(Base):
    """A bank account of a unit (账户信息): its 零余额账户 (the payer of its payments) and its
    实有资金账户 (基本户/一般户/专用户) — transfers into the latter are red flags, and an
    account without transactions for N days is reported (dormant_account)."""

    __tablename__ = "unit_accounts"
    __table_args__ = (UniqueConstraint("account_no"),
                      CheckConstraint("kind IN ('zero_balance','basic','general','special')",
                                      name="kind"))
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)
    account_no: Mapped[str] = mapped_column(String(40))   # digits only (normalised)
    account_name: Mapped[str] = mapped_column(String(120), default="")
    bank_name: Mapped[str] = mapped_column(String(120), default="")
    kind: Mapped[str] = mapped_column(String(16))
    last_activity_at: Mapped[datetime | None] = mapped_column(TZDateTime())  # last bank movement known
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    updated_at: Mapped[datetime] = mapped_column(TZDateTime(), default=utcnow, onupdate=utcnow)


class SangongBudget(Base):
    """A unit's annual 三公经费 budget per category (warning rule sangong_overrun's categories)."""

    __tablename__ = "sangong_budgets"
    __table_args__ = (UniqueConstraint("unit_id", "fiscal_year", "category"),
                      CheckConstraint("budget >= 0", name="budget_nonneg"))
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)
    fiscal_year: Mapped[int] = mapped_column(Integer)
    category: Mapped[str] = mapped_column(String(40))
    budget: Mapped[int] = mapped_column(BigInteger)       # fen
    updated_at: Mapped[datetime] = mapped_column(TZDateTime(), default=utcnow, onupdate=utcnow)


class StaffMember(Base):
    """人员信息 of a budget unit (name + 身份证号), for the staff_labor_fee rule (违规兼职取酬)."""

    __tablename__ = "staff_members"
    __table_args__ = (UniqueConstraint("unit_id", "id_number"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)
    name: Mapped[str] = mapped_column(String(64), index=True)   # whitespace removed
    id_number: Mapped[str] = mapped_column(String(18), index=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    updated_at: Mapped[datetime] = mapped_column(TZDateTime(), default=utcnow, onupdate=utcnow)


# ---- indicator import batches (0008)

class IndicatorImportBatch(Base):
    """A staged indicator import (Excel → ``/api/v1/indicator-imports``): chunks are uploaded
    first and only ``commit`` validates the whole batch and applies it, in one transaction, so
    an import larger than one request is still all-or-nothing. Never committed = no effect."""

    __tablename__ = "indicator_import_batches"
    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)  # chosen by the client
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    status: Mapped[str] = mapped_column(String(12), default="open")  # open|committed|rejected|aborted
    file_name: Mapped[str | None] = mapped_column(String(255))
    chunk_count: Mapped[int] = mapped_column(Integer, default=0)
    row_count: Mapped[int] = mapped_column(Integer, default=0)
    result: Mapped[str | None] = mapped_column(Text)  # JSON: the commit answer or the refusal
    created_at: Mapped[datetime] = mapped_column(TZDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(TZDateTime(), default=utcnow, onupdate=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(TZDateTime())


class IndicatorImportChunk(Base):
    """One uploaded chunk of a batch (rows as JSON), kept until the batch is finished."""

    __tablename__ = "indicator_import_chunks"
    __table_args__ = (UniqueConstraint("batch_id", "chunk_index"),
                      UniqueConstraint("idempotency_key", "batch_id"))
    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    batch_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("indicator_import_batches.id", ondelete="CASCADE"))
    chunk_index: Mapped[int] = mapped_column(Integer)
    idempotency_key: Mapped[str] = mapped_column(String(64))
    body_hash: Mapped[str] = mapped_column(String(64))
    row_count: Mapped[int] = mapped_column(Integer)
    items: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(TZDateTime(), default=utcnow)


# ---- payment files and corrections (0006)

from sqlalchemy import LargeBinary  # imported here: this section is appended to a shared file


class PaymentBatch(Base):
    """One exported 代理银行支付文件: the bytes as sent (re-downloadable), their SHA-256, who/when."""

    __tablename__ = "payment_batches"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    batch_no: Mapped[str] = mapped_column(String(40), unique=True)
    request_id: Mapped[str | None] = mapped_column(String(64), unique=True)  # retry key
    file_format: Mapped[str] = mapped_column(String(8))  # xml | csv
    profile: Mapped[str] = mapped_column(String(40))
    bank_code: Mapped[str | None] = mapped_column(String(20))
    region_code: Mapped[str | None] = mapped_column(String(9))
    file_name: Mapped[str] = mapped_column(String(120))
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    content: Mapped[bytes] = mapped_column(LargeBinary)
    voucher_count: Mapped[int] = mapped_column(Integer)
    total_amount: Mapped[int] = mapped_column(BigInteger)
    resend: Mapped[bool] = mapped_column(Boolean, default=False)
    created_by: Mapped[int | None] = mapped_column(Integer)
    created_by_name: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(TZDateTime(), default=utcnow)


class PaymentBatchItem(Base):
    """A voucher in a batch; a voucher without any item has never been sent to the bank."""

    __tablename__ = "payment_batch_items"
    __table_args__ = (UniqueConstraint("batch_id", "voucher_id"),)
    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    batch_id: Mapped[int] = mapped_column(ForeignKey("payment_batches.id"), index=True)
    voucher_id: Mapped[int] = mapped_column(ForeignKey("payment_vouchers.id"), index=True)


class WritebackImport(Base):
    """One imported 回单文件 (only recorded when it changed something)."""

    __tablename__ = "writeback_imports"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    file_name: Mapped[str | None] = mapped_column(String(200))
    file_format: Mapped[str] = mapped_column(String(8))
    profile: Mapped[str] = mapped_column(String(40))
    lines: Mapped[int] = mapped_column(Integer)
    applied: Mapped[int] = mapped_column(Integer)
    unmatched: Mapped[int] = mapped_column(Integer)
    duplicates: Mapped[int] = mapped_column(Integer)
    created_by: Mapped[int | None] = mapped_column(Integer)
    created_by_name: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(TZDateTime(), default=utcnow)


class BankWriteback(Base):
    """One 回单 line, from a file or the single write-back API. The bank serial is unique, which
    makes every write-back idempotent; ``voucher_id`` is NULL for a write-back whose voucher is
    unknown (listed by the reconciliation, never "repaired")."""

    __tablename__ = "bank_writebacks"
    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    bank_serial: Mapped[str] = mapped_column(String(64), unique=True)
    voucher_no: Mapped[str] = mapped_column(String(40), index=True)
    voucher_id: Mapped[int | None] = mapped_column(ForeignKey("payment_vouchers.id"), index=True)
    import_id: Mapped[int | None] = mapped_column(ForeignKey("writeback_imports.id"), index=True)
    line_no: Mapped[int | None] = mapped_column(Integer)
    success: Mapped[bool] = mapped_column(Boolean)
    amount: Mapped[int] = mapped_column(BigInteger)
    paid_on: Mapped[str | None] = mapped_column(String(10))  # bank's value date, ISO
    actual_payee: Mapped[str | None] = mapped_column(String(120))
    created_by: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(TZDateTime(), default=utcnow)


class PaymentCorrection(Base):
    """更正 (调整书): re-booking of a vouchered/paid application's classification or indicator.
    Both versions are kept; ``moved_amount`` of kind ``moved_kind`` (paid | reserved) went from
    ``from_indicator`` to ``to_indicator`` (0 when the indicator did not change)."""

    __tablename__ = "payment_corrections"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    correction_no: Mapped[str] = mapped_column(String(40), unique=True)
    request_id: Mapped[str | None] = mapped_column(String(64), unique=True)  # retry key
    application_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("applications.id"), index=True)
    voucher_id: Mapped[int] = mapped_column(ForeignKey("payment_vouchers.id"), index=True)
    unit_id: Mapped[int] = mapped_column(Integer, index=True)
    before: Mapped[str] = mapped_column(Text)  # JSON
    after: Mapped[str] = mapped_column(Text)  # JSON
    reason: Mapped[str] = mapped_column(String(300))
    from_indicator: Mapped[str] = mapped_column(String(38))
    to_indicator: Mapped[str] = mapped_column(String(38))
    moved_amount: Mapped[int] = mapped_column(BigInteger, default=0)
    moved_kind: Mapped[str | None] = mapped_column(String(16))
    created_by: Mapped[int | None] = mapped_column(Integer)
    created_by_name: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(TZDateTime(), default=utcnow)


class DictionaryVersion(Base):
    """The dictionaries (fiscal.dictionaries: 资金性质, 结算方式, 公务卡 rules, thresholds…) in
    force for one 财政区划, published to that region's clients through sync. A new ``seq`` only
    when the content's digest changes (an upgrade, an edited override file)."""

    __tablename__ = "dictionary_versions"
    region: Mapped[str] = mapped_column(String(9), primary_key=True)
    digest: Mapped[str] = mapped_column(String(64))
    seq: Mapped[int] = mapped_column(BigInteger, default=0, index=True)
    published_at: Mapped[datetime] = mapped_column(TZDateTime(), default=utcnow)
