from django.apps import AppConfig


class OversightConfig(AppConfig):
    name = "oversight"

    def ready(self) -> None:
        from oversight import invalidation

        invalidation.connect()
