"""URL map: public portal at the root, officials under /can-bo/, admin under /quan-tri/."""

from django.conf import settings
from django.contrib import admin
from django.urls import include, path

from motcua.api import api

urlpatterns = [
    path("i18n/", include("django.conf.urls.i18n")),
    path("quan-tri/", admin.site.urls),
    path("api/", api.urls),
    path("can-bo/", include("access.urls")),
    path("can-bo/", include("backoffice.urls")),
    path("giam-sat/", include("oversight.urls")),
    path("thong-ke/", include("oversight.public_urls")),
    path("tai-khoan/", include("citizens.urls")),
    path("nop-truc-tuyen/", include("applications.urls")),
    path("tra-cuu/", include("tracking.urls")),
    path("danh-gia/", include("ratings.urls")),
    path("", include("portal.urls")),
]

if settings.MOTCUA["BENCH"]:
    # Benchmark floors (F0, F1, F2) and a thin submission view; only under `make bench`.
    urlpatterns.insert(0, path("bench/", include("bench.urls")))
