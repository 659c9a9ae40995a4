"""Parse National Public Service Portal records into the catalogue exchange format.

The portal dump (see demo/data/PROVENANCE-procedures.md) flattened three HTML tables into strings
with no separators: the channel table (`cach_thuc_thuc_hien`: channel, time, fee, description),
the document table (`thanh_phan_ho_so`: name, form file, count) and the legal basis table
(`can_cu_phap_ly`: title, number). This module recovers what it can from them and never guesses:
a value it cannot read for certain is left null, its text is kept, and a warning in Vietnamese
says what was not parsed, so the imported procedure is flagged for review.

Pure Python on purpose (no Django import): it runs in the demo set-up, in tests without a
database, and in one-off scripts over the shared dump.
"""

from __future__ import annotations

import gzip
import json
import re
import unicodedata
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path

SUBSET_FILE = Path(__file__).resolve().parent / "data" / "procedures-province-commune.jsonl.gz"

NO_INFO = "Không có thông tin"
WARNING_DETAIL_LENGTH = 160

# ------------------------------------------------------------------ warning kinds (Vietnamese)
W_LEVEL = "Cấp thực hiện không thuộc danh mục"
W_FIELD = "Có nhiều lĩnh vực, lấy lĩnh vực đầu tiên"
W_NO_CHANNEL = "Không tách được bảng cách thức thực hiện"
W_TIME_NO_UNIT = "Thời hạn không ghi đơn vị"
W_TIME_UNIT = "Đơn vị thời hạn không được hỗ trợ"
W_TIME_TEXT = "Không tách được thời hạn"
W_GLUED = "Không tách được thời hạn khỏi mức phí (chữ số dính liền)"
W_TIME_DIFF = "Thời hạn khác nhau giữa các dòng cách thức thực hiện"
W_FEE_MISSING = "Không tách được phí, lệ phí"
W_FEE_FREE_NOTE = "Ghi “Miễn phí” nhưng kèm ghi chú về phí"
W_FEE_CURRENCY = "Phí tính bằng ngoại tệ"
W_FEE_SMALL = "Mức phí nhỏ bất thường (có thể tính theo nghìn đồng)"
W_FEE_FORMAT = "Không đọc được số tiền"
W_FEE_MULTI = "Có nhiều mức phí hoặc điều kiện miễn, giảm"
W_FEE_ROWS = "Các dòng của hình thức nộp được chọn ghi mức phí khác nhau"
W_DOC_TABLE = "Thành phần hồ sơ không theo dạng bảng"
W_DOC_COUNT = "Không tách được số lượng khỏi tên giấy tờ"
W_DOC_BOTH = "Giấy tờ ghi cả bản chính và bản sao, ghi nhận là bản chính"
W_DOC_FORM = "Không tách được tên tệp mẫu khỏi tên giấy tờ"
W_DOC_NO_COUNT = "Giấy tờ không ghi số lượng"
W_DOC_NO_NAME = "Dòng giấy tờ không có tên"
W_LEGAL_TABLE = "Căn cứ pháp lý không theo dạng bảng"
W_LEGAL_NO_TITLE = "Văn bản pháp lý thiếu tên"
W_LEGAL_NO_NUMBER = "Không tách được số hiệu văn bản"

# ------------------------------------------------------------------ vocabularies
LEVELS = {
    "cấp tỉnh": "province",
    "cấp xã": "commune",
    "cấp huyện": "district",
    "cấp bộ": "ministry",
}
CHANNELS = {"Trực tiếp": "in_person", "Trực tuyến": "online", "Dịch vụ bưu chính": "post"}
# "Giờ" is mapped to working hours as the catalogue has no calendar-hour unit; "Tháng" (month)
# and the like have no unit in the catalogue and are kept as text with a warning.
TIME_UNITS = {
    "ngày làm việc": "working_days",
    "ngày": "calendar_days",
    "giờ làm việc": "working_hours",
    "giờ": "working_hours",
}
# Time cells that say there is no time limit: no number, nothing to review.
NO_TIME_TEXTS = {"", NO_INFO.lower(), "không", "không quy định"}
# Notes after "Miễn phí" that confirm the procedure is free (compared lower case, no final dot).
FREE_NOTES = {
    "", "không", "không có", "- không có", "không quy định", "không thu phí", "không thu lệ phí",
    "miễn lệ phí", "miễn phí",
}  # fmt: skip

CHANNEL_HEADER = "Hình thức nộpThời gianPhí, lệ phíMô tả"
DOCUMENT_HEADER = "Tên giấy tờMẫu đơn, tờ khaiSố lượng"
LEGAL_HEADER = "Tên văn bản pháp lýMã văn bản"

CHANNEL_RE = re.compile("|".join(CHANNELS))
TIME_RE = re.compile(
    r"(\d+(?:[.,]\d+)?) ?(Ngày làm việc|Giờ làm việc|Ngày|Giờ|Tháng|Năm|Tuần|Phút)", re.IGNORECASE
)
SAME_DAY_RE = re.compile(r"(?:ngay )?trong ngày", re.IGNORECASE)
FEE_ITEM_RE = re.compile(
    r"Miễn phí|Không có thông tin|(?P<amount>\d[\d.,]*) ?(?P<currency>Việt Nam Đồng|VNĐ|USD|Đồng)"
)
VND_RE = re.compile(r"\d{1,3}(?:,\d{3})*|\d+")
MONEY_IN_NOTE_RE = re.compile(
    r"(\d{1,3}(?:[.,]\d{3})+)(?!\d)|(\d+) ?(?=đồng|đ\b|vnđ|vnd)", re.IGNORECASE
)
EXEMPTION_RE = re.compile(r"miễn|giảm|%", re.IGNORECASE)
COUNT_RE = re.compile(r"(\d+) bản chính(?:,(\d+) bản sao)?")
NOT_A_COUNT_AFTER_RE = re.compile(r"\s|[.,;:)]+\s|[.,;:)]*\d+ bản chính")
FORM_EXTENSION_RE = re.compile(r"\.(?:docx?|pdf|xlsx?|rar|zip|odt)", re.IGNORECASE)
CERTIFIED_RE = re.compile(r"bản sao (?:có )?chứng thực")
# A legal document number: 54/2014/QH13, 05/2012/NĐ-CP, 19/2018/QĐ-TTg, 66.16/2026/NQ-CP.
# Only QHnn-style parts carry digits, so "QH13" + "54/2014/QH13" glued together splits right.
CODE_PART = r"(?:[A-ZĐ]*QH\d{2}|TTg|[A-ZĐ]+)"
LEGAL_NUMBER_RE = re.compile(rf"\d+(?:\.\d+)?[a-zA-Z]?/(?:\d{{4}}/)?{CODE_PART}(?:-{CODE_PART})*")
KNOWN_ISSUERS = {
    "CP", "TTg", "BTC", "BTP", "BCA", "BXD", "BYT", "BCT", "BQP", "BNV", "NHNN", "BNNMT", "BNNPTNT",
    "BTNMT", "BGTVT", "BKHĐT", "BKHCN", "BLĐTBXH", "VPCP", "BHXH", "UBND",
}  # fmt: skip
CAPS_OPENERS = (
    "LUẬT", "BỘ LUẬT", "THÔNG TƯ", "NGHỊ ĐỊNH", "NGHỊ QUYẾT", "QUYẾT ĐỊNH", "PHÁP LỆNH", "SỬA ĐỔI",
    "QUY ĐỊNH", "HƯỚNG DẪN", "VĂN BẢN",
)  # fmt: skip
ONSET_PAIRS = {"ch", "gh", "gi", "kh", "ng", "nh", "ph", "qu", "th", "tr"}
# Result codes after "Mã:": KQ.G17.000278, 000.00.00.G04-KQ3337, … (glued to the next name);
# a few are placeholders ("Chưa xác định") or lower-case test strings ("adjfsbj").
RESULT_CODE_RE = re.compile(r"[A-Za-z0-9._\-]*\d|Chưa xác định(?: rõ)?|[a-z_]+")
RESULT_TAIL_MARK = "Chọn cơ quan thực hiện"

TOP_KEYS = (
    "national_code", "name", "field", "levels", "procedure_type", "decision_number", "subjects",
    "competent_authority", "implementing_agency", "receiving_places", "conditions", "steps_text",
    "channels", "legal_time", "fee", "documents", "legal_basis", "result_documents",
    "online_level", "source_url", "parse_warnings",
)  # fmt: skip
PLAIN_FIELDS = {
    "national_code": "ma_thu_tuc",
    "name": "ten_thu_tuc",
    "procedure_type": "loai_thu_tuc",
    "decision_number": "so_quyet_dinh",
    "subjects": "doi_tuong_thuc_hien",
    "competent_authority": "co_quan_co_tham_quyen",
    "implementing_agency": "co_quan_thuc_hien",
    "receiving_places": "dia_chi_tiep_nhan",
    "conditions": "yeu_cau_dieu_kien",
    "steps_text": "trinh_tu_thuc_hien",
    "source_url": "detail_url",
}


# ------------------------------------------------------------------ helpers


def nfc(value: object) -> str:
    """NFC and stripped: about a fifth of the dump is NFD, which breaks matching and search."""
    return unicodedata.normalize("NFC", str(value or "")).strip()


def _short(text: str) -> str:
    text = " ".join(text.split())
    if len(text) <= WARNING_DETAIL_LENGTH:
        return text
    return text[: WARNING_DETAIL_LENGTH - 1] + "…"


@dataclass
class Warnings:
    """Collects warnings once each: the three channels often repeat the same bad cell."""

    messages: list[str] = field(default_factory=list)

    def add(self, kind: str, detail: str = "") -> None:
        message = f"{kind}: {_short(detail)}" if detail.strip() else kind
        if message not in self.messages:
            self.messages.append(message)


def warning_kind(message: str) -> str:
    """The kind of a warning message (the text before the first colon), for statistics."""
    return message.split(":", 1)[0]


def _decimal_text(digits: str) -> str | None:
    """'02' -> '2', '1,5' -> '1.5': the exchange format keeps amounts as plain decimals."""
    try:
        number = Decimal(digits.replace(",", "."))
    except InvalidOperation:
        return None
    text = format(number, "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


def _matching_paren(text: str, start: int) -> int | None:
    """Index just after the ')' closing the '(' at `start`, or None when it is never closed."""
    depth = 0
    for i in range(start, len(text)):
        if text[i] == "(":
            depth += 1
        elif text[i] == ")":
            depth -= 1
            if depth == 0:
                return i + 1
    return None


# ------------------------------------------------------------------ channels, time, fee


@dataclass
class TimeCell:
    """A channel row's time: amount and unit only when both were read for certain."""

    amount: str | None
    unit: str | None
    text: str
    glued: bool = False  # a bare number glued to the fee amount: neither can be read


def _starts_row(char: str) -> bool:
    """A time cell starts with a digit or a capital ("Không có thông tin")."""
    return char.isdigit() or char.isupper()


def _channel_cells(text: str) -> list[tuple[str, str]]:
    """(channel code, rest of the row) for each row of the flattened channel table.

    A channel name only starts a row when a digit or a capital letter follows it directly (the
    time cell): inside descriptions the same words are followed by a space or punctuation.
    """
    body = text[len(CHANNEL_HEADER) :] if text.startswith(CHANNEL_HEADER) else text
    starts = [m for m in CHANNEL_RE.finditer(body) if _starts_row(body[m.end() : m.end() + 1])]
    cells = []
    for i, m in enumerate(starts):
        end = starts[i + 1].start() if i + 1 < len(starts) else len(body)
        cells.append((CHANNELS[m.group(0)], body[m.end() : end]))
    return cells


def _unit_time(match: re.Match[str], warn: Warnings) -> TimeCell:
    text = match.group(0)
    unit = TIME_UNITS.get(match.group(2).lower())
    amount = _decimal_text(match.group(1))
    if unit is None or amount is None:
        warn.add(W_TIME_UNIT, text)
        return TimeCell(None, None, text)
    return TimeCell(amount, unit, text)


def _split_time(cell: str, warn: Warnings) -> tuple[TimeCell, str]:
    """The time cell and the rest of the row.

    Only "<number> <unit>" gives a number. A bare number glued to the fee is not split (in
    "120 VNĐ" the time may be 1 or 12): both are left null with a warning.
    """
    match = TIME_RE.match(cell)
    if match:
        return _unit_time(match, warn), cell[match.end() :]
    match = SAME_DAY_RE.match(cell)
    if match:
        return TimeCell(None, "same_day", match.group(0)), cell[match.end() :]
    if cell.startswith(NO_INFO) and FEE_ITEM_RE.match(cell, len(NO_INFO)):
        return TimeCell(None, None, NO_INFO), cell[len(NO_INFO) :]
    fee = FEE_ITEM_RE.search(cell)
    if fee is None:
        warn.add(W_TIME_TEXT, cell)
        return TimeCell(None, None, ""), cell
    text = cell[: fee.start()].strip()
    if not text and fee.group("amount"):
        warn.add(W_GLUED, fee.group(0))
        return TimeCell(None, None, "", glued=True), cell
    if text.isdigit():
        warn.add(W_TIME_NO_UNIT, text)
    elif text.lower() not in NO_TIME_TEXTS:
        warn.add(W_TIME_TEXT, text)
    return TimeCell(None, None, text), cell[fee.start() :]


def _is_free(note: str) -> bool:
    """Whether the note after "Miễn phí" confirms it; "Mức lệ phí do HĐND tỉnh quy định" does not,
    as the portal shows "Miễn phí" when the amount field was left empty."""
    return note.strip().rstrip(".").strip().lower() in FREE_NOTES


def _other_amounts(note: str, amount: int) -> bool:
    """Whether the fee note names a sum of money other than the fee itself."""
    for match in MONEY_IN_NOTE_RE.finditer(note):
        digits = re.sub(r"[.,]", "", match.group(1) or match.group(2))
        if int(digits) != amount:
            return True
    return False


def _money_amount(match: re.Match[str], note: str, text: str, warn: Warnings) -> int | None:
    """A VND amount only when it is the one unconditional sum the cell states."""
    digits = match.group("amount")
    if match.group("currency") == "USD":
        warn.add(W_FEE_CURRENCY, text)
        return None
    if not VND_RE.fullmatch(digits):
        warn.add(W_FEE_FORMAT, text)
        return None
    amount = int(digits.replace(",", ""))
    if amount < 1000:
        warn.add(W_FEE_SMALL, text)
        return None
    if _other_amounts(note, amount) or EXEMPTION_RE.search(note):
        warn.add(W_FEE_MULTI, text)
        return None
    return amount


def _fee_amount(match: re.Match[str], note: str, text: str, warn: Warnings) -> int | None:
    """0 for a plain "Miễn phí"; "Không có thông tin" is no amount and needs no review."""
    if match.group(0) == NO_INFO:
        return None
    if match.group(0) == "Miễn phí":
        if _is_free(note):
            return 0
        warn.add(W_FEE_FREE_NOTE, note)
        return None
    return _money_amount(match, note, text, warn)


def _split_fee(rest: str, warn: Warnings) -> tuple[str, int | None, str]:
    """(fee text, fee amount, description): the fee cell is one item plus its "(note)"."""
    match = FEE_ITEM_RE.match(rest)
    if match is None:
        warn.add(W_FEE_MISSING, rest)
        return "", None, rest.strip()
    end, note = match.end(), ""
    if rest[end : end + 1] == "(":
        close = _matching_paren(rest, end)
        note = rest[end + 1 : close - 1] if close else rest[end + 1 :]
        end = close or len(rest)
    text = rest[:end].strip()
    return text, _fee_amount(match, note, text, warn), rest[end:].strip()


def parse_channels(text: str, warn: Warnings) -> list[dict]:
    """Rows of the channel table, in portal order (a channel may have several rows)."""
    channels = []
    for channel, cell in _channel_cells(text):
        time, rest = _split_time(cell, warn)
        # When the time is glued to the fee, the amount is unreadable: already warned.
        fee_text, fee_amount, description = _split_fee(rest, Warnings() if time.glued else warn)
        if time.glued:
            fee_amount = None
        channels.append(
            {
                "channel": channel,
                "time_amount": time.amount,
                "time_unit": time.unit,
                "time_text": time.text,
                "fee_amount": fee_amount,
                "fee_text": fee_text,
                "description": description,
            }
        )
    if not channels and text and text != CHANNEL_HEADER:
        warn.add(W_NO_CHANNEL, text)
    return channels


def _chosen_kind(channels: list[dict]) -> str | None:
    """In person if offered (the reference for the legal time), else the first timed row's."""
    kinds = [c["channel"] for c in channels]
    if "in_person" in kinds:
        return "in_person"
    timed = [c["channel"] for c in channels if c["time_unit"]]
    return timed[0] if timed else (kinds[0] if kinds else None)


def choose_legal_time(channels: list[dict], warn: Warnings) -> dict:
    """The in-person time, else the first row with a time; disagreement is flagged."""
    timed = [c for c in channels if c["time_unit"]]
    kind = _chosen_kind(channels)
    preferred = [c for c in timed if c["channel"] == kind] or timed
    if len({(c["time_amount"], c["time_unit"]) for c in timed}) > 1:
        warn.add(W_TIME_DIFF, "; ".join(dict.fromkeys(c["time_text"] for c in timed)))
    if preferred:
        row = preferred[0]
        return {"amount": row["time_amount"], "unit": row["time_unit"], "text": row["time_text"]}
    texts = [c["time_text"] for c in channels if c["channel"] == kind and c["time_text"]]
    texts = texts or [c["time_text"] for c in channels if c["time_text"]]
    return {"amount": None, "unit": None, "text": texts[0] if texts else ""}


def choose_fee(channels: list[dict], warn: Warnings) -> dict:
    """The chosen channel's fee when all its rows state the same single amount."""
    kind = _chosen_kind(channels)
    rows = [c for c in channels if c["channel"] == kind]
    text = "\n".join(dict.fromkeys(c["fee_text"] for c in rows if c["fee_text"]))
    amounts = {c["fee_amount"] for c in rows}
    if len(amounts) > 1:
        warn.add(W_FEE_ROWS, text)
        return {"amount": None, "text": text}
    return {"amount": amounts.pop() if amounts else None, "text": text}


# ------------------------------------------------------------------ documents


@dataclass
class DocumentRow:
    """One required document before it becomes an exchange dict (keeps the review flag)."""

    name: str
    kind: str
    count: int | None
    form_template: str = ""
    condition: str = ""
    both_kinds: bool = False  # the portal asked for originals and copies: kept as original


def _is_count_cell(text: str, match: re.Match[str]) -> bool:
    """A count cell is glued to the next row; "01 bản chính" inside a name is followed by a
    space, punctuation and a space, or by the real count cell ("…: 01 bản chính1 bản chính")."""
    return NOT_A_COUNT_AFTER_RE.match(text, match.end()) is None


def _count_cells(text: str) -> list[re.Match[str]]:
    """The count cells, which end the document rows."""
    return [m for m in COUNT_RE.finditer(text) if _is_count_cell(text, m)]


def _split_count_digits(before: str, digits: str) -> tuple[str, int | None]:
    """(name, count) when the count's digits are certain, else (name with all digits, None).

    Names ending in a number glue to the count ("Mẫu số 18" + "1"). Accepted: one digit; a
    zero-padded "0N" after a space; a 5-digit run starting with a year ("…/2026" + "1").
    """
    if len(digits) == 1:
        return before, int(digits)
    if len(digits) == 2 and digits[0] == "0" and (not before or before[-1].isspace()):
        return before, int(digits)
    if len(digits) == 5 and digits[:2] in ("19", "20"):
        return before + digits[:4], int(digits[4])
    return before + digits, None


def _copy_kind(name: str) -> str:
    """A copy is certified only when the name asks for a certified copy and offers no choice."""
    lower = name.lower()
    return "certified_copy" if CERTIFIED_RE.search(lower) and "hoặc" not in lower else "copy"


def _kind_and_count(originals: int | None, copies: int, name: str) -> tuple[str, int | None, bool]:
    """(kind, count, both): the portal gives a number of originals and of copies."""
    if originals is None:
        return "unspecified", None, False
    if originals and copies:
        return "original", originals, True
    if originals:
        return "original", originals, False
    if copies:
        return _copy_kind(name), copies, False
    return "unspecified", None, False


def _after_full_stop(before: str, char: str) -> bool:
    """A full stop glued to a file name: "…NĐ-CP.Mẫu số 03.docx", "…(Mẫu 03).Mẫu 03.doc",
    "…ngày 31/12/2025.PL 3.docx"."""
    if before.isalpha() or before in ").":
        return char.isalnum()
    return before.isdigit() and char.isupper()


def _is_form_boundary(head: str, i: int) -> bool:
    """Where a form file name may be glued to the end of a document name."""
    prev, char = head[i - 1], head[i]
    before = head[i - 2] if i >= 2 else " "
    if char.isspace():
        return False
    if prev == ";":
        return True
    if prev in ":)]”":
        return not char.islower()
    if prev == ".":
        return _after_full_stop(before, char)
    if prev.islower():
        return char.isupper() or char.isdigit()
    if prev.isdigit():
        return char.isupper()
    if head[i - 1 : i + 2] == "TTg":  # "…/QĐ-TTg" is a decision number, not a file name
        return False
    return prev.isupper() and char.isupper() and head[i + 1 : i + 2].islower()


def _looks_like_file_names(text: str) -> bool:
    """File names are short (transliterated ASCII ones may be longer) and do not close a
    bracket opened in the name ("…QĐ-T" + "Tg ngày … Chính phủ)Giấy đề nghị.pdf")."""
    stem = text.split(".")[0]
    if not stem.strip("() ").strip() or re.fullmatch(r"\(\d+\)", stem.strip()):
        return False
    if text.count(")") > text.count("("):
        return False
    limit_words, limit_chars = (30, 200) if text.isascii() else (16, 160)
    return len(text.split()) <= limit_words and len(text) <= limit_chars


def _split_form(text: str) -> tuple[str, str, bool]:
    """(name, form file names, ok): form files are glued after the name and end the cell."""
    extensions = list(FORM_EXTENSION_RE.finditer(text))
    if not extensions or extensions[-1].end() != len(text):
        return text, "", True
    head = text[: extensions[0].end()]
    ext_starts = {m.start() + 1 for m in extensions}
    for i in range(1, len(head)):
        if i in ext_starts or not _is_form_boundary(head, i):
            continue
        candidate = text[i:].lstrip(" .-;:")
        if _looks_like_file_names(candidate):  # the name keeps its final punctuation
            return text[: len(text) - len(candidate)].strip(), candidate, True
    return text, "", False


def _document_row(text: str, match: re.Match[str], warn: Warnings) -> DocumentRow | None:
    """One row: `text` is the row up to its count cell `match` (name and form files)."""
    before, originals = _split_count_digits(text, match.group(1))
    if originals is None:
        warn.add(W_DOC_COUNT, text[-60:] + match.group(0))
    copies = int(match.group(2)) if match.group(2) else 0
    name, form, ok = _split_form(before.strip())
    if not ok:
        warn.add(W_DOC_FORM, name[-100:])
    name = name.strip()
    if not name:
        warn.add(W_DOC_NO_NAME, match.group(0))
        return None
    kind, count, both = _kind_and_count(originals, copies, name)
    return DocumentRow(name, kind, count, form, both_kinds=both)


def _clean_title(text: str) -> str:
    """'--' marks a group with no case title."""
    return re.sub(r"^-{2,}", "", text.strip()).strip()


def _group_rows(body: str, title: str, warn: Warnings) -> list[DocumentRow]:
    """The rows of one case group; text after the last count cell is kept as a document."""
    rows, pos = [], 0
    for match in _count_cells(body):
        row = _document_row(body[pos : match.start()], match, warn)
        pos = match.end()
        if row:
            row.condition = title
            rows.append(row)
    tail = _clean_title(body[pos:])
    if tail:
        warn.add(W_DOC_NO_COUNT, tail)
        rows.append(DocumentRow(tail, "unspecified", None, condition=title))
    return rows


def _document_dict(row: DocumentRow) -> dict:
    return {
        "name": row.name,
        "kind": row.kind,
        "count": row.count,
        "mandatory": True,
        "condition": row.condition,
        "form_template": row.form_template,
    }


def _document_groups(text: str) -> list[tuple[str, str]]:
    """(case title, rows text) per group; a group's title is the text after the previous
    group's last count cell, just before the group's header."""
    parts = text.split(DOCUMENT_HEADER)
    groups, title = [], parts[0]
    for i, segment in enumerate(parts[1:], 1):
        if i == len(parts) - 1:
            groups.append((_clean_title(title), segment))
            break
        cells = _count_cells(segment)
        last = cells[-1].end() if cells else 0
        groups.append((_clean_title(title), segment[:last]))
        title = segment[last:]
    return groups


def parse_documents(text: str, warn: Warnings) -> list[dict]:
    """Required documents, with the case group title as condition.

    The count cell gives originals and copies: "N bản chính" is N originals; "0 bản chính,M bản
    sao" is M copies (certified when the name asks for a certified copy only); "N bản chính,M
    bản sao" with both non-zero is kept as N originals, with one warning per record; zero of
    both is "unspecified" with no count.
    """
    if DOCUMENT_HEADER not in text:
        if _clean_title(text) and text != NO_INFO:
            warn.add(W_DOC_TABLE, text)
            return [_document_dict(DocumentRow(text, "unspecified", None))]
        return []
    rows = []
    for title, body in _document_groups(text):
        rows += _group_rows(body, title, warn)
    both = [row.name for row in rows if row.both_kinds]
    if both:
        warn.add(W_DOC_BOTH, f"{len(both)} giấy tờ, ví dụ “{_short(both[0])[:80]}”")
    return [_document_dict(row) for row in rows]


# ------------------------------------------------------------------ legal basis, result, levels


def _is_consonant(char: str) -> bool:
    """On the base letter, so that accented vowels (ư, ộ) count as vowels."""
    base = unicodedata.normalize("NFD", char.lower())[:1]
    return base.isalpha() and base not in "aeiouy"


def _starts_word(initial: str, nxt: str) -> bool:
    """Whether a capital and the lower-case letter after it can start a Vietnamese word."""
    if not _is_consonant(initial):
        return False
    return not _is_consonant(nxt) or (initial + nxt).lower() in ONSET_PAIRS


def _glued_length(body: str, end: int, code: str) -> int:
    """How many trailing capitals of `code` are really the start of the next title."""
    for k in (1, 2, 3):
        if len(code) > k + 1 and any(body.startswith(o, end - k) for o in CAPS_OPENERS):
            return k
    nxt = body[end : end + 1]
    if nxt.islower() and len(code) > 2 and (code[-2].isupper() or code[-2] == "-"):
        return 1 if _starts_word(code[-1], nxt) else 0
    return 0


def _number_end(body: str, match: re.Match[str]) -> int:
    """End of a document number, giving back capitals that start the next title.

    Upper-case codes swallow the next title's initial ("…/NĐ-CP" + "Nghị định" reads as
    "NĐ-CPN", "…/NĐ-CP-" + "Quy định" as "NĐ-CP-Q", "…/NĐ-CP" + "LUẬT" as "NĐ-CPLU"). A known
    issuer code is kept whole ("NĐ-CP" + "hướng dẫn"); otherwise the last capital is given back
    when it and the lower-case letters after it start a Vietnamese word (a consonant before a
    vowel or a pair like ng, th, tr): "NHNN" before "số" keeps its N.
    """
    end, code = match.end(), match.group(0)
    if re.split(r"[-/]", code)[-1] in KNOWN_ISSUERS:
        return end
    k = _glued_length(body, end, code)
    if k and code[-k - 1] == "-":
        k += 1
    return end - k


def _number_start(match: re.Match[str]) -> int:
    """Start of a document number; a year ending the title glues to it ("Luật Cư trú 2020" +
    "68/2020/QH14" reads "202068/2020/QH14"), so a serial of 5+ digits starting 19/20 gives its
    first four digits back to the title."""
    serial = re.match(r"\d+", match.group(0))
    if serial and len(serial.group(0)) > 4 and serial.group(0)[:2] in ("19", "20"):
        return match.start() + 4
    return match.start()


def _is_number_cell(body: str, end: int) -> bool:
    """A number cell ends the row: end of text or the next title glued on. A number inside a
    title is followed by a space, punctuation or the number cell itself (digits)."""
    nxt = body[end : end + 1]
    if body.startswith("ngày", end):  # "…/TT-BCAngày 01/7/2025": the title goes on
        return False
    return nxt == "" or not (nxt.isspace() or nxt.isdigit() or nxt in ",.;:)]")


def parse_legal_basis(text: str, warn: Warnings) -> list[dict]:
    """(title, number) pairs; the number is the last document number of each row."""
    if not text.startswith(LEGAL_HEADER):
        if text and text != NO_INFO:
            warn.add(W_LEGAL_TABLE, text)
            return [{"title": text, "number": ""}]
        return []
    body, pairs, pos = text[len(LEGAL_HEADER) :], [], 0
    for match in LEGAL_NUMBER_RE.finditer(body):
        end = _number_end(body, match)
        if not _is_number_cell(body, end):
            continue
        start = _number_start(match)
        title, number = body[pos:start].strip(), body[start:end]
        if not title:
            warn.add(W_LEGAL_NO_TITLE, number)
        pairs.append({"title": title, "number": number})
        pos = end
    rest = body[pos:].strip()
    if rest:
        warn.add(W_LEGAL_NO_NUMBER, rest)
        pairs.append({"title": rest, "number": ""})
    return pairs


def clean_result_documents(text: str) -> str:
    """Result documents, one per line, without the portal's internal codes and page chrome."""
    text = text.split(RESULT_TAIL_MARK, 1)[0]
    results, _sep, extra = text.partition("Từ khóa")
    keywords, _sep, description = extra.partition("Mô tả")
    lines = []
    for i, segment in enumerate(results.split("Mã:")):
        if i:  # every segment after "Mã:" starts with the previous result's code
            code = RESULT_CODE_RE.match(segment.strip())
            segment = segment.strip()[code.end() :] if code else ""
        lines += [line.strip() for line in segment.splitlines() if line.strip()]
    if keywords.strip() and keywords.strip() != NO_INFO:
        lines.append(f"Từ khóa: {keywords.strip()}")
    if description.strip() and description.strip() != NO_INFO:
        lines.append(f"Mô tả: {description.strip()}")
    return "\n".join(lines)


def parse_levels(text: str, warn: Warnings) -> list[str]:
    """Catalogue level codes; other text ("Cơ quan khác") is not a level and is reported."""
    levels = []
    for part in (p.strip() for p in text.split(",")):
        code = LEVELS.get(part.lower())
        if code is None and part:
            warn.add(W_LEVEL, part)
        elif code and code not in levels:
            levels.append(code)
    return levels


def parse_field(text: str, warn: Warnings) -> str:
    """One field. Field names contain commas, so only ';' or a new line separates fields."""
    names = [n.strip() for n in re.split(r"[;\n]", text) if n.strip()]
    if len(names) > 1:
        warn.add(W_FIELD, text)
    return names[0] if names else ""


# ------------------------------------------------------------------ records


def parse_record(raw: dict) -> dict:
    """One raw portal record -> one exchange record (see catalog.exchange.TOP_KEYS)."""
    rec = {key: nfc(value) for key, value in raw.items() if isinstance(value, str)}
    warn = Warnings()
    record: dict = {key: rec.get(source, "") for key, source in PLAIN_FIELDS.items()}
    record["field"] = parse_field(rec.get("linh_vuc", ""), warn)
    record["levels"] = parse_levels(rec.get("cap_thuc_hien", ""), warn)
    channels = parse_channels(rec.get("cach_thuc_thuc_hien", ""), warn)
    record["channels"] = channels
    record["legal_time"] = choose_legal_time(channels, warn)
    record["fee"] = choose_fee(channels, warn)
    record["documents"] = parse_documents(rec.get("thanh_phan_ho_so", ""), warn)
    record["legal_basis"] = parse_legal_basis(rec.get("can_cu_phap_ly", ""), warn)
    record["result_documents"] = clean_result_documents(rec.get("ket_qua_xu_ly", ""))
    online = any(c["channel"] == "online" for c in channels)
    record["online_level"] = "partial" if online else "none"
    record["parse_warnings"] = warn.messages
    return {key: _strip_strings(record[key]) for key in TOP_KEYS}


def _strip_strings(value: object) -> object:
    """Every string of the record NFC and stripped, however deep, as the format promises."""
    if isinstance(value, str):
        return nfc(value)
    if isinstance(value, list):
        return [_strip_strings(v) for v in value]
    if isinstance(value, dict):
        return {k: _strip_strings(v) for k, v in value.items()}
    return value


def iter_records(path: Path | str = SUBSET_FILE) -> Iterator[dict]:
    """Raw records of a portal JSON-lines file (gzip or plain), one dict per non-empty line."""
    path = Path(path)
    opener: Callable = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rt", encoding="utf-8") as handle:
        for line in handle:
            if line.strip():
                yield json.loads(line)


def iter_parsed(path: Path | str = SUBSET_FILE) -> Iterator[dict]:
    """Exchange records of a portal file: parse_record over iter_records."""
    for raw in iter_records(path):
        yield parse_record(raw)
