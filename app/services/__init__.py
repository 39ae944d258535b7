"""Client use cases. Qt-free, keyword-only, each owns its transaction and returns plain
objects (``app.services.results``), never live ORM rows."""
from app.services.applications import (
    DraftInput,
    delete_draft,
    get_application,
    list_applications,
    queue_application,
    save_draft,
    withdraw_queued,
)
from app.services.attachments import attach_file, export_file, store_file
from app.services.budget import check_budget, get_indicator_balances
from app.services.conflicts import ConflictView, list_conflicts, resolve_conflict
from app.services.errors import (
    BudgetExceeded,
    IncompleteApplication,
    InvalidField,
    NotEditable,
    NotFound,
    ServiceError,
)
from app.services.payees import save_payee, search_payees
from app.services.results import (
    ApplicationView,
    BudgetCheck,
    Changes,
    IndicatorBalance,
    PayeeView,
    QueueResult,
    RuleNote,
    SaveResult,
)

__all__ = [
    "ConflictView", "attach_file", "export_file", "list_conflicts", "resolve_conflict",
    "store_file",
    "ApplicationView", "BudgetCheck", "BudgetExceeded", "Changes", "DraftInput",
    "IncompleteApplication", "IndicatorBalance", "InvalidField", "NotEditable", "NotFound",
    "PayeeView", "QueueResult", "RuleNote", "SaveResult", "ServiceError", "check_budget",
    "delete_draft", "get_application", "get_indicator_balances", "list_applications",
    "queue_application", "save_draft", "save_payee", "search_payees", "withdraw_queued",
]
