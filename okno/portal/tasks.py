from django.core.mail import EmailMessage
from huey.contrib.djhuey import task


@task(retries=3, retry_delay=30)
def send_portal_mail(to: str, subject: str, body: str, language: str = "") -> None:
    """Sent from the queue: an SMTP hiccup is retried, and the login page answers
    equally fast whether or not we know the address."""
    headers = {"Content-Language": language} if language else {}
    EmailMessage(subject, body, None, [to], headers=headers).send()
