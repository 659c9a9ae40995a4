"""Periodic job: every calendar holds this year's and next year's days off.

The government announces each year's days off and swapped Saturdays; the `holidays` package
follows them. Seeding never overwrites an admin's edit, so running it daily is safe.
"""

from __future__ import annotations

from django.utils import timezone
from django_tasks import task

from workdays.models import Calendar
from workdays.seeding import seed_year


@task()
def seed_upcoming_years() -> int:
    year = timezone.localdate().year
    created = 0
    for calendar in Calendar.objects.all():
        for y in (year, year + 1):
            created += seed_year(calendar, y).created
    return created
