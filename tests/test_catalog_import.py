"""Catalogue import (`catalog.exchange.import_records`, `manage.py catalog_import`) and export.

An import is all or nothing: a file with bad rows must change nothing and name every bad row
with its place (line, record, or sheet:row) and the reason, so the admin fixes them in one pass.
Records are realistic Vietnamese test data, not statements about the law.
"""

from __future__ import annotations

import json
from decimal import Decimal
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.utils import translation
from openpyxl import Workbook

from catalog.exchange import ImportRejected, export_records, import_records, read_json_lines
from catalog.models import Field, Procedure, RequiredDocument
from catalog.spreadsheet import CHILD_SHEETS, PROCEDURE_COLUMNS, write_workbook
from tests import factories

pytestmark = pytest.mark.django_db
DAYS = "working_days"


@pytest.fixture(autouse=True)
def levels():
    """The administrative levels the records name (levels are data, not code)."""
    factories.level("province", tier=1)
    factories.level("commune", tier=3)
    factories.level("ward", tier=3, group="commune")


@pytest.fixture(autouse=True)
def vietnamese():
    """Row messages are checked in the source language, whatever the lead translates."""
    with translation.override("vi"):
        yield


def business_record(code: str = "2.000101", **extra) -> dict:
    """A richer record than the factory's: several channels, documents and legal bases."""
    record = factories.exchange_record(
        code,
        name="Đăng ký thành lập hộ kinh doanh",
        field="Thành lập và hoạt động của hộ kinh doanh",
        levels=["commune", "ward"],
        channels=[
            _channel("in_person", "3", "working_days", fee=100000),
            _channel("online", "3", "working_days", fee=50000),
            _channel("post", "0.5", "working_days", fee=None),
        ],
        legal_time={"amount": "3", "unit": "working_days", "text": "03 ngày làm việc"},
        fee={"amount": 100000, "text": "100.000 đồng/lần"},
        documents=[
            _document("Giấy đề nghị đăng ký hộ kinh doanh", "original", 1),
            _document("Bản sao giấy tờ pháp lý của chủ hộ", "certified_copy", 1),
            _document("Văn bản ủy quyền", "copy", None, mandatory=False, condition="Khi ủy quyền"),
        ],
        legal_basis=[
            {"title": "Nghị định về đăng ký doanh nghiệp (dữ liệu thử)", "number": "01/TEST"},
            {"title": "Thông tư hướng dẫn (dữ liệu thử)", "number": "02/TEST"},
        ],
        online_level="full",
    )
    record.update(extra)
    return record


def _channel(kind: str, amount: str, unit: str, fee: int | None) -> dict:
    return {
        "channel": kind,
        "time_amount": amount,
        "time_unit": unit,
        "time_text": f"{amount} ngày làm việc",
        "fee_amount": fee,
        "fee_text": "" if fee is None else f"{fee} đồng",
        "description": "",
    }


def _document(name: str, kind: str, count: int | None, **extra) -> dict:
    doc = {"name": name, "kind": kind, "count": count, "mandatory": True, "condition": ""}
    doc["form_template"] = ""
    doc.update(extra)
    return doc


def write_jsonl(path: Path, lines: list[object]) -> Path:
    """One JSON object per line; a str item is written as it is (a broken or blank line)."""
    text = "\n".join(item if isinstance(item, str) else json.dumps(item, ensure_ascii=False)
                     for item in lines)  # fmt: skip
    path.write_text(text + "\n", encoding="utf-8")
    return path


def run_import(path: Path) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command("catalog_import", str(path), stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def run_failing_import(path: Path) -> tuple[str, CommandError]:
    err = StringIO()
    with pytest.raises(CommandError) as raised:
        call_command("catalog_import", str(path), stdout=StringIO(), stderr=err)
    return err.getvalue(), raised.value


def assert_reported(stderr: str, where: str, *fragments: str) -> None:
    """Some stderr line starts with `where:` and contains every fragment."""
    lines = [line for line in stderr.splitlines() if line.startswith(f"{where}:")]
    assert any(all(f in line for f in fragments) for line in lines), (where, fragments, stderr)


def snapshot() -> list[dict]:
    """Everything an import can touch, to prove that a rejected file touched nothing."""
    fields = sorted(Field.objects.values_list("name", flat=True))
    return [*export_records(), {"fields": fields}]


def assert_business_procedure(code: str = "2.000101") -> None:
    p = Procedure.objects.get(national_code=code)
    assert p.name == "Đăng ký thành lập hộ kinh doanh"
    assert p.field.name == "Thành lập và hoạt động của hộ kinh doanh"
    assert sorted(p.levels.values_list("code", flat=True)) == ["commune", "ward"]
    assert (p.legal_time_amount, p.legal_time_unit) == (Decimal(3), "working_days")
    assert (p.fee_amount, p.online_level, p.needs_review) == (100000, "full", False)
    channels = [(c.channel, c.time_amount, c.fee_amount) for c in p.channels.all()]
    assert channels == [
        ("in_person", Decimal(3), 100000),
        ("online", Decimal(3), 50000),
        ("post", Decimal("0.5"), None),
    ]
    docs = [(d.position, d.name, d.kind, d.count, d.mandatory) for d in p.documents.all()]
    assert docs == [
        (1, "Giấy đề nghị đăng ký hộ kinh doanh", "original", 1, True),
        (2, "Bản sao giấy tờ pháp lý của chủ hộ", "certified_copy", 1, True),
        (3, "Văn bản ủy quyền", "copy", None, False),
    ]
    assert p.documents.get(position=3).condition == "Khi ủy quyền"
    assert list(p.legal_bases.values_list("number", flat=True)) == ["01/TEST", "02/TEST"]


# ---------------------------------------------------------------- good files


def test_a_json_lines_file_creates_procedures_with_their_children(tmp_path):
    path = write_jsonl(tmp_path / "catalog.jsonl", [business_record(), factories.exchange_record()])
    out, err = run_import(path)
    assert "Thêm mới 2" in out and err == ""
    assert_business_procedure()
    birth = Procedure.objects.get(national_code="1.000001")
    assert birth.documents.get().name == "Tờ khai đăng ký khai sinh"
    assert birth.legal_bases.get().number == "60/2014/QH13"
    assert birth.fee_amount is None and birth.fee_text == "Miễn lệ phí"


def test_a_json_list_file_creates_the_same_procedures(tmp_path):
    path = tmp_path / "catalog.json"
    path.write_text(json.dumps([business_record()], ensure_ascii=False, indent=2), "utf-8")
    out, _ = run_import(path)
    assert "Thêm mới 1" in out
    assert_business_procedure()


def test_an_excel_workbook_creates_the_same_procedures(tmp_path):
    path = tmp_path / "catalog.xlsx"
    write_workbook([business_record()], path)
    out, _ = run_import(path)
    assert "Thêm mới 1" in out
    assert_business_procedure()


def _sheet(book: Workbook, title: str, columns: list[str], rows: list[dict]):
    sheet = book.create_sheet(title)
    sheet.append(columns)
    for row in rows:
        sheet.append([row.get(col) for col in columns])


def test_a_workbook_typed_by_hand_with_numeric_cells_is_read(tmp_path):
    """Staff type numbers as numbers and booleans as yes/no; columns may be left empty."""
    book = Workbook()
    book.remove(book.active)
    row = {"national_code": "1.000300", "name": "Cấp phiếu lý lịch tư pháp"}
    row.update(field="Lý lịch tư pháp", levels="province", online_level="partial")
    row.update(legal_time_amount=10, legal_time_unit=DAYS, fee_amount=200000)
    _sheet(book, "procedures", PROCEDURE_COLUMNS, [row])
    _sheet(book, "documents", CHILD_SHEETS["documents"], [
        {"national_code": "1.000300", "name": "Tờ khai yêu cầu cấp phiếu", "kind": "original",
         "count": 1, "mandatory": "yes"},
        {"national_code": "1.000300", "name": "Bản chụp căn cước", "kind": "copy", "count": 2,
         "mandatory": "no"},
    ])  # fmt: skip
    _sheet(book, "channels", CHILD_SHEETS["channels"], [
        {"national_code": "1.000300", "channel": "online", "time_amount": 7.5,
         "time_unit": "working_days", "fee_amount": 200000},
    ])  # fmt: skip
    book.save(tmp_path / "typed.xlsx")
    run_import(tmp_path / "typed.xlsx")

    p = Procedure.objects.get(national_code="1.000300")
    assert (p.legal_time_amount, p.fee_amount, p.online_level) == (10, 200000, "partial")
    assert [(d.name, d.count, d.mandatory) for d in p.documents.all()] == [
        ("Tờ khai yêu cầu cấp phiếu", 1, True),
        ("Bản chụp căn cước", 2, False),
    ]
    assert p.channels.get().time_amount == Decimal("7.5")
    assert p.legal_bases.count() == 0


def test_reimport_updates_in_place_without_duplicating_children(tmp_path):
    run_import(write_jsonl(tmp_path / "v1.jsonl", [business_record()]))
    first = Procedure.objects.get()

    changed = business_record(name="Đăng ký thành lập hộ kinh doanh (sửa đổi)")
    changed["documents"] = changed["documents"][:2]
    changed["channels"][0]["fee_amount"] = 120000
    changed["levels"] = ["commune"]
    path = write_jsonl(tmp_path / "v2.jsonl", [changed])
    out, _ = run_import(path)
    run_import(path)  # the same file twice changes nothing more

    assert "cập nhật 1" in out
    p = Procedure.objects.get()
    assert p.pk == first.pk and p.name.endswith("(sửa đổi)")
    assert list(p.levels.values_list("code", flat=True)) == ["commune"]
    assert p.documents.count() == 2 and RequiredDocument.objects.count() == 2
    assert p.channels.count() == 3 and p.legal_bases.count() == 2
    assert p.channels.get(channel="in_person").fee_amount == 120000


def test_parse_warnings_flag_the_procedure_for_review(tmp_path):
    warnings = ["Không tách được thời hạn: “theo quy định”", "Phí ghi bằng chữ"]
    records = [factories.exchange_record(parse_warnings=warnings), business_record()]
    report = import_records(("test", r) for r in records)
    assert report.flagged == 1
    flagged = Procedure.objects.get(national_code="1.000001")
    assert flagged.needs_review
    assert all(w in flagged.review_notes for w in warnings)
    assert not Procedure.objects.get(national_code="2.000101").needs_review


# ---------------------------------------------------------------- bad files change nothing


@pytest.fixture
def existing(tmp_path):
    """A procedure already in the catalogue, that a rejected file tries to change."""
    run_import(write_jsonl(tmp_path / "existing.jsonl", [business_record("2.000900")]))
    return snapshot()


def bad_records() -> list[tuple[object, str]]:
    """(record, fragment of its reason): one problem each, in file order."""
    document = business_record("3.000004")
    document["documents"][1]["kind"] = "ban_photo"
    return [
        (factories.exchange_record("3.000001", levels=["district_old"]), "district_old"),
        (factories.exchange_record("3.000002", fee={"amount": -50000, "text": ""}), "phí"),
        (factories.exchange_record("3.000003", legal_time={"amount": "-2", "unit": DAYS}),
         "không được âm"),
        (document, "ban_photo"),
        (factories.exchange_record("3.000005", name="  "), "“name”"),
        (factories.exchange_record("2.000900"), "trùng"),
    ]  # fmt: skip


def changed_existing() -> dict:
    """A good row that would change the existing procedure, were the file accepted."""
    return business_record("2.000900", name="Tên đã bị sửa", field="Lĩnh vực mới")


def test_a_json_lines_file_with_bad_rows_is_rejected_whole(tmp_path, existing):
    bad = bad_records()
    lines = [changed_existing(), "", *[r for r, _ in bad], '{"national_code": "3.0009",']
    stderr, error = run_failing_import(write_jsonl(tmp_path / "bad.jsonl", lines))

    # the good row is line 1, a blank line 2, the bad records from line 3, broken JSON last
    for n, (_, reason) in enumerate(bad, 3):
        assert_reported(stderr, f"dòng {n}", reason)
    assert_reported(stderr, "dòng 8", "trùng", "dòng 1")
    assert_reported(stderr, f"dòng {len(lines)}", "JSON")
    assert len(stderr.splitlines()) == len(bad) + 1
    assert str(len(bad) + 1) in str(error)
    assert snapshot() == existing


def test_a_json_list_with_bad_records_names_each_record(tmp_path, existing):
    bad = bad_records()
    path = tmp_path / "bad.json"
    path.write_text(json.dumps([changed_existing(), *[r for r, _ in bad]]), "utf-8")
    stderr, _ = run_failing_import(path)
    for n, (_, reason) in enumerate(bad, 2):
        assert_reported(stderr, f"bản ghi {n}", reason)
    assert_reported(stderr, "bản ghi 7", "trùng", "bản ghi 1")
    assert snapshot() == existing


def test_a_workbook_with_bad_rows_names_sheet_and_row(tmp_path, existing):
    bad = bad_records()
    path = tmp_path / "bad.xlsx"
    write_workbook([changed_existing(), *[r for r, _ in bad]], path)
    stderr, _ = run_failing_import(path)
    # row 1 is the header, row 2 the good row
    for n, (_, reason) in enumerate(bad, 3):
        assert_reported(stderr, f"procedures:{n}", reason)
    assert_reported(stderr, "procedures:8", "trùng", "procedures:2")
    assert snapshot() == existing


def test_import_records_raises_with_every_error_and_writes_nothing(existing):
    rows = [("hàng 1", changed_existing())]
    rows += [(f"hàng {n}", r) for n, (r, _) in enumerate(bad_records(), 2)]
    with pytest.raises(ImportRejected) as raised:
        import_records(rows)
    wheres = sorted({e.where for e in raised.value.errors})
    assert wheres == sorted(where for where, _ in rows[1:])
    assert snapshot() == existing


def test_a_broken_json_line_is_reported_as_invalid_json(tmp_path):
    path = write_jsonl(tmp_path / "broken.jsonl", [business_record(), '{"name": "Đăng ký",'])
    stderr, _ = run_failing_import(path)
    assert_reported(stderr, "dòng 2", "JSON không hợp lệ")


def test_a_workbook_without_the_procedures_sheet_says_so(tmp_path):
    book = Workbook()
    book.active.title = "thu_tuc"
    book.save(tmp_path / "wrong.xlsx")
    stderr, _ = run_failing_import(tmp_path / "wrong.xlsx")
    assert_reported(stderr, "wrong.xlsx", "procedures")


@pytest.mark.parametrize("key", ["fee", "legal_time"])
def test_a_block_of_the_wrong_shape_is_a_reported_row_error(tmp_path, key):
    record = factories.exchange_record(**{key: "Theo quy định"})
    stderr, _ = run_failing_import(write_jsonl(tmp_path / "shape.jsonl", [record]))
    assert_reported(stderr, "dòng 1", key)
    assert Procedure.objects.count() == 0


def test_an_empty_document_kind_cell_means_unspecified(tmp_path):
    record = factories.exchange_record()
    record["documents"][0]["kind"] = None
    write_workbook([record], tmp_path / "blank-kind.xlsx")
    run_import(tmp_path / "blank-kind.xlsx")
    assert Procedure.objects.get().documents.get().kind == RequiredDocument.Kind.UNSPECIFIED


def test_a_missing_file_is_a_command_error(tmp_path):
    with pytest.raises(CommandError, match=r"[Kk]hông tìm thấy"):
        call_command("catalog_import", str(tmp_path / "nowhere.jsonl"), stderr=StringIO())


# ---------------------------------------------------------------- export, then import


def round_trip_records() -> list[dict]:
    hours = factories.exchange_record(
        "1.000777",
        name="Chứng thực chữ ký trong giấy tờ, văn bản",
        field="Chứng thực",
        levels=["commune", "province"],
        legal_time={"amount": "7.5", "unit": "working_hours", "text": "Trong ngày làm việc"},
        fee={"amount": 10000, "text": "10.000 đồng/trường hợp"},
        source_url="https://example.test/thu-tuc/1.000777",
        parse_warnings=["Thời hạn có điều kiện, cần rà soát"],
        steps_text="Bước 1: Nộp hồ sơ.\nBước 2: Nhận kết quả.",
        online_level="none",
    )
    return [business_record(), factories.exchange_record(), hours]


@pytest.mark.parametrize("suffix", [".jsonl", ".xlsx"])
def test_export_then_import_gives_back_the_same_records(tmp_path, suffix):
    import_records(("test", r) for r in round_trip_records())
    before = list(export_records())
    path = tmp_path / f"catalog{suffix}"
    call_command("catalog_export", str(path), stdout=StringIO())

    Procedure.objects.all().delete()
    run_import(path)

    assert list(export_records()) == before
    assert Procedure.objects.get(national_code="1.000777").needs_review


def test_exported_json_lines_are_one_readable_record_per_line(tmp_path):
    import_records(("test", r) for r in round_trip_records())
    path = tmp_path / "catalog.jsonl"
    call_command("catalog_export", str(path), stdout=StringIO())
    read = [record for _, record in read_json_lines(path)]
    assert [r["national_code"] for r in read] == ["1.000001", "1.000777", "2.000101"]
    assert "Đăng ký" in path.read_text(encoding="utf-8")  # UTF-8, not \\u escapes
