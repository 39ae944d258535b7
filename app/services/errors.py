"""Errors services raise. ``message`` is for the user (Chinese), ``code`` for machines."""
from __future__ import annotations

from typing import Any

from app.services.results import BudgetCheck, RuleNote


class ServiceError(Exception):
    code = "service_error"

    def __init__(self, message: str, *, field: str | None = None, **details: Any) -> None:
        super().__init__(message)
        self.message = message
        self.field = field
        self.details = details


class NotFound(ServiceError):
    code = "not_found"


class NotEditable(ServiceError):
    code = "not_editable"


class IncompleteApplication(ServiceError):
    code = "incomplete"

    def __init__(self, missing: list[tuple[str, str]]) -> None:
        names = "、".join(label for _f, label in missing)
        super().__init__(
            f"申请还不完整，请填写：{names}。", field=missing[0][0] if missing else None
        )
        self.missing = missing


class InvalidField(ServiceError):
    code = "invalid_field"


class BudgetExceeded(ServiceError):
    """Offline pre-check refusal: the rule and the figures are in ``check``."""

    code = "insufficient_balance"

    def __init__(self, check: BudgetCheck, notes: tuple[RuleNote, ...] = ()) -> None:
        super().__init__(check.message, field="amount")
        self.check = check
        self.notes = notes
