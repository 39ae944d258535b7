"""`jincai-server rules list|upload|activate`: administrators manage approval rule-set versions
from the command line with the same checks as the API (a bad file stores nothing)."""
from __future__ import annotations

import json
from datetime import datetime, timedelta

from tests.server.test_rule_admin import REGION, doc, strict_set


def _cli(w, monkeypatch, tmp_path):
    from server import cli
    from server.settings import get_settings
    monkeypatch.setenv("JINCAI_DATABASE_URL", w.db.url)
    monkeypatch.setenv("JINCAI_DATA_DIR", str(tmp_path))
    get_settings.cache_clear()
    return cli.main


def test_rules_cli(world, monkeypatch, tmp_path, capsys) -> None:
    from fiscal.approval import SHANGHAI

    main = _cli(world, monkeypatch, tmp_path)
    try:
        before = world.counts()
        broken = tmp_path / "broken.json"
        broken.write_text("{not json", encoding="utf-8")
        assert main(["rules", "upload", str(broken)]) == 1
        assert "不是有效的 JSON" in capsys.readouterr().err
        bad = strict_set(id_="cli")
        bad["rules"][0]["steps"].append({"role": "committee", "required": 3, "pool": 2})
        bad_file = tmp_path / "bad.json"
        bad_file.write_text(json.dumps(doc(strict_set(id_="cli"), bad)), encoding="utf-8")
        assert main(["rules", "upload", str(bad_file)]) == 1
        assert "未保存" in capsys.readouterr().err
        # activation from a date in the past is refused, and the upload with it
        past = tmp_path / "past.json"
        past.write_text(json.dumps(doc(strict_set(id_="cli", effective="2026-01-01"))),
                        encoding="utf-8")
        assert main(["rules", "upload", str(past), "--activate"]) == 1
        assert "未保存" in capsys.readouterr().err
        assert world.counts() == before

        assert main(["rules", "upload", str(past)]) == 0
        assert "已上传 cli v1" in capsys.readouterr().out
        tomorrow = (datetime.now(SHANGHAI) + timedelta(days=1)).strftime("%Y-%m-%d")
        assert main(["rules", "activate", "cli", "1", "--from", "2020-13-01"]) == 1
        assert "YYYY-MM-DD" in capsys.readouterr().err
        assert main(["rules", "activate", "cli", "1", "--from", tomorrow]) == 0
        assert f"自 {tomorrow}" in capsys.readouterr().out
        assert main(["rules", "list", "--region", REGION]) == 0
        lines = [ln for ln in capsys.readouterr().out.splitlines() if ln.startswith("cli v1")]
        assert len(lines) == 1 and "已启用" in lines[0] and tomorrow in lines[0]
    finally:
        from server.settings import get_settings
        get_settings.cache_clear()
