"""政府收支分类科目: functional (类/款/项), department economic (3xx) and government economic (5xx)
classifications and the 部门→政府 mapping by unit type, versioned by fiscal year.

The tables are public facts shipped as JSON under ``resources/codes/<year>/`` (see its README);
they are loaded once per year and then answered from memory.
"""
from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cache

from fiscal.resources import load_json, resource_path

__all__ = [
    "CodeItem",
    "CodeTable",
    "CodeTableError",
    "CodeTables",
    "available_years",
    "code_tables",
    "split_code_text",
]

TABLE_FILES = {
    "functional": "functional.json",
    "dep_economic": "dep_economic.json",
    "gov_economic": "gov_economic.json",
}
#: Code lengths per level: 类, 款, 项 (functional) or 类, 款 (economic). Local 目 levels may follow.
LEVEL_LENGTHS = {"functional": (3, 5, 7, 9, 11, 13), "dep_economic": (3, 5, 7), "gov_economic": (3, 5, 7)}
LEVEL_NAMES = {"functional": ("类", "款", "项", "目", "目", "目"), "dep_economic": ("类", "款", "目"),
               "gov_economic": ("类", "款", "目")}


class CodeTableError(LookupError):
    """A year or table that is not shipped. ``message`` is Chinese."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class CodeItem:
    code: str
    name: str
    level: int  # 1 = 类, 2 = 款, 3 = 项 …
    parent: str | None

    @property
    def label(self) -> str:
        return f"{self.code} {self.name}"


@dataclass
class CodeTable:
    table: str
    fiscal_year: int
    title: str
    _items: dict[str, CodeItem] = field(default_factory=dict)
    _children: dict[str | None, list[str]] = field(default_factory=dict)

    @classmethod
    def from_rows(cls, table: str, fiscal_year: int, title: str, rows: list[dict]) -> CodeTable:
        lengths = LEVEL_LENGTHS[table]
        result = cls(table, fiscal_year, title)
        for row in sorted(rows, key=lambda r: r["code"]):
            code = str(row["code"]).strip()
            if not code.isdigit() or len(code) not in lengths:
                raise ValueError(f"{table} {fiscal_year}: malformed code {code!r}")
            level = lengths.index(len(code)) + 1
            parent = code[: lengths[level - 2]] if level > 1 else None
            if parent is not None and parent not in result._items:
                raise ValueError(f"{table} {fiscal_year}: {code} has no parent {parent}")
            if code in result._items:
                raise ValueError(f"{table} {fiscal_year}: duplicate code {code}")
            item = CodeItem(code, str(row["name"]).strip(), level, parent)
            result._items[code] = item
            result._children.setdefault(parent, []).append(code)
        return result

    def __len__(self) -> int:
        return len(self._items)

    def __contains__(self, code: object) -> bool:
        return code in self._items

    def items(self) -> Iterator[CodeItem]:
        return iter(self._items.values())

    def get(self, code: str) -> CodeItem | None:
        return self._items.get(code)

    def exists(self, code: str) -> bool:
        return code in self._items

    def name(self, code: str) -> str | None:
        item = self._items.get(code)
        return item.name if item else None

    def level_name(self, code: str) -> str | None:
        item = self._items.get(code)
        return LEVEL_NAMES[self.table][item.level - 1] if item else None

    def roots(self) -> list[CodeItem]:
        return [self._items[c] for c in self._children.get(None, [])]

    def children(self, code: str) -> list[CodeItem]:
        return [self._items[c] for c in self._children.get(code, [])]

    def ancestors(self, code: str) -> list[CodeItem]:
        """From the 类 down to the parent of ``code``."""
        chain: list[CodeItem] = []
        item = self._items.get(code)
        while item is not None and item.parent is not None:
            item = self._items[item.parent]
            chain.append(item)
        return list(reversed(chain))

    def is_leaf(self, code: str) -> bool:
        return code in self._items and not self._children.get(code)

    @staticmethod
    def is_within(code: str, scope: str | None) -> bool:
        """``code`` equals ``scope`` or lies below it; an open scope (None/'') admits every code."""
        return not scope or code.startswith(scope)

    def path_label(self, code: str) -> str:
        """``'205 教育支出 / 20502 普通教育 / 2050202 小学教育'``."""
        item = self._items.get(code)
        if item is None:
            return code
        return " / ".join(i.label for i in [*self.ancestors(code), item])

    def search(self, text: str, limit: int = 50) -> list[CodeItem]:
        """Codes that start with ``text`` (digits) or names that contain it; best matches first."""
        query = unicodedata.normalize("NFKC", text or "").strip()
        if not query:
            return []
        if query.isdigit():
            hits = [i for c, i in self._items.items() if c.startswith(query)]
        else:
            # names are stored as the official tables print them (full-width brackets); compare
            # both sides in NFKC so that 政府办公厅(室) typed with ASCII brackets still matches
            folded = [(unicodedata.normalize("NFKC", i.name), i) for i in self._items.values()]
            ranked = [(name, i) for name, i in folded if query in name]
            ranked.sort(key=lambda p: (p[0] != query, not p[0].startswith(query), p[1].level, p[1].code))
            hits = [i for _, i in ranked]
        return hits[:limit]


@dataclass
class CodeTables:
    fiscal_year: int
    functional: CodeTable
    dep_economic: CodeTable
    gov_economic: CodeTable
    _dep_to_gov: dict[tuple[str, str], str]

    def gov_for_dep(self, dep_code: str, unit_type: str) -> str | None:
        """The 政府经济分类 款 that a 部门经济分类 code maps to for a unit type (行政/事业).

        Looks the code up, then its ancestors (a 部门 目 maps as its 款 does).
        """
        code = dep_code
        while code:
            gov = self._dep_to_gov.get((unit_type, code))
            if gov is not None:
                return gov
            code = code[:-2] if len(code) > 3 else ""
        return None

    def mapping(self) -> dict[tuple[str, str], str]:
        return dict(self._dep_to_gov)

    def table(self, name: str) -> CodeTable:
        return {"functional": self.functional, "dep_economic": self.dep_economic,
                "gov_economic": self.gov_economic}[name]


@cache
def available_years() -> tuple[int, ...]:
    base = resource_path("codes")
    return tuple(sorted(int(p.name) for p in base.iterdir() if p.is_dir() and p.name.isdigit()))


@cache
def code_tables(year: int) -> CodeTables:
    """The classification tables of ``year``; :class:`CodeTableError` if that year is not shipped."""
    if year not in available_years():
        shipped = "、".join(str(y) for y in available_years())
        raise CodeTableError(f"没有{year}年度的政府收支分类科目（已有：{shipped}）")
    tables = {}
    for name, filename in TABLE_FILES.items():
        data = load_json("codes", str(year), filename)
        tables[name] = CodeTable.from_rows(name, year, data.get("title", name), data["items"])
    mapping_data = load_json("codes", str(year), "dep_to_gov.json")
    mapping: dict[tuple[str, str], str] = {}
    for row in mapping_data["mappings"]:
        mapping[(row["unit_type"], row["dep"])] = row["gov"]
    return CodeTables(year, tables["functional"], tables["dep_economic"], tables["gov_economic"], mapping)


_CODE_TEXT_RE = re.compile(r"^'?\s*(?P<code>\d+)\s*(?:[-－—_:：.、\s]+\s*(?P<name>.+?))?\s*$")


def split_code_text(text: str) -> tuple[str, str | None]:
    """``'2050202 小学教育'``, ``'2050202-小学教育'``, ``"'2050202"``, ``'[2050202]小学教育'``,
    full-width digits and stray spaces -> ``('2050202', '小学教育')``.

    Raises ValueError when the text does not start with a code.
    """
    cleaned = unicodedata.normalize("NFKC", str(text)).replace("\u3000", " ").strip()
    cleaned = re.sub(r"^'?\s*[\[【(](\d+)[\]】)]", r"\1 ", cleaned)
    match = _CODE_TEXT_RE.match(cleaned)
    if not match:
        # "2050202小学教育" with no separator
        glued = re.match(r"^'?(?P<code>\d+)(?P<name>\D.*)$", cleaned)
        if not glued:
            raise ValueError(f"“{text}”不是“编码 名称”形式的科目")
        return glued.group("code"), glued.group("name").strip() or None
    return match.group("code"), (match.group("name") or None)
