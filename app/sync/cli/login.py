"""``jincai login --server URL --user NAME`` (password from JINCAI_PASSWORD or a prompt)."""
from __future__ import annotations

import getpass
import os

from app.sync.cli import (
    EXIT_AUTH,
    EXIT_DAMAGED,
    EXIT_FAILED,
    EXIT_NETWORK,
    EXIT_NO_KEYRING,
    EXIT_OK,
    EXIT_UPGRADE,
    add_db_argument,
    open_db,
    say,
)


def add_arguments(parser) -> None:
    parser.add_argument("--server", required=True, help="服务器地址，例如 https://jincai.example.gov.cn")
    parser.add_argument("--user", required=True, help="用户名")
    add_db_argument(parser)


def run(args) -> int:
    from app.sync.credentials import CredentialError, device_id, keyring_status
    from app.sync.http import RequestRefused, sign_in
    from app.sync.transport import TransportError, UpgradeRequired

    status = keyring_status()
    if not status.ok:  # say so before asking for a password
        say(status.message)
        return EXIT_NO_KEYRING
    db = open_db(args)
    if db is None:
        return EXIT_DAMAGED
    try:
        password = os.environ.get("JINCAI_PASSWORD") or getpass.getpass(f"{args.user} 的密码: ")
        user = sign_in(db=db, server_url=args.server, username=args.user, password=password,
                       device_id=device_id(db.data_dir))
    except RequestRefused as exc:
        say(f"登录失败：{exc.message}")
        return EXIT_AUTH if exc.status in (401, 423) else EXIT_FAILED
    except UpgradeRequired as exc:
        say(exc.message)
        return EXIT_UPGRADE
    except TransportError as exc:
        say(f"无法连接服务器 {args.server}：{exc} / server unreachable")
        return EXIT_NETWORK
    except CredentialError as exc:
        say(exc.message)
        return EXIT_NO_KEYRING if type(exc).__name__ == "KeyringUnavailable" else EXIT_FAILED
    finally:
        db.close()
    say(f"已登录 {user.server_url}：{user.display_name or user.username}（{user.role or ''}）")
    return EXIT_OK
