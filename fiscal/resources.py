"""Where the shipped data files live (code tables, dictionaries, rules, templates).

Order: ``JINCAI_RESOURCES`` (an administrator's override), the PyInstaller bundle
(``sys._MEIPASS/resources``), ``resources/`` beside the packages in a source checkout, then
``<sys.prefix>/share/jincai/resources`` where a regular ``pip install`` puts it.
"""
from __future__ import annotations

import json
import os
import sys
from functools import cache
from pathlib import Path
from typing import Any


@cache
def resources_dir() -> Path:
    override = os.environ.get("JINCAI_RESOURCES")
    candidates = [Path(override)] if override else []
    bundle = getattr(sys, "_MEIPASS", None)
    if bundle:
        candidates.append(Path(bundle) / "resources")
    candidates.append(Path(__file__).resolve().parent.parent / "resources")
    # a regular pip install puts the data files under the environment's prefix (pyproject data-files)
    candidates.append(Path(sys.prefix) / "share" / "jincai" / "resources")
    for candidate in candidates:
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError(
        "找不到数据文件目录 resources/（可用环境变量 JINCAI_RESOURCES 指定）: "
        + ", ".join(str(c) for c in candidates)
    )


def resource_path(*parts: str) -> Path:
    return resources_dir().joinpath(*parts)


def load_json(*parts: str) -> Any:
    path = resource_path(*parts)
    with path.open(encoding="utf-8") as handle:
        return json.load(handle)
