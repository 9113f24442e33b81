"""Filters of the study page: a dict's value by key, percentages, and bootstrap intervals (or, for a group
too small for one, each unit's value, labelled)."""

import math

from django import template

from analysis.core.study_stats import Interval

register = template.Library()


@register.filter
def value_of(values: dict, key: str):
    value = values.get(key, "") if values else ""
    return "" if value is None else value


@register.filter
def percent(share: float | None) -> str:
    return "–" if share is None or math.isnan(share) else f"{share * 100:.0f}%"


@register.filter
def percent_number(share: float) -> str:
    return f"{share * 100:.1f}"


def _each(value: Interval, show) -> str:
    """Each unit's value, where a group has too few units for an interval (study_stats.MIN_UNITS)."""
    return "; ".join(f"{name} {show(v)}" for name, v in value.each)


def _signed(value: float) -> str:
    return f"{value:+.2f}"


@register.filter
def interval(value: Interval) -> str:
    if math.isnan(value.mean):
        return "–"
    if value.low is None:
        each = f" (each: {_each(value, _signed)})" if len(value.each) > 1 else ""
        return f"{value.mean:+.2f}{each}"
    return f"{value.mean:+.2f} ({value.low:+.2f} to {value.high:+.2f})"


@register.filter
def interval_percent(value: Interval) -> str:
    if math.isnan(value.mean):
        return "–"
    if value.low is None:
        each = f" (each: {_each(value, percent)})" if len(value.each) > 1 else ""
        return f"{percent(value.mean)}{each}"
    return f"{percent(value.mean)} ({percent(value.low)} to {percent(value.high)})"
