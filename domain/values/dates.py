"""Effective dates of ledger events: ISO YYYY-MM-DD, not in the future, not before 1949-10-01.

`today` is always a parameter: the domain never reads the clock.
"""

from __future__ import annotations

import re
from datetime import date, datetime

from domain.errors import ValidationError

EARLIEST_EFFECTIVE_DATE = date(1949, 10, 1)
_ISO = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


def parse_effective_date(value: date | str, *, today: date, field: str = "effective_on") -> date:
    """Return the date; errors date.format, date.future, date.too_early."""
    parsed: date | None = None
    if isinstance(value, datetime):
        parsed = value.date()
    elif isinstance(value, date):
        parsed = value
    elif isinstance(value, str) and _ISO.fullmatch(value.strip()):
        try:
            parsed = date.fromisoformat(value.strip())
        except ValueError:
            parsed = None
    if parsed is None:
        raise ValidationError(
            f"{field}：日期格式错误，应为有效的 YYYY-MM-DD 日期",
            message_en=f"{field}: expected a real date in YYYY-MM-DD form",
            code="date.format",
            field=field,
            rule="ISO 8601",
        )
    if parsed > today:
        raise ValidationError(
            f"{field}：日期不能晚于今天（{today.isoformat()}）",
            message_en=f"{field}: the date may not be after today ({today.isoformat()})",
            code="date.future",
            field=field,
            rule="not_after_today",
        )
    if parsed < EARLIEST_EFFECTIVE_DATE:
        raise ValidationError(
            f"{field}：日期不能早于1949-10-01",
            message_en=f"{field}: the date may not be before 1949-10-01",
            code="date.too_early",
            field=field,
            rule="not_before_1949_10_01",
        )
    return parsed
