"""Online application and the citizen's dossiers, under /nop-truc-tuyen/."""

from django.urls import path

from applications.views import dossiers, drafts

app_name = "applications"
urlpatterns = [
    path("thu-tuc/<str:code>/", drafts.start, name="start"),
    path("ho-so-nhap/", drafts.draft_list, name="drafts"),
    path("ho-so-nhap/<int:pk>/", drafts.resume, name="draft"),
    path("ho-so-nhap/<int:pk>/nguoi-nop/", drafts.step_applicant, name="step_applicant"),
    path("ho-so-nhap/<int:pk>/thanh-phan/", drafts.step_components, name="step_components"),
    path("ho-so-nhap/<int:pk>/nhan-ket-qua/", drafts.step_delivery, name="step_delivery"),
    path("ho-so-nhap/<int:pk>/xac-nhan/", drafts.step_review, name="step_review"),
    path("ho-so-nhap/<int:pk>/xoa/", drafts.delete, name="delete_draft"),
    path("ho-so-nhap/<int:pk>/tep/<int:file_pk>/", drafts.draft_file, name="draft_file"),
    path("ho-so-cua-toi/", dossiers.dossier_list, name="dossiers"),
    path("ho-so-cua-toi/<str:code>/", dossiers.dossier_detail, name="dossier"),
    path("ho-so-cua-toi/<str:code>/da-nop/", dossiers.submitted, name="submitted"),
    path("ho-so-cua-toi/<str:code>/bo-sung/", dossiers.supplement, name="supplement"),
    path(
        "ho-so-cua-toi/<str:code>/bo-sung/tep/<int:pk>/",
        dossiers.supplement_file,
        name="supplement_file",
    ),
    path("ho-so-cua-toi/<str:code>/giay-to/<int:pk>/", dossiers.document, name="document"),
    path("ho-so-cua-toi/<str:code>/mau/<str:number>/", dossiers.letter, name="letter"),
    path("ho-so-cua-toi/<str:code>/danh-gia/", dossiers.rate, name="rate"),
    path("kho-giay-to/", dossiers.store, name="store"),
    path("nhat-ky-truy-cap/", dossiers.access_log, name="access_log"),
]
