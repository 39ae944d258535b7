"""``jincai sync``: one staged, resumable sync of the signed-in user."""
from __future__ import annotations

import threading

from sqlalchemy import select

from app.sync.cli import (
    EXIT_AUTH,
    EXIT_DAMAGED,
    EXIT_FAILED,
    EXIT_INTERRUPTED,
    EXIT_NETWORK,
    EXIT_NO_KEYRING,
    EXIT_OK,
    EXIT_UPGRADE,
    add_db_argument,
    open_db,
    say,
)


def add_arguments(parser) -> None:
    add_db_argument(parser)
    parser.add_argument("--quiet", action="store_true", help="不显示进度")
    parser.add_argument("--page-size", type=int, default=1000, help="每页下载的变更数（1–5000）")
    parser.add_argument("--chunk-size", type=int, default=100, help="每批发送的命令数（1–200）")


def run(args) -> int:
    from app.models import Account
    from app.sync.credentials import KeyringUnavailable, device_id
    from app.sync.engine import AccountMismatch, SyncCancelled, SyncEngine
    from app.sync.http import HttpTransport, RequestRefused
    from app.sync.transport import AuthRequired, TransportError, UpgradeRequired

    db = open_db(args)
    if db is None:
        return EXIT_DAMAGED
    cancel = threading.Event()
    try:
        with db.read() as s:
            acct = s.scalar(select(Account).where(Account.signed_in.is_(True))
                            .order_by(Account.last_online_sign_in_at.desc()))
            who = (acct.server_url, acct.username) if acct else None
        if who is None:
            say("尚未登录：请先运行 jincai login --server URL --user NAME / not signed in")
            return EXIT_AUTH

        def progress(p) -> None:
            if not args.quiet:
                total = f"/{p.total}" if p.total else ""
                say(f"[{p.stage}] {p.message} {p.done}{total}")

        transport = HttpTransport(server_url=who[0], username=who[1],
                                  device_id=device_id(db.data_dir))
        try:
            report = SyncEngine(db=db, transport=transport, progress=progress, cancel=cancel,
                                server_url=who[0], page_size=args.page_size,
                                chunk_size=args.chunk_size).run()
        finally:
            transport.close()
    except KeyboardInterrupt:
        cancel.set()
        say("同步已中断，下次同步会从中断处继续。 / interrupted; the next sync resumes")
        return EXIT_INTERRUPTED
    except SyncCancelled as exc:
        say(str(exc))
        return EXIT_INTERRUPTED
    except UpgradeRequired as exc:
        say(exc.message)
        return EXIT_UPGRADE
    except (AuthRequired, KeyringUnavailable) as exc:
        say(exc.message)
        return EXIT_NO_KEYRING if isinstance(exc, KeyringUnavailable) else EXIT_AUTH
    except TransportError as exc:
        say(f"无法连接服务器（已重试）：{exc}；下次同步会从中断处继续。")
        return EXIT_NETWORK
    except RequestRefused as exc:
        say(f"服务器拒绝了同步请求：{exc.message}")
        return EXIT_FAILED
    except AccountMismatch as exc:
        say(exc.message)
        return EXIT_FAILED
    finally:
        db.close()
    say(f"同步完成：发送 {report.pushed}，被拒绝 {report.refused}，上传附件 {report.uploaded}，"
        f"下载变更 {report.pulled}，冲突 {report.conflicts}"
        + ("" if report.sanity_ok is not False else "；数量核对不一致，下次将重新完整下载"))
    if report.refused:
        say("被服务器拒绝的申请已退回为草稿，服务器的答复见申请详情。")
    from app.services.updates import pending_update
    notice = pending_update(db.data_dir)
    if notice:
        say(notice.message())
    return EXIT_OK
