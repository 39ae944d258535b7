"""Installer scripts agree with the bundle layout, the version and the icons.

The bundle itself is built by `make bundle` (too slow for the suite); it checks the real bundle
against installers/bundle_layout.txt, and this test checks the scripts against the same list.
"""
from __future__ import annotations

import re
import subprocess
import sys
import tomllib
import xml.etree.ElementTree as ET
from configparser import ConfigParser
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
INSTALLERS = ROOT / "installers"
VERSION = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["version"]
LAYOUT = [line.strip() for line in (INSTALLERS / "bundle_layout.txt").read_text().splitlines()
          if line.strip() and not line.startswith("#")]


def test_inno_setup_sources_are_in_the_bundle_layout():
    iss = (INSTALLERS / "windows" / "jincai.iss").read_text(encoding="utf-8")
    bundle_dir = re.search(r'#define BundleDir "([^"]+)"', iss).group(1)
    assert (INSTALLERS / "windows" / bundle_dir.replace("\\", "/")).resolve() == ROOT / "build/dist/jincai"
    sources = re.findall(r'^Source: "([^"]+)"', iss, flags=re.MULTILINE)
    assert sources, "no [Files] entries"
    bundled = [s.replace("{#BundleDir}\\", "") for s in sources if s.startswith("{#BundleDir}")]
    assert bundled, "the installer must install the bundle"
    for source in bundled:
        path = source.replace("\\", "/").removesuffix("/*").removesuffix(".exe")
        assert any(entry == path or entry.startswith(path + "/") for entry in LAYOUT), source
    # every executable of the bundle is installed
    for executable in [e for e in LAYOUT if "/" not in e]:
        assert f"{{#BundleDir}}\\{executable}.exe" in sources
    assert 'Source: "tesseract\\*"' in iss  # Tesseract ships with the Windows installer
    icon = re.search(r"^SetupIconFile=(.+)$", iss, flags=re.MULTILINE).group(1).strip()
    assert (INSTALLERS / "windows" / icon.replace("\\", "/")).resolve().is_file()
    assert re.search(r"^AppId=\{\{[0-9A-F-]{36}\}", iss, flags=re.MULTILINE), "fixed AppId: upgrades in place"
    assert "{uninstallexe}" in iss and "{autodesktop}" in iss and "{group}" in iss


def test_linux_desktop_entry_and_deb_point_into_the_bundle():
    entry = ConfigParser(interpolation=None)
    entry.optionxform = str
    entry.read(INSTALLERS / "linux" / "jincai-desk.desktop", encoding="utf-8")
    desktop = entry["Desktop Entry"]
    assert desktop["Type"] == "Application" and desktop["Name[zh_CN]"] == "金财桌面端"
    executable = desktop["Exec"].split()[0]
    assert executable.startswith("/opt/jincai-desk/") and executable.removeprefix("/opt/jincai-desk/") in LAYOUT
    assert desktop["Icon"] == "jincai-desk"
    script = (INSTALLERS / "linux" / "build_deb.sh").read_text()
    for name in re.findall(r"/opt/jincai-desk/([\w-]+)", script):
        assert name in LAYOUT, name
    control = (INSTALLERS / "linux" / "control.in").read_text()
    assert "tesseract-ocr" in control and "libxcb-cursor0" in control


def test_icons_at_the_usual_sizes():
    for size in (16, 24, 32, 48, 64, 128, 256, 512):
        assert (ROOT / f"resources/icons/hicolor/{size}x{size}/apps/jincai-desk.png").is_file()
    assert (ROOT / "resources/icons/jincai-desk.ico").is_file()


def test_appstream_metadata_names_the_current_version():
    tree = ET.parse(INSTALLERS / "linux" / "io.github.jincai.desk.metainfo.xml")
    assert tree.find("launchable").text == "jincai-desk.desktop"
    assert tree.find("releases/release").get("version") == VERSION


def test_one_version_everywhere():
    result = subprocess.run([sys.executable, "-m", "app.cli", "--version"], capture_output=True,
                            text=True, cwd=ROOT, timeout=60, check=False)
    assert result.stdout.strip() == f"jincai {VERSION}"
    changelog = (ROOT / "CHANGELOG.md").read_text(encoding="utf-8")
    assert f"## {VERSION}" in changelog
