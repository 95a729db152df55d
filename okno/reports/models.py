"""Models of the reports app, split by owner: CSAT, time tracking, statistics."""

from okno.reports.models_csat import *  # noqa: F403
from okno.reports.models_stats import *  # noqa: F403
from okno.reports.models_time import *  # noqa: F403
