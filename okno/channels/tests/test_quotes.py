"""Reply stripping: what the sender wrote this time, in every client's format."""

import pytest

from okno.channels.email.quotes import split_reply


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Just a new message.", "Just a new message."),
        (
            "Thanks!\n\nOn Thu, Mar 12, 2026 at 10:15 AM Support <s@okno.test> wrote:\n> old\n> older",
            "Thanks!",
        ),
        (
            "Thanks!\n\nOn Thu, Mar 12, 2026 at 10:15 AM Support <\ns@okno.test> wrote:\n> old",
            "Thanks!",
        ),
        ('Спасибо\n\n12.03.2026, 10:15, "Поддержка" <s@okno.test>:\n> старое', "Спасибо"),
        (
            "Спасибо\n\nСреда, 12 марта 2026, 10:15 +03:00 от Поддержка <s@okno.test>:\nстарое",
            "Спасибо",
        ),
        ("Дякую\n\n12.03.2026 10:15, Підтримка пише:\n> старе", "Дякую"),
        ("Дякую\n\n12 бер. 2026 р. о 10:15 Підтримка <s@okno.test> написав(ла):\n> старе", "Дякую"),
        (
            "Спасибо\n\n12 марта 2026 г., в 10:15, Поддержка <s@okno.test> написал(а):\n> старое",
            "Спасибо",
        ),
        ("Ok\n\n-----Original Message-----\nFrom: S\nSent: Monday\nTo: me\nSubject: x\nold", "Ok"),
        ("Ok\n\n________________________________\nFrom: S <s@x>\nSent: Monday\nold", "Ok"),
        ("Ок\n\nОт: Поддержка\nОтправлено: 12 марта\nКому: Иван\nТема: x\n\nстарое", "Ок"),
        ("Ок\n\nВід: Підтримка\nНадіслано: 12 березня\nКому: Іван\nТема: x\n\nстаре", "Ок"),
        ("New text\n\n-- \nIvan Petrov\n+7 900 000-00-00", "New text"),
        ("New text\n\nSent from my iPhone", "New text"),
        ("Новый текст\n\nОтправлено с iPhone", "Новый текст"),
        ("Новий текст\n\nНадіслано з iPhone", "Новий текст"),
        ("Новый текст\n\nОтправлено из мобильной Яндекс Почты", "Новый текст"),
        ("> quoted only at the top\nmy answer", "my answer"),
        # Bottom posting: the answer under the quote is what is new.
        ("On 12.03.2026 10:15, Support wrote:\n> question?\n\nanswer below", "answer below"),
        # Interleaved answers keep every answer and drop the quotes.
        ("> q1\nanswer one\n> q2\nanswer two", "answer one\nanswer two"),
    ],
)
def test_split_reply_text(text, expected):
    assert split_reply(text, "") == expected


@pytest.mark.parametrize(
    "text",
    [
        "Meeting at 10:15 tomorrow, call me.",
        "From: the accounting department we got this error:\nPrinter offline",
        "Hello,\nOn Monday the printer broke at 10:15.",
        "The log says:\n12:00 error\n13:00 error",
        "Sent from my office PC the report yesterday, did you get it?\nPlease check.",
    ],
)
def test_ordinary_text_is_kept_whole(text):
    assert split_reply(text, "") == text


def test_nothing_new_falls_back_to_the_whole_text():
    text = "On Thu, Mar 12, 2026 at 10:15 AM Support <s@okno.test> wrote:\n> old"
    assert split_reply(text, "") == text


@pytest.mark.parametrize(
    ("html", "expected"),
    [
        (
            '<div>New</div><div class="gmail_quote">On … wrote:<blockquote>old</blockquote></div>',
            "New",
        ),
        ('<p>New</p><blockquote type="cite">old</blockquote>', "New"),
        ('<p>New</p><div id="divRplyFwdMsg"><b>From:</b> S</div><p>old</p>', "New"),
        (
            '<p>New</p><div class="moz-cite-prefix">On 12.03.2026 S wrote:</div><blockquote>old</blockquote>',
            "New",
        ),
        (
            '<p>New</p><div style="border:none;border-top:solid #E1E1E1 1.0pt">From: S</div>old',
            "New",
        ),
        (
            "<div>Новое</div><div>12.03.2026, 10:15, &quot;S&quot; &lt;s@okno.test&gt;:</div><blockquote>old</blockquote>",
            "Новое",
        ),
    ],
)
def test_split_reply_html_only(html, expected):
    assert split_reply("", html) == expected


def test_html_markers_help_when_the_text_part_has_no_quote_header():
    text = "New answer\n\nold history without any header"
    html = '<p>New answer</p><div class="gmail_quote"><p>old history without any header</p></div>'
    assert split_reply(text, html) == "New answer"
