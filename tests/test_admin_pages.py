"""Every page of the administration site (/quan-tri/) answers, whatever is typed into it.

The administrators of a province's IT centre edit the catalogue, the organisation, the
calendars, the citizens' accounts and the upstream systems here. Each registered model's list,
search, filters, "add" form and the "change" form of a row of the demo province must open
(never a 5xx), in Vietnamese by default, and a hostile search or filter value must give the
list back, not a crash page.
"""

from __future__ import annotations

import pytest
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.db import connection
from django.test import Client
from django.urls import reverse
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice

from catalog.models import Procedure

pytestmark = pytest.mark.django_db

HOSTILE = {
    "text": "đất đai",
    "quote": "'\"<script>",
    "percent": "100%_",
    "nul": "a\x00b",
    "long": "x" * 5000,
    "digits": "9" * 30,
}


@pytest.fixture
def administrator(province) -> Client:
    """A superuser past both factors (OTPAdminSite asks for a verified device)."""
    user = get_user_model().objects.create_superuser("quantri", "q@example.test", "x")
    client = Client()
    client.force_login(user)
    device = TOTPDevice.objects.create(user=user, name="test", confirmed=True)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    return client


def _registered() -> list[tuple[str, type]]:
    return sorted(
        ((f"{m._meta.app_label}.{m._meta.model_name}", m) for m in admin.site._registry),
        key=lambda pair: pair[0],
    )


MODELS = _registered()


def _url(model, name: str, *args) -> str:
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{name}", args=args)


def _answers(client: Client, url: str) -> int:
    response = client.get(url)
    assert response.status_code < 500, (url[:200], response.status_code)
    return response.status_code


def test_the_index_links_every_model_in_vietnamese(administrator):
    page = administrator.get("/quan-tri/").content.decode()
    assert '<html lang="vi"' in page and "motcua · Quản trị hệ thống" in page
    for _, model in MODELS:
        assert f'href="{_url(model, "changelist")}"' in page, model


def _request():
    from django.test import RequestFactory

    request = RequestFactory().get("/quan-tri/")
    request.user = get_user_model().objects.get(username="quantri")
    return request


@pytest.mark.parametrize("label,model", MODELS, ids=[label for label, _ in MODELS])
def test_each_models_list_add_and_change_pages_open(administrator, label, model):
    assert _answers(administrator, _url(model, "changelist")) == 200
    model_admin = admin.site._registry[model]
    if model_admin.has_add_permission(_request()):
        assert _answers(administrator, _url(model, "add")) == 200
    row = model._default_manager.order_by("pk").first()
    if row is not None:
        assert _answers(administrator, _url(model, "change", row.pk)) == 200
        assert _answers(administrator, _url(model, "history", row.pk)) == 200


@pytest.mark.parametrize("label,model", MODELS, ids=[label for label, _ in MODELS])
def test_a_hostile_search_or_filter_gives_the_list_back(administrator, label, model):
    model_admin = admin.site._registry[model]
    changelist = _url(model, "changelist")
    filters = [f if isinstance(f, str) else f[0] if isinstance(f, tuple) else None
               for f in model_admin.list_filter]  # fmt: skip
    for value in HOSTILE.values():
        if model_admin.search_fields:
            expected = 302 if "\x00" in value else 200  # a NUL: the list without it, and why
            assert _answers(administrator, f"{changelist}?q={_quote(value)}") == expected
        for name in filter(None, filters):
            # An unknown or malformed filter value: the admin redirects with ?e=1, never a 500.
            _answers(administrator, f"{changelist}?{name}={_quote(value)}")
            _answers(administrator, f"{changelist}?{name}__exact={_quote(value)}")
    assert _answers(administrator, f"{changelist}?o=99.x&p=abc") in (200, 302)


@pytest.mark.parametrize("also", ["", "e=1&"])  # Django keeps the filters beside ?e=1
def test_a_number_past_64_bits_in_a_filter_gives_the_list_back_and_says_so(administrator, also):
    url = _url(Procedure, "changelist")
    response = administrator.get(f"{url}?{also}field={'9' * 30}", follow=True)
    page = response.content.decode()
    assert response.status_code == 200 and "Thủ tục" in page
    if connection.vendor == "sqlite":  # SQLite cannot bind the number: the filter is dropped
        assert response.redirect_chain == [(f"{url}?e=1", 302)]
        assert "Bộ lọc hoặc từ khóa có số quá lớn: đã bỏ bộ lọc." in page
    else:  # PostgreSQL compares it: no procedure has that field
        assert response.redirect_chain == [] and response.context["cl"].result_count == 0


@pytest.mark.parametrize("posted", ["action", "change"])
def test_a_number_past_64_bits_posted_changes_nothing_and_says_so(administrator, posted):
    """No page offers such a row: a crafted post. SQLite cannot bind the number (a 500 before);
    PostgreSQL finds no such row and the admin says what it says for any unknown choice."""
    procedure = Procedure.objects.first()
    before = (Procedure.objects.count(), list(procedure.agencies.values_list("pk", flat=True)))
    huge = "9" * 30
    if posted == "action":
        url = _url(Procedure, "changelist")
        data = {"action": "delete_selected", "_selected_action": [huge], "index": "0"}
    else:
        url = _url(Procedure, "change", procedure.pk)
        data = {"agencies": [huge]}
    response = administrator.post(url, data, follow=True)
    assert response.status_code == 200
    if connection.vendor == "sqlite":
        assert response.redirect_chain == [(url, 302)]
        assert "Dữ liệu gửi lên có số quá lớn: chưa lưu gì." in response.content.decode()
    after = (Procedure.objects.count(), list(procedure.agencies.values_list("pk", flat=True)))
    assert after == before


@pytest.mark.parametrize("query", ["q=a%00b", "field__name=a%00b", "na%00me=x"])
def test_a_nul_in_a_search_or_filter_gives_the_list_back_and_says_so(administrator, query):
    # PostgreSQL refuses a NUL in text (it was a 500 there); SQLite found nothing in silence.
    url = _url(Procedure, "changelist")
    response = administrator.get(f"{url}?{query}", follow=True)
    assert response.status_code == 200 and response.redirect_chain == [(f"{url}?e=1", 302)]
    assert "Bộ lọc hoặc từ khóa có ký tự NUL: đã bỏ." in response.content.decode()


@pytest.mark.parametrize("part", ["abc", "9" * 30, "%00", "-1"])
def test_an_unknown_row_in_the_address_is_not_a_crash(administrator, part):
    for _, model in MODELS:
        url = _url(model, "changelist") + f"{part}/change/"
        assert _answers(administrator, url) in (302, 404), url


def _quote(value: str) -> str:
    from urllib.parse import quote

    return quote(value, safe="")
