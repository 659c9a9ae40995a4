"""Citizens' account pages, under /tai-khoan/."""

from django.urls import path

from citizens import oidc
from citizens.views import accounts, businesses, profile

app_name = "citizens"
urlpatterns = [
    path("", profile.profile, name="profile"),
    path("dang-ky/", accounts.sign_up, name="sign_up"),
    path("dang-ky/da-gui/", accounts.sign_up_sent, name="sign_up_sent"),
    path("dang-ky/gui-lai/", accounts.resend_verification, name="resend_verification"),
    path("xac-minh/<str:uidb64>/<str:token>/", accounts.verify_email, name="verify_email"),
    path("dang-nhap/", accounts.sign_in, name="sign_in"),
    path("dang-xuat/", accounts.sign_out, name="sign_out"),
    path("quen-mat-khau/", accounts.password_reset, name="password_reset"),
    path("quen-mat-khau/da-gui/", accounts.password_reset_sent, name="password_reset_sent"),
    path(
        "dat-lai-mat-khau/<str:uidb64>/<str:token>/",
        accounts.password_reset_confirm,
        name="password_reset_confirm",
    ),
    path("thu-dien-tu/", profile.change_email, name="change_email"),
    path(
        "thu-dien-tu/xac-minh/<str:uidb64>/<str:token>/",
        profile.confirm_email_change,
        name="confirm_email_change",
    ),
    path("doanh-nghiep/", businesses.business_list, name="business_list"),
    path("doanh-nghiep/<int:pk>/", businesses.business_detail, name="business_detail"),
    path(
        "doanh-nghiep/<int:pk>/nguoi-dai-dien/<int:member_pk>/bo/",
        businesses.remove_member,
        name="remove_member",
    ),
    path(
        "doanh-nghiep/<int:pk>/loi-moi/<int:invitation_pk>/huy/",
        businesses.withdraw_invitation,
        name="withdraw_invitation",
    ),
    path("loi-moi/<str:secret>/", businesses.accept_invitation, name="accept_invitation"),
    path("dinh-danh/dang-nhap/", oidc.StartView.as_view(), name="oidc_start"),
    path("dinh-danh/xong/", oidc.CallbackView.as_view(), name="oidc_callback"),
]
