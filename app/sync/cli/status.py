"""``jincai status [--json]``: what is waiting, when the last sync was, who is signed in."""
from __future__ import annotations

import json

from app.sync.cli import EXIT_DAMAGED, EXIT_OK, add_db_argument, open_db


def add_arguments(parser) -> None:
    add_db_argument(parser)
    parser.add_argument("--json", action="store_true", help="以 JSON 输出")


def run(args) -> int:
    from app.sync.credentials import keyring_status
    from app.sync.engine import sync_status

    db = open_db(args)
    if db is None:
        return EXIT_DAMAGED
    try:
        status = sync_status(db=db)
    finally:
        db.close()
    from app.services.updates import pending_update
    notice = pending_update(db.data_dir)
    status["update"] = notice.to_json() if notice else None
    kr = keyring_status()
    status["keyring"] = {"ok": kr.ok, "backend": kr.backend}
    if args.json:
        print(json.dumps(status, ensure_ascii=False))
    else:
        labels = {"server": "服务器", "user": "用户", "last_sync": "上次同步",
                  "pending_outbox": "待发送", "conflicts": "冲突", "indicators": "指标",
                  "applications": "支付申请", "stage": "同步阶段", "last_error": "最近错误"}
        for key, label in labels.items():
            print(f"{label}: {status.get(key) if status.get(key) is not None else '—'}")
        print(f"密钥环: {kr.message}")
        if notice:
            print(notice.message())
    return EXIT_OK
