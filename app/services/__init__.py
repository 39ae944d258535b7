"""Client use cases. Qt-free, keyword-only, each owns its transaction and returns plain
objects (``app.services.results``), never live ORM rows."""
from app.services.applications import (
    DraftInput,
    delete_draft,
    get_application,
    list_applications,
    queue_application,
    save_draft,
    void_application,
    withdraw_application,
    withdraw_queued,
)
from app.services.approvals import (
    ApprovalTaskView,
    DecisionView,
    decide_task,
    list_approval_tasks,
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
    "ApplicationView",
    "ApprovalTaskView",
    "BudgetCheck",
    "BudgetExceeded",
    "Changes",
    "ConflictView",
    "DecisionView",
    "DraftInput",
    "IncompleteApplication",
    "IndicatorBalance",
    "InvalidField",
    "NotEditable",
    "NotFound",
    "PayeeView",
    "QueueResult",
    "RuleNote",
    "SaveResult",
    "ServiceError",
    "attach_file",
    "check_budget",
    "decide_task",
    "delete_draft",
    "export_file",
    "get_application",
    "get_indicator_balances",
    "list_applications",
    "list_approval_tasks",
    "list_conflicts",
    "queue_application",
    "resolve_conflict",
    "save_draft",
    "save_payee",
    "search_payees",
    "store_file",
    "void_application",
    "withdraw_application",
    "withdraw_queued",
]
