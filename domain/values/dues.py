"""R10 dues: 0.5% of monthly wage income in fen (分), rounded half up; retained members exempt.

Members without fixed income pay on last month's income, else on a declared base.
"""

from __future__ import annotations

from domain.errors import ValidationError

DUES_RATE_PER_MILLE = 5  # 0.5%


def _amount(value: object, field: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValidationError(
            f"{field}：金额应为以分为单位的整数",
            message_en=f"{field}: amounts are whole fen (integers)",
            code="dues.wage_type",
            field=field,
            rule="R10",
        )
    if value < 0:
        raise ValidationError(
            f"{field}：工资收入不能为负数",
            message_en=f"{field}: wage income may not be negative",
            code="dues.wage_negative",
            field=field,
            rule="R10",
        )
    return value


def monthly_dues_fen(wage_fen: int, *, field: str = "wage_fen") -> int:
    """0.5% of the monthly wage in fen, rounded half up to the fen (e.g. 100 → 1, 99 → 0)."""
    wage = _amount(wage_fen, field)
    return (wage * DUES_RATE_PER_MILLE + 500) // 1000


def dues_base(last_month_income_fen: int | None, declared_base_fen: int | None) -> int:
    """The base dues are computed on: last month's income if known, else the declared base."""
    if last_month_income_fen is not None:
        return _amount(last_month_income_fen, "last_month_income_fen")
    if declared_base_fen is not None:
        return _amount(declared_base_fen, "declared_base_fen")
    raise ValidationError(
        "last_month_income_fen：无固定收入的会员须提供上月收入或申报的缴费基数",
        message_en="last_month_income_fen: give last month's income or a declared base",
        code="dues.no_base",
        field="last_month_income_fen",
        rule="R10",
    )


def dues_for(
    last_month_income_fen: int | None, declared_base_fen: int | None, retained: bool
) -> int:
    """Monthly dues in fen: 0 for retained (保留会籍) members, else 0.5% of `dues_base`."""
    if retained:
        return 0
    return monthly_dues_fen(dues_base(last_month_income_fen, declared_base_fen))
