"""The sender-authentication verdict of an inbound message, from the
Authentication-Results header (RFC 8601) our own receiving mail server added.

Only headers whose authserv-id is ours count (the mailbox's setting, or the
server-wide OKNO_MAIL_AUTHSERV_ID): anyone can write an Authentication-Results header
into a message, but only our server writes ours, and it removes look-alikes of ours
that came from outside. Should one slip through anyway, a failure still wins over a
pass, so a forged "pass" cannot hide a real "fail".

The verdict:
- fail: DMARC failed; or, with no DMARC result, DKIM failed and no signature passed.
- pass: DMARC passed; or, with no DMARC result, a DKIM signature of the From domain
  passed.
- "" (unknown): nothing of ours, or nothing conclusive.
Pure: headers in, a verdict out.
"""

import os
import re
from dataclasses import dataclass, field

from django.conf import settings

from okno.channels.models import Mailbox, SenderAuth

_COMMENT = re.compile(r"\([^()]*\)")
_RESULT = re.compile(r"^([a-z0-9_-]+)(?:/\d+)?=([a-z]+)$")
FAILED = {"fail", "permerror"}


@dataclass
class AuthVerdict:
    verdict: str = SenderAuth.UNKNOWN
    results: dict = field(default_factory=dict)  # method -> results; the properties seen

    @property
    def failed(self) -> bool:
        return self.verdict == SenderAuth.FAIL


def trusted_ids(mailbox: Mailbox | None) -> set[str]:
    configured = (mailbox.authserv_id if mailbox is not None else "") or getattr(
        settings, "OKNO_MAIL_AUTHSERV_ID", ""
    )
    configured = configured or os.environ.get("OKNO_MAIL_AUTHSERV_ID", "")
    return {v.strip().lower() for v in configured.split(",") if v.strip()}


def _strip_comments(value: str) -> str:
    previous = None
    while previous != value:  # nested comments, innermost first
        previous, value = value, _COMMENT.sub(" ", value)
    return value


def parse_header(value: str) -> tuple[str, list[tuple[str, str, dict]]]:
    """(authserv-id, [(method, result, {property: value})]) of one header."""
    parts = [p.strip() for p in _strip_comments(value).split(";")]
    head = parts[0].split() if parts and parts[0] else [""]
    found = []
    for part in parts[1:]:
        tokens = part.split()
        if not tokens:
            continue
        match = _RESULT.match(tokens[0].lower())
        if match is None:
            continue
        props = {}
        for token in tokens[1:]:
            name, sep, prop_value = token.partition("=")
            if sep:
                props[name.lower()] = prop_value.strip('"').lower()
        found.append((match.group(1), match.group(2), props))
    return head[0].lower(), found


def verdict(header_values: str, *, from_domain: str, trusted: set[str]) -> AuthVerdict:
    """`header_values`: the message's Authentication-Results headers, one a line."""
    if not trusted or not header_values:
        return AuthVerdict()
    results: dict[str, list[str]] = {}
    dkim_pass_domains: list[str] = []
    for line in header_values.splitlines()[:20]:
        authserv_id, found = parse_header(line)
        if authserv_id not in trusted:
            continue
        for method, result, props in found:
            results.setdefault(method, []).append(result)
            if method == "dkim" and result == "pass" and props.get("header.d"):
                dkim_pass_domains.append(props["header.d"])
    if not results:
        return AuthVerdict()
    summary = {"methods": results, "dkim_pass_domains": dkim_pass_domains}
    dmarc = set(results.get("dmarc", []))
    dkim = set(results.get("dkim", []))
    if dmarc & FAILED:
        return AuthVerdict(SenderAuth.FAIL, summary)
    if "pass" in dmarc:
        return AuthVerdict(SenderAuth.PASS, summary)
    if not dmarc and dkim & FAILED and "pass" not in dkim:
        return AuthVerdict(SenderAuth.FAIL, summary)
    domain = from_domain.lower()
    aligned = any(domain == d or domain.endswith("." + d) for d in dkim_pass_domains)
    if not dmarc and aligned:
        return AuthVerdict(SenderAuth.PASS, summary)
    return AuthVerdict(SenderAuth.UNKNOWN, summary)


def sender_auth_failures(message_ids: list[int]) -> dict[int, dict]:
    """Messages (among these) whose sender failed authentication: id -> results.
    For the ticket timeline: one query for the whole conversation."""
    from okno.channels.models import InboundEnvelope

    if not message_ids:
        return {}
    rows = InboundEnvelope.objects.filter(
        message_id__in=message_ids, sender_auth=SenderAuth.FAIL
    ).values_list("message_id", "auth_results")
    return dict(rows)
