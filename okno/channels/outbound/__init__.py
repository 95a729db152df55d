"""Outbound mail: replies and notifications leave through one delivery service.

handlers.py  reacts to committed ticket events and queues work (tasks.py);
delivery.py  makes deliveries, tries them, records each try and schedules retries;
compose.py   builds the email (headers, parts, attachments, language);
email.py     the SMTP adapter: `send(delivery)` raising `DeliveryError`.
"""


class DeliveryError(Exception):
    """A try failed. `permanent` means retrying cannot help (an SMTP 5xx answer)."""

    def __init__(self, message: str, *, permanent: bool = False):
        super().__init__(message)
        self.message = message
        self.permanent = permanent
