from django.apps import AppConfig


class ServiceIndexConfig(AppConfig):
    name = "service_index"
