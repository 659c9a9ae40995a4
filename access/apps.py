from django.apps import AppConfig


class AccessConfig(AppConfig):
    name = "access"

    def ready(self) -> None:
        """The admin site requires the second factor too, and signs in through /can-bo/
        (access.admin_site)."""
        from django.contrib import admin

        from access.admin_site import AdminSite

        admin.site.__class__ = AdminSite
