from django.urls import path

from ratings import views

app_name = "ratings"
urlpatterns = [
    path("quay/<str:code>/", views.kiosk, name="kiosk"),
    path("<str:token>/", views.by_link, name="by_link"),
]
