"""Admin for portal accounts: mainly to verify a business account after checking its papers."""

from django.contrib import admin
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from citizens.models import BusinessAccount, BusinessInvitation, BusinessMembership, CitizenAccount


@admin.register(CitizenAccount)
class CitizenAccountAdmin(admin.ModelAdmin):
    list_display = ["full_name", "email", "email_verified", "id_verified", "created_at"]
    list_filter = ["email_verified", "id_verified"]
    search_fields = ["full_name", "email", "personal_id"]
    readonly_fields = ["user", "oidc_issuer", "oidc_subject", "created_at"]


class MembershipInline(admin.TabularInline):
    model = BusinessMembership
    extra = 0
    raw_id_fields = ["citizen"]


@admin.register(BusinessAccount)
class BusinessAccountAdmin(admin.ModelAdmin):
    list_display = ["name", "tax_code", "verified_at", "created_at"]
    list_filter = [("verified_at", admin.EmptyFieldListFilter)]
    search_fields = ["name", "tax_code"]
    inlines = [MembershipInline]
    actions = ["mark_verified"]

    @admin.action(description=_("Đánh dấu đã xác minh (đã kiểm tra giấy tờ)"))
    def mark_verified(self, request, queryset) -> None:
        queryset.filter(verified_at__isnull=True).update(verified_at=timezone.now())


@admin.register(BusinessInvitation)
class BusinessInvitationAdmin(admin.ModelAdmin):
    list_display = ["email", "business", "role", "created_at", "accepted_at"]
    exclude = ["token_digest"]
    raw_id_fields = ["business", "invited_by"]
