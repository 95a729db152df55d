"""Charsets, encoded words and mislabelled mail."""

import base64

from okno.channels.tests.corpus.helpers import (
    Case,
    base_headers,
    encoded,
    header_words,
    raw,
    text_mail,
)

RU = "Здравствуйте! У нас не работает принтер в бухгалтерии, помогите пожалуйста."
UK = "Добрий день! У бухгалтерії не працює принтер, допоможіть будь ласка, їй-богу."


def charset_cases() -> list[Case]:
    cases = []
    for charset, cte in [
        ("koi8-r", "8bit"),
        ("windows-1251", "quoted-printable"),
        ("iso-8859-5", "base64"),
        ("cp866", "8bit"),
    ]:
        data = RU.encode(charset)
        if cte == "quoted-printable":
            import quopri

            data = quopri.encodestring(data)
        elif cte == "base64":
            data = base64.encodebytes(data)
        subject = header_words("Не работает принтер", charset)
        cases.append(
            Case(
                f"charset-{charset}",
                text_mail(f"cs-{charset}", subject, data, charset=charset, cte=cte),
                subject="Не работает принтер",
                sender="ivan@customer.test",
                body="не работает принтер в бухгалтерии",
                reply="помогите пожалуйста",
            )
        )
    cases.append(
        Case(
            "charset-koi8-u",
            text_mail(
                "cs-koi8u",
                header_words("Принтер не друкує", "koi8-u"),
                UK.encode("koi8-u"),
                charset="koi8-u",
            ),
            subject="Принтер не друкує",
            body="У бухгалтерії не працює принтер",
        )
    )
    jp = "プリンターが動きません。助けてください。"
    cases.append(
        Case(
            "charset-iso-2022-jp",
            text_mail(
                "cs-jp",
                header_words("プリンター", "iso-2022-jp"),
                jp.encode("iso-2022-jp"),
                charset="iso-2022-jp",
                cte="7bit",
            ),
            subject="プリンター",
            body="プリンターが動きません",
        )
    )
    cases.append(
        Case(
            "charset-utf-7",
            text_mail(
                "cs-utf7",
                encoded("Принтер", "utf-8"),
                RU.encode("utf-7"),
                charset="utf-7",
                cte="7bit",
            ),
            subject="Принтер",
            body="не работает принтер",
        )
    )
    cases.append(
        Case(
            "mislabelled-ascii-is-1251",
            text_mail("mis-ascii", "Printer", RU.encode("cp1251"), charset="us-ascii"),
            subject="Printer",
            body="не работает принтер",
            defects=True,
        )
    )
    cases.append(
        Case(
            "mislabelled-utf8-is-koi8",
            text_mail("mis-utf8", "Printer", RU.encode("koi8-r"), charset="utf-8"),
            body="не работает принтер",
            defects=True,
        )
    )
    cases.append(
        Case(
            "mislabelled-koi8-is-1251",
            text_mail("mis-koi8", "Printer", RU.encode("cp1251"), charset="koi8-r"),
            body="не работает принтер",
            defects=True,
        )
    )
    cases.append(
        Case(
            "unlabelled-8bit-utf8",
            text_mail("unlabelled", "Printer", UK.encode("utf-8"), charset=""),
            body="не працює принтер",
        )
    )
    # Outlook Express style: raw 8-bit windows-1251 in the headers, no encoded words.
    headers = [
        ("From", "Иван Петров <ivan@customer.test>".encode("cp1251")),
        ("To", "support@okno.test"),
        ("Subject", "Заявка: не работает сканер".encode("cp1251")),
        ("Message-ID", "<raw8bit@customer.test>"),
        ("Content-Type", "text/plain; charset=windows-1251"),
        ("Content-Transfer-Encoding", "8bit"),
    ]
    cases.append(
        Case(
            "raw-8bit-headers-1251",
            raw(headers, RU.encode("cp1251")),
            subject="Заявка: не работает сканер",
            sender="ivan@customer.test",
            sender_name="Иван Петров",
            body="не работает принтер",
        )
    )
    headers = base_headers(
        encoded("Заявка на ремонт ", "koi8-r") + " " + encoded("ноутбука 5", "koi8-r"),
        f"{encoded('Иван Петров', 'windows-1251', q=True)} <Ivan@Customer.TEST>",
        msgid="ew-mixed@customer.test",
        extra=[("Content-Type", "text/plain; charset=utf-8")],
    )
    cases.append(
        Case(
            "encoded-words-b-and-q",
            raw(headers, "Тело письма"),
            subject="Заявка на ремонт ноутбука 5",
            sender="ivan@customer.test",
            sender_name="Иван Петров",
            body="Тело письма",
        )
    )
    # Gmail-style split of one UTF-8 character across two encoded words.
    data = "Счёт-фактура".encode()
    first, second = data[:3], data[3:]
    split = f"=?UTF-8?B?{base64.b64encode(first).decode()}?=\r\n =?UTF-8?B?{base64.b64encode(second).decode()}?="
    cases.append(
        Case(
            "encoded-word-split-character",
            raw(base_headers(split, msgid="split@customer.test"), "x"),
            subject="Счёт-фактура",
        )
    )
    long_subject = header_words(
        "Очень длинная тема письма про то, как у нас сломался принтер " * 3, "utf-8"
    )
    cases.append(
        Case(
            "encoded-subject-folded",
            raw(base_headers(long_subject, msgid="folded@customer.test"), "x"),
            subject=("Очень длинная тема письма про то, как у нас сломался принтер " * 3).strip(),
        )
    )
    whole = encoded('"Олена Коваль" <olena@customer.test>', "utf-8")
    cases.append(
        Case(
            "encoded-whole-from",
            raw(base_headers("Hi", whole, msgid="whole-from@customer.test"), "x"),
            sender="olena@customer.test",
            sender_name="Олена Коваль",
        )
    )
    return cases
