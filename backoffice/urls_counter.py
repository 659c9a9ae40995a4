"""Reception and queues (/can-bo/...)."""

urlpatterns: list = []
