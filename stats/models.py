"""Summary tables of dossier handling (see the package docstring for how they are kept).

Two fact tables of integer counters keyed by local day, and one row of judgement per dossier:

- `DossierCount`: what happened to dossiers, per (day, processing agency, procedure, channel).
  Each dossier adds to a counter once (received once, ended once...).
- `OfficialCount`: who did what, per (day, processing agency, procedure, channel, unit,
  official): receptions, supplement requests, signatures, steps held and their working time.
- `DossierTiming`: per dossier, its legal due moment under the service-index rules (waits for a
  supplement or a payment excluded, apologies ignored), the moment it became overdue, how it
  ended. The counters of time are sums over these rows, and the lists of dossiers behind a
  figure are filters on them.

Field and administrative level are not columns: they follow from the procedure and the agency
(small tables) and are joined when a reader groups by them.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from dossiers.models.work import Timeliness


def counter() -> models.PositiveIntegerField:
    return models.PositiveIntegerField(default=0)


def minutes() -> models.BigIntegerField:
    return models.BigIntegerField(default=0)


def derived_link(to: str, verbose_name) -> models.ForeignKey:
    """A link of a derived (summary) row. No database constraint: it would check every counted
    row (a trigger per insert), which the rebuild of millions of rows cannot afford, and the
    rows are derived from dossiers that are themselves checked. No index of its own: each
    table's indexes serve its reads."""
    return models.ForeignKey(
        to, on_delete=models.CASCADE, related_name="+", verbose_name=verbose_name,
        db_constraint=False, db_index=False,
    )  # fmt: skip


class DossierCounters(models.Model):
    """The counters of what happened to dossiers, shared by the day rows and the month rows.
    Every definition is in docs/statistics.md."""

    submitted = counter()  # online submissions (national code 1)
    received = counter()  # legal clock started: reception, check of a submission, transfer
    received_digitised = counter()  # ... every component handed in as a file (or reused)
    received_reusing = counter()  # ... at least one component reused from earlier data
    guided = counter()  # supplement guidance at reception (Form 02)
    reception_refusals = counter()  # not received (Form 03)
    supplement_requests = counter()  # supplement requested during processing
    payment_pauses = counter()  # paused for a financial obligation
    apologies = counter()  # apology letters (Form 04)
    transferred = counter()  # handed on to another agency (liên thông)
    ended_on_time = counter()  # clock ended (result, refusal, stop, withdrawal) in time
    ended_late = counter()  # ... after the legal due moment (or after two supplement requests)
    resolved_early = counter()  # result or refusal on a day before the due day
    resolved_on_time = counter()  # ... later, but within the due moment
    resolved_late = counter()
    results = counter()  # approvals signed
    refusals = counter()  # reasoned refusals after processing
    e_results = counter()  # approvals with an electronic result document
    digitised = counter()  # approvals with every paper digitised and an electronic result
    stops = counter()  # processing stopped with a notice
    withdrawals = counter()  # withdrawn at the applicant's request
    returned = counter()  # results handed back
    became_overdue = counter()  # dossiers whose legal due moment passed that day, still open
    processing_minutes = minutes()  # working minutes, clock start to resolution, waits excluded
    rated_very_satisfied = counter()  # ratings: the ratings app calls recording.on_rating
    rated_satisfied = counter()
    rated_dissatisfied = counter()

    class Meta:
        abstract = True


class DossierCount(DossierCounters):
    """Per day, processing agency, procedure and channel: what happened to dossiers.

    One row per key; counters only grow, by atomic upserts (`stats.counting.add`). Every
    definition is in docs/statistics.md.
    """

    day = models.DateField(_("ngày"))
    agency = derived_link("org.Agency", _("cơ quan"))
    procedure = derived_link("catalog.Procedure", _("thủ tục"))
    channel = models.CharField(_("kênh nộp"), max_length=10)

    class Meta:
        verbose_name = _("số liệu hồ sơ theo ngày")
        verbose_name_plural = _("số liệu hồ sơ theo ngày")
        constraints = [
            # Serves the upserts (ON CONFLICT) and the reads of a period (day range first).
            models.UniqueConstraint(
                fields=["day", "agency", "procedure", "channel"], name="stats_dossier_count_key"
            ),
        ]
        # Reads of one agency over a period (its dashboard, its index).
        indexes = [models.Index(fields=["agency", "day"], name="stats_dc_agency_day")]

    def __str__(self) -> str:
        return f"{self.day} {self.agency_id}/{self.procedure_id}/{self.channel}"


class MonthCount(DossierCounters):
    """Per month, processing agency, field and channel: the sums of the DossierCount day rows
    of that month (`month` is its first day), kept by the same upserts (`stats.counting.add`).

    Why: a figure over a year, or a backlog (a sum since the first day), read from day rows
    reads more rows the more dossiers there are (more procedures active each day); these rows
    are bounded by the organisation (agencies x fields x channels a month), so the dashboards
    and the service index cost the same at 200,000 or 2,000,000 dossiers a year
    (`stats.periods`). The field is the procedure's field when the count was added; a change
    of a procedure's field moves its counts (`stats.months.move_procedure`).
    """

    month = models.DateField(_("tháng"))
    agency = derived_link("org.Agency", _("cơ quan"))
    field = derived_link("catalog.Field", _("lĩnh vực"))
    channel = models.CharField(_("kênh nộp"), max_length=10)

    class Meta:
        verbose_name = _("số liệu hồ sơ theo tháng")
        verbose_name_plural = _("số liệu hồ sơ theo tháng")
        constraints = [
            models.UniqueConstraint(
                fields=["month", "agency", "field", "channel"], name="stats_month_count_key"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.month:%Y-%m} {self.agency_id}/{self.field_id}/{self.channel}"


class OfficialCount(models.Model):
    """Per day, processing agency, procedure, channel, unit and official: acts and steps."""

    day = models.DateField(_("ngày"))
    agency = derived_link("org.Agency", _("cơ quan"))
    procedure = derived_link("catalog.Procedure", _("thủ tục"))
    channel = models.CharField(_("kênh nộp"), max_length=10)
    # Plain ids, 0 for "nobody" (a step closed without an assignee): NULLs would defeat the
    # unique key the upserts rely on (NULLs are distinct in a unique index).
    unit_id = models.BigIntegerField(_("đơn vị"), default=0)
    official_id = models.BigIntegerField(_("cán bộ"), default=0)

    receptions = counter()  # acts, from the event log: who made the move
    guidances = counter()
    reception_refusals = counter()
    supplement_requests = counter()
    payment_pauses = counter()
    refusals = counter()
    results = counter()
    stops = counter()
    withdrawals = counter()
    apologies = counter()
    returns = counter()
    transfers = counter()
    steps_done = counter()  # step runs that ended (handed over, sent back, finished, stopped)
    steps_early = counter()
    steps_on_time = counter()
    steps_late = counter()
    step_minutes = minutes()  # working minutes, arrival at the step to its end, waits excluded
    rated_very_satisfied = counter()
    rated_satisfied = counter()
    rated_dissatisfied = counter()

    class Meta:
        verbose_name = _("số liệu cán bộ theo ngày")
        verbose_name_plural = _("số liệu cán bộ theo ngày")
        constraints = [
            models.UniqueConstraint(
                fields=["day", "agency", "procedure", "channel", "unit_id", "official_id"],
                name="stats_official_count_key",
            ),
        ]
        # One official's figures over a period (accountability pages).
        indexes = [models.Index(fields=["official_id", "day"], name="stats_oc_official_day")]

    def __str__(self) -> str:
        return f"{self.day} {self.official_id}@{self.unit_id}"


KEY_FIELDS = (
    "id", "day", "month", "agency", "procedure", "field", "channel", "unit_id", "official_id",
)  # fmt: skip


def counter_names(model: type[models.Model]) -> tuple[str, ...]:
    """The counter columns of a fact table, in table order."""
    return tuple(f.attname for f in model._meta.concrete_fields if f.name not in KEY_FIELDS)


class DossierTiming(models.Model):
    """How one dossier stands against its legal time under the service-index rules.

    `legal_due_at` is the first due moment plus the working time of the waits for a supplement
    or a payment that began while the dossier was not yet late; an apology does not move it.
    While such a wait is open, `paused_since` holds its start and the dossier cannot become
    overdue. `overdue_at` is the moment the dossier became (or, open, will become) overdue;
    `overdue_counted` says whether DossierCount.became_overdue holds it already.
    """

    dossier = models.OneToOneField(
        "dossiers.Dossier", on_delete=models.CASCADE, primary_key=True, related_name="timing",
        db_constraint=False,  # derived rows (see derived_link)
    )  # fmt: skip
    legal_due_at = models.DateTimeField(_("hạn theo quy định"), null=True, blank=True)
    paused_since = models.DateTimeField(_("tạm dừng từ"), null=True, blank=True)
    overdue_at = models.DateTimeField(_("quá hạn từ"), null=True, blank=True)
    supplements = models.PositiveSmallIntegerField(_("số lần yêu cầu bổ sung"), default=0)
    ended_at = models.DateTimeField(_("kết thúc lúc"), null=True, blank=True)
    timeliness = models.CharField(
        _("tiến độ"), max_length=8, choices=Timeliness.choices, blank=True
    )
    overdue_counted = models.BooleanField(default=False)
    # The open step run the counts know of: when a move closes it, its time is counted.
    run_id = models.BigIntegerField(default=0)

    class Meta:
        verbose_name = _("tiến độ hồ sơ")
        verbose_name_plural = _("tiến độ hồ sơ")
        indexes = [
            # The periodic job: dossiers whose overdue moment passed and is not counted yet.
            models.Index(
                fields=["overdue_at"],
                condition=Q(overdue_counted=False, overdue_at__isnull=False),
                name="stats_timing_to_count",
            ),
            # Lists of dossiers behind a figure: those that ended in a period.
            models.Index(fields=["ended_at"], name="stats_timing_ended"),
        ]

    def __str__(self) -> str:
        return f"{self.dossier_id}: {self.legal_due_at}"


class SummaryGeneration(models.Model):
    """A number that grows, in the writing transaction, whenever summary figures change other
    than by a move or a rating (those append a row whose id the readers' cache keys hold):
    the periodic overdue count, and edits of what the figures are labelled and grouped by
    (agencies, levels, fields, procedures). `stats.generation` bumps and reads it; the
    oversight caches key their entries on it (oversight.caching). A second row
    (`stats.generation.NAMES`) counts only the edits of names, units and process steps
    included: the tracking page keys its entries on it (tracking.rendered)."""

    id = models.PositiveSmallIntegerField(primary_key=True)
    n = models.BigIntegerField(default=0)

    class Meta:
        verbose_name = _("thế hệ số liệu tổng hợp")
        verbose_name_plural = _("thế hệ số liệu tổng hợp")

    def __str__(self) -> str:
        return str(self.n)
