"""Back-office URLs, in two modules so reception/queues and dossier/actions evolve apart."""

from backoffice import urls_counter, urls_desk

app_name = "backoffice"
urlpatterns = [*urls_counter.urlpatterns, *urls_desk.urlpatterns]
