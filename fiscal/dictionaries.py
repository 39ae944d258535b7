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

__all__ = ["Dictionaries", "DictionaryError", "OfficialCardRules", "Thresholds",
           "build_dictionaries", "dictionaries", "shipped_raw"]


class DictionaryError(ValueError):
    """A dictionaries document (shipped, overridden or received through sync) is malformed."""


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


def shipped_raw(region: str | None = None) -> dict[str, Any]:
    """The shipped defaults merged with ``regions/<region>.json`` when there is one: the
    document the server publishes to the clients of that 区划."""
    raw = load_json("dictionaries", "default.json")
    if region and resource_path("dictionaries", "regions", f"{region}.json").is_file():
        raw = _merge(raw, load_json("dictionaries", "regions", f"{region}.json"))
    return raw


def _code_names(raw: dict[str, Any], key: str) -> dict[str, str]:
    value = raw.get(key)
    if not isinstance(value, dict) or not value:
        raise DictionaryError(f"字典 {key} 缺失或不是“代码→名称”表")
    out = {}
    for code, name in value.items():
        if not isinstance(name, str) or not name.strip():
            raise DictionaryError(f"字典 {key} 中代码 {code} 的名称为空或不是文字")
        out[str(code)] = name
    return out


def _fen(section: dict[str, Any], key: str, where: str) -> int:
    value = section.get(key)
    # bool is an int subclass: true/false is never an amount.
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise DictionaryError(f"{where}.{key} 应为非负整数（分），实际为 {value!r}")
    return value


def _strings(value: Any, where: str) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise DictionaryError(f"{where} 应为文字列表，实际为 {value!r}")
    return tuple(value)


def build_dictionaries(raw: Any, region: str | None = None) -> Dictionaries:
    """Typed dictionaries from a raw document (shipped or mirrored from the server). Anything
    malformed raises :class:`DictionaryError` naming the key, so that a bad payload is refused
    whole instead of half-applied."""
    if not isinstance(raw, dict):
        raise DictionaryError("字典内容应为 JSON 对象")
    try:
        card = raw["official_card"]
        exceptions = card["exceptions"]
        thresholds = raw["thresholds"]
        if not all(isinstance(x, dict) for x in (card, exceptions, thresholds)):
            raise DictionaryError("official_card、official_card.exceptions、thresholds 应为 JSON 对象")
        economic = card["economic_codes"]
        if not isinstance(economic, dict):
            raise DictionaryError("official_card.economic_codes 应为“代码→名称”表")
        sanggong = raw["sanggong_economic_codes"]
        if not isinstance(sanggong, dict):
            raise DictionaryError("sanggong_economic_codes 应为“代码→名称”表")
        return Dictionaries(
            region=region,
            fund_types=_code_names(raw, "fund_types"),
            bgt_sources=_code_names(raw, "bgt_sources"),
            bgt_types=_code_names(raw, "bgt_types"),
            settlement_modes=_code_names(raw, "settlement_modes"),
            pay_types=_code_names(raw, "pay_types"),
            unit_types=_code_names(raw, "unit_types"),
            budget_levels=_code_names(raw, "budget_levels"),
            official_card=OfficialCardRules(
                economic_codes={str(k): str(v) for k, v in economic.items()},
                card_settlement_modes=frozenset(_strings(card["card_settlement_modes"],
                                                         "official_card.card_settlement_modes")),
                below_county_level_exempt=bool(exceptions["below_county_level"]),
                no_card_acceptance_below_fen=_fen(exceptions, "no_card_acceptance_below_fen",
                                                  "official_card.exceptions"),
                personal_payee_exempt=bool(exceptions["personal_payee"]),
                cash_only_keywords=_strings(exceptions["cash_only_keywords"],
                                            "official_card.exceptions.cash_only_keywords"),
            ),
            thresholds=Thresholds(
                personal_payee_basis_fen=_fen(thresholds, "personal_payee_basis_fen", "thresholds"),
                cash_settlement_start_fen=_fen(thresholds, "cash_settlement_start_fen",
                                               "thresholds"),
                cash_paper_approval_fen=_fen(thresholds, "cash_paper_approval_fen", "thresholds"),
            ),
            cash_settlement_modes=frozenset(_strings(raw["cash_settlement_modes"],
                                                     "cash_settlement_modes")),
            personal_economic_prefixes=_strings(raw["personal_economic_prefixes"],
                                                "personal_economic_prefixes"),
            sanggong_economic_codes={str(k): str(v) for k, v in sanggong.items()},
            raw=raw,
        )
    except KeyError as exc:
        raise DictionaryError(f"字典缺少键 {exc.args[0]}") from None
    except TypeError as exc:
        raise DictionaryError(f"字典结构不对：{exc}") from None


@cache
def dictionaries(region: str | None = None) -> Dictionaries:
    """The dictionaries in force for ``region`` (a 财政区划 code), or the defaults."""
    return build_dictionaries(shipped_raw(region), region)
