"""Pure business rules shared by the desktop client and the server (no database, no network)."""
from fiscal.rules.budget import (  # noqa: F401
    ApplicationFacts,
    IndicatorFacts,
    RuleViolation,
    available_balance,
    check_available,
    check_dep_gov_mapping,
    check_economic_scope,
    check_functional_scope,
    check_indicator_usable,
    check_official_card,
    check_personal_payee,
    check_procurement,
    evaluate_submission,
    format_fen,
)
