"""Public statistics (/thong-ke/): no sign-in."""

from django.urls import path

from oversight import public

app_name = "public_stats"
urlpatterns = [
    path("", public.statistics, name="statistics"),
    path("csv/", public.statistics_csv, name="statistics_csv"),
    path("xlsx/", public.statistics_xlsx, name="statistics_xlsx"),
    path("cong-thuc/", public.formulas, name="formulas"),
]
