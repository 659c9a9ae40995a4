"""Accounts of the public portal: citizens (by personal ID number) and the businesses they act for.

A citizen account is a Django user with a `CitizenAccount` profile; officials are users with an
`org.Official` profile, and one user is never both (see `citizens.backends`). A business account
(tài khoản tổ chức, doanh nghiệp) is not a login: citizens sign in as themselves and act for the
businesses they are members of, as legal representative or authorised person.

An ID number typed at sign-up is only *declared*; it is *verified* when the national identity
provider vouches for it (OpenID Connect). Only verified accounts are matched to the dossiers of
the `dossiers.Applicant` with the same ID number (see `citizens.selectors`): otherwise anyone could
sign up with someone else's number and read their dossiers.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower
from django.db.models.lookups import Exact
from django.utils.translation import gettext_lazy as _

from dossiers.validators import validate_personal_id, validate_phone, validate_tax_code
from motcua.indexed import not_blank


def normalise_email(value: str) -> str:
    """Addresses are compared and stored in lower case (people type them every which way)."""
    return (value or "").strip().lower()


def with_email(address: str) -> Q:
    """Accounts whose address is `address` in any case, in a form the database answers from
    the unique index on lower(email), which leaves blank addresses out (`motcua.indexed`).
    `email__iexact` compares UPPER(email) on PostgreSQL and uses LIKE on SQLite, which no
    index serves: each sign-in, sign-up and change of address read the whole account table."""
    return Q(Exact(Lower("email"), normalise_email(address))) & not_blank("email")


def with_oidc_subject(issuer: str, subject: str) -> Q:
    """The account linked to this identity provider's user (its unique partial index)."""
    return Q(oidc_issuer=issuer, oidc_subject=subject) & not_blank("oidc_subject")


class CitizenAccount(models.Model):
    """Tài khoản công dân: the profile of a person who uses the portal."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="citizen",
        verbose_name=_("tài khoản"),
    )  # fmt: skip
    full_name = models.CharField(_("họ và tên"), max_length=255)
    personal_id = models.CharField(
        _("số định danh cá nhân"), max_length=12, validators=[validate_personal_id]
    )
    id_verified = models.BooleanField(
        _("số định danh đã xác thực"), default=False,
        help_text=_("Đã được nhà cung cấp định danh điện tử xác thực."),
    )  # fmt: skip
    # The address the account signs in with; stored in lower case. Also copied to user.email.
    email = models.EmailField(_("thư điện tử"), blank=True)
    email_verified = models.BooleanField(_("đã xác minh thư điện tử"), default=False)
    # A new address waiting for its owner to follow the link sent to it.
    pending_email = models.EmailField(_("thư điện tử mới chờ xác minh"), blank=True)
    phone = models.CharField(
        _("điện thoại"), max_length=20, blank=True, validators=[validate_phone]
    )
    address = models.CharField(_("địa chỉ"), max_length=500, blank=True)
    # Who vouched for the identity: the provider's issuer and its subject for this person.
    oidc_issuer = models.CharField(_("nhà cung cấp định danh"), max_length=255, blank=True)
    oidc_subject = models.CharField(_("mã người dùng tại nhà cung cấp"), max_length=255, blank=True)
    created_at = models.DateTimeField(_("tạo lúc"), auto_now_add=True)

    class Meta:
        verbose_name = _("tài khoản công dân")
        verbose_name_plural = _("tài khoản công dân")
        constraints = [
            # Declared numbers may repeat (someone may mistype, or lie); a verified one may not.
            models.UniqueConstraint(
                fields=["personal_id"], condition=Q(id_verified=True),
                name="citizen_verified_personal_id_unique",
            ),
            models.UniqueConstraint(
                Lower("email"), condition=~Q(email=""), name="citizen_email_unique"
            ),
            models.UniqueConstraint(
                fields=["oidc_issuer", "oidc_subject"], condition=~Q(oidc_subject=""),
                name="citizen_oidc_subject_unique",
            ),
        ]  # fmt: skip

    def __str__(self) -> str:
        return self.full_name

    def masked_personal_id(self) -> str:
        """'079123456789' -> '079******789': enough for its owner to recognise it."""
        return self.personal_id[:3] + "*" * 6 + self.personal_id[-3:]


class BusinessAccount(models.Model):
    """Tài khoản tổ chức, doanh nghiệp: a business known by its tax code.

    Registered by a citizen who declares to be its legal representative. Nothing here can check
    that against the business registry, so an account starts unverified; an admin marks it
    verified after checking the papers, and only then are the dossiers filed under the tax
    code listed for its members.
    """

    tax_code = models.CharField(
        _("mã số thuế"), max_length=13, unique=True, validators=[validate_tax_code]
    )
    name = models.CharField(_("tên tổ chức, doanh nghiệp"), max_length=255)
    address = models.CharField(_("địa chỉ trụ sở"), max_length=500, blank=True)
    verified_at = models.DateTimeField(_("xác minh lúc"), null=True, blank=True)
    created_at = models.DateTimeField(_("tạo lúc"), auto_now_add=True)

    class Meta:
        verbose_name = _("tài khoản tổ chức, doanh nghiệp")
        verbose_name_plural = _("tài khoản tổ chức, doanh nghiệp")

    def __str__(self) -> str:
        return f"{self.name} ({self.tax_code})"


class MemberRole(models.TextChoices):
    LEGAL_REPRESENTATIVE = "legal_representative", _("Người đại diện theo pháp luật")
    AUTHORISED = "authorised", _("Người được ủy quyền")


class BusinessMembership(models.Model):
    """A person allowed to act for a business, and in which capacity."""

    business = models.ForeignKey(
        BusinessAccount, on_delete=models.CASCADE, related_name="memberships",
        verbose_name=_("tổ chức, doanh nghiệp"),
    )  # fmt: skip
    citizen = models.ForeignKey(
        CitizenAccount, on_delete=models.CASCADE, related_name="memberships",
        verbose_name=_("người đại diện"),
    )  # fmt: skip
    role = models.CharField(_("tư cách"), max_length=24, choices=MemberRole.choices)
    created_at = models.DateTimeField(_("từ lúc"), auto_now_add=True)

    class Meta:
        verbose_name = _("người đại diện tổ chức")
        verbose_name_plural = _("người đại diện tổ chức")
        constraints = [
            models.UniqueConstraint(
                fields=["business", "citizen"], name="business_membership_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.citizen} · {self.get_role_display()} · {self.business}"


class BusinessInvitation(models.Model):
    """An invitation, sent by email, to act for a business.

    Only a digest of the link's secret is stored; the invitation is used once, and a legal
    representative can withdraw it before then.
    """

    business = models.ForeignKey(
        BusinessAccount, on_delete=models.CASCADE, related_name="invitations"
    )
    email = models.EmailField(_("thư điện tử"))
    role = models.CharField(_("tư cách"), max_length=24, choices=MemberRole.choices)
    invited_by = models.ForeignKey(
        CitizenAccount, on_delete=models.CASCADE, related_name="+",
        verbose_name=_("người mời"),
    )  # fmt: skip
    token_digest = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(_("mời lúc"), auto_now_add=True)
    accepted_at = models.DateTimeField(_("nhận lời lúc"), null=True, blank=True)

    class Meta:
        verbose_name = _("lời mời đại diện")
        verbose_name_plural = _("lời mời đại diện")

    def __str__(self) -> str:
        return f"{self.email} → {self.business}"
