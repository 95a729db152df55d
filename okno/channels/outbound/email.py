"""The email adapter: one method, one error type (like healthchecks' transports).

It goes through Django's mail backend, so `settings.EMAIL_*` apply (SMTP host, TLS,
credentials, timeout). A provider API can replace SMTP later by pointing
EMAIL_BACKEND at an anymail backend; the error mapping below then needs its
`AnymailAPIError` counterpart.
"""

import smtplib
import socket

from django.core.mail import get_connection

from okno.channels.models import Delivery
from okno.channels.outbound import DeliveryError
from okno.channels.outbound.compose import compose


def _text(value) -> str:
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    return str(value)


def classify(exc: Exception) -> DeliveryError:
    """SMTP 5xx is permanent; 4xx, timeouts and a server that is down are not.

    A failed login (535) is our configuration, not the recipient: it is retried so
    the mail still leaves once an admin fixes the password.
    """
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        answers = exc.recipients.values()
        text = "; ".join(
            f"{rcpt}: {code} {_text(msg)}" for rcpt, (code, msg) in exc.recipients.items()
        )
        permanent = bool(answers) and all(code >= 500 for code, _msg in answers)
        return DeliveryError(f"recipients refused: {text}", permanent=permanent)
    if isinstance(exc, smtplib.SMTPAuthenticationError):
        return DeliveryError(f"SMTP login failed: {exc.smtp_code} {_text(exc.smtp_error)}")
    if isinstance(exc, smtplib.SMTPResponseException):
        code = exc.smtp_code
        return DeliveryError(f"{code} {_text(exc.smtp_error)}", permanent=500 <= code < 600)
    if isinstance(exc, smtplib.SMTPServerDisconnected | socket.timeout | TimeoutError):
        return DeliveryError(f"SMTP server unreachable: {type(exc).__name__}: {exc}")
    if isinstance(exc, OSError | smtplib.SMTPException):  # refused, DNS, TLS, …
        return DeliveryError(f"{type(exc).__name__}: {exc}")
    return DeliveryError(f"{type(exc).__name__}: {exc}")


def send(delivery: Delivery) -> None:
    email = compose(delivery)
    try:
        with get_connection(fail_silently=False) as connection:
            connection.send_messages([email])
    except Exception as exc:  # every failure becomes a DeliveryError the service records
        raise classify(exc) from exc
