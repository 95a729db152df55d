"""Summary statistics over fact columns: average, median and 90th percentile.

PostgreSQL computes them in SQL (`percentile_cont`); elsewhere the column's values
are fetched (only numbers of the filtered facts) and interpolated the same way, so
both databases give identical figures.
"""

from django.db import connection
from django.db.models import Aggregate, Avg, Count, FloatField


class PercentileCont(Aggregate):
    function = "percentile_cont"
    template = "%(function)s(%(fraction)s) WITHIN GROUP (ORDER BY %(expressions)s)"
    output_field = FloatField()

    def __init__(self, expression, fraction: float, **extra):
        super().__init__(expression, fraction=float(fraction), **extra)


class Percentiles(Aggregate):
    """Median and 90th percentile of a column from one sort (PostgreSQL)."""

    function = "percentile_cont"
    template = "%(function)s(ARRAY[0.5, 0.9]) WITHIN GROUP (ORDER BY %(expressions)s)"

    def __init__(self, expression, **extra):
        from django.contrib.postgres.fields import ArrayField

        super().__init__(expression, output_field=ArrayField(FloatField()), **extra)


def percentile(sorted_values: list, fraction: float) -> float | None:
    """Linear interpolation between closest ranks (as percentile_cont)."""
    if not sorted_values:
        return None
    pos = (len(sorted_values) - 1) * fraction
    low = int(pos)
    high = min(low + 1, len(sorted_values) - 1)
    return sorted_values[low] + (sorted_values[high] - sorted_values[low]) * (pos - low)


def _round(value):
    return None if value is None else round(float(value), 1)


def summary(queryset, field: str) -> dict:
    """{"count", "avg", "median", "p90"} of a numeric column, NULLs left out."""
    qs = queryset.filter(**{f"{field}__isnull": False})
    if connection.vendor == "postgresql":
        row = qs.aggregate(
            count=Count(field),
            avg=Avg(field),
            median=PercentileCont(field, 0.5),
            p90=PercentileCont(field, 0.9),
        )
        return {k: (v if k == "count" else _round(v)) for k, v in row.items()}
    values = sorted(qs.values_list(field, flat=True))
    return {
        "count": len(values),
        "avg": _round(sum(values) / len(values)) if values else None,
        "median": _round(percentile(values, 0.5)),
        "p90": _round(percentile(values, 0.9)),
    }


def grouped_median(queryset, key: str, field: str) -> dict:
    """key value -> median of `field`, per group (one query)."""
    qs = queryset.filter(**{f"{field}__isnull": False})
    if connection.vendor == "postgresql":
        rows = qs.values(key).annotate(m=PercentileCont(field, 0.5)).values_list(key, "m")
        return {k: _round(m) for k, m in rows}
    groups: dict = {}
    for k, v in qs.values_list(key, field):
        groups.setdefault(k, []).append(v)
    return {k: _round(percentile(sorted(vs), 0.5)) for k, vs in groups.items()}


def summaries(queryset, fields: list[str], **extra) -> tuple[dict, dict]:
    """`summary` of several columns, and the `extra` aggregates of the same rows;
    on PostgreSQL in one scan (aggregates skip NULLs)."""
    if connection.vendor != "postgresql":
        other = queryset.aggregate(**extra) if extra else {}
        return {field: summary(queryset, field) for field in fields}, other
    aggregates = dict(extra)
    for i, field in enumerate(fields):
        aggregates.update(
            {f"count{i}": Count(field), f"avg{i}": Avg(field), f"pct{i}": Percentiles(field)}
        )
    row = queryset.aggregate(**aggregates)
    for i in range(len(fields)):  # one sort per column gives both percentiles
        row[f"median{i}"], row[f"p90{i}"] = row.pop(f"pct{i}") or (None, None)
    return {
        field: {
            "count": row[f"count{i}"],
            "avg": _round(row[f"avg{i}"]),
            "median": _round(row[f"median{i}"]),
            "p90": _round(row[f"p90{i}"]),
        }
        for i, field in enumerate(fields)
    }, {name: row[name] for name in extra}
