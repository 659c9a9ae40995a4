"""Bench-only URLs, mounted at /bench/ when MOTCUA_BENCH=1 (motcua/urls.py)."""

from django.urls import path

from bench import views

app_name = "bench"
urlpatterns = [
    path("f0/", views.trivial, name="f0"),
    path("f1/<int:pk>/", views.one_row, name="f1"),
    path("f2/<int:agency>/<str:day>/", views.summary_row, name="f2"),
    path("nop/", views.submit, name="submit"),
]
