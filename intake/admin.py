"""Admin registration of upstream systems: the token and the HMAC secret are generated here and
shown once, on a page of their own (never stored in a message cookie or the session)."""

from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest
from django.template.response import TemplateResponse
from django.utils.translation import gettext_lazy as _

from intake.models import StatusUpdate, UpstreamSubmission, UpstreamSystem


@admin.register(UpstreamSystem)
class UpstreamSystemAdmin(admin.ModelAdmin):
    list_display = ["name", "agency", "is_active", "created_at"]
    list_filter = ["is_active"]
    search_fields = ["name"]
    fields = ["name", "agency", "is_active"]
    autocomplete_fields = ["agency"]
    actions = ["issue_new_credentials"]

    def save_model(self, request, obj: UpstreamSystem, form, change: bool) -> None:
        if not change:
            obj._issued = obj.issue_credentials()
        super().save_model(request, obj, form, change)

    def response_add(self, request: HttpRequest, obj: UpstreamSystem, post_url_continue=None):
        token, secret = obj._issued
        return self.credentials_page(request, [(obj, token, secret)])

    @admin.action(description=_("Cấp lại mã truy cập và khóa ký (vô hiệu cặp cũ)"))
    def issue_new_credentials(self, request: HttpRequest, queryset):
        issued = []
        for system in queryset:
            token, secret = system.issue_credentials()
            system.save(update_fields=["token_hash", "hmac_secret"])
            issued.append((system, token, secret))
        return self.credentials_page(request, issued)

    def credentials_page(self, request: HttpRequest, issued: list) -> TemplateResponse:
        context = {
            **self.admin_site.each_context(request),
            "title": _("Thông tin xác thực của hệ thống liên thông"),
            "issued": issued,
            "opts": self.model._meta,
        }
        response = TemplateResponse(request, "intake/admin_credentials.html", context)
        response["Cache-Control"] = "no-store"
        return response


@admin.register(UpstreamSubmission)
class UpstreamSubmissionAdmin(admin.ModelAdmin):
    list_display = ["reference", "system", "dossier", "received_at"]
    list_filter = ["system"]
    search_fields = ["reference", "dossier__code"]
    readonly_fields = ["system", "reference", "dossier", "payload_sha256", "received_at"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False


@admin.register(StatusUpdate)
class StatusUpdateAdmin(admin.ModelAdmin):
    list_display = ["submission", "status", "national_code", "at", "pushed_at"]
    list_filter = ["status"]
    readonly_fields = ["submission", "event", "status", "national_code", "at", "pushed_at"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False
