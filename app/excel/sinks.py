"""Where imported rows go, and where the keys of existing data come from.

The importer writes through an :class:`ImportSink` inside one transaction: ``begin`` →
``write`` (batches) → ``commit`` or ``rollback``. That is how "all or nothing" is kept without
holding 100 000 rows in memory.

The product's sinks live in :mod:`app.services.imports` (they need the local store and the
server transport, which ``app.excel`` does not import): indicators → the central server's bulk
endpoint, payees → the local address book, batch applications → local drafts. Here remain the
store-free ones: :class:`JsonLinesSink` (a JSON-lines staging file, one record per line, written
atomically; ``jincai excel import --target jsonl``) and :class:`MemorySink` (tests, previews).
"""
from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Collection, Iterable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Protocol, runtime_checkable


@dataclass(frozen=True, slots=True)
class ImportRecord:
    """One valid row: ``data`` holds canonical values (codes as str, money as int fen)."""

    kind: str
    row: int  # Excel row it came from
    key: str  # duplicate-detection identity (app.excel.validate.record_key)
    data: dict = field(default_factory=dict)

    def to_json(self) -> dict:
        return asdict(self)


@runtime_checkable
class ExistingKeys(Protocol):
    """Tells which of some record keys already exist in the target store."""

    def existing_keys(self, kind: str, keys: Collection[str]) -> set[str]: ...


@runtime_checkable
class RowChecker(Protocol):
    """Checks valid rows against the target's data, in file order (e.g. the offline budget
    pre-check of batch applications, cumulative within the file). ``start_checks`` opens a new
    import (forget earlier totals); ``check_rows`` returns the errors of the rows it refuses
    (``field`` set, so the importer locates the column); refused rows are not imported and,
    for cumulative checks, do not count against later rows."""

    def start_checks(self, kind: str) -> None: ...
    def check_rows(self, kind: str, records: Sequence[ImportRecord]) -> list: ...


@runtime_checkable
class ImportSink(Protocol):
    def begin(self, kind: str, meta: dict) -> None: ...
    def write(self, records: Sequence[ImportRecord]) -> None: ...
    def commit(self) -> int: ...  # returns the number of records made permanent
    def rollback(self) -> None: ...


class KeySet:
    """:class:`ExistingKeys` over an in-memory set (or any container) of keys."""

    def __init__(self, keys: Iterable[str] = ()) -> None:
        self.keys = set(keys)

    def existing_keys(self, kind: str, keys: Collection[str]) -> set[str]:
        return {k for k in keys if k in self.keys}


class MemorySink:
    """Keeps committed records in ``self.records``; also answers :class:`ExistingKeys`."""

    def __init__(self) -> None:
        self.records: list[ImportRecord] = []
        self._staged: list[ImportRecord] = []
        self.kind: str | None = None
        self.meta: dict = {}

    def begin(self, kind: str, meta: dict) -> None:
        self.kind, self.meta, self._staged = kind, meta, []

    def write(self, records: Sequence[ImportRecord]) -> None:
        self._staged.extend(records)

    def commit(self) -> int:
        count = len(self._staged)
        self.records.extend(self._staged)
        self._staged = []
        return count

    def rollback(self) -> None:
        self._staged = []

    def existing_keys(self, kind: str, keys: Collection[str]) -> set[str]:
        have = {r.key for r in self.records if r.kind == kind}
        return {k for k in keys if k in have}


class JsonLinesSink:
    """Appends records to a JSON-lines file (one ``ImportRecord`` per line).

    Rows are staged in a temporary file beside the target; ``commit`` appends the staged file
    to the target (creating it with a rename when it does not exist), ``rollback`` deletes it,
    so an import that fails leaves the target untouched. Also answers :class:`ExistingKeys`
    from the records already in the target, so a second import of the same rows is caught.
    """

    def __init__(self, path: str | os.PathLike) -> None:
        self.path = Path(path)
        self._tmp: Path | None = None
        self._fh = None
        self._count = 0
        self._known: dict[str, set[str]] | None = None

    def begin(self, kind: str, meta: dict) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=self.path.name + ".", suffix=".staging", dir=self.path.parent)
        self._tmp = Path(tmp)
        self._fh = os.fdopen(fd, "w", encoding="utf-8")
        self._count = 0

    def write(self, records: Sequence[ImportRecord]) -> None:
        assert self._fh is not None, "begin() first"
        dumps = json.dumps
        self._fh.write("".join(dumps(r.to_json(), ensure_ascii=False) + "\n" for r in records))
        self._count += len(records)

    def commit(self) -> int:
        assert self._fh is not None and self._tmp is not None
        self._fh.flush()
        os.fsync(self._fh.fileno())
        self._fh.close()
        if not self.path.exists():
            os.replace(self._tmp, self.path)
        else:
            with open(self.path, "ab") as out, open(self._tmp, "rb") as src:
                while chunk := src.read(1 << 20):
                    out.write(chunk)
                out.flush()
                os.fsync(out.fileno())
            self._tmp.unlink()
        self._fh = self._tmp = None
        self._known = None
        return self._count

    def rollback(self) -> None:
        if self._fh is not None:
            self._fh.close()
        if self._tmp is not None and self._tmp.exists():
            self._tmp.unlink()
        self._fh = self._tmp = None

    def existing_keys(self, kind: str, keys: Collection[str]) -> set[str]:
        if self._known is None:
            self._known = {}
            if self.path.exists():
                with open(self.path, encoding="utf-8") as fh:
                    for line in fh:
                        try:
                            item = json.loads(line)
                        except ValueError:
                            continue
                        self._known.setdefault(item.get("kind"), set()).add(item.get("key"))
        have = self._known.get(kind, set())
        return {k for k in keys if k in have}
