from django.urls import path

from access import views

app_name = "access"
urlpatterns = [
    path("dang-nhap/", views.sign_in, name="sign_in"),
    path("xac-thuc/", views.second_factor, name="second_factor"),
    path("dang-xuat/", views.sign_out, name="sign_out"),
]
