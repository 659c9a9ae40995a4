"""The steps of an online application and what must be true before each (as django-oscar's
checkout does): a step whose conditions are not met sends the citizen back to the step where
the first unmet one is fixed, with a message saying what is missing.

    1. applicant   who applies (the citizen, or a verified business they act for) and where
    2. components  the procedure's documents, each a file or a document from the store
    3. delivery    how the result is received (online, at the counter, by post with address)
    4. review      everything at a glance, then submit

Conditions are plain functions of the draft, so the submit service checks the same ones.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from applications.models import Draft
from applications.selectors import acting_businesses, receiving_choices, staged_files
from catalog.models import RequiredDocument
from dossiers.models.dossier import Delivery


@dataclass(frozen=True)
class Step:
    slug: str
    url_name: str
    # Not part of equality or hash: a lazy title hashes differently in each language.
    title: Promise = field(compare=False)


APPLICANT = Step("nguoi-nop", "applications:step_applicant", _("Người nộp và nơi nộp"))
COMPONENTS = Step("thanh-phan", "applications:step_components", _("Thành phần hồ sơ"))
DELIVERY = Step("nhan-ket-qua", "applications:step_delivery", _("Nhận kết quả"))
REVIEW = Step("xac-nhan", "applications:step_review", _("Kiểm tra và nộp"))
STEPS = (APPLICANT, COMPONENTS, DELIVERY, REVIEW)


def slot_of(document: RequiredDocument) -> str:
    return f"d{document.pk}"


def required_components(draft: Draft) -> list[RequiredDocument]:
    """Components that must be attached: mandatory and not limited to a stated case."""
    return [d for d in draft.procedure.documents.all() if d.mandatory and not d.condition]


def applicant_identified(draft: Draft) -> bool:
    if draft.applicant_kind == "person":
        identified = True
    elif draft.applicant_kind == "organisation":
        identified = draft.business_id in {b.pk for b in acting_businesses(draft.citizen)}
    else:
        identified = False
    receiving = {a.pk for a in receiving_choices(draft.procedure)}
    return identified and draft.receiving_agency_id in receiving


def missing_components(draft: Draft) -> list[RequiredDocument]:
    staged = staged_files(draft=draft)
    return [
        d
        for d in required_components(draft)
        if not (slot_of(d) in staged and staged[slot_of(d)].attached)
    ]


def components_attached(draft: Draft) -> bool:
    return not missing_components(draft)


def delivery_chosen(draft: Draft) -> bool:
    if draft.delivery == Delivery.POST:
        return bool(draft.delivery_address.strip())
    return draft.delivery in Delivery.values


@dataclass(frozen=True)
class Condition:
    check: Callable[[Draft], bool]
    fixed_at: Step
    message: Promise


IDENTIFIED = Condition(
    applicant_identified, APPLICANT, _("Hãy cho biết ai nộp hồ sơ và nộp tại đâu.")
)
ATTACHED = Condition(
    components_attached, COMPONENTS, _("Hãy đính kèm đủ các thành phần hồ sơ bắt buộc.")
)
CHOSEN = Condition(delivery_chosen, DELIVERY, _("Hãy chọn cách nhận kết quả."))

# What must be true before each step.
REQUIRES: dict[Step, tuple[Condition, ...]] = {
    APPLICANT: (),
    COMPONENTS: (IDENTIFIED,),
    DELIVERY: (IDENTIFIED, ATTACHED),
    REVIEW: (IDENTIFIED, ATTACHED, CHOSEN),
}


def first_unmet(draft: Draft, step: Step) -> Condition | None:
    return next((c for c in REQUIRES[step] if not c.check(draft)), None)


def resume_step(draft: Draft) -> Step:
    """Where a returning citizen continues: the first step whose own work is not done."""
    unmet = first_unmet(draft, REVIEW)
    return unmet.fixed_at if unmet else REVIEW
