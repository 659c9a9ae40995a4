"""Language choice: Vietnamese unless the visitor chose otherwise with the language button.

Django's LocaleMiddleware also follows the browser's Accept-Language header; many people in
Vietnam use phones set to English, and the portal is Vietnamese first, so only the explicit
choice (the language cookie set by /i18n/setlang/) switches the language.
"""

from __future__ import annotations

from django.conf import settings
from django.middleware.locale import LocaleMiddleware
from django.utils import translation


class ChosenLanguageMiddleware(LocaleMiddleware):
    def process_request(self, request) -> None:
        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME, "")
        supported = {code for code, _name in settings.LANGUAGES}
        language = chosen if chosen in supported else settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = translation.get_language()
