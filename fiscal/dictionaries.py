"""Configurable dictionaries as data: 资金性质, 指标来源, 结算方式, 支付方式, the 公务卡 mandatory
directory and its exceptions, thresholds for personal payees and cash.

Defaults ship in ``resources/dictionaries/default.json``; a region (财政区划 code) may override any
key in ``resources/dictionaries/regions/<code>.json`` (nested objects are merged key by key).
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import Any

from fiscal.resources import load_json, resource_path

__all__ = ["Dictionaries", "OfficialCardRules", "Thresholds", "dictionaries"]


@dataclass(frozen=True)
class OfficialCardRules:
    """公务卡强制结算目录 and its exceptions (domain.md §2.3)."""

    economic_codes: dict[str, str]
    card_settlement_modes: frozenset[str]
    below_county_level_exempt: bool
    no_card_acceptance_below_fen: int
    personal_payee_exempt: bool
    cash_only_keywords: tuple[str, ...]

    def covers(self, economic_code: str | None) -> bool:
        """True when the economic code (or its 款) is in the mandatory directory."""
        return bool(economic_code) and any(
            economic_code.startswith(code) for code in self.economic_codes
        )


@dataclass(frozen=True)
class Thresholds:
    personal_payee_basis_fen: int
    cash_settlement_start_fen: int
    cash_paper_approval_fen: int


@dataclass(frozen=True)
class Dictionaries:
    region: str | None
    fund_types: dict[str, str]
    bgt_sources: dict[str, str]
    bgt_types: dict[str, str]
    settlement_modes: dict[str, str]
    pay_types: dict[str, str]
    unit_types: dict[str, str]
    budget_levels: dict[str, str]
    official_card: OfficialCardRules
    thresholds: Thresholds
    cash_settlement_modes: frozenset[str]
    personal_economic_prefixes: tuple[str, ...]
    sanggong_economic_codes: dict[str, str]
    raw: dict[str, Any]

    def is_personal_economic_code(self, code: str | None) -> bool:
        return bool(code) and code.startswith(self.personal_economic_prefixes)


def _merge(base: dict[str, Any], override: dict[str, Any]) -> dict[str, Any]:
    merged = dict(base)
    for key, value in override.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict) and not key.endswith("_types"):
            merged[key] = _merge(merged[key], value)
        else:
            merged[key] = value
    return merged


@cache
def dictionaries(region: str | None = None) -> Dictionaries:
    """The dictionaries in force for ``region`` (a 财政区划 code), or the defaults."""
    raw = load_json("dictionaries", "default.json")
    if region and resource_path("dictionaries", "regions", f"{region}.json").is_file():
        raw = _merge(raw, load_json("dictionaries", "regions", f"{region}.json"))
    card = raw["official_card"]
    exceptions = card["exceptions"]
    thresholds = raw["thresholds"]
    return Dictionaries(
        region=region,
        fund_types=dict(raw["fund_types"]),
        bgt_sources=dict(raw["bgt_sources"]),
        bgt_types=dict(raw["bgt_types"]),
        settlement_modes=dict(raw["settlement_modes"]),
        pay_types=dict(raw["pay_types"]),
        unit_types=dict(raw["unit_types"]),
        budget_levels=dict(raw["budget_levels"]),
        official_card=OfficialCardRules(
            economic_codes=dict(card["economic_codes"]),
            card_settlement_modes=frozenset(card["card_settlement_modes"]),
            below_county_level_exempt=bool(exceptions["below_county_level"]),
            no_card_acceptance_below_fen=int(exceptions["no_card_acceptance_below_fen"]),
            personal_payee_exempt=bool(exceptions["personal_payee"]),
            cash_only_keywords=tuple(exceptions["cash_only_keywords"]),
        ),
        thresholds=Thresholds(
            personal_payee_basis_fen=int(thresholds["personal_payee_basis_fen"]),
            cash_settlement_start_fen=int(thresholds["cash_settlement_start_fen"]),
            cash_paper_approval_fen=int(thresholds["cash_paper_approval_fen"]),
        ),
        cash_settlement_modes=frozenset(raw["cash_settlement_modes"]),
        personal_economic_prefixes=tuple(raw["personal_economic_prefixes"]),
        sanggong_economic_codes=dict(raw["sanggong_economic_codes"]),
        raw=raw,
    )
