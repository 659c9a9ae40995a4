"""The API that upstream portals push dossiers through (token, HMAC signature, idempotent), and the
record of status changes to push back.
"""

from django.apps import AppConfig
from django.db.models.signals import post_save
from django.utils.translation import gettext_lazy as _


class IntakeConfig(AppConfig):
    name = "intake"
    verbose_name = _("Tiếp nhận liên thông")

    def ready(self) -> None:
        from dossiers.models import Event
        from intake.hooks import record_status_change

        post_save.connect(record_status_change, sender=Event, dispatch_uid="intake.status_change")
