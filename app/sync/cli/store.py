"""``jincai store check|backup|restore|fresh``: the local database's integrity check, a
manual backup, and the two recovery paths (restore the last good backup; or start fresh,
keeping unsent drafts, and download the rest at the next sync)."""
from __future__ import annotations

from app.sync.cli import EXIT_DAMAGED, EXIT_FAILED, EXIT_OK, add_db_argument, say


def add_arguments(parser) -> None:
    parser.add_argument("action", choices=("check", "backup", "restore", "fresh"))
    add_db_argument(parser)
    parser.add_argument("--full", action="store_true", help="check: 完整检查（integrity_check）")


def run(args) -> int:
    from app import db as appdb

    path = args.db or appdb.default_db_path()
    if args.action == "check":
        report = appdb.check_integrity(path, full=args.full)
        if report.ok:
            say(f"{path}: {report.check} ok")
            return EXIT_OK
        say(f"{path}: 已损坏 / damaged: " + "; ".join(report.problems[:5]))
        for b in appdb.list_backups(path):
            say(f"  备份 / backup: {b.path} ({b.created_at:%Y-%m-%d %H:%M} UTC, {b.revision})")
        return EXIT_DAMAGED
    try:
        if args.action == "backup":
            db = appdb.open_database(path)
            revision = db.revision
            db.close()
            say(f"备份 / backup: {appdb.make_backup(path, revision=revision)}")
            return EXIT_OK
        result = (appdb.restore_backup(path) if args.action == "restore"
                  else appdb.start_fresh(path))
    except appdb.LocalDatabaseError as exc:
        say(exc.message)
        return EXIT_FAILED
    result.database.close()
    if result.restored_from:
        say(f"已从备份恢复 / restored from {result.restored_from}")
    if result.moved_aside:
        say(f"损坏的文件已保留在 / damaged file kept at {result.moved_aside}")
    if result.drafts_export:
        say(f"未发送的草稿 {result.drafts_salvaged} 份已导出到 {result.drafts_export}，"
            f"重新导入 {result.drafts_reimported} 份。")
    say("下次同步会从服务器下载其余数据。 / the next sync downloads the rest.")
    return EXIT_OK
