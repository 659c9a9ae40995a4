"""Oversight pages (/giam-sat/): dashboards, service index, accountability, reports."""

from django.urls import path

from oversight.views import accountability, dashboard, index, reports

app_name = "oversight"
urlpatterns = [
    path("", dashboard.dashboard, name="dashboard"),
    path("ho-so/", dashboard.dossier_list, name="dossiers"),
    path("chi-so/", index.index, name="index"),
    path("chi-so/ho-so/", index.index_dossiers, name="index_dossiers"),
    path("chi-so/xep-hang/", index.rankings, name="rankings"),
    path("trach-nhiem/", accountability.accountability, name="accountability"),
    path("trach-nhiem/<int:official_id>/buoc-tre/", accountability.late_steps, name="late_steps"),
    path("bao-cao/", reports.report_page, name="reports"),
    path("bao-cao/tai-ve.<str:extension>", reports.report_file, name="report_file"),
]
