"""Bad files: each gets a clear Chinese message (outcome unreadable, exit 2), never a crash or hang."""
from __future__ import annotations

import time
import zipfile

import openpyxl
import pytest

from app.excel import safety
from app.excel.importer import import_workbook

from .conftest import FIXTURES, IND_HEADER, ind_row


def _unreadable(path, **kw):
    started = time.perf_counter()
    result = import_workbook(path, "indicators", dry_run=True, **kw)
    assert time.perf_counter() - started < 10
    assert result.outcome == "unreadable" and result.exit_code == 2, result.message
    return result


def test_csv_renamed_xlsx(tmp_path):
    path = tmp_path / "指标.xlsx"
    path.write_text("单位代码,功能分类科目,金额\n101001,2050202,100\n", encoding="utf-8")
    result = _unreadable(path)
    assert result.code == "csv_renamed" and "CSV" in result.message and "另存为" in result.message


def test_gbk_csv_renamed(tmp_path):
    path = tmp_path / "a.xls"
    path.write_bytes("单位代码\t金额\n101001\t100\n".encode("gbk"))
    assert _unreadable(path).code == "csv_renamed"


def test_html_disguised_as_xls(tmp_path):
    path = tmp_path / "export.xls"
    path.write_text("<html><body><table><tr><td>单位代码</td></tr></table></body></html>", encoding="utf-8")
    assert _unreadable(path).code == "html_renamed"


def test_truncated_xlsx(tmp_path, book):
    good = book([IND_HEADER] + [ind_row(f"A{i}") for i in range(50)])
    data = good.read_bytes()
    path = tmp_path / "cut.xlsx"
    path.write_bytes(data[: len(data) // 2])
    result = _unreadable(path)
    assert result.code == "corrupt" and "损坏或不完整" in result.message


def test_corrupt_member(tmp_path, book):
    good = book([IND_HEADER, ind_row("A1")])
    data = bytearray(good.read_bytes())
    with zipfile.ZipFile(good) as zf:
        info = zf.getinfo("xl/worksheets/sheet1.xml")
    start = info.header_offset + 30 + len(info.filename) + len(info.extra)
    for i in range(start + 5, start + 25):
        data[i] ^= 0xFF
    path = tmp_path / "flipped.xlsx"
    path.write_bytes(bytes(data))
    assert _unreadable(path).code == "corrupt"


def test_empty_and_missing_and_random(tmp_path):
    empty = tmp_path / "empty.xlsx"
    empty.write_bytes(b"")
    assert _unreadable(empty).code == "empty_file"
    assert _unreadable(tmp_path / "nope.xlsx").code == "not_found"
    noise = tmp_path / "noise.xlsx"
    noise.write_bytes(bytes(range(256)) * 8)
    assert _unreadable(noise).code == "not_a_workbook"


def test_zip_that_is_not_a_workbook(tmp_path):
    path = tmp_path / "x.xlsx"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("word/document.xml", "<w/>")
    assert _unreadable(path).code == "docx"


@pytest.mark.parametrize("name", ["lo_encrypted.xlsx", "lo_encrypted.xls"])
def test_encrypted(name):
    result = _unreadable(FIXTURES / name)
    assert result.code == "encrypted" and "密码" in result.message


def test_legacy_xls_is_read():
    result = import_workbook(FIXTURES / "lo_indicators_real.xls", "indicators", dry_run=True, year=2026)
    assert result.outcome == "ok" and result.file_format == "xls"


def _bomb(path, size):
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("[Content_Types].xml", "<Types/>")
        zf.writestr("xl/workbook.xml", "<workbook/>")
        zf.writestr("xl/worksheets/sheet1.xml", b"<a>" + b" " * size + b"</a>")
    return path


def test_zip_bomb_by_ratio(tmp_path, monkeypatch):
    monkeypatch.setattr(safety, "RATIO_MIN_BYTES", 1024 * 1024)
    path = _bomb(tmp_path / "bomb.xlsx", 4 * 1024 * 1024)  # 4 MB of spaces -> ~4 KB
    result = _unreadable(path)
    assert result.code == "zip_bomb" and "压缩比异常" in result.message


def test_zip_bomb_by_total_size(tmp_path, monkeypatch):
    monkeypatch.setattr(safety, "MAX_UNCOMPRESSED_BYTES", 1024 * 1024)
    monkeypatch.setattr(safety, "MAX_COMPRESSION_RATIO", 10**9)
    assert _unreadable(_bomb(tmp_path / "bomb.xlsx", 2 * 1024 * 1024)).code == "zip_bomb"


def test_lying_zip_directory_is_caught_while_inflating(tmp_path, monkeypatch):
    path = _bomb(tmp_path / "liar.xlsx", 2 * 1024 * 1024)
    monkeypatch.setattr(safety, "MAX_UNCOMPRESSED_BYTES", 3 * 1024 * 1024)
    monkeypatch.setattr(safety, "MAX_COMPRESSION_RATIO", 10**9)
    # directory says 2 MB (under the limit); inflating with a 1 MB budget must stop early
    real_verify = safety._verify_members

    def tight(zf, p):
        monkeypatch.setattr(safety, "MAX_UNCOMPRESSED_BYTES", 1024 * 1024)
        return real_verify(zf, p)

    monkeypatch.setattr(safety, "_verify_members", tight)
    assert _unreadable(path).code == "zip_bomb"


def test_huge_sheet_rejected_from_its_dimension_without_loading(tmp_path):
    wb = openpyxl.Workbook(write_only=True)
    ws = wb.create_sheet("数据")
    ws.append(IND_HEADER)
    ws.append(ind_row("A1"))
    wb.save(tmp_path / "small.xlsx")
    # rewrite the dimension to claim a million rows (as a sheet with a stray cell at row 1 048 576 does)
    src = tmp_path / "small.xlsx"
    dst = tmp_path / "huge.xlsx"
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as zout:
        for item in zin.infolist():
            data = zin.read(item)
            if item.filename == "xl/worksheets/sheet1.xml":
                data = data.replace(b"<sheetPr", b"<sheetPr", 1)
                data = data.replace(b"<sheetData>", b"<dimension ref=\"A1:G1048576\"/><sheetData>", 1) \
                    if b"<dimension" not in data else data.replace(b'ref="A1:G2"', b'ref="A1:G1048576"')
            zout.writestr(item, data)
    result = _unreadable(dst)
    assert result.code == "too_many_rows" and "1048576" in result.message and "拆分" in result.message


def test_row_limit_while_reading(book):
    rows = [IND_HEADER] + [ind_row(f"A{i}") for i in range(30)]
    result = _unreadable(book(rows), max_rows=20)
    assert result.code == "too_many_rows" and "20" in result.message


def test_file_size_limit(book, monkeypatch):
    monkeypatch.setattr(safety, "MAX_FILE_BYTES", 100)
    assert _unreadable(book([IND_HEADER, ind_row("A1")])).code == "file_too_large"


def test_too_many_cells_for_memory_are_streamed(book, monkeypatch):
    rows = [IND_HEADER] + [ind_row(f"A{i}") for i in range(10)] + [ind_row("A3", func="2059999")]
    path = book(rows, title="标题")
    in_memory = import_workbook(path, "indicators", dry_run=True, year=2026, preview=20)
    monkeypatch.setattr(safety, "MAX_CELLS", 50)
    streamed = import_workbook(path, "indicators", dry_run=True, year=2026, preview=20)
    assert streamed.streamed and not in_memory.streamed
    assert streamed.outcome == in_memory.outcome == "rejected"
    assert streamed.header_row == in_memory.header_row == 2
    assert [e.to_json() for e in streamed.errors] == [e.to_json() for e in in_memory.errors]
    assert [(r.row, r.data) for r in streamed.preview] == [(r.row, r.data) for r in in_memory.preview]


def test_streamed_libreoffice_table_reads_the_same(monkeypatch):
    monkeypatch.setattr(safety, "MAX_CELLS", 10)
    result = import_workbook(FIXTURES / "lo_indicators_real.xlsx", "indicators", dry_run=True, year=2026)
    assert result.outcome == "ok" and result.valid_rows == 5 and result.header_row == 4


def test_too_wide_to_stream(book, monkeypatch):
    monkeypatch.setattr(safety, "MAX_CELLS", 50)
    monkeypatch.setattr(safety, "MAX_STREAM_COLUMNS", 5)
    result = _unreadable(book([IND_HEADER] + [ind_row(f"A{i}") for i in range(10)]))
    assert result.code == "too_many_cells" and "11 行 × 7 列" in result.message


def test_too_many_cells_after_loading_without_dimension(tmp_path, monkeypatch):
    # an .xls has no <dimension>: the loaded range is checked
    monkeypatch.setattr(safety, "MAX_CELLS", 20)
    result = _unreadable(FIXTURES / "lo_indicators_real.xls")
    assert result.code == "too_many_cells"


def test_legacy_xls_size_limit(monkeypatch):
    monkeypatch.setattr(safety, "MAX_XLS_BYTES", 1000)
    result = _unreadable(FIXTURES / "lo_indicators_real.xls")
    assert result.code == "file_too_large" and ".xlsx" in result.message


def test_oversized_other_sheet_does_not_block_the_data_sheet(tmp_path, monkeypatch):
    wb = openpyxl.Workbook()
    big = wb.active
    big.title = "原始数据"
    for i in range(40):
        big.append([i] * 5)
    data = wb.create_sheet("指标")
    data.append(IND_HEADER)
    data.append(ind_row("A1"))
    wb.save(tmp_path / "two.xlsx")
    monkeypatch.setattr(safety, "MAX_CELLS", 100)
    monkeypatch.setattr(safety, "MAX_STREAM_COLUMNS", 3)
    result = import_workbook(tmp_path / "two.xlsx", "indicators", dry_run=True, year=2026)
    assert result.outcome == "ok" and result.sheet == "指标"
    forced = import_workbook(tmp_path / "two.xlsx", "indicators", dry_run=True, sheet="原始数据")
    assert forced.outcome == "unreadable" and forced.code == "too_many_cells"


def test_malformed_workbook_xml(tmp_path):
    path = tmp_path / "bad.xlsx"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("[Content_Types].xml", "<Types/>")
        zf.writestr("xl/workbook.xml", "<workbook><sheets><sheet name='a' r:id=")
    result = _unreadable(path)
    assert result.code == "corrupt" and "另存为" in result.message
