"""Business hours for the `within_business_hours` condition: the SLA app's first
business calendar, or Monday–Friday 9:00–18:00 UTC when there is none."""

import datetime as dt

from okno.sla.calendar import CalendarSpec, is_working, parse_weekly
from okno.sla.policies import calendar_spec

FALLBACK = CalendarSpec(
    tz="UTC",
    weekly=parse_weekly({str(d): [["09:00", "18:00"]] if d < 5 else [] for d in range(7)}),
)


def is_business_time(moment: dt.datetime) -> bool:
    from okno.sla.models import BusinessCalendar

    calendar = BusinessCalendar.objects.order_by("id").first()
    spec = calendar_spec(calendar, moment.date()) if calendar else FALLBACK
    return is_working(spec, moment)
