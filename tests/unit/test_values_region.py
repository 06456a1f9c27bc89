"""R9 region codes: GB/T 2260 six-digit codes and 9/12-digit statistical township/village codes."""

from __future__ import annotations

import pytest

from domain.errors import ValidationError
from domain.values.region import (
    parent_region,
    parse_region_code,
    region_covers,
    region_level,
    region_prefix,
)


@pytest.mark.parametrize(
    ("code", "level", "prefix"),
    [
        ("350000", "province", "35"),
        ("350200", "city", "3502"),
        ("350203", "county", "350203"),
        ("350203001", "township", "350203001"),
        ("350203001002", "village", "350203001002"),
    ],
)
def test_each_code_length_has_its_level_and_prefix(code: str, level: str, prefix: str) -> None:
    assert region_level(code) == level
    assert region_prefix(code) == prefix


def test_surrounding_whitespace_is_stripped() -> None:
    assert parse_region_code(" 350203 ") == "350203"


def test_a_historical_code_is_accepted() -> None:
    assert parse_region_code("352121") == "352121"


@pytest.mark.parametrize("province", ["11", "15", "46", "54", "65", "71", "81", "82"])
def test_every_province_band_edge_is_accepted(province: str) -> None:
    assert region_level(province + "0000") == "province"


@pytest.mark.parametrize("text", ["", "3502", "3502030", "35020300100", "35020a", "３５０２０３"])
def test_a_wrong_length_or_non_digit_is_refused_as_format(text: str) -> None:
    with pytest.raises(ValidationError) as info:
        parse_region_code(text, field="area")
    assert (info.value.code, info.value.field) == ("region_code.format", "area")
    assert "area" in info.value.message_zh


@pytest.mark.parametrize("text", ["100000", "160000", "380000", "720000", "830000", "990000001"])
def test_an_unknown_province_prefix_is_refused(text: str) -> None:
    with pytest.raises(ValidationError) as info:
        parse_region_code(text)
    assert (info.value.code, info.value.field) == ("region_code.province", "region_code")


@pytest.mark.parametrize(
    ("outer", "inner"),
    [
        ("350000", "350203"),
        ("350200", "350203"),
        ("350200", "350203001"),
        ("350200", "350203001002"),
        ("350203", "350203001"),
        ("350203001", "350203001002"),
        ("350203", "350203"),
    ],
)
def test_an_outer_region_covers_what_lies_within_it(outer: str, inner: str) -> None:
    assert region_covers(outer, inner)


@pytest.mark.parametrize(
    ("outer", "inner"),
    [
        ("350203", "350204"),
        ("350200", "350100"),
        ("350203001", "350203002001"),
        ("350203", "350200"),
        ("350203001002", "350203001"),
    ],
)
def test_a_region_does_not_cover_its_siblings_or_parents(outer: str, inner: str) -> None:
    assert not region_covers(outer, inner)


@pytest.mark.parametrize(
    ("code", "parent"),
    [
        ("350000", None),
        ("350200", "350000"),
        ("350203", "350200"),
        ("110101", "110100"),
        ("460001", "460000"),
        ("350203001", "350203"),
        ("350203001002", "350203001"),
    ],
)
def test_each_level_has_its_parent(code: str, parent: str | None) -> None:
    assert parent_region(code) == parent
