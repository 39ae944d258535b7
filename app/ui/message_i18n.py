"""English for the Chinese messages that come from below the UI (fiscal's budget rules and
validators, the services' refusals, OCR checks). fiscal keeps its Chinese texts — they are the
product's source language and the server returns them too; the English UI maps them here.

The table is ``resources/translations/messages_en.json``: each entry has a Chinese template
(``{name}`` matches any text), its English template and, for rule refusals, the rule code. A
message is looked up by its code first, then by template; one that is not in the table shows
in Chinese rather than not at all. Messages written "中文 / English" by lower layers show
their English half."""
from __future__ import annotations

import json
import logging
import re
from dataclasses import dataclass
from functools import lru_cache

from fiscal.resources import resource_path

log = logging.getLogger(__name__)

_PLACEHOLDER = re.compile(r"\{(\w+)\}")


@dataclass(frozen=True, slots=True)
class _Entry:
    code: str | None
    pattern: re.Pattern[str]
    english: str


def _compile(template: str) -> re.Pattern[str]:
    parts, pos, seen = [], 0, set()
    for m in _PLACEHOLDER.finditer(template):
        parts.append(re.escape(template[pos:m.start()]))
        name = m.group(1)
        parts.append(f"(?P={name})" if name in seen else f"(?P<{name}>.+?)")
        seen.add(name)
        pos = m.end()
    parts.append(re.escape(template[pos:]))
    return re.compile("".join(parts), re.DOTALL)


@lru_cache(maxsize=1)
def _table() -> tuple[dict[str, str], tuple[_Entry, ...], dict[str, tuple[_Entry, ...]]]:
    path = resource_path("translations", "messages_en.json")
    try:
        raw = json.loads(path.read_text("utf-8"))["messages"]
    except (OSError, ValueError, KeyError) as exc:
        log.warning("message translations not read from %s: %s", path, exc)
        raw = []
    exact: dict[str, str] = {}
    entries: list[_Entry] = []
    by_code: dict[str, list[_Entry]] = {}
    for item in raw:
        zh, en, code = item["zh"], item["en"], item.get("code")
        if "{" not in zh:
            exact[zh] = en
        entry = _Entry(code, _compile(zh), en)
        entries.append(entry)
        if code:
            by_code.setdefault(code, []).append(entry)
    return exact, tuple(entries), {k: tuple(v) for k, v in by_code.items()}


def english_message(text: str, code: str | None = None) -> str | None:
    """The English text of a Chinese message, or None when the table does not know it."""
    text = text.strip()
    if not text:
        return ""
    if " / " in text:  # "中文 / English" from lower layers
        en = text.partition(" / ")[2].strip()
        if en:
            return en
    exact, entries, by_code = _table()
    if text in exact:
        return exact[text]
    for entry in (by_code.get(code, ()) if code else ()) + entries:
        m = entry.pattern.fullmatch(text)
        if m is not None:
            groups = {k: english_message(v) or v for k, v in m.groupdict().items()}
            return entry.english.format(**groups)
    # several messages joined (e.g. rule notes "…；…" or sentences "…。…"): each on its own
    for sep in ("；", "\n"):
        if sep in text:
            pieces = text.split(sep)
            done = [english_message(p) for p in pieces]
            if any(d is not None for d in done):
                return ("; " if sep == "；" else sep).join(
                    d if d is not None else p for d, p in zip(done, pieces, strict=True))
    return None


def translate_message(text: str, code: str | None = None, *, english: bool | None = None) -> str:
    """``text`` in the UI language: unchanged in Chinese, from the table in English (the
    Chinese text when the table has no entry, which is logged once for the translators)."""
    if english is None:
        from app.ui.tasks import ui_is_english

        english = ui_is_english()
    if not english:
        return text.partition(" / ")[0].strip() if " / " in text else text
    out = english_message(text, code)
    if out is None:
        _log_missing(text)
        return text
    return out


@lru_cache(maxsize=256)
def _log_missing(text: str) -> None:
    log.info("no English for message: %s", text)
