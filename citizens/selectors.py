"""Reads about citizen accounts, for the portal's pages (and later "my dossiers").

A citizen is matched to the `dossiers.Applicant` with the same personal ID number, and a business
to the Applicant with its tax code; only identities someone vouched for count (the identity
provider for a person, an admin's check for a business), since a number typed at sign-up proves
nothing.
"""

from __future__ import annotations

from django.contrib.auth.base_user import AbstractBaseUser

from citizens.models import BusinessMembership, CitizenAccount
from dossiers.models import Applicant
from dossiers.models.applicants import identified_by


def citizen_of(user: AbstractBaseUser | None) -> CitizenAccount | None:
    """The citizen profile of a signed-in user; None for officials and anonymous visitors."""
    if user is None or not user.is_authenticated:
        return None
    try:
        return user.citizen
    except CitizenAccount.DoesNotExist:
        return None


def is_official(user: AbstractBaseUser) -> bool:
    return hasattr(user, "official")


def applicant_for(citizen: CitizenAccount) -> Applicant | None:
    """The applicant record of the person, when their ID number is verified."""
    if not citizen.id_verified:
        return None
    return Applicant.objects.filter(
        identified_by("personal_id", citizen.personal_id), kind=Applicant.Kind.PERSON
    ).first()


def memberships_of(citizen: CitizenAccount) -> list[BusinessMembership]:
    return list(citizen.memberships.select_related("business").order_by("business__name", "pk"))


def applicants_acting_for(citizen: CitizenAccount) -> list[Applicant]:
    """Everyone whose dossiers the citizen may follow: themself (verified) and the verified
    businesses they act for."""
    tax_codes = [m.business.tax_code for m in memberships_of(citizen) if m.business.verified_at]
    applicants = list(
        Applicant.objects.filter(
            identified_by("tax_code", *tax_codes), kind=Applicant.Kind.ORGANISATION
        )
    )
    own = applicant_for(citizen)
    return ([own] if own else []) + applicants
