"""Render every main screen of the desktop client with demo data into docs/screenshots/*.png.

    .venv/bin/python scripts/screenshots.py [--out docs/screenshots] [--indicators 20000]

Runs offscreen when there is no display (QT_QPA_PLATFORM=offscreen), or on a real/virtual
screen (``xvfb-run -a .venv/bin/python scripts/screenshots.py``). The data lives in a temporary
folder; nothing touches the user's own database.
"""
from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
if not os.environ.get("DISPLAY") and not os.environ.get("WAYLAND_DISPLAY"):
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("QT_LOGGING_RULES", "qt.qpa.*=false;qt.multimedia*=false")


def settle(app, runner, seconds: float = 0.3) -> None:  # type: ignore[no-untyped-def]
    """Let queued work finish and the widgets repaint."""
    end = time.monotonic() + seconds
    while True:
        runner.wait_idle(10_000)
        app.processEvents()
        if time.monotonic() >= end and not runner.is_busy():
            break
        time.sleep(0.02)
    app.processEvents()


def _stage_voucher(db) -> str | None:  # type: ignore[no-untyped-def]
    """Attach a rendered 增值税普通发票 (the OCR tests' generator) with its read fields to the
    application of an open review task, as the accountant's capture would have."""
    try:
        sys.path.insert(0, str(ROOT))
        from PIL import Image

        from tests.app.ocr.generator import render
    except ImportError as exc:
        print(f"   (no voucher staged: {exc})")
        return None
    from app.models import Attachment, PaymentApplication
    from app.services.approvals import list_approval_tasks
    from app.services.attachments import store_file

    tasks = list_approval_tasks(db=db, include_decided=False)
    if not tasks:
        return None
    task = tasks[min(4, len(tasks) - 1)]
    sm = task.summary
    with db.transaction() as s:  # the reviewer's sync mirrors the application it reviews
        if s.get(PaymentApplication, task.application_id) is None:
            s.add(PaymentApplication(
                id=task.application_id, app_no=sm.get("app_no"), fiscal_year=2026,
                unit_code=str(sm.get("unit_code") or ""), amount=task.amount,
                use_des=str(sm.get("use_des") or ""), payee_name=str(sm.get("payee_name") or ""),
                payee_account=str(sm.get("payee_account") or ""), local_status="submitted",
                dirty=False))
    voucher = render("vat_normal", 7)
    path = Path(tempfile.mkdtemp()) / "invoice.png"
    Image.fromarray(voucher.image).save(path)
    sha, size = store_file(db=db, source=path)
    fields = {k: {"value": v, "source": "ocr"} for k, v in voucher.truth.items()
              if isinstance(v, (str, int)) and k not in ("kind",)}
    result = {"kind": "vat_normal", "fields": fields,
              "checks": {"invoice_number_format": True, "issue_date_valid": True}}
    with db.transaction() as s:
        s.add(Attachment(application_id=task.application_id, sha256=sha, file_name="发票.png",
                         media_type="image/png", size=size, role="invoice", ocr_result=result,
                         uploaded=True))
    return task.application_id


def _spread_over_departments(db) -> None:  # type: ignore[no-untyped-def]
    """A bureau's view: the demo indicators spread over units of three departments."""
    from sqlalchemy import select, update

    from app.models import CodeTableEntry, Indicator

    units = (("101001", "市教育局", "D10"), ("101002", "市第一中学", "D10"),
             ("201001", "市卫生健康委", "D20"), ("201002", "市人民医院", "D20"),
             ("301001", "市交通运输局", "D30"))
    with db.transaction() as s:
        for code, name, dept in units:
            row = s.get(CodeTableEntry, ("unit", 0, code))
            if row is None:
                s.add(CodeTableEntry(table="unit", fiscal_year=0, code=code, name=name,
                                     parent=dept))
            else:
                row.name, row.parent = name, dept
        for code, name in (("D10", "教育部门"), ("D20", "卫生健康部门"), ("D30", "交通部门")):
            s.add(CodeTableEntry(table="department", fiscal_year=0, code=code, name=name))
        ids = list(s.scalars(select(Indicator.id).order_by(Indicator.id)))
        for n, unit in enumerate(u for u, _n, _d in units):
            chunk = ids[n::len(units)]
            for i in range(0, len(chunk), 500):
                s.execute(update(Indicator).where(Indicator.id.in_(chunk[i:i + 500]))
                          .values(unit_code=unit, paid=Indicator.amount * (3 + 2 * n) // 13))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", default=str(ROOT / "docs" / "screenshots"))
    parser.add_argument("--indicators", type=int, default=20_000)
    parser.add_argument("--language", default="zh_CN")
    args = parser.parse_args()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    os.environ["JINCAI_DATA_DIR"] = tempfile.mkdtemp(prefix="jincai-shots-")

    from app.ui.application import create_application

    app = create_application([sys.argv[0]], language=args.language)
    from PySide6.QtCore import Qt

    from app.db import open_database
    from app.services.applications import list_applications
    from app.services.ui_queries import (
        DEMO_SERVER_URL,
        DEMO_UNIT_CODE,
        DEMO_USERS,
        get_indicator_rows,
        search_indicator_ids,
        seed_demo_data,
    )
    from app.ui.context import SignedInUser, UiContext
    from app.ui.shell import build_main_window
    from app.ui.sign_in import SignInDialog
    from app.ui.tasks import TaskRunner
    from fiscal.money import format_amount

    db = open_database(Path(os.environ["JINCAI_DATA_DIR"]) / "jincai.sqlite3", backup=False)
    print(f"seeding {args.indicators} demo indicators…", flush=True)
    seed_demo_data(db=db, indicators=args.indicators)
    runner = TaskRunner()
    shots: list[str] = []

    def save(widget, name: str) -> None:  # type: ignore[no-untyped-def]
        settle(app, runner)
        path = out / f"{name}.png"
        widget.grab().save(str(path))
        shots.append(path.name)
        print("  ", path.relative_to(ROOT) if path.is_relative_to(ROOT) else path, flush=True)

    # 1. sign-in (demo mode)
    dialog = SignInDialog(db, runner, demo=True, server_url=DEMO_SERVER_URL)
    dialog.resize(560, 520)
    dialog.show()
    dialog._on_demo_list_activated(dialog.demo_list.item(0))
    save(dialog, "01-sign-in")
    dialog.close()

    u = DEMO_USERS[0]
    ctx = UiContext(db, runner, user=SignedInUser(u.username, u.display_name, (u.role,),
                                                  DEMO_UNIT_CODE, DEMO_SERVER_URL, online=False),
                    demo=True)
    window = build_main_window(ctx)
    window.resize(1480, 920)
    window.show()
    settle(app, runner, 0.5)

    # 2. indicator browser, then filtered
    window.show_page("indicators")
    save(window, "02-indicators")
    window.indicators.search_box().setText("校舍维修改造")
    window.indicator_model.set_filter("校舍维修改造")
    save(window, "03-indicators-filtered")
    window.indicators.search_box().clear()
    window.indicator_model.set_filter("")

    # 3. payment form: filled, with the budget arithmetic, then a refusal
    ids = search_indicator_ids(db=db, executable_only=True)[:300]
    rows = get_indicator_rows(db=db, ids=ids)
    row = next(rows[i] for i in ids if rows[i].dep_eco_code and not rows[i].is_gov_procurement
               and rows[i].available_after_pending > 5_000_000)
    window.show_page("applications")
    form = window.applications.form
    form.start_new(row.id)
    settle(app, runner)
    form._payees = {}
    form.payee_name.setText("北京华文图书有限公司")
    form.payee_account.setText("110108000000000011")
    form.payee_bank.setText("中国工商银行北京海淀支行")
    form.payee_uscc.setText("91110108MA01A2B3C")
    from fiscal.ids import uscc_check_char

    form.payee_uscc.setText("91110108MA01A2B3C" + uscc_check_char("91110108MA01A2B3C"))
    form.amount_edit.setText("48,650.00")
    form.use_des.setText("购买学生课外读物（第二批）")
    card = form.settlement.findData("公务卡")
    if card >= 0 and (row.dep_eco_code or "").startswith("302"):
        form.settlement.setCurrentIndex(card)
    form.refresh_preview()
    save(window, "04-payment-form")
    form.amount_edit.setText(format_amount(row.available_after_pending + 1_000_000))
    form.submit()
    settle(app, runner, 0.6)
    save(window, "05-payment-form-refused")

    # 4. my applications
    window.applications.setCurrentWidget(window.applications.list)
    window.applications.list.set_status_filter("all")
    settle(app, runner)
    returned = [a for a in list_applications(db=db) if a.local_status == "returned"]
    if returned:
        for r in range(window.applications.list.model.rowCount()):
            if window.applications.list.model.record(r).id == returned[0].id:
                window.applications.list.table().selectRow(r)
    save(window, "06-my-applications")

    # 5. reviewer queue, warnings, dashboard, settings, the others' screens
    window.show_page("approvals")
    staged = _stage_voucher(db)  # a scanned invoice on one task's application
    window.approvals.refresh()
    settle(app, runner)
    model = window.approvals.model
    row_no = next((r for r in range(model.rowCount())
                   if staged and model.record(r).application_id == staged), 4)
    window.approvals.table().selectRow(row_no)
    settle(app, runner, 0.6)
    save(window, "07-approvals")
    window.show_page("warnings")
    save(window, "08-warnings")
    window.show_page("dashboard")
    settle(app, runner, 0.6)
    save(window, "09-dashboard")
    window.show_page("capture")
    save(window, "10-capture")
    window.show_page("excel")
    save(window, "11-import-export")
    window.show_page("settings")
    save(window, "12-settings")

    # 6. the same window in English
    from app.ui.application import install_translators

    translators = install_translators(app, "en")
    english = build_main_window(ctx)
    english.resize(1480, 920)
    english.show()
    english.show_page("applications")
    english.applications.form.start_new(row.id)
    english.applications.form.amount_edit.setText("48,650.00")
    settle(app, runner, 0.5)
    save(english, "13-payment-form-english")
    for t in translators:
        app.removeTranslator(t)
    english.close()

    # 7. the printed application (PDF rendered to PNG with pypdfium2)
    from app.ui.print_application import load_print_data, render_application_pdf

    paid = [a for a in list_applications(db=db) if a.local_status == "paid"]
    if paid:
        pdf = render_application_pdf(load_print_data(db=db, application_id=paid[0].id),
                                     Path(os.environ["JINCAI_DATA_DIR"]) / "application.pdf")
        try:
            import pypdfium2

            page = pypdfium2.PdfDocument(str(pdf))[0]
            image = page.render(scale=1.4).to_pil()
            target = out / "14-print-pdf.png"
            image.convert("RGB").save(target)
            shots.append(target.name)
            print("  ", target.relative_to(ROOT) if target.is_relative_to(ROOT) else target)
        except ImportError:
            print("   (pypdfium2 missing: PDF not rendered)")

    # 8. the treasury's 支付 screen, online only: against an in-process demo server
    try:
        sys.path.insert(0, str(ROOT / "scripts"))
        from screenshot_payments import shoot_payments

        shoot_payments(app=app, runner=runner, save=save, settle=settle)
    except Exception as exc:  # noqa: BLE001 - the other screenshots are kept
        print(f"   (支付 screen not rendered: {type(exc).__name__}: {exc})", flush=True)

    # 9. a bureau user's 统计: execution rate by department
    _spread_over_departments(db)
    window.show_page("dashboard")
    window.dashboard.refresh()
    settle(app, runner, 0.8)
    save(window, "17-dashboard-departments")

    window.status_panel._timer.stop()
    window.close()
    runner.cancel_all()
    runner.wait_idle(5000)
    db.close()
    print(f"{len(shots)} screenshots in {out}")
    _ = Qt  # keep the import (QtCore first) for platforms that need it early
    return 0


if __name__ == "__main__":
    code = main()
    # Every file is written and closed. Skip the interpreter's final garbage collection of
    # Qt/PDF objects: with some extension modules loaded it can abort at exit, which would
    # turn a successful run into a failed `make screenshots`.
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)
