"""Print / PDF of a payment application (A4, QPdfWriter): the fields, the amount in figures
and in 大写, the budget context, the status history and approval trail, and a QR code of the
application id (zxing-cpp)."""
from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from PySide6.QtCore import QMarginsF, QRectF, Qt
from PySide6.QtGui import QColor, QFont, QImage, QPageLayout, QPageSize, QPainter, QPdfWriter, QPen
from PySide6.QtWidgets import QFileDialog, QWidget

from app.services.applications import get_application
from app.services.results import ApplicationView
from app.services.ui_queries import (
    HistoryEntry,
    IndicatorRow,
    application_history,
    get_indicator_rows,
)
from app.ui.context import UiContext
from app.ui.formatting import SHANGHAI, code_label, local_time, money, status_name
from fiscal.money import to_daxie

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class PrintData:
    application: ApplicationView
    indicator: IndicatorRow | None
    history: list[HistoryEntry]


def load_print_data(*, db: Any, application_id: str) -> PrintData:
    """Worker-thread part: read everything the page needs (plain objects)."""
    app = get_application(db=db, application_id=application_id)
    rows = get_indicator_rows(db=db, ids=[app.indicator_id]) if app.indicator_id else {}
    return PrintData(app, rows.get(app.indicator_id or ""),
                     application_history(db=db, application_id=application_id))


def qr_image(text: str, scale: int = 8) -> QImage:
    """A QR code as a QImage (zxing-cpp); an empty image when zxing-cpp is missing."""
    try:
        import zxingcpp
    except ImportError:  # pragma: no cover
        return QImage()
    barcode = zxingcpp.create_barcode(text, zxingcpp.BarcodeFormat.QRCode)
    img = zxingcpp.write_barcode_to_image(barcode, scale=scale)
    import numpy as np

    arr = np.ascontiguousarray(np.asarray(img), dtype=np.uint8)
    h, w = arr.shape[:2]
    return QImage(arr.data, w, h, w, QImage.Format.Format_Grayscale8).copy()


def _tr(text: str) -> str:
    from PySide6.QtCore import QCoreApplication

    return QCoreApplication.translate("PrintApplication", text)


def render_application_pdf(data: PrintData, path: str | Path) -> Path:
    """Write the A4 PDF (UI thread: QPainter on a QPdfWriter)."""
    path = Path(path)
    app = data.application
    writer = QPdfWriter(str(path))
    writer.setPageSize(QPageSize(QPageSize.PageSizeId.A4))
    writer.setPageMargins(QMarginsF(15, 15, 15, 15), QPageLayout.Unit.Millimeter)
    writer.setResolution(300)
    writer.setTitle(_tr("支付申请") + f" {app.app_no or app.id}")
    writer.setCreator("Jincai Desk")
    p = QPainter(writer)
    try:
        page = writer.pageLayout().paintRectPixels(writer.resolution())
        w = page.width()
        mm = writer.resolution() / 25.4
        family = QFont().family()

        def font(pt: float, bold: bool = False) -> QFont:
            f = QFont(family)
            f.setPointSizeF(pt)
            f.setBold(bold)
            return f

        y = 0.0
        p.setFont(font(18, True))
        p.drawText(QRectF(0, y, w, 12 * mm), int(Qt.AlignmentFlag.AlignHCenter), _tr("国库集中支付申请书"))
        y += 13 * mm
        p.setFont(font(9))
        p.drawText(QRectF(0, y, w * 0.7, 6 * mm), 0,
                   _tr("申请编号：") + (app.app_no or _tr("（未编号）")) + "    " + _tr("状态：")
                   + status_name(app.local_status))
        p.drawText(QRectF(0, y + 6 * mm, w * 0.7, 6 * mm), 0, _tr("客户端编号：") + app.id)
        qr = qr_image(f"JINCAI:APP:{app.id}")
        if not qr.isNull():
            side = 28 * mm
            p.drawImage(QRectF(w - side, y - 12 * mm, side, side), qr)
        y += 18 * mm

        ind = data.indicator
        rows: list[tuple[str, str]] = [
            (_tr("预算单位"), app.unit_code),
            (_tr("指标"), f"{app.indicator_id or ''}  {ind.doc_no if ind else ''}"),
            (_tr("项目"), (ind.pro_name or "") if ind else ""),
            (_tr("功能科目"), code_label("functional", app.func_code or (ind.func_code if ind else None),
                                      app.fiscal_year)),
            (_tr("经济科目"), code_label("dep_economic", app.dep_eco_code, app.fiscal_year)),
            (_tr("收款人全称"), app.payee_name),
            (_tr("收款人账号"), app.payee_account),
            (_tr("开户银行"), app.payee_bank or ""),
            (_tr("结算方式"), app.settlement_mode or ""),
            (_tr("用途"), app.use_des),
            (_tr("金额（小写）"), "¥" + money(app.amount)),
            (_tr("金额（大写）"), _tr("人民币") + to_daxie(app.amount)),
        ]
        if app.contract_no:
            rows.insert(9, (_tr("采购合同编号"), app.contract_no))
        label_w = 38 * mm
        row_h = 10 * mm
        pen = QPen(QColor("#333333"))
        pen.setWidthF(0.25 * mm)
        p.setPen(pen)
        for label, value in rows:
            p.drawRect(QRectF(0, y, w, row_h))
            p.drawLine(int(label_w), int(y), int(label_w), int(y + row_h))
            p.setFont(font(10, True))
            p.drawText(QRectF(2 * mm, y, label_w - 3 * mm, row_h),
                       int(Qt.AlignmentFlag.AlignVCenter), label)
            p.setFont(font(11, label.startswith(_tr("金额"))))
            p.drawText(QRectF(label_w + 2 * mm, y, w - label_w - 4 * mm, row_h),
                       int(Qt.AlignmentFlag.AlignVCenter | Qt.TextFlag.TextWordWrap), value)
            y += row_h
        y += 6 * mm
        if ind is not None:
            p.setFont(font(11, True))
            p.drawText(QRectF(0, y, w, 7 * mm), 0, _tr("预算情况（申请时本机数据，以服务器为准）"))
            y += 8 * mm
            p.setFont(font(10))
            remaining = ind.available_after_pending - (app.amount if app.local_status in (
                "draft", "returned") else 0)
            p.drawText(QRectF(0, y, w, 7 * mm), 0,
                       f"{_tr('指标')} {money(ind.amount)} − {_tr('已支付')} {money(ind.paid)} − "
                       f"{_tr('在途')} {money(ind.reserved + ind.pending_own)}"
                       + (f" − {_tr('冻结')} {money(ind.frozen)}" if ind.frozen else "")
                       + f" = {_tr('可用')} {money(remaining)}")
            y += 10 * mm
        p.setFont(font(11, True))
        p.drawText(QRectF(0, y, w, 7 * mm), 0, _tr("状态历史与审批轨迹"))
        y += 8 * mm
        p.setFont(font(10))
        for h in data.history:
            p.drawText(QRectF(0, y, w, 6 * mm), 0, f"{local_time(h.at)}    {h.text}")
            y += 6.5 * mm
        y = max(y + 10 * mm, page.height() - 30 * mm)
        p.setFont(font(10))
        third = w / 3
        for i, label in enumerate((_tr("经办人："), _tr("审核人："), _tr("单位负责人："))):
            p.drawText(QRectF(i * third, y, third, 8 * mm), 0, label)
        p.setFont(font(8))
        p.setPen(QColor("#777777"))
        p.drawText(QRectF(0, page.height() - 6 * mm, w, 6 * mm), 0,
                   _tr("金财桌面端打印于 ") + datetime.now(SHANGHAI).strftime("%Y-%m-%d %H:%M"))
    finally:
        p.end()
    return path


class PrintApplicationDialog:
    """Ask for a file name, load the data off the UI thread, then write the PDF."""

    @staticmethod
    def run(ctx: UiContext, application_id: str, parent: QWidget | None = None,
            path: str | None = None) -> None:
        if path is None:
            path, _ = QFileDialog.getSaveFileName(
                parent, _tr("保存为 PDF"), f"支付申请-{application_id[:8]}.pdf", _tr("PDF 文件 (*.pdf)"))
            if not path:
                return
        db = ctx.db

        def done(data: PrintData) -> None:
            out = render_application_pdf(data, path)
            ctx.notify(_tr("已生成 PDF：{0}").format(out), "success")

        ctx.runner.query(lambda c: load_print_data(db=db, application_id=application_id),
                         on_success=done, label=_tr("打印支付申请"))
