"""OFD (版式文件, GB/T 33190) e-invoices read from their XML text layer — exact text, no OCR.

An OFD is a zip of XML: ``OFD.xml`` names the document root (``DocBody/DocRoot``), whose
``Document.xml`` lists the pages (``Pages/Page/@BaseLoc``) and the page size in millimetres
(``CommonData/PageArea/PhysicalBox``); each page's ``Content.xml`` holds ``TextObject`` s with a
``Boundary`` (x y w h, mm) and ``TextCode`` runs. The text objects become positioned lines that go
through the same layout extractor as a PDF text layer (source ``text``).

National e-invoice OFDs also carry semantic tags (``CustomTags.xml`` → a tag file whose elements
— ``InvoiceNo``, ``IssueDate``, ``TaxInclusiveTotalAmount``… — point at text objects by ID). Where
present they name the field directly and win over the layout guess.

Safety: member count, member size and total unpacked size are capped before anything is read
(zip bombs), member paths are resolved inside the archive only, and XML with DOCTYPE/ENTITY
declarations is refused — as for 数电票 XML.
"""
from __future__ import annotations

import io
import posixpath
import re
import xml.etree.ElementTree as ET
import zipfile
from dataclasses import dataclass
from pathlib import Path

from app.ocr.errors import OcrError
from app.ocr.model import OcrLine

#: pixels per millimetre of the page the lines are placed on (200 dpi, like rendered PDFs)
PX_PER_MM = 200 / 25.4
MAX_MEMBERS = 2000
MAX_MEMBER_BYTES = 20 * 1024 * 1024
MAX_TOTAL_BYTES = 100 * 1024 * 1024
MAX_PAGES = 200

#: semantic tag (GB/T e-invoice OFD CustomTag) -> our field
TAG_FIELDS = {
    "InvoiceCode": "invoice_code", "InvoiceNo": "invoice_number", "IssueDate": "issue_date",
    "InvoiceChecksum": "check_code", "BuyerName": "buyer_name", "BuyerTaxID": "buyer_tax_id",
    "SellerName": "seller_name", "SellerTaxID": "seller_tax_id",
    "TaxExclusiveTotalAmount": "amount_fen", "TaxTotalAmount": "tax_fen",
    "TaxInclusiveTotalAmount": "total_fen",
}


@dataclass
class OfdPage:
    index: int                 # 1-based
    lines: list[OcrLine]       # merged text runs, in pixels at PX_PER_MM
    size_px: tuple[int, int]   # (width, height)
    tagged: dict[str, str]     # field -> exact text from the semantic tags


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


class _Package:
    def __init__(self, data: bytes, path: Path):
        self.path = path
        try:
            self.zip = zipfile.ZipFile(io.BytesIO(data))
            infos = self.zip.infolist()
        except (zipfile.BadZipFile, OSError, ValueError) as exc:
            raise self.error("corrupt", f"不是完整的 OFD 压缩包（{exc}）") from None
        if len(infos) > MAX_MEMBERS:
            raise self.error("corrupt", f"包含 {len(infos)} 个文件，超过 {MAX_MEMBERS} 个的安全上限")
        total = sum(i.file_size for i in infos)
        if total > MAX_TOTAL_BYTES or any(i.file_size > MAX_MEMBER_BYTES for i in infos):
            raise self.error("too_large", "解压后过大，超过安全上限，未打开（防解压炸弹）")
        # member names without a leading "/" and case as stored (OFD paths are case-sensitive,
        # but some writers differ in the case of the first letter of directories)
        self.names = {i.filename.lstrip("/"): i for i in infos if not i.is_dir()}
        self.lower = {n.lower(): n for n in self.names}

    def error(self, code: str, detail: str) -> OcrError:
        return OcrError(code, f"OFD 文件“{self.path.name}”无法读取：{detail}。"
                              "请重新下载该电子发票，或改用 PDF/XML 版本。", file=str(self.path))

    def resolve(self, base_dir: str, loc: str) -> str:
        loc = (loc or "").strip().replace("\\", "/")
        joined = posixpath.normpath(loc.lstrip("/") if loc.startswith("/")
                                    else posixpath.join(base_dir, loc))
        if joined.startswith("../") or joined == "..":
            raise self.error("corrupt", f"引用了压缩包以外的路径“{loc}”")
        if joined in self.names:
            return joined
        if joined.lower() in self.lower:
            return self.lower[joined.lower()]
        raise self.error("corrupt", f"缺少文件“{joined}”")

    def xml(self, name: str) -> ET.Element:
        raw = self.zip.read(self.names[name])
        upper = raw.upper()
        if b"<!DOCTYPE" in upper or b"<!ENTITY" in upper:
            raise self.error("xml_unsafe", f"“{name}”含有 DOCTYPE/实体声明，出于安全原因不予解析")
        try:
            return ET.fromstring(raw)
        except ET.ParseError as exc:
            raise self.error("corrupt", f"“{name}”不是有效的 XML（{exc}）") from None


def _find(root: ET.Element, name: str) -> ET.Element | None:
    for el in root.iter():
        if _local(el.tag) == name:
            return el
    return None


def _numbers(text: str | None) -> list[float]:
    return [float(x) for x in re.findall(r"-?\d+(?:\.\d+)?", text or "")]


def _text_objects(page_xml: ET.Element) -> list[tuple[str, tuple[float, float, float, float], str]]:
    """(ID, boundary in mm, text) of every TextObject on a page."""
    out = []
    for el in page_xml.iter():
        if _local(el.tag) != "TextObject":
            continue
        box = _numbers(el.get("Boundary"))
        if len(box) != 4:
            continue
        text = "".join((tc.text or "") for tc in el if _local(tc.tag) == "TextCode")
        if text.strip():
            out.append((el.get("ID", ""), (box[0], box[1], box[2], box[3]), text))
    return out


def read_ofd(data: bytes, path: Path) -> list[OfdPage]:
    """Every page of an OFD file as positioned text lines. Raises OcrError (Chinese)."""
    from app.ocr.engines.base import normalise_text
    from app.ocr.loader import merge_text_runs

    pkg = _Package(data, path)
    if "OFD.xml" not in pkg.names and "ofd.xml" not in pkg.lower:
        raise pkg.error("corrupt", "缺少入口文件 OFD.xml")
    root = pkg.xml(pkg.resolve("", "OFD.xml"))
    doc_root = _find(root, "DocRoot")
    if doc_root is None or not (doc_root.text or "").strip():
        raise pkg.error("corrupt", "OFD.xml 中没有 DocRoot（文档入口）")
    doc_name = pkg.resolve("", doc_root.text)
    doc_dir = posixpath.dirname(doc_name)
    doc = pkg.xml(doc_name)
    page_box = _numbers(getattr(_find(doc, "PhysicalBox"), "text", None)) or [0, 0, 210, 140]
    pages_el = [el for el in doc.iter() if _local(el.tag) == "Page" and el.get("BaseLoc")]
    if not pages_el:
        raise pkg.error("empty_pdf", "文档中没有页面")
    tagged_by_id = _custom_tags(pkg, doc, doc_dir)
    out = []
    for index, page_el in enumerate(pages_el[:MAX_PAGES], start=1):
        page_name = pkg.resolve(doc_dir, page_el.get("BaseLoc"))
        page_xml = pkg.xml(page_name)
        own_box = _numbers(getattr(_find(page_xml, "PhysicalBox"), "text", None)) or page_box
        objects = _text_objects(page_xml)
        pieces, by_id = [], {}
        for obj_id, (x, y, w, h), text in objects:
            text = normalise_text(text)
            if not text:
                continue
            by_id[obj_id] = text
            box = (int(x * PX_PER_MM), int(y * PX_PER_MM), int((x + w) * PX_PER_MM),
                   int((y + h) * PX_PER_MM))
            pieces.append(OcrLine(text, 0.99, box))
        tagged = {}
        refs = tagged_by_id.get(page_el.get("ID", "").strip()) or (
            tagged_by_id.get("", {}) if index == 1 else {})
        for field, ids in refs.items():
            joined = "".join(by_id.get(i, "") for i in ids).strip()
            if joined:
                tagged[field] = joined
        size = (int(own_box[2] * PX_PER_MM), int(own_box[3] * PX_PER_MM)) if len(own_box) == 4 \
            else (0, 0)
        out.append(OfdPage(index, merge_text_runs(pieces), size, tagged))
    if not any(p.lines for p in out):
        raise pkg.error("no_text", "文件中没有文字层（可能是扫描图片制成的 OFD），无法直接读取")
    return out


def _custom_tags(pkg: _Package, doc: ET.Element, doc_dir: str) -> dict[str, dict[str, list[str]]]:
    """PageRef (the page's ID) -> field -> text-object IDs, from CustomTags (absent or
    unreadable: empty)."""
    ref = _find(doc, "CustomTags")
    if ref is None or not (ref.text or "").strip():
        return {}
    try:
        tags_name = pkg.resolve(doc_dir, ref.text)
        tags = pkg.xml(tags_name)
        out: dict[str, dict[str, list[str]]] = {}
        for ct in tags.iter():
            if _local(ct.tag) != "CustomTag":
                continue
            loc = _find(ct, "FileLoc")
            if loc is None or not (loc.text or "").strip():
                continue
            tag_file = pkg.xml(pkg.resolve(posixpath.dirname(tags_name), loc.text))
            for el in tag_file.iter():
                field = TAG_FIELDS.get(_local(el.tag))
                if field is None:
                    continue
                for obj in el.iter():
                    if _local(obj.tag) == "ObjectRef" and (obj.text or "").strip():
                        page = (obj.get("PageRef") or "").strip()
                        out.setdefault(page, {}).setdefault(field, []).append(obj.text.strip())
        return out
    except OcrError:
        # semantic tags are an extra: a broken tag file leaves the layout reading
        return {}
