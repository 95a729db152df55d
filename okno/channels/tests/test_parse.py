"""The parser's contract, limits and helpers (the corpus covers real-world messages)."""

import datetime as dt
import hashlib

import pytest

from okno.channels.email import charsets
from okno.channels.email.autoreply import detect_auto
from okno.channels.email.parse import parse_ids, parse_message
from okno.channels.tests.corpus.helpers import b64, base_headers, multipart, part, raw

RU = "Здравствуйте, у нас не работает принтер в бухгалтерии"


def _with_attachments(*sizes: int) -> bytes:
    parts = [part([("Content-Type", "text/plain")], "see files")]
    for i, size in enumerate(sizes):
        parts.append(
            part(
                [
                    ("Content-Type", "application/octet-stream"),
                    ("Content-Disposition", f'attachment; filename="f{i}.bin"'),
                    ("Content-Transfer-Encoding", "base64"),
                ],
                b64(b"x" * size),
            )
        )
    ctype, body = multipart("files", parts)
    return raw(base_headers("Files", msgid="files@x") + [("Content-Type", ctype)], body)


def test_empty_input_raises_value_error():
    with pytest.raises(ValueError):
        parse_message(b"")
    with pytest.raises(ValueError):
        parse_message(b"  \r\n")


def test_missing_message_id_is_a_hash_of_the_bytes():
    data = b"From: a@x.test\r\nSubject: hi\r\n\r\nbody"
    parsed = parse_message(data)
    assert parsed.message_id == f"sha256-{hashlib.sha256(data).hexdigest()}@okno.invalid"
    assert parse_message(data).message_id == parsed.message_id


def test_message_id_and_thread_ids_are_normalized():
    data = raw(
        [
            ("Message-ID", " < abc@x.test > "),
            ("In-Reply-To", "<p1@x.test> (comment)"),
            ("References", "<root@x.test>\r\n\t<p1@x.test> <p1@x.test> <mid\r\n dle@x.test>"),
        ],
        "x",
    )
    parsed = parse_message(data)
    assert parsed.message_id == "abc@x.test"
    assert parsed.in_reply_to == ["p1@x.test"]
    assert parsed.references == ["root@x.test", "p1@x.test", "middle@x.test"]


def test_bare_ids_without_brackets_are_accepted():
    assert parse_ids("a@x.test b@x.test") == ["a@x.test", "b@x.test"]


def test_date_is_aware():
    parsed = parse_message(
        raw([("From", "a@x.test"), ("Date", "Thu, 12 Mar 2026 10:15:00 +0300")], "x")
    )
    assert parsed.date == dt.datetime(2026, 3, 12, 7, 15, tzinfo=dt.UTC)
    naive = parse_message(
        raw([("From", "a@x.test"), ("Date", "Thu, 12 Mar 2026 10:15:00 -0000")], "x")
    )
    assert naive.date is not None and naive.date.tzinfo is not None


def test_addresses_are_lower_cased_and_decoded():
    parsed = parse_message(
        raw(
            [
                ("From", "=?utf-8?B?0JjQstCw0L0=?= <IVAN@Example.TEST>"),
                ("To", 'a@x.test, "Support, Team" <b@x.test>'),
                ("Cc", "c@x.test"),
                ("Reply-To", "reply@x.test"),
            ],
            "x",
        )
    )
    assert parsed.from_ is not None
    assert (parsed.from_.email, parsed.from_.name) == ("ivan@example.test", "Иван")
    assert [a.email for a in parsed.to] == ["a@x.test", "b@x.test"]
    assert parsed.to[1].name == "Support, Team"
    assert [a.email for a in parsed.cc] == ["c@x.test"]
    assert [a.email for a in parsed.reply_to] == ["reply@x.test"]


def test_selected_headers_are_kept_with_lower_case_names():
    parsed = parse_message(
        raw(
            [
                ("From", "a@x.test"),
                ("Authentication-Results", "mx.okno.test; dkim=pass header.d=x.test"),
                ("X-Okno-Token", "t0k3n"),
                ("Received", "from somewhere"),
            ],
            "x",
        )
    )
    assert parsed.headers["authentication-results"].endswith("dkim=pass header.d=x.test")
    assert parsed.headers["x-okno-token"] == "t0k3n"
    assert "received" not in parsed.headers


def test_text_only_leaves_html_empty_and_html_only_makes_text():
    text = parse_message(raw([("From", "a@x.test")], "plain"))
    assert (text.text, text.html) == ("plain", "")
    html = parse_message(
        raw(
            [("From", "a@x.test"), ("Content-Type", "text/html")],
            "<p>one</p><p>two &amp; three</p>",
        )
    )
    assert html.text == "one\ntwo & three"
    assert html.html.startswith("<p>one</p>")


def test_attachment_over_the_per_file_limit_is_skipped_and_named():
    parsed = parse_message(_with_attachments(10, 5000), max_attachment_size=1000)
    assert [a.filename for a in parsed.attachments] == ["f0.bin"]
    assert parsed.skipped_attachments == ["f1.bin"]
    assert any("size limit" in d for d in parsed.defects)


def test_attachments_beyond_the_total_limit_are_skipped():
    parsed = parse_message(_with_attachments(600, 600, 600), max_total_size=1300)
    assert [a.filename for a in parsed.attachments] == ["f0.bin", "f1.bin"]
    assert parsed.skipped_attachments == ["f2.bin"]


def test_part_count_limit():
    parsed = parse_message(_with_attachments(*([1] * 20)), max_parts=5)
    assert len(parsed.attachments) == 3
    assert any("parts" in d for d in parsed.defects)


def test_nesting_beyond_python_recursion_keeps_the_message():
    body = b"Content-Type: text/plain\r\n\r\nbottom\r\n"
    for i in range(3000):
        body = f'Content-Type: multipart/mixed; boundary="b{i}"\r\n\r\n--b{i}\r\n'.encode() + body
    data = b"From: a@x.test\r\nSubject: deep\r\nMessage-ID: <deep@x>\r\n" + body
    parsed = parse_message(data)
    assert parsed.subject == "deep"
    assert parsed.message_id == "deep@x"
    assert parsed.defects


def test_bounce_fields():
    from okno.channels.tests.corpus import cases

    case = next(c for c in cases() if c.name == "bounce-dsn-rfc822")
    parsed = parse_message(case.raw)
    assert parsed.is_bounce and parsed.auto_submitted
    assert parsed.bounce_original_id == "okno.1042.5.t0k3n@okno.test"
    assert parsed.bounce_recipients == ["nobody@customer.test"]
    assert parsed.bounce_status == "5.1.1"


@pytest.mark.parametrize(
    ("data", "declared", "expected", "mislabelled"),
    [
        (RU.encode("cp1251"), "windows-1251", RU, False),
        (RU.encode("koi8-r"), "koi8-r", RU, False),
        (RU.encode("cp1251"), "us-ascii", RU, True),
        (RU.encode("koi8-r"), "utf-8", RU, True),
        (RU.encode("cp1251"), "koi8-r", RU, True),
        (RU.encode("utf-8"), "windows-1251", RU, True),
        (RU.encode("cp1251"), "iso-8859-1", RU, True),
        (RU.encode("cp1251"), None, RU, False),
        (RU.encode("koi8-r"), None, RU, False),
        (RU.encode("iso8859-5"), "x-unknown", RU, False),
        (
            "Grüße aus Köln, schöne Tage".encode("latin-1"),
            "iso-8859-1",
            "Grüße aus Köln, schöne Tage",
            False,
        ),
        (RU.encode("utf-7"), "unicode-1-1-utf-7", RU, False),
        (b"plain", "no-such-charset", "plain", False),
    ],
)
def test_charset_decoding(data, declared, expected, mislabelled):
    assert charsets.decode(data, declared) == (expected, mislabelled)


def test_encoded_words_with_bad_base64_do_not_raise():
    assert charsets.decode_header_value("=?utf-8?B?###?= tail").endswith("tail")
    assert charsets.decode_header_value("=?utf-8?B?0J/RgA?=") == "Пр"  # missing padding


@pytest.mark.parametrize(
    ("headers", "subject", "text", "auto"),
    [
        ({"auto-submitted": "no"}, "Hello", "Hi", False),
        ({"auto-submitted": "auto-replied"}, "Hello", "Hi", True),
        ({"precedence": "first-class"}, "Hello", "Hi", False),
        ({}, "Out of the office", "", True),
        ({}, "Absence of invoice in the order", "", False),
        ({}, "Re: Принтер", "Я в отпуске до понедельника.", True),
        ({}, "Re: Принтер", "Принтер не работает с тех пор, как я был в отпуске.", False),
        ({"return-path": "<>"}, "x", "", True),
        ({"return-path": "<bounces@x.test>"}, "x", "", False),
    ],
)
def test_auto_reply_detection(headers, subject, text, auto):
    assert bool(detect_auto(headers, subject, text)) is auto
