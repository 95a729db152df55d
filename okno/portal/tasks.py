from django.core.mail import send_mail
from huey.contrib.djhuey import task


@task(retries=3, retry_delay=30)
def send_portal_mail(to: str, subject: str, body: str) -> None:
    """Sent from the queue: an SMTP hiccup is retried, and the login page answers
    equally fast whether or not we know the address."""
    send_mail(subject, body, None, [to])
