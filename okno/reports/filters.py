"""Report filters: parsed once from a query string, used by every report."""

import datetime as dt
from dataclasses import asdict, dataclass
from zoneinfo import ZoneInfo

from django.utils import timezone
from django.utils.translation import gettext as _

from okno.core.errors import ValidationFailed

DEFAULT_DAYS = 30
MAX_DAYS = 90


@dataclass(frozen=True)
class ReportFilters:
    start: dt.date  # inclusive, UTC dates
    end: dt.date  # inclusive
    group: int | None = None
    channel: str = ""
    category: int | None = None
    organization: int | None = None
    agent: int | None = None
    tag: str = ""
    tz: str = "UTC"  # the viewer's zone, for the heat map

    @property
    def days(self) -> list[dt.date]:
        return [self.start + dt.timedelta(days=i) for i in range((self.end - self.start).days + 1)]

    def as_query(self) -> dict:
        out = {k: v for k, v in asdict(self).items() if v not in (None, "") and k != "tz"}
        out["from"], out["to"] = out.pop("start").isoformat(), out.pop("end").isoformat()
        return out


def _int(params, key: str) -> int | None:
    value = (params.get(key) or "").strip()
    if not value:
        return None
    if not value.isdigit():
        raise ValidationFailed(_("Invalid filter."), field=key)
    return int(value)


def _date(params, key: str) -> dt.date | None:
    value = (params.get(key) or "").strip()
    if not value:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise ValidationFailed(_("Enter a date as YYYY-MM-DD."), field=key) from None


def parse_filters(params, *, tz: str = "UTC", today: dt.date | None = None) -> ReportFilters:
    """From a QueryDict or dict: `from`, `to` (default: the last 30 days), ids, tag."""
    today = today or timezone.now().astimezone(dt.UTC).date()
    end = _date(params, "to") or today
    start = _date(params, "from") or end - dt.timedelta(days=DEFAULT_DAYS - 1)
    if start > end:
        raise ValidationFailed(_("The period starts after it ends."), field="from")
    if (end - start).days + 1 > MAX_DAYS:
        raise ValidationFailed(_("Choose at most 90 days."), field="from")
    try:
        ZoneInfo(tz)
    except (KeyError, ValueError):
        tz = "UTC"
    return ReportFilters(
        start=start,
        end=end,
        group=_int(params, "group"),
        channel=(params.get("channel") or "").strip()[:16],
        category=_int(params, "category"),
        organization=_int(params, "organization"),
        agent=_int(params, "agent"),
        tag=(params.get("tag") or "").strip()[:60],
        tz=tz,
    )
