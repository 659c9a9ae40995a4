"""Admin screens where the province edits its calendars: hours, cut-off, days off, make-up days."""

from __future__ import annotations

from django.contrib import admin, messages
from django.db.models import Count, QuerySet
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from workdays.models import Calendar, CalendarDay
from workdays.seeding import seed_year

WEEKDAY_NAMES = (
    gettext_lazy("Thứ Hai"),
    gettext_lazy("Thứ Ba"),
    gettext_lazy("Thứ Tư"),
    gettext_lazy("Thứ Năm"),
    gettext_lazy("Thứ Sáu"),
    gettext_lazy("Thứ Bảy"),
    gettext_lazy("Chủ Nhật"),
)


class CalendarDayInline(admin.TabularInline):
    model = CalendarDay
    fields = ("date", "kind", "name")
    extra = 1


@admin.register(Calendar)
class CalendarAdmin(admin.ModelAdmin):
    list_display = (
        "code",
        "name",
        "morning_start",
        "afternoon_end",
        "reception_cutoff",
        "working_weekdays",
        "day_count",
    )
    list_filter = ("reception_cutoff", "working_weekdays")
    search_fields = ("code", "name")
    inlines = [CalendarDayInline]
    actions = ["seed_next_year"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Calendar]:
        return super().get_queryset(request).annotate(day_count=Count("days"))

    @admin.display(description=gettext_lazy("số ngày đặc biệt"), ordering="day_count")
    def day_count(self, calendar: Calendar) -> int:
        return calendar.day_count

    @admin.action(description=gettext_lazy("Nạp ngày nghỉ lễ, ngày làm bù cho năm sau"))
    def seed_next_year(self, request: HttpRequest, queryset: QuerySet[Calendar]) -> None:
        """Prepare next year's calendar ahead of time; an admin's edits are kept."""
        year = timezone.localdate().year + 1
        for calendar in queryset:
            report = seed_year(calendar, year)
            self.message_user(
                request,
                _("%(name)s, năm %(year)d: thêm %(created)d ngày, giữ nguyên %(kept)d ngày")
                % {
                    "name": calendar.name,
                    "year": year,
                    "created": report.created,
                    "kept": report.kept,
                },
                messages.SUCCESS,
            )


@admin.register(CalendarDay)
class CalendarDayAdmin(admin.ModelAdmin):
    list_display = ("date", "weekday", "kind", "name", "calendar")
    list_filter = ("calendar", "kind")
    list_select_related = ("calendar",)
    date_hierarchy = "date"
    search_fields = ("name",)

    @admin.display(description=gettext_lazy("thứ"))
    def weekday(self, day: CalendarDay) -> str:
        return str(WEEKDAY_NAMES[day.date.weekday()])
