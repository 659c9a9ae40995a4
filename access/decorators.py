"""The gate of every back-office view: signed in, second factor verified, an official."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from access.scope import official_of


def official_required(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Let through only a user who passed password and TOTP and is an active official.

    Sets `request.official`. Someone signed in without the second factor is sent back to the
    sign-in; an account that is not an official (an admin, a citizen) gets a 403 page that says
    why, never a dossier.
    """

    @wraps(view)
    def gate(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        user = request.user
        if not user.is_authenticated or not user.is_verified():
            return redirect_to_login(request.get_full_path())
        request.official = official_of(user)
        if request.official is None:
            return render(request, "access/not_an_official.html", status=403)
        return view(request, *args, **kwargs)

    return gate
