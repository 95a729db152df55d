"""Replies as each mail client writes them: new text on top, history and signature below."""

from okno.channels.tests.corpus.helpers import Case, base_headers, encoded, multipart, part, raw

OLD = "Old question about the printer"
OLD_RU = "Старый вопрос про принтер"
OLD_UK = "Старе питання про принтер"

# (name, new text, attribution / separator block, quoted-history style, signature, language)
REPLIES = [
    (
        "gmail-en",
        "Thanks, the printer works now.",
        "On Thu, Mar 12, 2026 at 10:15 AM Okno Support <support@okno.test>\nwrote:",
        "quote",
        "",
        OLD,
    ),
    (
        "gmail-ru",
        "Спасибо, принтер заработал.",
        "чт, 12 мар. 2026 г. в 10:15, Okno Support <support@okno.test>:",
        "quote",
        "",
        OLD_RU,
    ),
    (
        "gmail-uk",
        "Дякую, принтер запрацював.",
        "чт, 12 бер. 2026 р. о 10:15 Okno Support <support@okno.test> пише:",
        "quote",
        "",
        OLD_UK,
    ),
    (
        "gmail-ru-old",
        "Всё работает, заявку можно закрыть.",
        "12 марта 2026 г., 10:15 пользователь Okno Support <support@okno.test>\nнаписал:",
        "quote",
        "",
        OLD_RU,
    ),
    (
        "outlook-en",
        "Please send the invoice again.",
        "-----Original Message-----\nFrom: Okno Support <support@okno.test>\nSent: Thursday, March 12, 2026 10:15 AM\nTo: Ivan Petrov <ivan@customer.test>\nSubject: Re: Printer",
        "plain",
        "Best regards,\nIvan",
        OLD,
    ),
    (
        "outlook-web-en",
        "Attached the screenshot you asked for.",
        "________________________________\nFrom: Okno Support <support@okno.test>\nSent: Thursday, March 12, 2026 10:15\nTo: Ivan Petrov\nSubject: Re: Printer",
        "plain",
        "",
        OLD,
    ),
    (
        "outlook-ru",
        "Пришлите, пожалуйста, счёт ещё раз.",
        "От: Okno Support <support@okno.test>\nОтправлено: 12 марта 2026 г. 10:15\nКому: Иван Петров <ivan@customer.test>\nТема: Re: Принтер",
        "plain",
        "С уважением,\nИван",
        OLD_RU,
    ),
    (
        "outlook-uk",
        "Надішліть, будь ласка, рахунок ще раз.",
        "Від: Okno Support <support@okno.test>\nНадіслано: 12 березня 2026 р. 10:15\nКому: Іван Петренко <ivan@customer.test>\nТема: Re: Принтер",
        "plain",
        "",
        OLD_UK,
    ),
    (
        "outlook-ru-separator",
        "Проблема повторилась сегодня утром.",
        "-----Исходное сообщение-----\nОт: Okno Support [mailto:support@okno.test]\nОтправлено: четверг, 12 марта 2026 г. 10:15\nКому: Иван\nТема: Принтер",
        "plain",
        "",
        OLD_RU,
    ),
    (
        "apple-en",
        "Works for me, thank you!",
        "On Mar 12, 2026, at 10:15, Okno Support <support@okno.test> wrote:",
        "quote",
        "Sent from my iPhone",
        OLD,
    ),
    (
        "apple-ru",
        "Спасибо, всё получил.",
        "12 марта 2026 г., в 10:15, Okno Support <support@okno.test> написал(а):",
        "quote",
        "Отправлено с iPhone",
        OLD_RU,
    ),
    (
        "apple-uk",
        "Дякую, все отримав.",
        "12 бер. 2026 р. о 10:15 Okno Support <support@okno.test> написав(ла):",
        "quote",
        "Надіслано з iPhone",
        OLD_UK,
    ),
    (
        "thunderbird-en",
        "The error message is attached below.",
        "On 12.03.2026 10:15, Okno Support wrote:",
        "quote",
        "-- \nIvan Petrov\nHead of IT, Customer Ltd",
        OLD,
    ),
    (
        "thunderbird-ru",
        "Ошибка снова появилась после перезагрузки.",
        "12.03.2026 10:15, Okno Support пишет:",
        "quote",
        "-- \nИван Петров\nИТ-отдел",
        OLD_RU,
    ),
    (
        "thunderbird-uk",
        "Помилка знову з'явилась після перезавантаження.",
        "12.03.2026 10:15, Okno Support пише:",
        "quote",
        "-- \nІван Петренко",
        OLD_UK,
    ),
    (
        "yandex-ru",
        "Добрый день! Принтер снова не печатает.",
        '12.03.2026, 10:15, "Okno Support" <support@okno.test>:',
        "quote",
        "-- \nОтправлено из мобильной Яндекс Почты",
        OLD_RU,
    ),
    (
        "yandex-uk",
        "Добрий день! Принтер знову не друкує.",
        '12.03.2026, 10:15, "Okno Support" <support@okno.test>:',
        "quote",
        "",
        OLD_UK,
    ),
    (
        "mailru-ru",
        "Здравствуйте, заявку можно закрывать.",
        "Среда, 12 марта 2026, 10:15 +03:00 от Okno Support <support@okno.test>:",
        "quote",
        "--\nИван Петров",
        OLD_RU,
    ),
    (
        "mailru-ru-plain",
        "Большое спасибо за помощь!",
        "Среда, 12 марта 2026, 10:15 +03:00 от Okno Support <support@okno.test>:",
        "plain",
        "",
        OLD_RU,
    ),
]


def _text(new: str, attribution: str, style: str, signature: str, old: str) -> str:
    history = old + "\nSecond line of the old message."
    if style == "quote":
        history = "\n".join("> " + line for line in history.split("\n"))
    sig = f"\n\n{signature}" if signature else ""
    return f"{new}{sig}\n\n{attribution}\n{history}\n"


def reply_cases() -> list[Case]:
    cases = []
    for name, new, attribution, style, signature, old in REPLIES:
        body = _text(new, attribution, style, signature, old)
        headers = base_headers(
            "Re: [#1042] Printer",
            "Ivan Petrov <ivan@customer.test>",
            msgid=f"{name}@customer.test",
            extra=[
                ("In-Reply-To", "<okno.1042.t0k3n@okno.test>"),
                ("References", "<root@customer.test> <okno.1042.t0k3n@okno.test>"),
                ("Content-Type", "text/plain; charset=utf-8"),
                ("Content-Transfer-Encoding", "8bit"),
            ],
        )
        # A closing ("Best regards") is part of what the sender wrote; a "-- " signature
        # and a mobile footer are not.
        closing = signature.startswith(("Best", "С уваж"))
        folded = signature.split("\n")[-1] if signature and not closing else old
        cases.append(
            Case(
                name=f"reply-{name}",
                raw=raw(headers, body),
                subject="Re: [#1042] Printer",
                sender="ivan@customer.test",
                body=old,
                reply=new,
                not_in_reply=folded,
            )
        )
    cases += _html_replies()
    return cases


def _html_replies() -> list[Case]:
    gmail_text = "New answer in Gmail.\n\nOn Thu, Mar 12, 2026 at 10:15 AM Support <support@okno.test> wrote:\n> Old answer\n"
    gmail_html = (
        '<div dir="ltr">New answer in Gmail.</div><br><div class="gmail_quote">'
        '<div dir="ltr" class="gmail_attr">On Thu, Mar 12, 2026 at 10:15 AM Support &lt;support@okno.test&gt; wrote:<br></div>'
        "<blockquote>Old answer</blockquote></div>"
    )
    ctype, body = multipart(
        "alt-gmail",
        [
            part([("Content-Type", "text/plain; charset=UTF-8")], gmail_text),
            part([("Content-Type", "text/html; charset=UTF-8")], gmail_html),
        ],
        "alternative",
    )
    gmail = raw(
        base_headers(
            "Re: Printer", msgid="html-gmail@customer.test", extra=[("Content-Type", ctype)]
        ),
        body,
    )
    outlook_html = (
        "<html><body><div>Новый ответ из Outlook.</div>"
        '<div id="Signature">Иван Петров | ИТ</div>'
        '<hr style="display:inline-block;width:98%"><div id="divRplyFwdMsg" dir="ltr">'
        "<b>От:</b> Okno Support<br><b>Отправлено:</b> 12 марта 2026 г. 10:15<br><b>Тема:</b> Принтер</div>"
        "<div>Старый ответ поддержки</div></body></html>"
    )
    outlook = raw(
        base_headers(
            encoded("Re: Принтер", "windows-1251"),
            msgid="html-outlook@customer.test",
            extra=[
                ("Content-Type", "text/html; charset=utf-8"),
                ("Content-Transfer-Encoding", "8bit"),
            ],
        ),
        outlook_html,
    )
    yandex_html = (
        "<div>Ответ из Яндекс Почты.</div><div> </div>"
        "<div>12.03.2026, 10:15, &#34;Okno Support&#34; &lt;support@okno.test&gt;:</div>"
        "<blockquote><div>Старый текст поддержки</div></blockquote>"
    )
    yandex = raw(
        base_headers(
            "Re: Printer",
            msgid="html-yandex@customer.test",
            extra=[
                ("Content-Type", "text/html; charset=utf-8"),
                ("Content-Transfer-Encoding", "8bit"),
            ],
        ),
        yandex_html,
    )
    return [
        Case(
            "reply-gmail-html-alternative",
            gmail,
            subject="Re: Printer",
            reply="New answer in Gmail.",
            not_in_reply="Old answer",
            html="gmail_quote",
            body="Old answer",
        ),
        Case(
            "reply-outlook-html-only-ru",
            outlook,
            subject="Re: Принтер",
            body="Старый ответ поддержки",
            reply="Новый ответ из Outlook.",
            not_in_reply="Старый ответ поддержки",
            html="divRplyFwdMsg",
        ),
        Case(
            "reply-yandex-html-only",
            yandex,
            body="Старый текст поддержки",
            reply="Ответ из Яндекс Почты.",
            not_in_reply="Старый текст",
        ),
    ]
