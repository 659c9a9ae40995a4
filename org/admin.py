"""Django admin for the organisation: the admins of a province configure everything here."""

from django.contrib import admin

from org.models import (
    AdministrativeLevel,
    AdministrativeUnit,
    Agency,
    Delegation,
    Official,
    OfficialRole,
    OrgUnit,
    UnitSuccession,
)


@admin.register(AdministrativeLevel)
class AdministrativeLevelAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "tier", "process_group"]


class SuccessionInline(admin.TabularInline):
    model = UnitSuccession
    fk_name = "successor"
    extra = 0
    autocomplete_fields = ["predecessor"]


@admin.register(AdministrativeUnit)
class AdministrativeUnitAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "level", "parent", "valid_from", "valid_to"]
    list_filter = ["level", "valid_to"]
    search_fields = ["code", "name"]
    autocomplete_fields = ["parent"]
    inlines = [SuccessionInline]


class OrgUnitInline(admin.TabularInline):
    model = OrgUnit
    extra = 0


@admin.register(Agency)
class AgencyAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "exchange_code", "level", "territory", "is_demo"]
    list_filter = ["kind", "level", "is_demo"]
    search_fields = ["name", "short_name", "exchange_code", "code"]
    autocomplete_fields = ["territory", "parent"]
    inlines = [OrgUnitInline]


@admin.register(OrgUnit)
class OrgUnitAdmin(admin.ModelAdmin):
    list_display = ["name", "agency", "kind"]
    list_filter = ["kind"]
    search_fields = ["name", "agency__name"]
    autocomplete_fields = ["agency"]


class OfficialRoleInline(admin.TabularInline):
    model = OfficialRole
    extra = 1


@admin.register(Official)
class OfficialAdmin(admin.ModelAdmin):
    list_display = ["__str__", "unit", "position", "is_active"]
    list_filter = ["position", "is_active", "roles__role"]
    search_fields = ["user__username", "user__first_name", "user__last_name", "unit__agency__name"]
    autocomplete_fields = ["user", "unit"]
    inlines = [OfficialRoleInline]


@admin.register(Delegation)
class DelegationAdmin(admin.ModelAdmin):
    list_display = ["delegator", "delegate", "starts_on", "ends_on"]
    autocomplete_fields = ["delegator", "delegate", "procedures"]
