"""No input crashes the parser: random bytes, mangled corpus messages, wild headers.

OKNO_FUZZ_EXAMPLES=3000 runs a longer search (the default keeps the suite fast).
"""

import datetime as dt
import os

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from okno.channels.email.parse import parse_message
from okno.channels.email.types import Address, ParsedAttachment, ParsedEmail
from okno.channels.tests.corpus import cases

FUZZ = settings(
    max_examples=int(os.environ.get("OKNO_FUZZ_EXAMPLES", "150")),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
CORPUS = [c.raw for c in cases() if len(c.raw) < 50_000]


def _check(parsed: ParsedEmail) -> None:
    assert isinstance(parsed, ParsedEmail)
    assert isinstance(parsed.message_id, str) and parsed.message_id
    for name in (
        "subject",
        "text",
        "html",
        "reply_text",
        "auto_reason",
        "bounce_original_id",
        "bounce_status",
    ):
        value = getattr(parsed, name)
        assert isinstance(value, str), name
        value.encode("utf-8")  # no lone surrogates left to break the database
    assert parsed.from_ is None or isinstance(parsed.from_, Address)
    for address in [parsed.from_, *parsed.to, *parsed.cc, *parsed.reply_to]:
        if address is not None:
            assert isinstance(address.email, str) and isinstance(address.name, str)
            (address.email + address.name).encode("utf-8")
    assert parsed.date is None or (isinstance(parsed.date, dt.datetime) and parsed.date.tzinfo)
    assert all(isinstance(i, str) for i in parsed.in_reply_to + parsed.references)
    for attachment in parsed.attachments:
        assert isinstance(attachment, ParsedAttachment)
        assert isinstance(attachment.filename, str) and attachment.filename
        attachment.filename.encode("utf-8")
        assert "/" not in attachment.filename and "\\" not in attachment.filename
        assert isinstance(attachment.data, bytes)
    assert all(isinstance(k, str) and isinstance(v, str) for k, v in parsed.headers.items())
    assert all(isinstance(d, str) for d in parsed.defects)


def _parse(data: bytes) -> None:
    if not data.strip():
        return
    _check(parse_message(data))


@FUZZ
@given(st.binary(min_size=1, max_size=2000))
def test_random_bytes(data):
    _parse(data)


@st.composite
def mutated(draw):
    data = bytearray(draw(st.sampled_from(CORPUS)))
    for _ in range(draw(st.integers(1, 4))):
        kind = draw(st.sampled_from(["cut", "insert", "flip", "dup", "truncate", "crlf", "nest"]))
        pos = draw(st.integers(0, max(0, len(data) - 1)))
        if kind == "cut":
            del data[pos : pos + draw(st.integers(1, 200))]
        elif kind == "insert":
            data[pos:pos] = draw(st.binary(min_size=1, max_size=50))
        elif kind == "flip" and data:
            data[pos] = draw(st.integers(0, 255))
        elif kind == "dup":
            data[pos:pos] = data[pos : pos + draw(st.integers(1, 500))]
        elif kind == "truncate":
            del data[pos:]
        elif kind == "crlf":
            data = bytearray(
                bytes(data).replace(b"\r\n", draw(st.sampled_from([b"\n", b"\r", b"\r\r\n"])))
            )
        elif kind == "nest":
            depth = draw(st.integers(1, 400))
            data[pos:pos] = b"".join(
                b'Content-Type: multipart/mixed; boundary="z%d"\r\n\r\n--z%d\r\n' % (i, i)
                for i in range(depth)
            )
    return bytes(data)


@FUZZ
@given(mutated())
def test_mutated_corpus_messages(data):
    _parse(data)


_HEADER_NAMES = [
    "From",
    "To",
    "Cc",
    "Reply-To",
    "Subject",
    "Date",
    "Message-ID",
    "In-Reply-To",
    "References",
    "Content-Type",
    "Content-Disposition",
    "Content-Transfer-Encoding",
    "Content-ID",
    "Auto-Submitted",
    "Return-Path",
]
_VALUE_ATOMS = st.sampled_from(
    [
        "=?utf-8?B?",
        "?=",
        "=?koi8-r?Q?=F0=",
        "<",
        ">",
        '"',
        ";",
        "*=",
        "''",
        "%D0",
        "boundary=",
        "charset=",
        "filename*0*=",
        "multipart/mixed",
        "message/rfc822",
        "text/html",
        "application/ms-tnef",
        "base64",
        "quoted-printable",
        "@",
        ",",
        "(",
        ")",
        "\\",
        "\r\n ",
        "\t",
        "\x00",
        "Иван",
        "\udcff",
    ]
)
_VALUES = st.lists(st.one_of(_VALUE_ATOMS, st.text(max_size=20)), max_size=12).map("".join)


@FUZZ
@given(
    st.lists(st.tuples(st.sampled_from(_HEADER_NAMES), _VALUES), min_size=1, max_size=12),
    st.binary(max_size=500),
)
def test_wild_headers(headers, body):
    head = b"".join(
        name.encode() + b": " + value.encode("utf-8", "surrogateescape") + b"\r\n"
        for name, value in headers
    )
    _parse(head + b"\r\n" + body)
