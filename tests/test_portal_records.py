"""The portal record parser on real records of the committed subset (demo/data).

Records are looked up by national code, so a change to the parser that breaks one of the table
shapes fails here. The whole-file test pins the measured statistics: the subset is committed and
deterministic, so any change in what is parsed shows up as a changed number to explain.
"""

from __future__ import annotations

import gzip
import importlib.util
import unicodedata
from collections import Counter
from pathlib import Path

import pytest

from demo import portal_records as pr

EXCHANGE_KEYS = {
    "national_code", "name", "field", "levels", "procedure_type", "decision_number", "subjects",
    "competent_authority", "implementing_agency", "receiving_places", "conditions", "steps_text",
    "channels", "legal_time", "fee", "documents", "legal_basis", "result_documents",
    "online_level", "source_url", "parse_warnings",
}  # fmt: skip
CHANNEL_KEYS = {
    "channel", "time_amount", "time_unit", "time_text", "fee_amount", "fee_text", "description",
}  # fmt: skip
DOCUMENT_KEYS = {"name", "kind", "count", "mandatory", "condition", "form_template"}
TIME_UNITS = {"working_days", "working_hours", "calendar_days", "same_day"}


@pytest.fixture(scope="module")
def raw_records() -> dict[str, dict]:
    return {raw["ma_thu_tuc"]: raw for raw in pr.iter_records(pr.SUBSET_FILE)}


@pytest.fixture(scope="module")
def parsed(raw_records: dict[str, dict]) -> dict[str, dict]:
    return {code: pr.parse_record(raw) for code, raw in raw_records.items()}


def kinds(record: dict) -> list[str]:
    return [pr.warning_kind(w) for w in record["parse_warnings"]]


# ------------------------------------------------------------------ the subset file


def test_subset_is_the_province_and_commune_procedures(raw_records: dict[str, dict]) -> None:
    assert len(raw_records) == 1601
    assert list(raw_records) == sorted(raw_records)
    for raw in raw_records.values():
        levels = unicodedata.normalize("NFC", raw["cap_thuc_hien"]).split(", ")
        assert {"Cấp tỉnh", "Cấp xã"} & set(levels)
        assert raw["detail_url"].startswith("https://dichvucong.gov.vn/")


def test_extraction_writes_the_same_bytes(tmp_path: Path) -> None:
    """The gzip settings of the extraction script reproduce the committed file exactly."""
    path = Path(pr.__file__).parent / "data" / "extract_procedures.py"
    spec = importlib.util.spec_from_file_location("extract_procedures", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    with gzip.open(pr.SUBSET_FILE, "rb") as handle:
        lines = list(handle)
    module.write_gzip(lines, tmp_path / "again.jsonl.gz")
    assert (tmp_path / "again.jsonl.gz").read_bytes() == pr.SUBSET_FILE.read_bytes()


# ------------------------------------------------------------------ channels, time, fee


def test_three_channels_with_time_and_fee(parsed: dict[str, dict]) -> None:
    record = parsed["1.004002"]
    assert [c["channel"] for c in record["channels"]] == ["online", "post", "in_person"]
    for channel in record["channels"]:
        assert channel["time_amount"] == "2"
        assert channel["time_unit"] == "working_days"
        assert channel["time_text"] == "2 Ngày làm việc"
        assert channel["fee_amount"] == 70000
        assert channel["fee_text"] == "70,000 VNĐ(70.000 đồng/Giấy chứng nhận)"
    assert record["legal_time"] == {
        "amount": "2",
        "unit": "working_days",
        "text": "2 Ngày làm việc",
    }
    assert record["fee"] == {"amount": 70000, "text": "70,000 VNĐ(70.000 đồng/Giấy chứng nhận)"}
    assert record["online_level"] == "partial"


def test_fee_note_with_another_amount_is_not_a_fee(parsed: dict[str, dict]) -> None:
    """800,000 đồng, "áp dụng mức phí 400.000 đồng/hồ sơ … đến hết ngày 31/12/2026": null."""
    record = parsed["1.000688"]
    assert record["fee"]["amount"] is None
    assert record["fee"]["text"].startswith("800,000 Việt Nam Đồng((áp dụng mức phí 400.000 đồng")
    assert all(c["fee_amount"] is None for c in record["channels"])
    assert pr.W_FEE_MULTI in kinds(record)
    assert record["legal_time"]["amount"] == "15"


def test_plain_free_fee_is_zero(parsed: dict[str, dict]) -> None:
    record = parsed["1.013846"]
    assert record["fee"] == {"amount": 0, "text": "Miễn phí"}
    assert record["parse_warnings"] == []


def test_several_rows_of_one_channel_without_fee_information(parsed: dict[str, dict]) -> None:
    record = parsed["1.003777"]
    assert [c["channel"] for c in record["channels"]] == ["in_person"] * 3
    assert record["channels"][1]["description"].startswith("- Công an cấp tỉnh: 10 ngày")
    assert record["legal_time"] == {"amount": "10", "unit": "calendar_days", "text": "10 Ngày"}
    # "Không có thông tin": no amount, the text kept, nothing to review.
    assert record["fee"] == {"amount": None, "text": "Không có thông tin"}
    assert record["online_level"] == "none"
    assert record["parse_warnings"] == []


def test_different_times_keep_the_in_person_one(parsed: dict[str, dict]) -> None:
    record = parsed["1.001623"]
    assert record["legal_time"] == {
        "amount": "4",
        "unit": "working_days",
        "text": "4 Ngày làm việc",
    }
    assert "2 Ngày làm việc" in {c["time_text"] for c in record["channels"]}
    assert f"{pr.W_TIME_DIFF}: 4 Ngày làm việc; 2 Ngày làm việc" in record["parse_warnings"]


def test_time_without_unit_is_not_guessed(parsed: dict[str, dict]) -> None:
    """ "Trực tuyến1Miễn phí": the portal gives 1 with no unit."""
    record = parsed["1.008331"]
    assert record["legal_time"] == {"amount": None, "unit": None, "text": "1"}
    assert record["fee"] == {"amount": 0, "text": "Miễn phí"}
    assert record["parse_warnings"] == [f"{pr.W_TIME_NO_UNIT}: 1"]


def test_time_glued_to_fee_is_not_split(parsed: dict[str, dict]) -> None:
    """ "Trực tuyến120 VNĐ(20.000 đ/tờ khai)": 1 + 20 or 12 + 0? Neither is read."""
    record = parsed["1.007863"]
    assert record["legal_time"] == {"amount": None, "unit": None, "text": ""}
    assert record["fee"] == {"amount": None, "text": "120 VNĐ(20.000Đ/tờ khai)"}
    assert all(c["fee_amount"] is None and c["time_amount"] is None for c in record["channels"])
    assert record["parse_warnings"] == [f"{pr.W_GLUED}: 120 VNĐ"]


# ------------------------------------------------------------------ documents


def test_documents_in_several_case_groups(parsed: dict[str, dict]) -> None:
    documents = parsed["1.002755"]["documents"]
    assert [d["condition"] for d in documents] == (
        ["* Gia hạn tạm trú theo danh sách, hồ sơ gồm:"] * 2
        + ["* Gia hạn tạm trú tại nơi đơn vị đóng quân trong Công an nhân dân, Quân đội nhân nhân"
           " (nơi đơn vị đóng quân, nhà ở công vụ) hồ sơ gồm:"] * 3
        + ["* Hồ sơ gia hạn tạm trú gồm:", ""]
    )  # fmt: skip
    first = documents[0]
    assert first["name"] == (
        "Tờ khai thay đổi thông tin cư trú (của từng người)   (Mẫu CT01 ban hành kèm theo Thông tư"
        " số 53/2025/TT-BCA)."
    )
    assert first["form_template"] == "1.MuCT01banhnhkmtheoThngts53.doc"
    assert (first["kind"], first["count"], first["mandatory"]) == ("original", 1, True)
    assert documents[-1]["name"].startswith("Lưu ý:- Trường hợp nộp hồ sơ trực tiếp")


def test_form_file_after_a_closing_bracket(parsed: dict[str, dict]) -> None:
    documents = parsed["1.003777"]["documents"]
    assert documents[0] == {
        "name": "Bản khai cá nhân (Mẫu số 03).",
        "kind": "original",
        "count": 1,
        "mandatory": True,
        "condition": "Hồ sơ hưởng chế độ hằng tháng chuyển đến Sở Lao động - Thương binh và Xã hội"
        " nơi cán bộ, chiến sĩ thường trú để thực hiện chế độ, gồm:",
        "form_template": "Mẫu 03.TT41.doc",
    }
    # "…Quyết định số 53/2010/QĐ-TTg …" is not cut at "TTg" to find the file name.
    assert documents[-1]["name"].endswith("QĐ-TTg của Công an cấp tỉnh (Mẫu số 09).")
    assert documents[-1]["form_template"] == "Mẫu 09.TT41.doc"


def test_copy_count_and_original_count(parsed: dict[str, dict]) -> None:
    """ "0 bản chính,1 bản sao" is one copy; "1 bản chính" one original."""
    documents = parsed["1.000426"]["documents"]
    assert [(d["name"], d["kind"], d["count"]) for d in documents] == [
        (documents[0]["name"], "original", 1),
        ("Giấy đề nghị cấp Thẻ tư vấn viên pháp luật", "original", 1),
        ("Bản sao Bằng cử nhân luật", "copy", 1),
    ]
    assert parsed["1.000426"]["parse_warnings"] == []


def test_originals_and_copies_both_asked_are_kept_as_originals(parsed: dict[str, dict]) -> None:
    """ "1 bản chính,1 bản sao": one original, flagged once for the record."""
    record = parsed["1.004002"]
    assert [(d["kind"], d["count"]) for d in record["documents"]] == [("original", 1)] * 4
    assert kinds(record) == [pr.W_DOC_BOTH]
    assert record["parse_warnings"][0].startswith(f"{pr.W_DOC_BOTH}: 3 giấy tờ")


def test_count_glued_to_a_form_number_is_not_guessed(parsed: dict[str, dict]) -> None:
    """ "…theo Mẫu số 181 bản chính,1 bản sao": Mẫu số 18 and 1 original, or Mẫu số 1 and 81?"""
    record = parsed["1.012781"]
    glued = [d for d in record["documents"] if d["name"].endswith("theo Mẫu số 181")]
    assert [(d["kind"], d["count"]) for d in glued] == [("unspecified", None)] * 2
    assert pr.W_DOC_COUNT in kinds(record)


# ------------------------------------------------------------------ legal basis, levels, text


def test_legal_basis_pairs(parsed: dict[str, dict]) -> None:
    assert [b["number"] for b in parsed["1.004002"]["legal_basis"]] == [
        "09/2025/TT-BXD",
        "60/2024/TT-BGTVT",
        "198/2016/TT-BTC",
    ]
    # "…Kiểm lâm42/2026/NĐ-CPNghị định 156/2018/NĐ-CP156/2018/NĐ-CP": the N goes back.
    assert parsed["1.000084"]["legal_basis"] == [
        {
            "title": "Sửa đổi, bổ sung một số điều của các Nghị định trong lĩnh vực lâm nghiệp"
            " và Kiểm lâm",
            "number": "42/2026/NĐ-CP",
        },
        {"title": "Nghị định 156/2018/NĐ-CP", "number": "156/2018/NĐ-CP"},
    ]
    # "Luật Cư trú 202068/2020/QH14": the year ending the title is not part of the number.
    assert {"title": "Luật Cư trú 2020", "number": "68/2020/QH14"} in (
        parsed["1.002755"]["legal_basis"]
    )


def test_nfd_record_is_normalised(raw_records: dict[str, dict], parsed: dict[str, dict]) -> None:
    raw = raw_records["1.011325"]
    assert not unicodedata.is_normalized("NFC", raw["ten_thu_tuc"])
    record = parsed["1.011325"]
    assert record["name"] == (
        "Cấp, điều chỉnh, cấp lại Giấy phép  nhập khẩu, xuất khẩu thuốc thú y, nguyên liệu làm"
        " thuốc thú y có chứa chất ma túy, tiền chất"
    )
    assert (record["field"], record["levels"]) == ("Thú y", ["province"])
    assert [c["channel"] for c in record["channels"]] == ["online", "post", "in_person"]
    assert record["legal_time"] == {
        "amount": "5",
        "unit": "working_days",
        "text": "5 Ngày làm việc",
    }
    assert record["fee"]["amount"] == 2000000
    assert record["parse_warnings"] == []


def test_other_agency_is_not_a_level(parsed: dict[str, dict]) -> None:
    record = parsed["1.000025"]
    assert record["levels"] == ["ministry", "province"]
    assert f"{pr.W_LEVEL}: Cơ quan khác" in record["parse_warnings"]


def test_result_documents_without_codes_and_page_text(parsed: dict[str, dict]) -> None:
    assert parsed["1.003777"]["result_documents"].splitlines()[:2] == [
        "Quyết định về việc hưởng chế độ trợ cấp hàng tháng (Mẫu số 05A)",
        "Quyết định về việc hưởng chế độ trợ cấp một lần (Mẫu số 05B)",
    ]
    assert parsed["1.004002"]["result_documents"] == (
        "Giấy chứng nhận đăng ký phương tiện thủy nội địa."
    )
    for record in parsed.values():
        assert "Mã:" not in record["result_documents"]
        assert pr.RESULT_TAIL_MARK not in record["result_documents"]


# ------------------------------------------------------------------ the whole file


def _strings(value: object) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, list):
        return [s for v in value for s in _strings(v)]
    if isinstance(value, dict):
        return [s for v in value.values() for s in _strings(v)]
    return []


def _check_shape(record: dict) -> None:
    assert set(record) == EXCHANGE_KEYS
    assert record["national_code"] and record["name"] and record["field"]
    assert record["levels"] and set(record["levels"]) <= {"province", "commune", "ministry"}
    assert {"province", "commune"} & set(record["levels"])
    assert record["online_level"] in ("partial", "none")
    assert record["source_url"].startswith("https://dichvucong.gov.vn/")
    for channel in record["channels"]:
        assert set(channel) == CHANNEL_KEYS
        assert channel["channel"] in ("in_person", "online", "post")
        assert channel["time_unit"] in TIME_UNITS | {None}
        assert (channel["time_amount"] is None) == (channel["time_unit"] is None)
        assert channel["fee_amount"] is None or channel["fee_amount"] >= 0
    assert set(record["legal_time"]) == {"amount", "unit", "text"}
    assert set(record["fee"]) == {"amount", "text"}
    for document in record["documents"]:
        assert set(document) == DOCUMENT_KEYS
        assert document["name"]
        assert document["kind"] in ("original", "certified_copy", "copy", "unspecified")
        assert document["count"] is None or document["count"] > 0
    for basis in record["legal_basis"]:
        assert set(basis) == {"title", "number"}
    for text in _strings(record):
        assert text == text.strip() and unicodedata.is_normalized("NFC", text)


def test_every_record_parses_to_the_exchange_format(parsed: dict[str, dict]) -> None:
    for record in parsed.values():
        _check_shape(record)


def test_parse_statistics(parsed: dict[str, dict]) -> None:
    """Measured on the committed subset (1,601 records)."""
    records = list(parsed.values())
    assert sum(r["legal_time"]["unit"] is not None for r in records) == 1257
    assert Counter(r["legal_time"]["unit"] for r in records) == {
        "working_days": 919,
        "calendar_days": 289,
        "working_hours": 49,
        None: 344,
    }
    assert sum(r["fee"]["amount"] is not None for r in records) == 1071
    assert sum(bool(r["fee"]["amount"]) for r in records) == 146
    assert sum(r["online_level"] == "partial" for r in records) == 1352
    assert sum(len(r["documents"]) for r in records) == 9108
    assert sum(len(r["legal_basis"]) for r in records) == 6971
    assert sum(not r["parse_warnings"] for r in records) == 698
    by_kind = Counter(kind for r in records for kind in set(kinds(r)))
    assert by_kind == {
        pr.W_DOC_BOTH: 387,
        pr.W_TIME_NO_UNIT: 233,
        pr.W_FEE_FREE_NOTE: 214,
        pr.W_TIME_DIFF: 135,
        pr.W_GLUED: 48,
        pr.W_FEE_MULTI: 47,
        pr.W_LEGAL_NO_NUMBER: 35,
        pr.W_FEE_SMALL: 30,
        pr.W_DOC_COUNT: 27,
        pr.W_DOC_FORM: 25,
        pr.W_DOC_TABLE: 24,
        pr.W_LEVEL: 22,
        pr.W_LEGAL_NO_TITLE: 12,
        pr.W_FEE_CURRENCY: 10,
        pr.W_TIME_TEXT: 9,
        pr.W_FEE_ROWS: 8,
        pr.W_TIME_UNIT: 4,
        pr.W_DOC_NO_COUNT: 4,
        pr.W_LEGAL_TABLE: 1,
    }
