"""Checks run on a file *before* a spreadsheet library touches it.

A user's file may be anything: a CSV renamed to .xlsx, a half-copied download, a workbook with an
opening password, a 1990s .xls, a 300 MB export, or a zip bomb. Each gets a Chinese message that
says what the file is and what to do, raised as :class:`WorkbookError`; none may crash the
process, hang it or exhaust memory. The limits are module constants so that an administrator
(or a test) can tighten them.
"""
from __future__ import annotations

import mmap
import os
import re
import zipfile
from dataclasses import dataclass
from pathlib import Path

from app.excel.errors import WorkbookError

#: Largest file accepted at all.
MAX_FILE_BYTES = 200 * 1024 * 1024
#: Largest total uncompressed size of the parts of an .xlsx/.ods (a 100 000-row sheet is ~60 MB).
MAX_UNCOMPRESSED_BYTES = 1024 * 1024 * 1024
#: Largest uncompressed size of one worksheet part (~30–60 bytes of XML per cell).
MAX_SHEET_XML_BYTES = 200 * 1024 * 1024
#: Largest legacy .xls accepted (the reader holds a whole sheet in memory).
MAX_XLS_BYTES = 64 * 1024 * 1024
#: Most cells (rows × columns) of the sheet that is read: ~80 bytes each in memory, so 3 million
#: cells keep the import under 300 MB (100 000 rows × 12 columns is 1.2 million).
MAX_CELLS = 3_000_000
#: A sheet over MAX_CELLS (but within MAX_DATA_ROWS) is streamed with openpyxl's read-only mode
#: instead of being held in memory — unless it is wider than this.
MAX_STREAM_COLUMNS = 300
#: A part that inflates more than this many times over is a zip bomb (real sheets: 5–30×).
MAX_COMPRESSION_RATIO = 200
#: ...but only judged for parts larger than this (tiny parts compress oddly).
RATIO_MIN_BYTES = 4 * 1024 * 1024
#: Most data rows read from one sheet.
MAX_DATA_ROWS = 200_000

_CONVERT_HINT = "请在 Excel 或 WPS 中打开该文件，选择“文件→另存为”，保存为“Excel 工作簿(*.xlsx)”后再导入。"


@dataclass(frozen=True)
class FileInfo:
    path: Path
    format: str  # 'xlsx' | 'xls' | 'ods'
    size: int


def inspect_file(path: str | os.PathLike) -> FileInfo:
    """Identify the real format by content (never by extension) and apply the size guards."""
    p = Path(path)
    if not p.exists():
        raise WorkbookError("not_found", f"找不到文件“{p}”。")
    if not p.is_file():
        raise WorkbookError("not_a_file", f"“{p}”不是文件。")
    size = p.stat().st_size
    if size == 0:
        raise WorkbookError("empty_file", f"文件“{p.name}”是空的（0 字节），可能没有下载或复制完整。")
    if size > MAX_FILE_BYTES:
        raise WorkbookError(
            "file_too_large",
            f"文件“{p.name}”有 {size / 1024 / 1024:.0f} MB，超过单次导入上限 "
            f"{MAX_FILE_BYTES // 1024 // 1024} MB。请把数据拆分成几个文件分别导入。",
        )
    try:
        with p.open("rb") as fh:
            head = fh.read(8192)
    except OSError as exc:
        raise WorkbookError("io_error", f"无法读取文件“{p.name}”：{exc.strerror or exc}。") from None

    if head.startswith((b"PK\x03\x04", b"PK\x05\x06")):
        return FileInfo(p, _check_zip(p), size)
    if head.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        return FileInfo(p, _check_ole(p), size)
    raise WorkbookError(*_describe_non_workbook(p, head))


def _describe_non_workbook(p: Path, head: bytes) -> tuple[str, str]:
    lower = head.lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if lower.startswith((b"<html", b"<!doctype html", b"<table")) or b"<html" in lower[:512]:
        return ("html_renamed", f"“{p.name}”其实是网页（HTML）格式，只是扩展名为 {p.suffix}，常见于某些系统的“导出Excel”。"
                + _CONVERT_HINT)
    if lower.startswith(b"<?xml") and b"urn:schemas-microsoft-com:office:spreadsheet" in lower:
        return ("xml2003", f"“{p.name}”是 Excel 2003 XML 表格格式，不能直接导入。" + _CONVERT_HINT)
    if head.startswith(b"%PDF"):
        return ("pdf", f"“{p.name}”是 PDF 文件，不是 Excel 工作簿。请导入 Excel 格式的原表。")
    if head.startswith((b"\x1f\x8b", b"Rar!", b"7z\xbc\xaf")):
        return ("archive", f"“{p.name}”是压缩包，不是 Excel 工作簿。请先解压，再导入其中的 .xlsx 文件。")
    text = _decode_text(head)
    if text is not None:
        lines = [line for line in text.splitlines() if line.strip()][:5]
        if lines and any(sep in lines[0] for sep in (",", "\t", ";", "，")):
            return ("csv_renamed", f"“{p.name}”的内容是 CSV/文本表格，不是 Excel 工作簿（可能是把 .csv 改成了 {p.suffix}）。"
                    + _CONVERT_HINT)
        return ("text_file", f"“{p.name}”是纯文本文件，不是 Excel 工作簿。" + _CONVERT_HINT)
    return ("not_a_workbook", f"“{p.name}”不是 Excel 工作簿（无法识别的文件内容）。请确认选择了正确的文件。")


def _decode_text(head: bytes) -> str | None:
    if b"\x00" in head:
        return None
    for encoding in ("utf-8", "gb18030"):
        try:
            text = head.decode(encoding)
        except UnicodeDecodeError:
            # the 8 KiB cut may split a multi-byte character
            try:
                text = head[:-4].decode(encoding)
            except UnicodeDecodeError:
                continue
        printable = sum(ch.isprintable() or ch in "\r\n\t" for ch in text)
        if text and printable / len(text) > 0.95:
            return text
    return None


# ---- .xlsx / .ods (zip) ------------------------------------------------------------------

def _check_zip(p: Path) -> str:
    try:
        zf = zipfile.ZipFile(p)
    except zipfile.BadZipFile:
        raise WorkbookError(
            "corrupt",
            f"文件“{p.name}”已损坏或不完整（可能下载或复制时中断）。请重新获取原文件；"
            "如能在 Excel 中打开，可“另存为”一个新文件后再导入。",
        ) from None
    except OSError as exc:
        raise WorkbookError("io_error", f"无法读取文件“{p.name}”：{exc}。") from None
    with zf:
        names = set(zf.namelist())
        if "xl/workbook.xml" in names or "xl/workbook.bin" in names:
            fmt = "xlsx"
            if "xl/workbook.bin" in names:
                raise WorkbookError("xlsb", f"“{p.name}”是二进制工作簿（.xlsb），不支持直接导入。" + _CONVERT_HINT)
        elif "content.xml" in names and "mimetype" in names:
            mimetype = zf.read("mimetype")[:100]
            if b"spreadsheet" not in mimetype:
                raise WorkbookError("not_a_workbook", f"“{p.name}”是 OpenDocument 文字/演示文档，不是电子表格。")
            fmt = "ods"
        elif "word/document.xml" in names:
            raise WorkbookError("docx", f"“{p.name}”是 Word 文档，不是 Excel 工作簿。")
        else:
            raise WorkbookError("not_a_workbook", f"“{p.name}”是 zip 压缩文件，但不是 Excel 工作簿。")

        total = 0
        for info in zf.infolist():
            total += info.file_size
            if info.file_size > RATIO_MIN_BYTES and info.file_size > MAX_COMPRESSION_RATIO * max(info.compress_size, 1):
                raise _bomb(p, f"其中“{info.filename}”压缩比异常（{info.file_size // max(info.compress_size, 1)} 倍）")
            if (info.filename.startswith("xl/worksheets/") or info.filename == "content.xml") \
                    and info.file_size > MAX_SHEET_XML_BYTES:
                raise WorkbookError(
                    "sheet_too_large",
                    f"“{p.name}”中的工作表解压后超过 {MAX_SHEET_XML_BYTES // 1024 // 1024} MB，数据量超出单次导入上限"
                    f"（{MAX_DATA_ROWS} 行）。请拆分成几个文件分别导入。",
                )
        if total > MAX_UNCOMPRESSED_BYTES:
            raise _bomb(p, f"解压后共 {total // 1024 // 1024} MB")
        _verify_members(zf, p)
    return fmt


def _bomb(p: Path, detail: str) -> WorkbookError:
    return WorkbookError(
        "zip_bomb",
        f"“{p.name}”解压后的数据量异常（{detail}），为保护本机已拒绝读取。"
        "正常的工作簿不会如此；请确认文件来源，或在 Excel 中打开后另存为新文件。",
    )


def _verify_members(zf: zipfile.ZipFile, p: Path) -> None:
    """Inflate every part with a running budget: the sizes in the zip directory may lie.

    Also catches truncated or damaged parts (CRC errors) with a clear message. Inflating is
    ~10× faster than parsing, so this costs little next to the read itself.
    """
    budget = MAX_UNCOMPRESSED_BYTES
    chunk = 1 << 20
    for info in zf.infolist():
        if info.is_dir():
            continue
        try:
            with zf.open(info) as member:
                while True:
                    data = member.read(chunk)
                    if not data:
                        break
                    budget -= len(data)
                    if budget < 0:
                        raise _bomb(p, f"解压超过 {MAX_UNCOMPRESSED_BYTES // 1024 // 1024} MB")
        except WorkbookError:
            raise
        except (zipfile.BadZipFile, EOFError, OSError, ValueError, NotImplementedError) as exc:
            raise WorkbookError(
                "corrupt",
                f"文件“{p.name}”已损坏（“{info.filename}”无法解压：{type(exc).__name__}）。"
                "请重新获取原文件，或在 Excel 中打开后另存为新文件。",
            ) from None
        except Exception as exc:  # noqa: BLE001 - zlib.error and friends
            raise WorkbookError("corrupt", f"文件“{p.name}”已损坏（{type(exc).__name__}）。请重新获取原文件。") from None


# ---- OLE2 (.xls, encrypted .xlsx, .doc) -------------------------------------------------------

_U16 = lambda s: s.encode("utf-16-le")


def _check_ole(p: Path) -> str:
    with p.open("rb") as fh, mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ) as mm:
        if mm.find(_U16("EncryptedPackage")) >= 0 or mm.find(_U16("EncryptionInfo")) >= 0:
            raise WorkbookError(
                "encrypted",
                f"工作簿“{p.name}”设置了打开密码，无法读取。请在 Excel 中打开，"
                "在“文件→信息→保护工作簿→用密码进行加密”中清空密码并保存后再导入（导入后可重新加密原文件）。",
            )
        if mm.find(_U16("WordDocument")) >= 0:
            raise WorkbookError("doc", f"“{p.name}”是 Word 文档，不是 Excel 工作簿。")
        if mm.find(_U16("Workbook")) >= 0 or mm.find(_U16("Book")) >= 0:
            if len(mm) > MAX_XLS_BYTES:
                raise WorkbookError(
                    "file_too_large",
                    f"旧版 Excel 文件“{p.name}”有 {len(mm) // 1024 // 1024} MB，超过 {MAX_XLS_BYTES // 1024 // 1024} MB "
                    "的上限。请另存为 .xlsx 或拆分后再导入。",
                )
            return "xls"
    raise WorkbookError("not_a_workbook", f"“{p.name}”是 Office 旧格式文件，但不是 Excel 工作簿。")


# ---- per-sheet guard before loading ---------------------------------------------------------

_DIM_RE = re.compile(rb'<(?:\w+:)?dimension\s+ref="([A-Z]+)?(\d+)?(?::([A-Z]+)(\d+))?"')


def declared_size(path: Path, sheet_index: int) -> tuple[int, int] | None:
    """(rows, columns) declared by an .xlsx worksheet's ``<dimension>`` (its first bytes), if any."""
    try:
        with zipfile.ZipFile(path) as zf:
            member = _sheet_member(zf, sheet_index)
            if member is None:
                return None
            with zf.open(member) as fh:
                head = fh.read(4096)
    except (zipfile.BadZipFile, OSError, KeyError, EOFError):
        return None
    match = _DIM_RE.search(head)
    if not match:
        return None
    groups = [g.decode("ascii") if g else None for g in match.groups()]
    last_row = groups[3] or groups[1]
    last_col = groups[2] or groups[0]
    if not last_row or not last_col:
        return None
    first_col = groups[0] or "A"
    return int(last_row), _col_number(last_col) - _col_number(first_col) + 1


def _col_number(letters: str) -> int:
    number = 0
    for ch in letters:
        number = number * 26 + ord(ch) - 64
    return number


def formulas_without_value(path: Path, sheet_index: int, wanted: set[tuple[int, int]]) -> set[tuple[int, int]]:
    """Which of the ``wanted`` cells ((Excel row, 0-based column)) of an .xlsx sheet hold a formula
    whose result was never saved (files written by programs rather than Excel/WPS/LibreOffice)."""
    import xml.etree.ElementTree as ET

    found: set[tuple[int, int]] = set()
    if not wanted:
        return found
    ns = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
    try:
        with zipfile.ZipFile(path) as zf:
            member = _sheet_member(zf, sheet_index)
            if member is None:
                return found
            with zf.open(member) as fh:
                for _event, elem in ET.iterparse(fh):
                    if elem.tag == f"{ns}c":
                        formula = elem.find(f"{ns}f")
                        if formula is not None:
                            value = elem.find(f"{ns}v")
                            if value is None or not (value.text or "").strip():
                                ref = elem.get("r", "")
                                m = re.match(r"([A-Z]+)(\d+)$", ref)
                                if m:
                                    cell = (int(m.group(2)), _col_number(m.group(1)) - 1)
                                    if cell in wanted:
                                        found.add(cell)
                        elem.clear()
                    elif elem.tag == f"{ns}row":
                        elem.clear()
    except (zipfile.BadZipFile, OSError, KeyError, ET.ParseError):
        return found
    return found


def _sheet_member(zf: zipfile.ZipFile, sheet_index: int) -> str | None:
    import xml.etree.ElementTree as ET

    ns_main = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
    ns_rel = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
    workbook = ET.fromstring(zf.read("xl/workbook.xml"))
    sheets = workbook.findall(f"{ns_main}sheets/{ns_main}sheet")
    if sheet_index >= len(sheets):
        return None
    rid = sheets[sheet_index].get(f"{ns_rel}id")
    rels = ET.fromstring(zf.read("xl/_rels/workbook.xml.rels"))
    for rel in rels:
        if rel.get("Id") == rid:
            target = rel.get("Target", "")
            target = target.lstrip("/") if target.startswith("/") else "xl/" + target
            return os.path.normpath(target).replace(os.sep, "/")
    return None
