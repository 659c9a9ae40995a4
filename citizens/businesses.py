"""Business accounts: registering one, inviting the people who act for it, removing them.

The citizen who registers a business becomes its legal representative (người đại diện theo pháp
luật); legal representatives invite others by email, as legal representative or authorised
person (người được ủy quyền). An invitation is accepted by the citizen account that uses the
invited address, so a forwarded link is of no use to anyone else.
"""

from __future__ import annotations

import datetime as dt

from django.db import IntegrityError, transaction
from django.http import Http404
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from citizens.mail import send_account_mail
from citizens.models import (
    BusinessAccount,
    BusinessInvitation,
    BusinessMembership,
    CitizenAccount,
    MemberRole,
)
from citizens.services import AccountError, normalise_email
from citizens.tokens import digest, new_secret
from dossiers.validators import normalise_tax_code
from motcua.text import nfc

INVITATION_DAYS = 7


def membership_for(citizen: CitizenAccount, business_pk: int) -> BusinessMembership:
    """The citizen's membership of a business; the same 404 whether the business does not
    exist or the citizen is not one of its people. `business__pk`, not `business_id`: Django
    reads an id past 64 bits in the path as naming nothing through the primary key, while the
    foreign key's column sent it on to SQLite, which refused it with an error (a 500)."""
    membership = (
        BusinessMembership.objects.select_related("business")
        .filter(citizen=citizen, business__pk=business_pk)
        .first()
    )
    if membership is None:
        raise Http404
    return membership


def _require_legal_representative(membership: BusinessMembership) -> None:
    if membership.role != MemberRole.LEGAL_REPRESENTATIVE:
        raise AccountError(_("Chỉ người đại diện theo pháp luật được làm việc này."))


def register_business(
    citizen: CitizenAccount, *, tax_code: str, name: str, address: str
) -> BusinessAccount:
    """Đăng ký tài khoản doanh nghiệp: a new business with its registrant as legal
    representative. A tax code registered already belongs to someone who can invite others."""
    tax_code = normalise_tax_code(tax_code)
    refused = _("Mã số thuế này đã có tài khoản trên cổng. Hãy đề nghị người đại diện theo pháp "
                "luật của tổ chức mời bạn.")  # fmt: skip
    if BusinessAccount.objects.filter(tax_code=tax_code).exists():
        raise AccountError(refused)
    try:
        with transaction.atomic():
            business = BusinessAccount.objects.create(
                tax_code=tax_code, name=nfc(name).strip(), address=nfc(address).strip()
            )
            BusinessMembership.objects.create(
                business=business, citizen=citizen, role=MemberRole.LEGAL_REPRESENTATIVE
            )
    except IntegrityError:
        raise AccountError(refused) from None
    return business


def invite(
    membership: BusinessMembership, *, email: str, role: str, site: str
) -> BusinessInvitation:
    """Mời người đại diện: email a one-time link to the address."""
    _require_legal_representative(membership)
    email = normalise_email(email)
    secret, token_digest = new_secret()
    # A new invitation to the same address replaces one still pending.
    membership.business.invitations.filter(email=email, accepted_at__isnull=True).delete()
    invitation = BusinessInvitation.objects.create(
        business=membership.business,
        email=email,
        role=role,
        invited_by=membership.citizen,
        token_digest=token_digest,
    )
    link = site.rstrip("/") + reverse("citizens:accept_invitation", args=[secret])
    context = {"invitation": invitation, "link": link, "days": INVITATION_DAYS}
    send_account_mail("business_invitation", invitation.email, context)
    return invitation


def pending_invitation(secret: str) -> BusinessInvitation | None:
    """The invitation a link stands for, while it can still be accepted."""
    since = timezone.now() - dt.timedelta(days=INVITATION_DAYS)
    return (
        BusinessInvitation.objects.select_related("business", "invited_by")
        .filter(token_digest=digest(secret), accepted_at__isnull=True, created_at__gte=since)
        .first()
    )


def accept_invitation(citizen: CitizenAccount, secret: str) -> BusinessMembership:
    """Nhận lời mời: the invited address must be the citizen's own, proved address."""
    with transaction.atomic():
        invitation = pending_invitation(secret)
        if invitation is None:
            raise AccountError(_("Lời mời không còn hiệu lực (đã dùng, đã hủy hoặc quá hạn)."))
        if not citizen.email_verified or normalise_email(citizen.email) != invitation.email:
            raise AccountError(
                _("Lời mời này gửi tới một địa chỉ thư điện tử khác với địa chỉ của tài khoản "
                  "bạn đang dùng. Hãy đăng nhập bằng tài khoản có địa chỉ được mời.")
            )  # fmt: skip
        membership, _created = BusinessMembership.objects.get_or_create(
            business=invitation.business, citizen=citizen, defaults={"role": invitation.role}
        )
        invitation.accepted_at = timezone.now()
        invitation.save(update_fields=["accepted_at"])
    return membership


def withdraw_invitation(membership: BusinessMembership, invitation_pk: int) -> None:
    _require_legal_representative(membership)
    membership.business.invitations.filter(pk=invitation_pk, accepted_at__isnull=True).delete()


def remove_member(membership: BusinessMembership, member_pk: int) -> None:
    """Thôi đại diện: a legal representative removes someone, or anyone leaves. The last legal
    representative stays, or nobody could act for the business any more."""
    with transaction.atomic():
        business = BusinessAccount.objects.select_for_update().get(pk=membership.business_id)
        target = business.memberships.filter(pk=member_pk).first()
        if target is None:
            raise Http404
        if target.pk != membership.pk:
            _require_legal_representative(membership)
        legal = business.memberships.filter(role=MemberRole.LEGAL_REPRESENTATIVE)
        if target.role == MemberRole.LEGAL_REPRESENTATIVE and legal.count() == 1:
            raise AccountError(_("Tổ chức phải còn ít nhất một người đại diện theo pháp luật."))
        target.delete()
