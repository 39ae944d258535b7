"""`jincai --self-test` on the installed tree: every check passes, one line each."""
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_self_test_passes_and_reports_each_check(tmp_path):
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", JINCAI_DATA_DIR=str(tmp_path), HOME=str(tmp_path))
    result = subprocess.run([sys.executable, "-m", "app.cli", "--self-test"], cwd=ROOT, env=env,
                            capture_output=True, text=True, timeout=600, check=False)
    lines = [line for line in result.stdout.splitlines() if line.startswith(("OK", "FAIL"))]
    assert result.returncode == 0, result.stdout + result.stderr
    assert len(lines) == 6 and all(line.startswith("OK") for line in lines), result.stdout
    for label in ("Qt 启动", "中文显示", "本地数据库", "OCR 识别样例凭证", "Excel 读写"):
        assert any(label in line for line in lines), label
