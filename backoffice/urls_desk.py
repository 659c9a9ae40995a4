"""The dossier page and its actions (/can-bo/ho-so/<code>/...)."""

urlpatterns: list = []
