"""The dossier page and its actions (/can-bo/ho-so/<code>/...)."""

from django.urls import path

from backoffice.views import actions, dossier

urlpatterns: list = [
    path("ho-so/<str:code>/", dossier.dossier_page, name="dossier"),
    path("ho-so/<str:code>/tep/<int:pk>/", dossier.document_download, name="document"),
    path("ho-so/<str:code>/tep/<int:pk>/xem/", dossier.document_preview, name="document_preview"),
    path("ho-so/<str:code>/mau/<str:number>/", dossier.official_form, name="form"),
    path("ho-so/<str:code>/<slug:action>/", actions.act, name="action"),
]
