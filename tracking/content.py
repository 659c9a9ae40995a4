"""The HTML of the tracking page's main content, built in Python.

The page is benchmarked against a trivial view (at least half its throughput), and Django's
template engine took several milliseconds for the dossier's facts and timeline (about a
hundred variable lookups, dates through the `date` filter, a `{% translate %}` per label):
several times the trivial view and the three queries together. Built here, the same HTML
(checked byte for byte against the former template when this was written) costs a small
fraction of that.

Escaping: every value from the database or the request goes through `esc` (the escaping of
Django's `escape` and of the template's autoescape); translated texts are inserted as
`{% translate %}` inserts them (a translation is trusted like the template). Dates are shown
in the current time zone, as the `date` filter shows them.
"""

from __future__ import annotations

import datetime as dt
from functools import cache
from html import escape as esc

from django.core.signals import setting_changed
from django.urls import get_script_prefix, reverse
from django.utils.safestring import SafeString, mark_safe
from django.utils.timezone import get_current_timezone
from django.utils.translation import get_language

from tracking import texts
from tracking.selectors import PublicDossier, Stage

DATE_FORMAT = "%H:%M %d/%m/%Y"  # the template's "H:i d/m/Y"


def _date(value: dt.datetime, zone: dt.tzinfo) -> str:
    return value.astimezone(zone).strftime(DATE_FORMAT)


def _time(value: dt.datetime, zone: dt.tzinfo) -> str:
    local = value.astimezone(zone)
    return f'<time datetime="{local.isoformat()}">{local.strftime(DATE_FORMAT)}</time>'


def title(dossier: PublicDossier | None) -> SafeString:
    """The text of the page's <title> (before " · motcua"), escaped."""
    t = texts.texts()
    if dossier:
        return mark_safe(t["Hồ sơ %(code)s"] % {"code": esc(dossier.code)})
    return mark_safe(t["Tra cứu hồ sơ"])


def dossier_sections(dossier: PublicDossier) -> SafeString:
    """The dossier's facts and timeline: what the page shows of a found dossier, below the
    form. It depends on the dossier, the language and the time zone only."""
    t = texts.texts()
    zone = get_current_timezone()  # what the `date` filter converts to
    return mark_safe(_facts(t, dossier, zone) + "\n" + _timeline(t, dossier, zone))


def main(code: str, *, sections: SafeString | None, looked_up: bool, limited: bool) -> SafeString:
    """The content of <main>: the form, then the dossier's `sections` or why there are none."""
    t = texts.texts()
    parts = [_form(t, code)]
    if limited:
        parts.append(_notice(t, "notice warn", "Bạn đã tra cứu quá nhiều lần", t[
            "Để bảo vệ thông tin của người nộp hồ sơ, mỗi địa chỉ chỉ được tra cứu một số lần "
            "mỗi phút. Vui lòng thử lại sau một phút."
        ]))  # fmt: skip
    elif looked_up and not sections:
        parts.append(_notice(t, "notice", "Không tìm thấy hồ sơ", t[
            "Không có hồ sơ nào mang mã “%(code)s”. Hãy kiểm tra lại mã ghi trên giấy tiếp "
            "nhận hồ sơ và hẹn trả kết quả."
        ] % {"code": esc(code)}))  # fmt: skip
    elif sections:
        parts.append(sections)
    return mark_safe("\n".join(parts))


def _form(t: dict[str, str], code: str) -> str:
    before, after = _form_around_code(get_language(), get_script_prefix())
    return f"{before}{esc(code)}{after}"


@cache
def _form_around_code(language: str, script_prefix: str) -> tuple[str, str]:
    """The search form, the same for every request but for the code typed: built once per
    language (and prefix of the site's addresses, on which `reverse` depends)."""
    t = texts.texts()
    before = (
        f'<h1>{t["Tra cứu hồ sơ"]}</h1>\n<form class="search tracking-form" '
        f'action="{reverse("tracking:track")}" method="get" role="search">\n'
        f'  <label for="ma">{t["Mã hồ sơ (ghi trên giấy tiếp nhận)"]}</label>\n'
        '  <div class="row"><input id="ma" name="ma" type="text" value="'
    )
    after = (
        '" maxlength="100" autocomplete="off" autocapitalize="characters" spellcheck="false" '
        'inputmode="text" aria-describedby="ma-help">\n'
        f'  <button type="submit">{t["Tra cứu"]}</button></div>\n  <p id="ma-help" class="note">'
        f"{t['Có thể gõ chữ hoa hay chữ thường, có dấu hay không dấu; khoảng trắng được bỏ qua.']}"
        "</p>\n</form>"
    )
    return before, after


def _forget(**_kwargs: object) -> None:
    """Settings changed (tests): the URLs may differ now."""
    _form_around_code.cache_clear()


setting_changed.connect(_forget, dispatch_uid="tracking.content.forget")


def _notice(t: dict[str, str], kind: str, heading: str, text: str) -> str:
    return f'<div class="{kind}" role="alert">\n  <h2>{t[heading]}</h2>\n  <p>{text}</p>\n</div>'


def _state(t: dict[str, str], d: PublicDossier, zone: dt.tzinfo) -> str:
    more = ""
    if d.is_returned:
        more = " · " + t["đã trả kết quả lúc %(at)s"] % {"at": _date(d.returned_at, zone)}
    elif d.result_ready:
        more = " · " + t["kết quả đã sẵn sàng để trả"]
    ready = " ready" if d.result_ready else ""
    return f'<p class="state{ready}"><strong>{esc(d.status_label)}</strong>{more}</p>'


def _where(d: PublicDossier) -> str:
    if d.current:
        return f"{d.current.label} · {d.current.place}"
    if d.status == "submitted":
        return d.receiving_agency
    return d.processing_agency if d.is_open else "—"


def _facts(t: dict[str, str], d: PublicDossier, zone: dt.tzinfo) -> str:
    rows = [
        ("Người nộp", esc(d.applicant)),
        ("Thủ tục", f'{esc(d.procedure)} <span class="meta">{esc(d.procedure_code)}</span>'),
        ("Nơi tiếp nhận", esc(d.receiving_agency)),
        ("Cơ quan giải quyết", esc(d.processing_agency)),
    ]
    if d.submitted_at:
        rows.append(("Nộp trực tuyến lúc", _time(d.submitted_at, zone)))
    rows += [
        ("Tiếp nhận lúc", _time(d.received_at, zone) if d.received_at else t["Chưa tiếp nhận"]),
        ("Hẹn trả kết quả", _time(d.due_at, zone) if d.due_at else "—"),
        ("Đang ở", esc(_where(d))),
        ("Kết quả", t["Đã có kết quả"] if d.result_ready else t["Chưa có kết quả"]),
    ]
    facts = "\n".join(f"    <dt>{t[label]}</dt><dd>{value}</dd>" for label, value in rows)
    return (
        '<section aria-labelledby="dossier-h">\n  <h2 id="dossier-h">'
        f"{t['Hồ sơ %(code)s'] % {'code': esc(d.code)}}</h2>\n  {_state(t, d, zone)}\n"
        f'  <dl class="facts">\n{facts}\n  </dl>\n</section>'
    )


def _stage(t: dict[str, str], stage: Stage, zone: dt.tzinfo) -> str:
    kind = "step" if stage.is_step else "move"
    if stage.is_step and not stage.until:
        kind += " open"
    place = f'<span class="meta">{esc(stage.place)}</span>' if stage.place else ""
    progress = ""
    if stage.is_step:
        until = ""
        if stage.until:
            until = t["xong lúc %(at)s"] % {"at": _date(stage.until, zone)} + " · "
        progress = f'<span class="meta">{until}{esc(stage.progress)}</span>'
    return (
        f'    <li class="{kind}">\n      {_time(stage.at, zone)}\n'
        f'      <span class="what">{esc(stage.label)}</span>\n      {place}\n'
        f"      {progress}\n    </li>"
    )


def _timeline(t: dict[str, str], d: PublicDossier, zone: dt.tzinfo) -> str:
    items = [_stage(t, s, zone) for s in d.timeline] or [
        f"    <li>{t['Chưa có bước xử lý nào.']}</li>"
    ]
    note = t[
        "Trang này chỉ hiển thị thông tin công khai; tên người nộp được che bớt. Người nộp "
        "đăng nhập để xem đầy đủ hồ sơ và tải kết quả."
    ]
    return (
        '<section aria-labelledby="timeline-h">\n'
        f'  <h2 id="timeline-h">{t["Quá trình xử lý"]}</h2>\n'
        '  <ol class="timeline">\n' + "\n".join(items) + "\n  </ol>\n"
        f'  <p class="note">{note}</p>\n</section>'
    )
