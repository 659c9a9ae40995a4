"""Language choice, and addresses with a NUL character.

Language: Vietnamese unless the visitor chose otherwise with the language button. Django's
LocaleMiddleware also follows the browser's Accept-Language header; many people in Vietnam use
phones set to English, and the portal is Vietnamese first, so only the explicit choice (the
language cookie set by /i18n/setlang/) switches the language.
"""

from __future__ import annotations

from django.conf import settings
from django.http import Http404
from django.middleware.locale import LocaleMiddleware
from django.utils import translation


class ChosenLanguageMiddleware(LocaleMiddleware):
    def process_request(self, request) -> None:
        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME, "")
        supported = {code for code, _name in settings.LANGUAGES}
        language = chosen if chosen in supported else settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = translation.get_language()


class NulInPathMiddleware:
    """An address whose path holds a NUL character ("%00") names no page: the 404 page.

    Codes in paths (dossier, procedure, kiosk) are looked up as they come, and PostgreSQL
    refuses a NUL in a text value with an error, so such an address answered 500 there (and
    404 on SQLite). Refused here once rather than in every view that reads a code."""

    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request):
        if "\x00" in request.path_info:
            raise Http404("NUL in the path")
        return self.get_response(request)
