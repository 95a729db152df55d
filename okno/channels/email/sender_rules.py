"""Use cases for the email blocklist and allowlist (`EmailSenderRule`): the settings
pages and the API both call these."""

import re

from django.utils.translation import gettext as _

from okno.channels.models import EmailSenderRule, Mailbox, RuleAction
from okno.core.errors import ValidationFailed

# An address (local@domain) or a bare domain; IDN domains arrive as Unicode or punycode.
_DOMAIN = r"(?:[^\s@.<>()\[\],;:\"]+\.)*[^\s@.<>()\[\],;:\"]+"
_PATTERN = re.compile(rf"^(?:[^\s@<>()\[\],;:\"]+@)?{_DOMAIN}$")


def normalize_pattern(value: str) -> str:
    return (value or "").strip().lower().lstrip("@")


def sender_rule_save(
    *,
    actor,
    rule: EmailSenderRule | None = None,
    pattern: str,
    action: str,
    mailbox: Mailbox | None = None,
    note: str = "",
) -> EmailSenderRule:
    """Create (rule=None) or change a rule; one rule per pattern and mailbox."""
    pattern = normalize_pattern(pattern)
    if not pattern or len(pattern) > 254 or not _PATTERN.match(pattern):
        raise ValidationFailed(
            _("Enter an address (ann@example.com) or a domain (example.com)."), field="pattern"
        )
    if action not in RuleAction.values:
        raise ValidationFailed(_("Choose block or allow."), field="action")
    same = EmailSenderRule.objects.filter(pattern=pattern, mailbox=mailbox)
    if rule is not None:
        same = same.exclude(pk=rule.pk)
    if same.exists():
        raise ValidationFailed(
            _("There is a rule for this address or domain already."), field="pattern"
        )
    rule = rule or EmailSenderRule()
    rule.pattern, rule.action, rule.mailbox, rule.note = pattern, action, mailbox, note[:200]
    rule.save()
    return rule


def sender_rule_delete(*, actor, rule: EmailSenderRule) -> None:
    rule.delete()
