from django.apps import AppConfig


class PaperworkConfig(AppConfig):
    name = "paperwork"
