"""``jincai-server``: migrate, run, create-user, seed-demo, audit verify, ledger check, payments."""
from __future__ import annotations

import argparse
import sys

from server import __version__


def _engine():
    from server.db import make_engine
    from server.settings import get_settings
    s = get_settings()
    return s, make_engine(s)


def _session():
    from server.db import make_session_factory
    settings, engine = _engine()
    return settings, engine, make_session_factory(engine)()


def _require_migrated(engine) -> bool:
    from server.migrate import current, expected_heads
    head = expected_heads()
    cur = current(engine)
    if cur != head:
        print(f"数据库结构版本为 {cur or '空'}，需要 {head}：请先运行 `jincai-server migrate`。", file=sys.stderr)
        return False
    return True


def cmd_migrate(_args) -> int:
    from server.migrate import current, upgrade
    _, engine = _engine()
    try:
        upgrade(engine)
        print(f"数据库已迁移到 {current(engine)}（{engine.url.render_as_string(hide_password=True)}）")
    finally:
        engine.dispose()
    return 0


def cmd_run(args) -> int:
    import uvicorn
    _, engine = _engine()
    if not _require_migrated(engine):
        return 2
    engine.dispose()
    uvicorn.run("server.main:app", host=args.host, port=args.port, workers=args.workers,
                log_level=args.log_level, proxy_headers=True)
    return 0


def cmd_create_user(args) -> int:
    from server.errors import ApiError
    from server.services import org
    _, engine, session = _session()
    if not _require_migrated(engine):
        return 2
    try:
        org.create_user(session, username=args.username, password=args.password, role=args.role,
                        unit_code=args.unit, oversees=args.oversee or [],
                        display_name=args.display_name)
        session.commit()
    except ApiError as exc:
        print(f"创建失败：{exc.message}", file=sys.stderr)
        return 1
    finally:
        session.close()
        engine.dispose()
    print(f"已创建用户 {args.username}（角色 {args.role}）")
    return 0


def cmd_seed_demo(args) -> int:
    from server.errors import ApiError
    from server.seed import seed_demo
    _, engine, session = _session()
    if not _require_migrated(engine):
        return 2
    try:
        users = seed_demo(session, fiscal_year=args.year)
        session.commit()
        from server.seed_approvals import seed_applications  # chains + 三级预警 on demo data
        seed_applications(session, fiscal_year=args.year)
        session.commit()
    except ApiError as exc:
        print(exc.message, file=sys.stderr)
        return 1
    finally:
        session.close()
        engine.dispose()
    if args.json:  # for the client's embedded demo, which keeps the list for its sign-in dialog
        import json

        print(json.dumps({"fiscal_year": args.year, "users": users}, ensure_ascii=False))
        return 0
    print(f"演示数据已创建（{args.year} 年度，区划 330700000 金华市本级）。演示用户（密码只显示这一次）：")
    print(f"{'用户名':<12} {'密码':<16} {'角色':<18} {'单位':<8} 管辖范围")
    for u in users:
        print(f"{u['username']:<15} {u['password']:<18} {u['role']:<20} {u['unit']:<10} {u['oversees']}")
    return 0


def cmd_audit_verify(_args) -> int:
    from server import chain, checkpoints
    _, engine, session = _session()
    try:
        r = chain.verify(session)
        cp_ok, cp_problem = checkpoints.verify_db_checkpoints(session) if r.ok else (True, None)
    finally:
        session.close()
        engine.dispose()
    print(r.message())
    if not cp_ok:
        print(f"签名检查点校验失败：{cp_problem}")
    return 0 if r.ok and cp_ok else 1


def cmd_audit_checkpoint(_args) -> int:
    from server import checkpoints
    settings, engine, session = _session()
    try:
        cp = checkpoints.create(session, settings)
        session.commit()
    except RuntimeError as exc:
        print(f"拒绝签名：{exc}", file=sys.stderr)
        return 1
    finally:
        session.close()
        engine.dispose()
    print(f"已签名检查点：序号 {cp.audit_seq}，链头 {cp.head_hash}")
    print(f"公钥（请另行保存给审计人员）：{cp.public_key}")
    return 0


def cmd_audit_export(args) -> int:
    from server import checkpoints
    _, engine, session = _session()
    try:
        with open(args.out, "w", encoding="utf-8") as f:
            n = checkpoints.export(session, f)
    finally:
        session.close()
        engine.dispose()
    print(f"已导出 {n} 条审计事件到 {args.out}")
    return 0


def cmd_audit_verify_export(args) -> int:
    from server import checkpoints
    with open(args.file, encoding="utf-8") as f:
        ok, msg = checkpoints.verify_export(f, args.public_key)
    print(msg)
    return 0 if ok else 1


def cmd_ledger_check(_args) -> int:
    from sqlalchemy import func, select

    from server import ledger
    from server.models import Indicator, LedgerEntry
    _, engine, session = _session()
    try:
        problems = ledger.check(session)
        n = session.execute(select(func.count()).select_from(Indicator)).scalar_one()
        m = session.execute(select(func.count()).select_from(LedgerEntry)).scalar_one()
    finally:
        session.close()
        engine.dispose()
    if not problems:
        print(f"指标台账一致：{n} 个指标，{m} 条流水，缓存余额与流水合计完全相符。")
        return 0
    print(f"指标台账不一致：发现 {len(problems)} 处差异：", file=sys.stderr)
    for p in problems[:50]:
        if p.field == "reserved_vs_applications":
            line = f"在途 {p.cached} 分 ≠ 已提交支付申请合计 {p.journal} 分"
        elif p.field == "orphan_journal":
            line = "流水指向不存在的指标"
        elif p.field == "paid_vs_vouchers":
            line = f"已支付 {p.cached} 分 ≠ 该指标上支付凭证（已付 − 已退）合计 {p.journal} 分"
        else:
            line = f"字段 {p.field}：缓存 {p.cached}，流水合计 {p.journal}"
        print(f"  指标 {p.indicator_id} {line}", file=sys.stderr)
    return 1


def cmd_monitor_run(_args) -> int:
    """定时触发: run the scheduled 三级预警 batch over every live application."""
    from server.services import monitoring
    _, engine, session = _session()
    try:
        if not _require_migrated(engine):
            return 2
        new = monitoring.run_scheduled(session)
        session.commit()
    finally:
        session.close()
        engine.dispose()
    by_level = {lv: sum(1 for w in new if w.level == lv) for lv in (1, 2, 3)}
    print(f"动态监控批量检查完成：新增预警 {len(new)} 条（红 {by_level[1]}，黄 {by_level[2]}，蓝 {by_level[3]}）。")
    return 0


def cmd_refdata_publish(_args) -> int:
    """Publish the classification tables and each 区划's dictionaries now (a server start does
    it too): after an override file or a code table changed, clients receive them at their
    next sync without restarting the server."""
    from server.services import codes, dictionary_versions
    _, engine, session = _session()
    try:
        if not _require_migrated(engine):
            return 2
        years = codes.publish(session)
        regions = dictionary_versions.publish(session)  # a broken override file is logged
        session.commit()
    finally:
        session.close()
        engine.dispose()
    print(f"已发布：分类代码表 {', '.join(map(str, years)) or '无变化'}；"
          f"字典 {', '.join(regions) or '无变化'}。客户端下次同步时收到。")
    return 0


def _cli_principal(session, username: str | None):
    """The CLI acts as a named treasury/admin user (``--user``) or as the system operator
    ``cli:<login>`` with every unit in scope; audit events say which."""
    import getpass

    from server.models import User
    from server.services.org import Principal, scope_for
    if username:
        user = session.query(User).filter_by(username=username, is_active=True).one_or_none()
        if user is None:
            raise LookupError(f"用户 {username} 不存在或已停用。")
        return Principal(user=user, unit_ids=scope_for(session, user), device_id="cli")
    try:
        login = getpass.getuser()
    except (OSError, KeyError):  # no login name in some containers
        login = "unknown"
    return Principal(user=User(id=None, username=f"cli:{login}"[:64], role="admin"),
                     unit_ids=None, device_id="cli")


def _as_operator(args, action, failure: str):
    """Open the database, check its schema, run ``action(session, principal)`` as the CLI's
    operator (``--user`` or the system operator) and commit. A refusal (ApiError, LookupError)
    is printed after ``failure`` — with every located line error it carries — and nothing is
    committed. Returns ``(exit status, action's result)``."""
    from server.errors import ApiError
    _, engine, session = _session()
    try:
        if not _require_migrated(engine):
            return 2, None
        result = action(session, _cli_principal(session, getattr(args, "user", None)))
        session.commit()
        return 0, result
    except (ApiError, LookupError) as exc:
        session.rollback()
        print(f"{failure}：{getattr(exc, 'message', exc)}", file=sys.stderr)
        details = getattr(exc, "details", None)
        for e in (details.get("errors") or [])[:200] if isinstance(details, dict) else []:
            if isinstance(e, dict) and "line" in e:  # bank files: line, field, value, reason
                value = "" if e.get("value") is None else f"“{e['value']}”"
                print(f"  第 {e['line']} 行 {e['field']}{value}：{e['reason']}", file=sys.stderr)
        return 1, None
    finally:
        session.close()
        engine.dispose()


def cmd_payments_export(args) -> int:
    """导出代理银行支付文件 (a recorded batch) to ``-o FILE``."""
    from pathlib import Path

    from fiscal.money import format_amount
    from server.services import payment_files
    out = Path(args.output)
    tmp = out.with_name(out.name + ".part")

    def export(session, principal):
        b = payment_files.export(session, principal=principal, fmt=args.format, bank=args.bank,
                                 region=args.region, resend=args.resend or None)
        tmp.write_bytes(b.content)  # the batch is recorded (committed) only once this is written
        return b.batch_no, b.voucher_count, b.total_amount, b.sha256  # read before the commit

    status, exported = _as_operator(args, export, "导出失败")
    if status:
        return status
    tmp.replace(out)  # … and the file appears under its name only once the batch is recorded
    batch_no, count, total, sha = exported
    print(f"已导出支付文件批次 {batch_no}：{count} 张凭证，合计 {format_amount(total)} 元 → {out}")
    print(f"SHA-256 {sha}")
    return 0


def cmd_payments_import_writeback(args) -> int:
    """导入银行回单文件：整体导入（任何一行有错都不导入），按银行流水号幂等。"""
    from pathlib import Path

    from server.services import payment_files
    path = Path(args.file)
    try:
        data = path.read_bytes()
    except OSError as exc:
        print(f"无法读取回单文件 {path}：{exc.strerror}", file=sys.stderr)
        return 1
    status, result = _as_operator(args, lambda session, principal: payment_files.import_writeback(
        session, principal=principal, data=data, fmt=args.format, bank=args.bank,
        region=args.region, file_name=path.name), "回单导入失败")
    if status:
        return status
    print(result["message"])
    return 0


def _beijing(moment):
    """Dates as a Chinese finance office reads them."""
    from fiscal.approval import SHANGHAI
    return moment.astimezone(SHANGHAI) if moment.tzinfo is not None else moment


def cmd_rules_list(args) -> int:
    """审批规则版本：每个版本一行，标出当前生效的版本。"""
    from server.services import approvals
    status, listing = _as_operator(args, lambda session, principal: approvals.rule_set_listing(
        session, principal=principal, region=args.region, unit=args.unit), "无法列出审批规则")
    if status:
        return status
    for it in listing["items"]:
        state = "生效中" if it["in_force"] else ("已启用" if it["active"] else "未启用")
        since = _beijing(it["effective_from"] or it["proposed_effective_from"])
        print(f"{it['id']} v{it['version']}  区划 {it['region']}  单位 {it['unit'] or '—'}  "
              f"{state}  自 {since:%Y-%m-%d}  {it['name']}（{it['source']}）")
    return 0


def cmd_rules_upload(args) -> int:
    """上传审批规则文件（jincai.approval-rules/1）；整份文件校验，有错则什么都不保存。"""
    import json
    from pathlib import Path

    from server.services import approvals
    try:
        document = json.loads(Path(args.file).read_text(encoding="utf-8"))
    except OSError as exc:
        print(f"无法读取审批规则文件 {args.file}：{exc.strerror}", file=sys.stderr)
        return 1
    except ValueError as exc:
        print(f"审批规则文件 {args.file} 不是有效的 JSON：{exc}", file=sys.stderr)
        return 1
    if not isinstance(document, dict):
        print(f"审批规则文件 {args.file} 的顶层应为对象（format, rule_sets）。", file=sys.stderr)
        return 1

    def upload(session, principal):
        rows = approvals.upload_rule_sets(session, principal=principal, document=document)
        for r in rows if args.activate else ():
            approvals.activate_rule_set(session, principal=principal, rule_set_id=r.rule_set_id,
                                        version=r.version)
        return [(r.rule_set_id, r.version, r.region) for r in rows]

    status, uploaded = _as_operator(args, upload, "上传失败（未保存任何版本）")
    if status:
        return status
    for rule_set_id, version, region in uploaded:
        print(f"已上传 {rule_set_id} v{version}（区划 {region}）"
              + ("，已启用" if args.activate else "，未启用：用 `rules activate` 启用"))
    return 0


def cmd_rules_activate(args) -> int:
    """启用一个已上传的审批规则版本（生效时间不早于现在）。"""
    from datetime import datetime

    from fiscal.approval import SHANGHAI
    from server.services import approvals
    when = None
    if args.effective_from:
        try:
            when = datetime.strptime(args.effective_from, "%Y-%m-%d").replace(tzinfo=SHANGHAI)
        except ValueError:
            print(f"生效日期 {args.effective_from!r} 应写成 YYYY-MM-DD。", file=sys.stderr)
            return 1

    def activate(session, principal):
        row = approvals.activate_rule_set(session, principal=principal,
                                          rule_set_id=args.rule_set_id, version=args.version,
                                          effective_from=when)
        return row.rule_set_id, row.version, row.effective_from

    status, activated = _as_operator(args, activate, "启用失败")
    if status:
        return status
    rule_set_id, version, since = activated
    print(f"已启用 {rule_set_id} v{version}，自 {_beijing(since):%Y-%m-%d %H:%M} 起生效（北京时间）")
    return 0


def cmd_gen_secret(_args) -> int:
    from server.settings import generate_secret
    print(generate_secret())
    return 0


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="jincai-server", description="金财中心服务端 Jincai central server")
    p.add_argument("--version", action="version", version=f"jincai-server {__version__}")
    sub = p.add_subparsers(dest="command", required=True)
    sub.add_parser("migrate", help="建立/升级数据库结构 (Alembic upgrade head)").set_defaults(fn=cmd_migrate)
    r = sub.add_parser("run", help="启动 HTTP 服务 (uvicorn)")
    r.add_argument("--host", default="127.0.0.1")
    r.add_argument("--port", type=int, default=8000)
    r.add_argument("--workers", type=int, default=1)
    r.add_argument("--log-level", default="info")
    r.set_defaults(fn=cmd_run)
    c = sub.add_parser("create-user", help="新建用户")
    c.add_argument("--username", required=True)
    c.add_argument("--password", required=True)
    c.add_argument("--role", required=True,
                   choices=["accountant", "unit_finance_head", "unit_head", "bureau_division",
                            "treasury", "admin"])
    c.add_argument("--unit", help="单位代码（单位角色必填）")
    c.add_argument("--oversee", action="append", help="管辖的部门或单位代码（业务处室/国库，可重复）")
    c.add_argument("--display-name")
    c.set_defaults(fn=cmd_create_user)
    sub.add_parser("gen-secret", help="生成一个随机密钥（用于 JINCAI_SECRET_KEY）"
                   ).set_defaults(fn=cmd_gen_secret)
    sd = sub.add_parser("seed-demo", help="创建演示数据并打印演示用户")
    sd.add_argument("--year", type=int, default=2026)
    sd.add_argument("--json", action="store_true", help="以 JSON 输出演示用户 / print the demo users as JSON")
    sd.set_defaults(fn=cmd_seed_demo)
    a = sub.add_parser("audit", help="审计链")
    asub = a.add_subparsers(dest="audit_command", required=True)
    asub.add_parser("verify", help="校验整条审计链；被篡改时指出第一条异常事件并以非零状态退出"
                    ).set_defaults(fn=cmd_audit_verify)
    asub.add_parser("checkpoint", help="用 Ed25519 签名当前链头（可定时执行）"
                    ).set_defaults(fn=cmd_audit_checkpoint)
    ex = asub.add_parser("export", help="导出审计日志（JSON Lines，含签名检查点）")
    ex.add_argument("--out", required=True)
    ex.set_defaults(fn=cmd_audit_export)
    ve = asub.add_parser("verify-export", help="离线校验导出的审计日志（不需要数据库）")
    ve.add_argument("file")
    ve.add_argument("--public-key", help="审计人员独立保存的公钥（十六进制）")
    ve.set_defaults(fn=cmd_audit_verify_export)
    lg = sub.add_parser("ledger", help="指标台账")
    lsub = lg.add_subparsers(dest="ledger_command", required=True)
    lsub.add_parser("check", help="核对缓存余额与流水合计").set_defaults(fn=cmd_ledger_check)
    mo = sub.add_parser("monitor", help="动态监控（三级预警）")
    msub = mo.add_subparsers(dest="monitor_command", required=True)
    msub.add_parser("run", help="定时触发：对所有在途支付申请运行预警规则").set_defaults(fn=cmd_monitor_run)
    rd = sub.add_parser("refdata", help="参考数据：分类代码表与各区划字典")
    rdsub = rd.add_subparsers(dest="refdata_command", required=True)
    rdsub.add_parser("publish", help="立即发布有变化的代码表和字典（客户端下次同步收到；服务启动时也会发布）"
                     ).set_defaults(fn=cmd_refdata_publish)
    pm = sub.add_parser("payments", help="支付执行：代理银行支付文件、回单导入")
    psub = pm.add_subparsers(dest="payments_command", required=True)
    pe = psub.add_parser("export", help="导出待发送的支付凭证为代理银行支付文件（记录批次，已导出的不再导出）")
    pe.add_argument("--format", choices=["xml", "csv"], default="xml")
    pe.add_argument("--bank", help="代理银行代码（按 resources/rules/bank_file_format.json 选择格式）")
    pe.add_argument("--region", help="只导出该财政区划的凭证")
    pe.add_argument("--resend", action="append", metavar="VOUCHER_NO", help="重发指定凭证（可重复）")
    pe.add_argument("--user", help="以该用户身份操作（国库/管理员；默认为系统操作员）")
    pe.add_argument("-o", "--output", required=True, help="输出文件")
    pe.set_defaults(fn=cmd_payments_export)
    pi = psub.add_parser("import-writeback", help="导入代理银行回单文件（整体导入，按银行流水号幂等）")
    pi.add_argument("file")
    pi.add_argument("--format", choices=["xml", "csv"], help="默认按扩展名/内容判断")
    pi.add_argument("--bank", help="代理银行代码（文件格式）")
    pi.add_argument("--region", help="财政区划（选择该区划的银行格式）")
    pi.add_argument("--user", help="以该用户身份操作（国库/管理员；默认为系统操作员）")
    pi.set_defaults(fn=cmd_payments_import_writeback)
    rl = sub.add_parser("rules", help="审批规则版本：列出、上传、启用")
    rsub = rl.add_subparsers(dest="rules_command", required=True)
    rls = rsub.add_parser("list", help="列出审批规则版本及当前生效的版本")
    rls.add_argument("--region", help="财政区划（9 位）")
    rls.add_argument("--unit", help="单位代码")
    rls.add_argument("--user", help="以该用户身份操作（默认为系统操作员）")
    rls.set_defaults(fn=cmd_rules_list)
    rup = rsub.add_parser("upload", help="上传审批规则文件（jincai.approval-rules/1；有错则整份不保存）")
    rup.add_argument("file")
    rup.add_argument("--activate", action="store_true", help="上传后按文件中的生效时间启用")
    rup.add_argument("--user", help="以该用户身份操作（管理员；默认为系统操作员）")
    rup.set_defaults(fn=cmd_rules_upload)
    rac = rsub.add_parser("activate", help="启用已上传的版本（生效时间不能早于现在）")
    rac.add_argument("rule_set_id")
    rac.add_argument("version", type=int)
    rac.add_argument("--from", dest="effective_from", metavar="YYYY-MM-DD",
                     help="生效日期（默认取规则文件中的 effective_from）")
    rac.add_argument("--user", help="以该用户身份操作（管理员；默认为系统操作员）")
    rac.set_defaults(fn=cmd_rules_activate)
    return p


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    from server.settings import SettingsError
    try:
        return args.fn(args)
    except SettingsError as exc:
        print(f"配置错误：{exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
