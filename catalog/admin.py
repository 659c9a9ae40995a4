"""Django admin for the catalogue; internal processes are validated when saved."""

from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db import models
from django.forms.models import BaseInlineFormSet

from catalog.models import (
    Field,
    LegalBasis,
    Procedure,
    ProcedureChannel,
    ProcessStep,
    ProcessTemplate,
    RequiredDocument,
)
from catalog.processes import check_process


@admin.register(Field)
class FieldAdmin(admin.ModelAdmin):
    list_display = ["name", "code"]
    search_fields = ["name"]


class ChannelInline(admin.TabularInline):
    model = ProcedureChannel
    extra = 0


class DocumentInline(admin.TabularInline):
    model = RequiredDocument
    extra = 0


class LegalBasisInline(admin.TabularInline):
    model = LegalBasis
    extra = 0


@admin.register(Procedure)
class ProcedureAdmin(admin.ModelAdmin):
    list_display = ["national_code", "name", "field", "online_level", "needs_review", "version"]
    list_filter = ["needs_review", "online_level", "levels", "field"]
    search_fields = ["national_code", "name", "search_text"]
    autocomplete_fields = ["field", "agencies"]
    filter_horizontal = ["levels"]
    inlines = [ChannelInline, DocumentInline, LegalBasisInline]
    # A source typed without its scheme ("dichvucong.gov.vn/...") is read as https, as the
    # national portal and the province's sites serve (Django's old default was http).
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}


class StepFormSet(BaseInlineFormSet):
    """Checks the whole process (time and levels) from the steps being saved."""

    def clean(self) -> None:
        super().clean()
        if any(self.errors):
            return
        steps = [
            form.instance
            for form in self.forms
            if form.cleaned_data and not form.cleaned_data.get("DELETE")
        ]
        steps.sort(key=lambda s: s.position)
        result = check_process(self.instance, steps)
        if result.errors:
            raise ValidationError(result.errors)
        self.warnings = result.warnings


class StepInline(admin.TabularInline):
    model = ProcessStep
    formset = StepFormSet
    extra = 0


@admin.register(ProcessTemplate)
class ProcessTemplateAdmin(admin.ModelAdmin):
    list_display = ["name", "procedure", "agency", "is_demo"]
    list_filter = ["is_demo"]
    search_fields = ["name", "procedure__name", "procedure__national_code"]
    autocomplete_fields = ["procedure", "agency"]
    inlines = [StepInline]

    def save_formset(self, request, form, formset, change) -> None:
        super().save_formset(request, form, formset, change)
        for warning in getattr(formset, "warnings", []):
            messages.warning(request, warning)
