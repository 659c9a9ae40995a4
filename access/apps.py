from django.apps import AppConfig


class AccessConfig(AppConfig):
    name = "access"

    def ready(self) -> None:
        """The admin site requires the second factor too, and signs in through /can-bo/."""
        from django.contrib import admin
        from django.contrib.auth.views import redirect_to_login
        from django_otp.admin import OTPAdminSite

        admin.site.__class__ = OTPAdminSite
        admin.site.login = lambda request, extra_context=None: redirect_to_login(
            request.get_full_path()
        )
