"""Every corpus message parses to what a person reading it would see."""

import pytest

from okno.channels.email.parse import parse_message
from okno.channels.email.types import ParsedEmail
from okno.channels.tests.corpus import Case, cases


def test_corpus_is_large_and_varied():
    assert len(cases()) >= 60


@pytest.mark.parametrize("case", cases(), ids=lambda c: c.name)
def test_corpus_message(case: Case):
    parsed = parse_message(case.raw)

    assert isinstance(parsed, ParsedEmail)
    if case.subject is not None:
        assert parsed.subject == case.subject
    if case.sender == "":
        assert parsed.from_ is None
    elif case.sender is not None:
        assert parsed.from_ is not None and parsed.from_.email == case.sender
    if case.sender_name is not None:
        assert parsed.from_ is not None and parsed.from_.name == case.sender_name
    assert case.body in parsed.text
    assert case.reply in parsed.reply_text
    if case.not_in_reply:
        assert case.not_in_reply not in parsed.reply_text
    assert case.html in parsed.html
    if case.attachments is not None:
        assert tuple(a.filename for a in parsed.attachments) == case.attachments
    inline = tuple(a.content_id for a in parsed.attachments if a.inline)
    assert inline == case.inline
    assert parsed.auto_submitted is case.auto, parsed.auto_reason
    assert parsed.is_bounce is case.bounce
    if case.bounce_id:
        assert parsed.bounce_original_id == case.bounce_id
    if case.bounce_recipient:
        assert case.bounce_recipient in parsed.bounce_recipients
    assert parsed.bounce_status == case.bounce_status
    if case.message_id is not None:
        assert parsed.message_id.startswith(case.message_id)
    if case.defects:
        assert parsed.defects
