"""The server's advice about newer clients (issue #9): remembered between runs, shown politely.

The server's ``/version`` answer may carry ``latest_client_version``, ``client_download_url`` and
``client_release_notes``. Each sync's version check records them in a small JSON file beside the
local database (not in the database: advice is not user data and needs no migration). The status
bar, 关于 and ``jincai status`` read :func:`pending_update`. A client *below the protocol window*
never gets here: the sync refuses with ``UpgradeRequired`` and names the download address.
"""
from __future__ import annotations

import json
import logging
import os
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from packaging.version import InvalidVersion, Version

from app import __version__

log = logging.getLogger(__name__)

ADVICE_FILE = "update-advice.json"


@dataclass(frozen=True)
class UpdateNotice:
    current_version: str
    latest_version: str
    download_url: str | None
    release_notes: str | None
    checked_at: str

    def message(self) -> str:
        text = f"金财桌面端有新版本 {self.latest_version}（当前 {self.current_version}）"
        if self.download_url:
            text += f"，可从 {self.download_url} 下载"
        return text + "。升级不影响本机数据。"

    def message_en(self) -> str:
        text = f"Jincai Desk {self.latest_version} is available (you have {self.current_version})"
        if self.download_url:
            text += f"; download it from {self.download_url}"
        return text + ". Upgrading keeps your local data."

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


def _version(text: str | None) -> Version | None:
    try:
        return Version(text) if text else None
    except InvalidVersion:
        return None


def is_newer(candidate: str | None, current: str | None = None) -> bool:
    """True only when both versions parse and ``candidate`` is strictly newer than ``current``
    (default: this client); a source checkout (``0.0.0+source``) or a malformed advertisement
    never nags."""
    new, cur = _version(candidate), _version(current or __version__)
    if new is None or cur is None or cur.local == "source":
        return False
    return new > cur


def record_advice(data_dir: Path, server_info: dict[str, Any], *, now: datetime | None = None) -> None:
    """Remember what the server advertised (atomically; an absent advertisement clears it)."""
    advice = {
        "latest_client_version": server_info.get("latest_client_version") or None,
        "client_download_url": server_info.get("client_download_url") or None,
        "client_release_notes": server_info.get("client_release_notes") or None,
        "checked_at": (now or datetime.now(UTC)).isoformat(timespec="seconds"),
    }
    path = Path(data_dir) / ADVICE_FILE
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(advice, ensure_ascii=False), encoding="utf-8")
    os.replace(tmp, path)


def pending_update(data_dir: Path, *, current: str | None = None) -> UpdateNotice | None:
    """The newer client the server last advertised, or ``None`` (also for a damaged file)."""
    current = current or __version__
    try:
        advice = json.loads((Path(data_dir) / ADVICE_FILE).read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    except (OSError, ValueError):
        log.warning("ignoring an unreadable %s", ADVICE_FILE)
        return None
    latest = advice.get("latest_client_version")
    if not isinstance(latest, str) or not is_newer(latest, current):
        return None
    return UpdateNotice(current_version=current, latest_version=latest,
                        download_url=advice.get("client_download_url"),
                        release_notes=advice.get("client_release_notes"),
                        checked_at=str(advice.get("checked_at", "")))
