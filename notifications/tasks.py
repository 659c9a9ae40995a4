"""Tasks run by the worker (`manage.py db_worker`). They take ids and call services."""

from __future__ import annotations

from django_tasks import task

from notifications import services


@task()
def deliver_notification(notification_id: int) -> str:
    return services.deliver(notification_id)


@task()
def sweep_outbox() -> int:
    """Periodic: deliver what is pending or stuck; each delivery claims its row first."""
    count = 0
    for pk in services.unsent_ids():
        if services.deliver(pk) == "sent":
            count += 1
    return count
