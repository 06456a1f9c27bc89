"""Contact (mobile), effective dates and R10 dues."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from domain.errors import ValidationError
from domain.values.contact import mask_mobile, parse_mobile
from domain.values.dates import parse_effective_date
from domain.values.dues import dues_base, dues_for, monthly_dues_fen

TODAY = date(2025, 6, 30)


@pytest.mark.parametrize(
    "text",
    [
        "13812345678",
        "+8613812345678",
        "8613812345678",
        "+86 138 1234 5678",
        "138-1234-5678",
        " 19912345678 ",
    ],
)
def test_mainland_mobiles_are_normalised_to_eleven_digits(text: str) -> None:
    assert parse_mobile(text)[-4:] == "5678"
    assert len(parse_mobile(text)) == 11


@pytest.mark.parametrize(
    "text", ["", "12812345678", "1381234567", "138123456789", "+85213812345678", "1381234567a"]
)
def test_a_malformed_mobile_is_refused_naming_the_field(text: str) -> None:
    with pytest.raises(ValidationError) as info:
        parse_mobile(text, field="mobile")
    assert (info.value.code, info.value.field) == ("phone.format", "mobile")
    assert "mobile" in info.value.message_zh
    if text:
        assert text not in info.value.message_zh


def test_a_mobile_is_masked_in_the_middle() -> None:
    assert mask_mobile("13812345678") == "138****5678"
    assert mask_mobile("+86 138-1234-5678") == "138****5678"
    assert mask_mobile("123") == "***"


def test_an_effective_date_may_be_a_date_or_an_iso_string() -> None:
    assert parse_effective_date("2024-03-01", today=TODAY) == date(2024, 3, 1)
    assert parse_effective_date(date(2024, 3, 1), today=TODAY) == date(2024, 3, 1)
    assert parse_effective_date(datetime(2024, 3, 1, 9, 0), today=TODAY) == date(2024, 3, 1)


def test_today_and_the_founding_day_are_both_allowed() -> None:
    assert parse_effective_date(TODAY, today=TODAY) == TODAY
    assert parse_effective_date("1949-10-01", today=TODAY) == date(1949, 10, 1)


@pytest.mark.parametrize("value", ["2024-02-30", "2024/03/01", "20240301", "2024-W01-1", "", 7])
def test_a_malformed_date_is_refused(value: object) -> None:
    with pytest.raises(ValidationError) as info:
        parse_effective_date(value, today=TODAY, field="joined_on")  # type: ignore[arg-type]
    assert (info.value.code, info.value.field) == ("date.format", "joined_on")
    assert "joined_on" in info.value.message_zh


def test_a_date_after_today_is_refused() -> None:
    with pytest.raises(ValidationError) as info:
        parse_effective_date("2025-07-01", today=TODAY)
    assert (info.value.code, info.value.field) == ("date.future", "effective_on")


def test_a_date_before_the_founding_of_the_prc_is_refused() -> None:
    with pytest.raises(ValidationError) as info:
        parse_effective_date("1949-09-30", today=TODAY)
    assert (info.value.code, info.value.field) == ("date.too_early", "effective_on")


@pytest.mark.parametrize(
    ("wage", "dues"), [(0, 0), (99, 0), (100, 1), (300, 2), (500_000, 2500), (612_345, 3062)]
)
def test_monthly_dues_are_half_a_percent_rounded_half_up(wage: int, dues: int) -> None:
    assert monthly_dues_fen(wage) == dues


def test_a_negative_wage_is_refused() -> None:
    with pytest.raises(ValidationError) as info:
        monthly_dues_fen(-1)
    assert (info.value.code, info.value.field) == ("dues.wage_negative", "wage_fen")


@pytest.mark.parametrize("wage", [1.5, True, "100"])
def test_a_wage_that_is_not_whole_fen_is_refused(wage: object) -> None:
    with pytest.raises(ValidationError) as info:
        monthly_dues_fen(wage)  # type: ignore[arg-type]
    assert (info.value.code, info.value.field) == ("dues.wage_type", "wage_fen")


def test_dues_prefer_last_months_income() -> None:
    assert dues_base(400_000, 300_000) == 400_000
    assert dues_for(400_000, 300_000, False) == 2000


def test_dues_fall_back_to_the_declared_base() -> None:
    assert dues_for(None, 300_000, False) == 1500


def test_retained_members_are_exempt_even_without_a_base() -> None:
    assert dues_for(400_000, None, True) == 0
    assert dues_for(None, None, True) == 0


def test_dues_without_any_base_are_refused() -> None:
    with pytest.raises(ValidationError) as info:
        dues_for(None, None, False)
    assert (info.value.code, info.value.field) == ("dues.no_base", "last_month_income_fen")


def test_a_negative_declared_base_is_refused_naming_it() -> None:
    with pytest.raises(ValidationError) as info:
        dues_for(None, -5, False)
    assert (info.value.code, info.value.field) == ("dues.wage_negative", "declared_base_fen")
