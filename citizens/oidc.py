"""Sign-in through an OpenID Connect identity provider (the national one in production), with
mozilla-django-oidc doing the authorization code flow (with PKCE and a nonce).

Our additions: the feature is off unless settings name a client; the ID token must come from
the configured issuer and be meant for us; the person's ID number must be present, well formed
and vouched for by the provider; the account is then found or created by
`citizens.services.account_from_provider`. A refusal is explained on the sign-in page.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import jwt
import requests
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.core.exceptions import SuspiciousOperation, ValidationError
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import resolve_url
from django.urls import reverse
from django.utils.translation import gettext as _
from mozilla_django_oidc.auth import OIDCAuthenticationBackend
from mozilla_django_oidc.views import OIDCAuthenticationCallbackView, OIDCAuthenticationRequestView

from citizens.services import AccountError, ProviderIdentity, account_from_provider
from citizens.views.common import locked_out
from dossiers.validators import validate_personal_id

logger = logging.getLogger(__name__)
REFUSAL = "citizens_oidc_refusal"


@dataclass(frozen=True)
class ProviderSettings:
    enabled: bool
    name: str
    issuer: str
    client_id: str
    id_claim: str
    id_verified_claim: str
    name_claim: str


def provider_settings() -> ProviderSettings:
    return ProviderSettings(
        enabled=bool(getattr(settings, "OIDC_RP_CLIENT_ID", "")),
        name=settings.OIDC_PROVIDER_NAME,
        issuer=settings.OIDC_OP_ISSUER,
        client_id=settings.OIDC_RP_CLIENT_ID,
        id_claim=settings.OIDC_CITIZEN_ID_CLAIM,
        id_verified_claim=settings.OIDC_CITIZEN_ID_VERIFIED_CLAIM,
        name_claim=settings.OIDC_CITIZEN_NAME_CLAIM,
    )


def identity_from_claims(claims: dict, config: ProviderSettings) -> ProviderIdentity:
    """What we accept from the provider's user info; AccountError if it is not enough."""
    personal_id = str(claims.get(config.id_claim) or "").strip()
    verified = not config.id_verified_claim or claims.get(config.id_verified_claim) is True
    try:
        validate_personal_id(personal_id)
    except ValidationError:
        verified = False
    if not verified:
        raise AccountError(
            _("Nhà cung cấp định danh không gửi số định danh cá nhân đã được xác thực, nên cổng "
              "không thể đăng nhập cho bạn bằng cách này.")
        )  # fmt: skip
    email = str(claims.get("email") or "").strip().lower()
    return ProviderIdentity(
        issuer=config.issuer,
        subject=str(claims["sub"]),
        personal_id=personal_id,
        full_name=str(claims.get(config.name_claim) or "").strip(),
        email=email if claims.get("email_verified") is True else "",
    )


class CitizenOIDCBackend(OIDCAuthenticationBackend):
    """Answers only the callback of the citizens' OIDC sign-in, and only when it is enabled."""

    def __init__(self, *args, **kwargs) -> None:
        self.config = provider_settings()
        self.UserModel = get_user_model()  # get_user() serves sessions even once switched off
        if self.config.enabled:
            super().__init__(*args, **kwargs)

    def authenticate(self, request, **kwargs):
        if not self.config.enabled or request is None:
            return None
        if request.path != reverse(settings.OIDC_AUTHENTICATION_CALLBACK_URL):
            return None  # a ?code=&state= on any other page is not a sign-in
        try:
            return super().authenticate(request, **kwargs)
        except requests.RequestException:
            logger.exception("identity provider unreachable or refused the code")
            _refuse(request, _("Không kết nối được với nhà cung cấp định danh. Mời thử lại sau."))
        except SuspiciousOperation as exc:  # a token that fails our checks: no sign-in
            logger.warning("OIDC sign-in refused: %s", exc)
        return None

    def retrieve_matching_jwk(self, token):
        """mozilla-django-oidc needs the key id ("kid") in the token's header; a provider that
        signs with one key may leave it out, and then its one signing key is the key."""
        header = jwt.get_unverified_header(token)
        if "kid" in header:
            return super().retrieve_matching_jwk(token)
        response = requests.get(
            self.OIDC_OP_JWKS_ENDPOINT, timeout=self.get_settings("OIDC_TIMEOUT", None)
        )
        response.raise_for_status()
        keys = [
            key
            for key in response.json().get("keys", [])
            if key.get("use", "sig") == "sig"
            and key.get("alg", header.get("alg")) == header.get("alg")
        ]
        if len(keys) != 1:
            raise SuspiciousOperation("no key id in the token and not exactly one signing key")
        return jwt.PyJWK(keys[0])

    def verify_token(self, token, **kwargs):
        """Also check what mozilla-django-oidc leaves out: who issued the token and for whom."""
        payload = super().verify_token(token, **kwargs)
        audience = payload.get("aud")
        audiences = audience if isinstance(audience, list) else [audience]
        if payload.get("iss") != self.config.issuer or self.config.client_id not in audiences:
            raise SuspiciousOperation("ID token from another issuer or for another client")
        return payload

    def get_or_create_user(self, access_token, id_token, payload):
        claims = self.get_userinfo(access_token, id_token, payload)
        if claims.get("sub") != payload.get("sub"):
            raise SuspiciousOperation("user info is about another subject than the ID token")
        try:
            return account_from_provider(identity_from_claims(claims, self.config)).user
        except AccountError as exc:
            _refuse(self.request, exc.message)
            return None


def _refuse(request, message: str) -> None:
    setattr(request, REFUSAL, message)


def _require_enabled() -> None:
    if not provider_settings().enabled:
        raise Http404


class StartView(OIDCAuthenticationRequestView):
    """Sends the visitor to the provider (with state, nonce and PKCE in the session)."""

    def dispatch(self, request, *args, **kwargs):
        _require_enabled()
        return super().dispatch(request, *args, **kwargs)


class CallbackView(OIDCAuthenticationCallbackView):
    """Back from the provider: signs in, or returns to the sign-in page with the reason."""

    def dispatch(self, request, *args, **kwargs):
        _require_enabled()
        return super().dispatch(request, *args, **kwargs)

    @property
    def success_url(self) -> str:
        return self.request.session.get("oidc_login_next") or resolve_url("citizens:profile")

    def login_failure(self):
        if getattr(self.request, "axes_locked_out", False):
            return locked_out(self.request)
        reason = getattr(self.request, REFUSAL, None)
        if reason is None and self.request.GET.get("error"):
            reason = _("Bạn chưa đồng ý đăng nhập tại nhà cung cấp định danh.")
        messages.error(
            self.request, reason or _("Đăng nhập bằng định danh điện tử không thành công.")
        )
        return HttpResponseRedirect(reverse("citizens:sign_in"))
