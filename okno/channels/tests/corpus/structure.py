"""Bodies, attachments, forwarded mail, TNEF, auto-replies, bounces and broken MIME."""

import base64

from okno.channels.tests.corpus.helpers import (
    Case,
    b64,
    base_headers,
    encoded,
    multipart,
    part,
    raw,
    text_mail,
    tnef,
)

PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg=="
)


def _mail(
    name: str,
    subject: str,
    ctype: str,
    body: bytes,
    extra=None,
    sender="Ivan Petrov <ivan@customer.test>",
) -> bytes:
    headers = base_headers(subject, sender, msgid=f"{name}@customer.test", extra=extra)
    return raw(headers + [("Content-Type", ctype)], body)


def body_cases() -> list[Case]:
    ctype, body = multipart(
        "alt1",
        [
            part([("Content-Type", "text/plain; charset=utf-8")], "Plain version of the request"),
            part(
                [("Content-Type", "text/html; charset=utf-8")],
                "<p>HTML <b>version</b> of the request</p>",
            ),
        ],
        "alternative",
    )
    html_only = "<html><body><h1>Request</h1><p>Only&nbsp;HTML here &amp; nothing else</p><script>x()</script></body></html>"
    return [
        Case(
            "alternative",
            _mail("alt", "Alt", ctype, body),
            body="Plain version",
            html="<b>version</b>",
            reply="Plain version",
            attachments=(),
        ),
        Case(
            "html-only",
            _mail("html-only", "HTML only", "text/html; charset=utf-8", html_only.encode()),
            body="Only\xa0HTML here & nothing else",
            html="<h1>Request</h1>",
            attachments=(),
        ),
        Case(
            "text-only",
            text_mail("text-only", "Text only", "Just text, no HTML."),
            body="Just text, no HTML.",
            reply="Just text",
            attachments=(),
        ),
        Case(
            "crlf-less-lf-only",
            raw(
                base_headers("LF only", msgid="lf@customer.test")
                + [("Content-Type", "text/plain")],
                "Line one\nLine two",
                eol=b"\n",
            ),
            subject="LF only",
            body="Line one\nLine two",
        ),
    ]


def attachment_cases() -> list[Case]:
    cases = []
    pdf = b"%PDF-1.4 fake"
    ctype, body = multipart(
        "att2231",
        [
            part([("Content-Type", "text/plain; charset=utf-8")], "See the report."),
            part(
                [
                    ("Content-Type", "application/pdf"),
                    (
                        "Content-Disposition",
                        "attachment;\r\n filename*0*=UTF-8''%D0%BE%D1%82%D1%87%D1%91%D1%82%20;\r\n filename*1*=%E2%84%965.pdf",
                    ),
                    ("Content-Transfer-Encoding", "base64"),
                ],
                b64(pdf),
            ),
        ],
    )
    cases.append(
        Case(
            "attachment-rfc2231-continuation",
            _mail("a2231", "Report", ctype, body),
            attachments=("отчёт №5.pdf",),
            body="See the report.",
        )
    )
    ctype, body = multipart(
        "att2047",
        [
            part([("Content-Type", "text/plain")], "Scan attached."),
            part(
                [
                    ("Content-Type", f'image/jpeg; name="{encoded("скан паспорта.jpg")}"'),
                    (
                        "Content-Disposition",
                        f'attachment; filename="{encoded("скан паспорта.jpg")}"',
                    ),
                    ("Content-Transfer-Encoding", "base64"),
                ],
                b64(b"\xff\xd8\xff fake jpeg"),
            ),
        ],
    )
    cases.append(
        Case(
            "attachment-rfc2047-name",
            _mail("a2047", "Scan", ctype, body),
            attachments=("скан паспорта.jpg",),
        )
    )
    raw_name = 'attachment; filename="Акт сверки.xlsx"'.encode("cp1251")
    ctype, body = multipart(
        "att8bit",
        [
            part(
                [("Content-Type", "text/plain; charset=windows-1251")],
                "Акт во вложении".encode("cp1251"),
            ),
            b"Content-Type: application/octet-stream\r\nContent-Disposition: "
            + raw_name
            + b"\r\nContent-Transfer-Encoding: base64\r\n\r\n"
            + b64(b"PK xlsx"),
        ],
    )
    cases.append(
        Case(
            "attachment-raw-8bit-name",
            _mail("a8bit", "Akt", ctype, body),
            attachments=("Акт сверки.xlsx",),
            body="Акт во вложении",
        )
    )
    evil = part(
        [
            ("Content-Type", "application/octet-stream"),
            ("Content-Disposition", 'attachment; filename="../../etc/passwd"'),
        ],
        "root:x:0:0",
    )
    ctype, body = multipart("evil", [part([("Content-Type", "text/plain")], "hi"), evil])
    cases.append(
        Case(
            "attachment-path-traversal-name",
            _mail("evil", "Evil", ctype, body),
            attachments=("passwd",),
        )
    )
    related_html = '<p>Look: <img src="cid:logo123@customer.test"></p>'
    related_ct, related_body = multipart(
        "rel1",
        [
            part([("Content-Type", "text/html; charset=utf-8")], related_html),
            part(
                [
                    ("Content-Type", "image/png"),
                    ("Content-ID", "<logo123@customer.test>"),
                    ("Content-Transfer-Encoding", "base64"),
                ],
                b64(PNG),
            ),
        ],
        "related",
    )
    alt_ct, alt_body = multipart(
        "alt2",
        [
            part([("Content-Type", "text/plain")], "Look: [image]"),
            b"Content-Type: " + related_ct.encode() + b"\r\n\r\n" + related_body,
        ],
        "alternative",
    )
    cases.append(
        Case(
            "inline-cid-image",
            _mail("cid", "Inline image", alt_ct, alt_body),
            body="Look: [image]",
            html="cid:logo123@customer.test",
            attachments=("image-1.png",),
            inline=("logo123@customer.test",),
        )
    )
    inner = raw(
        [
            ("From", "Boss <boss@customer.test>"),
            ("To", "ivan@customer.test"),
            ("Subject", encoded("Срочно: сервер упал")),
            ("Message-ID", "<inner@customer.test>"),
        ],
        "The server is down!",
    )
    ctype, body = multipart(
        "fwd",
        [
            part([("Content-Type", "text/plain")], "FYI, see the forwarded message."),
            b"Content-Type: message/rfc822\r\nContent-Disposition: inline\r\n\r\n" + inner,
        ],
    )
    cases.append(
        Case(
            "forwarded-rfc822",
            _mail("fwd", "Fwd: Срочно", ctype, body),
            body="FYI, see the forwarded message.",
            attachments=("Срочно_ сервер упал.eml",),
        )
    )
    winmail = tnef([("Смета.docx", b"PK docx"), ("photo.jpg", b"\xff\xd8jpg")])
    ctype, body = multipart(
        "tnef",
        [
            part([("Content-Type", "text/plain")], "Outlook rich text mail."),
            part(
                [
                    ("Content-Type", 'application/ms-tnef; name="winmail.dat"'),
                    ("Content-Disposition", "attachment; filename=winmail.dat"),
                    ("Content-Transfer-Encoding", "base64"),
                ],
                b64(winmail),
            ),
        ],
    )
    cases.append(
        Case(
            "tnef-winmail",
            _mail("tnef", "TNEF", ctype, body),
            attachments=("Смета.docx", "photo.jpg"),
            body="Outlook rich text",
        )
    )
    ctype, body = multipart(
        "badtnef",
        [
            part([("Content-Type", "text/plain")], "Broken TNEF."),
            part(
                [
                    ("Content-Type", "application/ms-tnef"),
                    ("Content-Disposition", "attachment; filename=winmail.dat"),
                ],
                "not tnef at all",
            ),
        ],
    )
    cases.append(
        Case(
            "tnef-broken-kept-raw",
            _mail("badtnef", "TNEF", ctype, body),
            attachments=("winmail.dat",),
            defects=True,
        )
    )
    ctype, body = multipart(
        "ics",
        [
            part([("Content-Type", "text/plain")], "Meeting invite"),
            part(
                [("Content-Type", "text/calendar; method=REQUEST; charset=utf-8")],
                "BEGIN:VCALENDAR\r\nEND:VCALENDAR",
            ),
        ],
    )
    cases.append(
        Case(
            "calendar-part",
            _mail("ics", "Invite", ctype, body),
            attachments=("attachment-1.ics",),
            body="Meeting invite",
        )
    )
    return cases


def _auto(
    name: str,
    extra,
    subject: str = "Re: [#1042] Printer",
    body: str = "Thank you for your message.",
) -> Case:
    return Case(
        f"auto-{name}",
        text_mail(f"auto-{name}", subject, body, extra=extra),
        auto=True,
        subject=subject,
    )


def auto_cases() -> list[Case]:
    return [
        _auto("auto-submitted", [("Auto-Submitted", "auto-replied")]),
        _auto("auto-generated", [("Auto-Submitted", "auto-generated")]),
        _auto("x-autoreply", [("X-Autoreply", "yes")]),
        _auto("x-autorespond", [("X-Autorespond", "Vacation")]),
        _auto("precedence-bulk", [("Precedence", "bulk")]),
        _auto("precedence-junk", [("Precedence", "junk")]),
        _auto("precedence-list", [("Precedence", "list")]),
        _auto("list-id", [("List-Id", "Customers <customers.lists.customer.test>")]),
        _auto("list-unsubscribe", [("List-Unsubscribe", "<mailto:unsubscribe@news.test>")]),
        _auto("return-path-empty", [("Return-Path", "<>")]),
        _auto("x-auto-response-suppress", [("X-Auto-Response-Suppress", "All")]),
        _auto("subject-en", [], subject="Automatic reply: [#1042] Printer"),
        _auto("subject-ooo", [], subject="Out of Office: Printer"),
        _auto("subject-ru", [], subject="Автоответ: Re: Принтер"),
        _auto("subject-ru-full", [], subject="Автоматический ответ: Принтер"),
        _auto("subject-ru-away", [], subject="Нет на месте: Принтер"),
        _auto("subject-uk", [], subject="Автовідповідь: Принтер"),
        _auto("subject-uk-full", [], subject="Автоматична відповідь: Принтер"),
        _auto("subject-uk-office", [], subject="Не в офісі"),
        _auto(
            "text-ru",
            [],
            subject="Re: Принтер",
            body="Я в отпуске до 20 марта, по срочным вопросам пишите коллеге.",
        ),
        _auto(
            "text-en",
            [],
            subject="Re: Printer",
            body="I am currently out of the office until March 20.",
        ),
        Case(
            "not-auto-no",
            text_mail("auto-no", "Hello", "Hello", extra=[("Auto-Submitted", "no")]),
            auto=False,
        ),
    ]


DSN_TEXT = "This is the mail system at host mx.customer.test.\n\nI'm sorry to have to inform you that your message could not be delivered."


def _dsn(
    name: str, action: str, status: str, original: bytes, original_ct: str = "message/rfc822"
) -> bytes:
    ctype, body = multipart(
        f"dsn-{name}",
        [
            part([("Content-Type", "text/plain")], DSN_TEXT),
            part(
                [("Content-Type", "message/delivery-status")],
                f"Reporting-MTA: dns; mx.customer.test\r\n\r\nFinal-Recipient: rfc822; Nobody@Customer.test\r\nAction: {action}\r\nStatus: {status}\r\nDiagnostic-Code: smtp; 550 {status} User unknown\r\n",
            ),
            part([("Content-Type", original_ct)], original),
        ],
        "report",
        "; report-type=delivery-status",
    )
    return _mail(
        name,
        "Undelivered Mail Returned to Sender",
        ctype,
        body,
        sender="Mail Delivery System <MAILER-DAEMON@mx.customer.test>",
        extra=[("Auto-Submitted", "auto-replied")],
    )


ORIGINAL = raw(
    [
        ("From", "support@okno.test"),
        ("To", "nobody@customer.test"),
        ("Subject", "Re: [#1042] Printer"),
        ("Message-ID", "<okno.1042.5.t0k3n@okno.test>"),
    ],
    "Our answer",
)


def bounce_cases() -> list[Case]:
    headers_only = ORIGINAL.split(b"\r\n\r\n")[0] + b"\r\n"
    plain = text_mail(
        "qmail",
        "failure notice",
        "Hi. This is the qmail-send program at mx.customer.test.\nI'm afraid I wasn't able to deliver your message to the following addresses.\n\n<nobody@customer.test>:\nSorry, no mailbox here by that name. (#5.1.1)\n\n--- Below this line is a copy of the message.\n\nMessage-ID: <okno.1042.5.t0k3n@okno.test>\nSubject: Re: [#1042] Printer\n",
        sender="MAILER-DAEMON@mx.customer.test",
    )
    common = {
        "bounce_id": "okno.1042.5.t0k3n@okno.test",
        "bounce_recipient": "nobody@customer.test",
        "auto": True,
    }
    return [
        Case(
            "bounce-dsn-rfc822",
            _dsn("b1", "failed", "5.1.1", ORIGINAL),
            bounce=True,
            bounce_status="5.1.1",
            attachments=("delivery-status.txt", "Re_ [#1042] Printer.eml"),
            **common,
        ),
        Case(
            "bounce-dsn-headers",
            _dsn("b2", "failed", "5.2.2", headers_only, "text/rfc822-headers"),
            bounce=True,
            bounce_status="5.2.2",
            **common,
        ),
        Case("bounce-plain-qmail", plain, bounce=True, bounce_status="5.1.1", **common),
        Case(
            "dsn-delayed-not-bounce",
            _dsn("b3", "delayed", "4.4.1", ORIGINAL),
            bounce=False,
            auto=True,
        ),
    ]


def _nested(depth: int) -> bytes:
    body = b"Content-Type: text/plain\r\n\r\ndeep body\r\n"
    for i in range(depth):
        body = (
            f'Content-Type: multipart/mixed; boundary="n{i}"\r\n\r\n--n{i}\r\n'.encode()
            + body
            + f"\r\n--n{i}--\r\n".encode()
        )
    return (
        raw(base_headers("Deep", msgid="deep@customer.test"), b"").rstrip(b"\r\n") + b"\r\n" + body
    )


def broken_cases() -> list[Case]:
    cases = []
    inner = (
        b"--real\r\nContent-Type: text/plain\r\n\r\nBody behind a missing boundary\r\n--real--\r\n"
    )
    cases.append(
        Case(
            "missing-boundary",
            _mail("nob", "No boundary", "multipart/mixed", inner),
            body="Body behind a missing boundary",
            defects=True,
        )
    )
    cases.append(
        Case(
            "wrong-boundary",
            _mail("wrongb", "Wrong boundary", 'multipart/mixed; boundary="declared"', inner),
            body="Body behind a missing boundary",
            defects=True,
        )
    )
    truncated = b64("Текст в base64, обрезанный посередине".encode())[:30]
    cases.append(
        Case(
            "truncated-base64",
            text_mail("trunc", "Truncated", truncated, cte="base64"),
            subject="Truncated",
            body="Текст",
        )
    )
    cases.append(
        Case(
            "bad-quoted-printable",
            text_mail(
                "badqp", "Bad QP", b"Price =ZZ 100 =\r\nsoft=3Dbreak =E2=8", cte="quoted-printable"
            ),
            body="Price =ZZ 100 soft=break",
        )
    )
    huge = "x" * 100_000
    many = [
        ("Received", f"from relay{i}.test by mx.test; Thu, 12 Mar 2026 10:15:00 +0300")
        for i in range(3000)
    ]
    cases.append(
        Case(
            "huge-headers",
            raw(
                base_headers(huge, msgid="huge@customer.test", extra=many),
                "body after huge headers",
            ),
            body="body after huge headers",
            defects=True,
        )
    )
    cases.append(Case("deep-nesting-100", _nested(100), subject="Deep", defects=True))
    cases.append(Case("deep-nesting-40", _nested(40), subject="Deep", body="deep body"))
    no_id = raw([("From", "ivan@customer.test"), ("Subject", "No id")], "body")
    cases.append(Case("no-message-id", no_id, subject="No id", message_id="sha256-", defects=True))
    cases.append(
        Case(
            "no-from",
            raw(
                [("To", "support@okno.test"), ("Subject", "No from"), ("Message-ID", "<nofrom@x>")],
                "body",
            ),
            sender="",
            defects=True,
            message_id="nofrom@x",
        )
    )
    cases.append(
        Case(
            "no-subject",
            raw([("From", "a@customer.test"), ("Message-ID", "<  nosubj@x >")], "body"),
            subject="",
            message_id="nosubj@x",
        )
    )
    cases.append(
        Case(
            "headers-only",
            raw([("From", "a@customer.test"), ("Subject", "Empty body")], ""),
            subject="Empty body",
            body="",
        )
    )
    bomb_ct, bomb_body = multipart(
        "bomb",
        [
            part([("Content-Type", "text/plain")], "Archive attached"),
            part(
                [
                    ("Content-Type", "application/zip"),
                    (
                        "Content-Disposition",
                        'attachment; filename="bomb.zip"; size=999999999999999',
                    ),
                    ("Content-Length", "99999999999999"),
                    ("Content-Transfer-Encoding", "base64"),
                ],
                b64(b"PK\x03\x04" + b"\x00" * 100),
            ),
        ],
    )
    cases.append(
        Case(
            "zip-bomb-declared-size",
            _mail("bomb", "Bomb", bomb_ct, bomb_body),
            attachments=("bomb.zip",),
            body="Archive attached",
        )
    )
    garbage = raw(
        [
            ("From", "=?utf-8?B?!!!?= <<<@@@>>>, ivan@customer.test"),
            ("Subject", "=?x-unknown?Q?=FF=FE?= =?utf-8?B?0J/RgNC40LLQtdGC?="),
            ("Date", "yesterday at noon"),
            ("Message-ID", "<garbage@customer.test>"),
            ("In-Reply-To", "garbage <a@b> <c@d"),
            ("Content-Type", 'text/plain; charset="no-such-charset"; boundary'),
        ],
        "Текст".encode("cp1251"),
    )
    cases.append(Case("garbage-headers", garbage, sender="ivan@customer.test", body="Текст"))
    return cases
