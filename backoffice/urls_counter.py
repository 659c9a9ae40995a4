"""Reception and queues (/can-bo/...)."""

from django.urls import path

from backoffice.views import book, counter, queues

urlpatterns: list = [
    path("", queues.queue_list, name="queues"),
    path("tiep-nhan/", counter.reception, name="reception"),
    path("tiep-nhan/<str:code>/", counter.check_submitted, name="reception_check"),
    path("so-theo-doi/", book.tracking_book, name="book"),
]
