"""Outbound mail and messages: replies and notifications leave through one delivery
service.

handlers.py  reacts to committed ticket events and queues work (tasks.py);
delivery.py  makes deliveries, tries them, records each try and schedules retries;
compose.py   builds the email (headers, parts, attachments, language);
email.py     the SMTP adapter: `send(delivery)` raising `DeliveryError`;
okno/channels/messengers/outbound.py  the adapter for every messenger channel.
"""


class DeliveryError(Exception):
    """A try failed. `permanent`: retrying cannot help (an SMTP 5xx answer, a closed
    messaging window). `retry_after`: the provider asked us to wait this many seconds
    (a rate limit). `blocked`: the customer blocked us in that messenger."""

    def __init__(
        self,
        message: str,
        *,
        permanent: bool = False,
        retry_after: float | None = None,
        blocked: bool = False,
    ):
        super().__init__(message)
        self.message = message
        self.permanent = permanent or blocked
        self.retry_after = retry_after
        self.blocked = blocked
