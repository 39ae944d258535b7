"""A regular (non-editable) install carries resources/: the wheel holds every shipped data file
where fiscal.resources looks for it (<prefix>/share/jincai/resources)."""
from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def _shipped_resources() -> set[str]:
    tracked = subprocess.run(["git", "ls-files", "resources"], cwd=ROOT, capture_output=True,
                             text=True, check=True).stdout.split()
    return {p for p in tracked if "." in Path(p).name}


@pytest.mark.timeout(240)
def test_wheel_ships_every_resource(tmp_path) -> None:
    if not (ROOT / ".git").exists():
        pytest.skip("needs the git checkout to know which resources are shipped")
    built = subprocess.run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", str(ROOT),
                            "-w", str(tmp_path)], capture_output=True, text=True, check=False)
    assert built.returncode == 0, built.stderr[-2000:]
    (wheel,) = tmp_path.glob("jincai_desk-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    prefix = next(n.split("/data/")[0] for n in names if ".data/data/" in n) + "/data/share/jincai/"
    in_wheel = {n.removeprefix(prefix) for n in names if n.startswith(prefix)}
    missing = sorted(_shipped_resources() - in_wheel)
    assert not missing, f"resources missing from the wheel: {missing[:10]}"
    assert any(n.startswith("fiscal/") for n in names) and not any(n.startswith("tests/") for n in names)
