"""Business accounts on the portal: register one, see and manage the people acting for it."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from citizens import businesses
from citizens.forms import BusinessForm, InvitationForm
from citizens.models import MemberRole
from citizens.selectors import memberships_of
from citizens.services import AccountError, normalise_email
from citizens.views.common import citizen_required, site_of


@citizen_required
def business_list(request: HttpRequest) -> HttpResponse:
    form = BusinessForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            business = businesses.register_business(request.citizen, **form.cleaned_data)
        except AccountError as exc:
            form.add_error("tax_code", exc.message)
        else:
            messages.success(
                request, _("Đã đăng ký tài khoản cho %(name)s.") % {"name": business.name}
            )
            return redirect("citizens:business_detail", business.pk)
    context = {"form": form, "memberships": memberships_of(request.citizen)}
    return render(request, "citizens/business_list.html", context)


@citizen_required
def business_detail(request: HttpRequest, pk: int) -> HttpResponse:
    membership = businesses.membership_for(request.citizen, pk)
    is_legal = membership.role == MemberRole.LEGAL_REPRESENTATIVE
    form = InvitationForm(request.POST or None)
    if request.method == "POST" and is_legal and form.is_valid():
        businesses.invite(membership, **form.cleaned_data, site=site_of(request))
        messages.success(
            request,
            _("Đã gửi lời mời tới %(email)s.")
            % {"email": normalise_email(form.cleaned_data["email"])},
        )
        return redirect("citizens:business_detail", pk)
    business = membership.business
    context = {
        "membership": membership,
        "business": business,
        "is_legal": is_legal,
        "form": form,
        "members": business.memberships.select_related("citizen").order_by("role", "pk"),
        "invitations": business.invitations.filter(accepted_at__isnull=True).order_by("pk"),
    }
    return render(request, "citizens/business_detail.html", context)


@require_POST
@citizen_required
def remove_member(request: HttpRequest, pk: int, member_pk: int) -> HttpResponse:
    membership = businesses.membership_for(request.citizen, pk)
    try:
        businesses.remove_member(membership, member_pk)
    except AccountError as exc:
        messages.error(request, exc.message)
        return redirect("citizens:business_detail", pk)
    messages.success(request, _("Đã bỏ người đại diện khỏi tổ chức."))
    if membership.pk == member_pk:
        return redirect("citizens:business_list")
    return redirect("citizens:business_detail", pk)


@require_POST
@citizen_required
def withdraw_invitation(request: HttpRequest, pk: int, invitation_pk: int) -> HttpResponse:
    membership = businesses.membership_for(request.citizen, pk)
    try:
        businesses.withdraw_invitation(membership, invitation_pk)
    except AccountError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Đã hủy lời mời."))
    return redirect("citizens:business_detail", pk)


@citizen_required
def accept_invitation(request: HttpRequest, secret: str) -> HttpResponse:
    invitation = businesses.pending_invitation(secret)
    if invitation is None:
        return render(request, "citizens/link_invalid.html", status=400)
    if request.method == "POST":
        try:
            membership = businesses.accept_invitation(request.citizen, secret)
        except AccountError as exc:
            messages.error(request, exc.message)
            return redirect("citizens:profile")
        messages.success(
            request,
            _("Bạn đã được ghi nhận là %(role)s của %(name)s.")
            % {"role": membership.get_role_display().lower(), "name": membership.business.name},
        )
        return redirect("citizens:business_detail", membership.business_id)
    return render(request, "citizens/accept_invitation.html", {"invitation": invitation})
