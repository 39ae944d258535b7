"""Error types of the Excel importer. Every message is Chinese and tells the user what to do."""
from __future__ import annotations

from dataclasses import dataclass


class WorkbookError(Exception):
    """The file cannot be read as a workbook at all (outcome ``unreadable``).

    ``code`` is a stable machine code (``csv_renamed``, ``encrypted``, ``corrupt``, ``zip_bomb``,
    ``too_many_rows``…); ``message`` is the Chinese text shown to the user.
    """

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass(frozen=True, slots=True)
class RowError:
    """One problem, located as Excel shows it.

    ``row`` is the 1-based Excel row number (None for a problem with the whole sheet),
    ``column`` the header as written in the user's file, ``value`` the cell text.
    ``col_index`` (0-based sheet column) and ``field`` are for annotation and the UI.
    """

    row: int | None
    column: str | None
    value: str | None
    reason: str
    field: str | None = None
    col_index: int | None = None
    code: str = ""

    def to_json(self) -> dict:
        return {"row": self.row, "column": self.column, "value": self.value, "reason": self.reason}

    def location(self) -> str:
        parts = []
        if self.row is not None:
            parts.append(f"第{self.row}行")
        if self.column:
            parts.append(f"列“{self.column}”")
        return "，".join(parts)
