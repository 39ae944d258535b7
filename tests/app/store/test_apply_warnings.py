"""Server warnings (三级预警) are mirrored locally from the pull feed, and deletions remove them."""
from app.db import open_database
from app.models import MonitoringWarning
from app.sync.apply import Touched, apply_change


def test_warning_changes_are_mirrored_and_deleted(tmp_path):
    db = open_database(tmp_path / "local.sqlite3")
    change = {"entity": "warning", "op": "upsert", "id": "w1", "seq": 17, "data": {
        "id": "w1", "application_id": "3f2b1c9e-0000-4000-8000-000000000001", "level": 1,
        "colour": "red", "rule_id": "personal_payee_large", "rule_name": "向个人账户大额转账",
        "message": "本笔支付对象为个人账户且金额 60,000.00 元超过 50,000.00 元", "state": "raised",
        "allowed_actions": ["认定正常", "需要核实"], "version": 2}}
    with db.transaction() as s:
        apply_change(s, change, Touched())
    with db.read() as s:
        row = s.get(MonitoringWarning, "w1")
        assert (row.severity, row.rule_code, row.status, row.server_seq) == ("red", "personal_payee_large", "raised", 17)
        assert row.details["allowed_actions"] == ["认定正常", "需要核实"]
    with db.transaction() as s:
        apply_change(s, {"entity": "warning", "op": "delete", "id": "w1", "seq": 18}, Touched())
    with db.read() as s:
        assert s.get(MonitoringWarning, "w1") is None
    db.close()
