"""Raw messages for the ingest tests, built with the standard library."""

import itertools
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import format_datetime

from django.utils import timezone

_counter = itertools.count(1)


def make_email(
    *,
    frm: str = "Ivan Petrov <ivan@acme.test>",
    to: str = "support@okno.test",
    subject: str = "Printer is broken",
    body: str = "Hello, the printer on floor 2 does not print.",
    message_id: str | None = None,
    in_reply_to: str = "",
    references: str = "",
    cc: str = "",
    reply_to: str = "",
    headers: dict | None = None,
    html: str = "",
    attachments: tuple = (),
) -> bytes:
    msg = EmailMessage(policy=SMTP)
    msg["From"] = frm
    msg["To"] = to
    if cc:
        msg["Cc"] = cc
    if reply_to:
        msg["Reply-To"] = reply_to
    msg["Subject"] = subject
    msg["Date"] = format_datetime(timezone.now())
    msg["Message-ID"] = f"<{message_id or f'm{next(_counter)}-{id(msg)}@client.test'}>"
    if in_reply_to:
        msg["In-Reply-To"] = f"<{in_reply_to}>"
    if references:
        msg["References"] = " ".join(f"<{r}>" for r in references.split())
    for name, value in (headers or {}).items():
        msg[name] = value
    msg.set_content(body)
    if html:
        msg.add_alternative(html, subtype="html")
    for filename, data, ctype, cid in attachments:
        maintype, subtype = ctype.split("/")
        if cid:
            msg.get_payload()[-1].add_related(
                data, maintype=maintype, subtype=subtype, cid=f"<{cid}>", filename=filename
            ) if html else msg.add_attachment(
                data, maintype=maintype, subtype=subtype, filename=filename, cid=f"<{cid}>"
            )
        else:
            msg.add_attachment(data, maintype=maintype, subtype=subtype, filename=filename)
    return msg.as_bytes()


def make_bounce(*, original_id: str, recipient: str = "gone@acme.test") -> bytes:
    boundary = "BOUNDARY42"
    return (
        "From: Mail Delivery System <MAILER-DAEMON@mx.acme.test>\r\n"
        "To: support@okno.test\r\n"
        "Subject: Undelivered Mail Returned to Sender\r\n"
        f"Message-ID: <bounce-{original_id}>\r\n"
        "Auto-Submitted: auto-replied\r\n"
        "MIME-Version: 1.0\r\n"
        f'Content-Type: multipart/report; report-type=delivery-status; boundary="{boundary}"\r\n'
        "\r\n"
        f"--{boundary}\r\n"
        "Content-Type: text/plain\r\n\r\n"
        "I'm sorry to have to inform you that your message could not be delivered.\r\n"
        f"--{boundary}\r\n"
        "Content-Type: message/delivery-status\r\n\r\n"
        "Reporting-MTA: dns; mx.acme.test\r\n\r\n"
        f"Final-Recipient: rfc822; {recipient}\r\n"
        "Action: failed\r\n"
        "Status: 5.1.1\r\n"
        "Diagnostic-Code: smtp; 550 5.1.1 User unknown\r\n"
        f"--{boundary}\r\n"
        "Content-Type: text/rfc822-headers\r\n\r\n"
        "From: support@okno.test\r\n"
        f"To: {recipient}\r\n"
        "Subject: Re: Printer is broken\r\n"
        f"Message-ID: <{original_id}>\r\n"
        f"--{boundary}--\r\n"
    ).encode()
