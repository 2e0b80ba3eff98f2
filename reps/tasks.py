"""Background delivery of rep-triggered emails; the task carries only the send's id."""

from django_tasks import task

from .services import email_send_deliver


@task()
def deliver_email_send(send_id: int) -> str:
    return email_send_deliver(send_id=send_id).status
