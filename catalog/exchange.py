"""Import and export of the procedure catalogue (JSON lines and Excel).

An import is all or nothing: every record is checked first, every bad row is reported with its
line (or sheet and row) and reason, and nothing is written unless all rows are good. A half
imported catalogue would publish procedures without their documents or fees.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path

from django.db import transaction
from django.utils.text import slugify
from django.utils.translation import gettext as _

from catalog.models import (
    Field,
    LegalBasis,
    OnlineLevel,
    Procedure,
    ProcedureChannel,
    RequiredDocument,
    TimeUnit,
)
from org.models import AdministrativeLevel

TOP_KEYS = (
    "national_code", "name", "field", "levels", "procedure_type", "decision_number", "subjects",
    "competent_authority", "implementing_agency", "receiving_places", "conditions", "steps_text",
    "channels", "legal_time", "fee", "documents", "legal_basis", "result_documents",
    "online_level", "source_url", "parse_warnings",
)  # fmt: skip
TEXT_KEYS = (
    "procedure_type", "decision_number", "subjects", "competent_authority",
    "implementing_agency", "receiving_places", "conditions", "steps_text", "result_documents",
)  # fmt: skip


@dataclass
class RowError:
    """One bad row: where it is (line or sheet:row) and what is wrong, in the user's language."""

    where: str
    message: str

    def __str__(self) -> str:
        return f"{self.where}: {self.message}"


@dataclass(frozen=True)
class UnreadableRow:
    """A row the reader could not turn into a record (bad JSON, missing sheet): the reason is
    reported as it is, not as "not an object"."""

    reason: str


class ImportRejected(Exception):
    """Raised when any row is bad; carries every error so the admin can fix them all at once."""

    def __init__(self, errors: list[RowError]) -> None:
        super().__init__("\n".join(str(e) for e in errors))
        self.errors = errors


@dataclass
class ImportReport:
    created: int = 0
    updated: int = 0
    flagged: int = 0
    fields_created: list[str] = field(default_factory=list)


# ---------------------------------------------------------------- validation


def _decimal_or_error(value: object, label: str, errors: list[str]) -> Decimal | None:
    if value in (None, ""):
        return None
    try:
        number = Decimal(str(value))
    except InvalidOperation:
        errors.append(
            _("%(label)s “%(value)s” không phải là số") % {"label": label, "value": value}
        )
        return None
    if number < 0:
        errors.append(_("%(label)s không được âm") % {"label": label})
    return number


def _int_or_error(value: object, label: str, errors: list[str]) -> int | None:
    if value in (None, ""):
        return None
    if isinstance(value, bool) or not str(value).strip().isdigit():
        errors.append(
            _("%(label)s “%(value)s” phải là số nguyên không âm") % {"label": label, "value": value}
        )
        return None
    return int(str(value).strip())


def _check_time(block: dict, label: str, errors: list[str]) -> None:
    unit = block.get("unit") or block.get("time_unit")
    amount = block.get("amount", block.get("time_amount"))
    if unit and unit not in TimeUnit.values:
        errors.append(
            _("%(label)s: đơn vị thời hạn “%(unit)s” không hợp lệ") % {"label": label, "unit": unit}
        )
    _decimal_or_error(amount, label, errors)
    if amount not in (None, "") and not unit:
        errors.append(_("%(label)s: có số nhưng thiếu đơn vị thời hạn") % {"label": label})


def _check_documents(docs: object, errors: list[str]) -> None:
    if not isinstance(docs, list):
        errors.append(_("“documents” phải là một danh sách"))
        return
    for i, doc in enumerate(docs, 1):
        label = _("giấy tờ %(n)s") % {"n": i}
        if not isinstance(doc, dict) or not str(doc.get("name", "")).strip():
            errors.append(_("%(label)s: thiếu tên giấy tờ") % {"label": label})
            continue
        if (doc.get("kind") or "unspecified") not in RequiredDocument.Kind.values:
            errors.append(
                _("%(label)s: loại bản “%(kind)s” không hợp lệ")
                % {"label": label, "kind": doc.get("kind")}
            )
        _int_or_error(doc.get("count"), label, errors)


def _check_channels(channels: object, errors: list[str]) -> None:
    if not isinstance(channels, list):
        errors.append(_("“channels” phải là một danh sách"))
        return
    for i, ch in enumerate(channels, 1):
        label = _("cách thức %(n)s") % {"n": i}
        if not isinstance(ch, dict) or ch.get("channel") not in ProcedureChannel.Channel.values:
            errors.append(_("%(label)s: hình thức nộp không hợp lệ") % {"label": label})
            continue
        _check_time(ch, label, errors)
        _int_or_error(ch.get("fee_amount"), label, errors)


def _check_blocks(record: dict, errors: list[str]) -> bool:
    """The nested blocks must have the right shape before their contents can be checked."""
    shapes = {"legal_time": dict, "fee": dict, "channels": list, "documents": list,
              "legal_basis": list, "levels": list, "parse_warnings": list}  # fmt: skip
    ok = True
    for key, shape in shapes.items():
        value = record.get(key)
        if value is not None and not isinstance(value, shape):
            kind = _("một đối tượng") if shape is dict else _("một danh sách")
            errors.append(_("“%(key)s” phải là %(kind)s") % {"key": key, "kind": kind})
            ok = False
    return ok


def check_record(record: object, known_levels: set[str]) -> list[str]:
    """Every problem of one exchange record, as messages (empty when the record is good)."""
    if isinstance(record, UnreadableRow):
        return [record.reason]
    if not isinstance(record, dict):
        return [_("bản ghi phải là một đối tượng JSON")]
    errors: list[str] = []
    unknown = set(record) - set(TOP_KEYS)
    if unknown:
        errors.append(
            _("trường không được hỗ trợ: %(keys)s") % {"keys": ", ".join(sorted(unknown))}
        )
    for key in ("national_code", "name", "field"):
        if not str(record.get(key) or "").strip():
            errors.append(_("thiếu “%(key)s”") % {"key": key})
    if not _check_blocks(record, errors):
        return errors
    levels = record.get("levels") or []
    if not levels:
        errors.append(_("thiếu cấp thực hiện (“levels”)"))
    for level in set(levels) - known_levels:
        errors.append(
            _("cấp thực hiện “%(level)s” không có trong danh mục cấp hành chính") % {"level": level}
        )
    if record.get("online_level", "none") not in OnlineLevel.values:
        errors.append(
            _("mức độ trực tuyến “%(v)s” không hợp lệ") % {"v": record.get("online_level")}
        )
    _check_time(record.get("legal_time") or {}, _("thời hạn giải quyết"), errors)
    _int_or_error((record.get("fee") or {}).get("amount"), _("phí, lệ phí"), errors)
    _check_channels(record.get("channels") or [], errors)
    _check_documents(record.get("documents") or [], errors)
    return errors


def check_records(records: Iterable[tuple[str, object]]) -> tuple[list[dict], list[RowError]]:
    """Check all records; report duplicates of the same code in one file as errors too."""
    known_levels = set(AdministrativeLevel.objects.values_list("code", flat=True))
    # A version that dossiers were received under is a legal fact of those dossiers: it is
    # never rewritten in place (a changed procedure is published as a new version).
    in_use = set(
        Procedure.objects.filter(dossiers__isnull=False).values_list("national_code", flat=True)
    )
    good: list[dict] = []
    errors: list[RowError] = []
    seen: dict[str, str] = {}
    for where, record in records:
        problems = check_record(record, known_levels)
        code = str(record.get("national_code", "")).strip() if isinstance(record, dict) else ""
        if code and code in seen:
            problems.append(
                _("mã thủ tục %(code)s trùng với %(other)s") % {"code": code, "other": seen[code]}
            )
        if code in in_use:
            problems.append(
                _("thủ tục %(code)s đã có hồ sơ tiếp nhận theo phiên bản hiện hành; không sửa "
                  "tại chỗ được, hãy công bố phiên bản mới") % {"code": code}
            )  # fmt: skip
        seen.setdefault(code, where)
        errors.extend(RowError(where, p) for p in problems)
        if not problems:
            good.append(record)
    return good, errors


# ---------------------------------------------------------------- writing


def _text(record: dict, key: str) -> str:
    return str(record.get(key) or "").strip()


def _field_for(name: str, cache: dict[str, Field], report: ImportReport) -> Field:
    if name not in cache:
        obj, created = Field.objects.get_or_create(
            name=name, defaults={"code": _unique_field_code(name)}
        )
        if created:
            report.fields_created.append(name)
        cache[name] = obj
    return cache[name]


def _unique_field_code(name: str) -> str:
    base = slugify(name.replace("đ", "d").replace("Đ", "D"))[:110] or "linh-vuc"
    code, n = base, 2
    while Field.objects.filter(code=code).exists():
        code, n = f"{base}-{n}", n + 1
    return code


def _procedure_values(record: dict, fld: Field) -> dict:
    legal = record.get("legal_time") or {}
    fee = record.get("fee") or {}
    warnings = [str(w) for w in record.get("parse_warnings") or []]
    values = {key: _text(record, key) for key in TEXT_KEYS}
    values.update(
        name=_text(record, "name"),
        field=fld,
        legal_time_amount=None
        if legal.get("amount") in (None, "")
        else Decimal(str(legal["amount"])),
        legal_time_unit=legal.get("unit") or "",
        legal_time_text=str(legal.get("text") or ""),
        fee_amount=None if fee.get("amount") in (None, "") else int(fee["amount"]),
        fee_text=str(fee.get("text") or ""),
        online_level=record.get("online_level") or OnlineLevel.NONE,
        source_url=_text(record, "source_url"),
        needs_review=bool(warnings),
        review_notes="\n".join(warnings),
    )
    return values


def _replace_children(procedure: Procedure, record: dict) -> None:
    procedure.channels.all().delete()
    procedure.documents.all().delete()
    procedure.legal_bases.all().delete()
    ProcedureChannel.objects.bulk_create(
        ProcedureChannel(
            procedure=procedure,
            channel=ch["channel"],
            time_amount=None
            if ch.get("time_amount") in (None, "")
            else Decimal(str(ch["time_amount"])),
            time_unit=ch.get("time_unit") or "",
            time_text=str(ch.get("time_text") or ""),
            fee_amount=None if ch.get("fee_amount") in (None, "") else int(ch["fee_amount"]),
            fee_text=str(ch.get("fee_text") or ""),
            description=str(ch.get("description") or ""),
        )
        for ch in record.get("channels") or []
    )
    RequiredDocument.objects.bulk_create(
        RequiredDocument(
            procedure=procedure,
            position=i,
            name=str(doc["name"]).strip(),
            kind=doc.get("kind") or RequiredDocument.Kind.UNSPECIFIED,
            count=None if doc.get("count") in (None, "") else int(doc["count"]),
            mandatory=bool(doc.get("mandatory", True)),
            condition=str(doc.get("condition") or ""),
            form_template_name=str(doc.get("form_template") or ""),
        )
        for i, doc in enumerate(record.get("documents") or [], 1)
    )
    LegalBasis.objects.bulk_create(
        LegalBasis(
            procedure=procedure,
            position=i,
            title=str(basis.get("title") or "").strip(),
            number=str(basis.get("number") or "").strip(),
        )
        for i, basis in enumerate(record.get("legal_basis") or [], 1)
    )


def _write(records: list[dict]) -> ImportReport:
    report = ImportReport()
    fields: dict[str, Field] = {}
    levels = {lvl.code: lvl for lvl in AdministrativeLevel.objects.all()}
    for record in records:
        fld = _field_for(_text(record, "field"), fields, report)
        procedure, created = Procedure.objects.update_or_create(
            national_code=_text(record, "national_code"),
            version=1,
            defaults=_procedure_values(record, fld),
        )
        procedure.levels.set([levels[code] for code in record["levels"]])
        _replace_children(procedure, record)
        report.created += created
        report.updated += not created
        report.flagged += procedure.needs_review
    return report


def import_records(records: Iterable[tuple[str, object]]) -> ImportReport:
    """Check every (where, record) pair, then write them all in one transaction, or none."""
    good, errors = check_records(records)
    if errors:
        raise ImportRejected(errors)
    with transaction.atomic():
        return _write(good)


# ---------------------------------------------------------------- files


def read_json_lines(path: Path) -> Iterator[tuple[str, object]]:
    """Records of a JSON file: a list, or one object per line (JSON lines, optionally .gz)."""
    opener = _open_text(path)
    with opener as handle:
        text = handle.read()
    stripped = text.lstrip()
    if stripped.startswith("["):
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            yield (
                _("dòng %(n)s") % {"n": exc.lineno},
                _("JSON không hợp lệ: %(msg)s") % {"msg": exc.msg},
            )
            return
        for i, record in enumerate(data, 1):
            yield _("bản ghi %(n)s") % {"n": i}, record
        return
    for n, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        try:
            yield _("dòng %(n)s") % {"n": n}, json.loads(line)
        except json.JSONDecodeError as exc:
            reason = _("JSON không hợp lệ: %(msg)s") % {"msg": exc.msg}
            yield _("dòng %(n)s") % {"n": n}, UnreadableRow(reason)


def _open_text(path: Path):
    if path.suffix == ".gz":
        import gzip

        return gzip.open(path, "rt", encoding="utf-8")
    return path.open(encoding="utf-8")


def export_records(queryset: Iterable[Procedure] | None = None) -> Iterator[dict]:
    """Current procedures in the exchange format, the inverse of import_records."""
    if queryset is None:
        queryset = Procedure.objects.all()
    queryset = (
        queryset.select_related("field")
        .prefetch_related("levels", "channels", "documents", "legal_bases")
        .order_by("national_code", "version")
    )
    for p in queryset:
        yield _record_of(p)


def _record_of(p: Procedure) -> dict:
    record = {key: getattr(p, key) for key in TEXT_KEYS}
    record.update(
        national_code=p.national_code,
        name=p.name,
        field=p.field.name,
        levels=sorted(level.code for level in p.levels.all()),
        channels=[
            {
                "channel": c.channel,
                "time_amount": None if c.time_amount is None else _num(c.time_amount),
                "time_unit": c.time_unit or None,
                "time_text": c.time_text,
                "fee_amount": c.fee_amount,
                "fee_text": c.fee_text,
                "description": c.description,
            }
            for c in p.channels.all()
        ],
        legal_time={
            "amount": None if p.legal_time_amount is None else _num(p.legal_time_amount),
            "unit": p.legal_time_unit or None,
            "text": p.legal_time_text,
        },
        fee={"amount": p.fee_amount, "text": p.fee_text},
        documents=[
            {
                "name": d.name,
                "kind": d.kind,
                "count": d.count,
                "mandatory": d.mandatory,
                "condition": d.condition,
                "form_template": d.form_template_name,
            }
            for d in p.documents.all()
        ],
        legal_basis=[{"title": b.title, "number": b.number} for b in p.legal_bases.all()],
        online_level=p.online_level,
        source_url=p.source_url,
        parse_warnings=[w for w in p.review_notes.splitlines() if w.strip()],
    )
    return record


def _num(value: Decimal) -> str:
    """'7.00' -> '7', '0.50' -> '0.5': the exchange format keeps amounts as plain decimals."""
    text = format(value.normalize(), "f")
    return text
