"""R1 resident ID (GB 11643-1999): parsing, check character, legacy 15-digit form, masking."""

from __future__ import annotations

import random
from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain.errors import ValidationError
from domain.values.region import PROVINCE_PREFIXES
from domain.values.resident_id import (
    CHECK_CHARS,
    LEGACY_15_DIGIT_POLICY,
    WEIGHTS,
    ResidentId,
    check_char,
    generate_resident_id,
    mask_name,
    mask_resident_id,
    parse_resident_id,
)

WELL_KNOWN = "11010519491231002X"


def _refused(text: str, code: str, *, field: str = "resident_id", **kw: object) -> ValidationError:
    with pytest.raises(ValidationError) as info:
        parse_resident_id(text, field=field, **kw)  # type: ignore[arg-type]
    assert info.value.code == code
    assert info.value.field == field
    assert field in info.value.message_zh
    return info.value


def test_the_well_known_number_parses_into_its_parts() -> None:
    rid = parse_resident_id(WELL_KNOWN)
    assert rid == ResidentId(WELL_KNOWN, "110105", date(1949, 12, 31), "female")
    assert str(rid) == WELL_KNOWN


def test_a_lowercase_x_and_surrounding_whitespace_are_normalised() -> None:
    assert parse_resident_id("  11010519491231002x \n").number == WELL_KNOWN


def test_an_odd_17th_digit_means_male() -> None:
    number = "11010519491231001" + check_char("11010519491231001")
    assert parse_resident_id(number).sex == "male"


def test_the_repr_masks_the_number() -> None:
    assert WELL_KNOWN not in repr(parse_resident_id(WELL_KNOWN))


def test_the_check_character_follows_the_iso_7064_weights() -> None:
    assert check_char("11010519491231002") == "X"
    assert check_char("44052418800101001") == "4"


@given(st.text(alphabet="0123456789", min_size=17, max_size=17))
def test_the_check_character_is_the_weighted_sum_of_the_standard(first17: str) -> None:
    """check_char computes the sum in base 13 (13 ≡ 2 mod 11): the same as the standard's
    weighted sum, digit by digit."""
    weights = [2 ** (18 - i) % 11 for i in range(1, 18)]
    assert tuple(weights) == WEIGHTS
    total = sum(int(d) * w for d, w in zip(first17, weights, strict=True))
    assert check_char(first17) == CHECK_CHARS[total % 11]


def test_birth_dates_are_judged_the_same_when_met_again() -> None:
    for _ in range(2):  # the second time from the memo
        _refused("110105190002300014", "resident_id.birth_date")
        _refused("110105189912310014", "resident_id.birth_date")
        assert parse_resident_id("11010519491231002X").birth_date == date(1949, 12, 31)
    _refused("110105209912310010", "resident_id.future_birth_date", today=date(2026, 11, 28))


def test_check_char_refuses_anything_but_17_digits() -> None:
    with pytest.raises(ValidationError) as info:
        check_char("1234")
    assert info.value.code == "resident_id.format"


@pytest.mark.parametrize(
    "text",
    ["", "1101051949123100", "1101051949123100XX", "11010519491231002Y", "X10105194912310021"],
)
def test_a_wrong_length_or_character_is_refused_as_format(text: str) -> None:
    _refused(text, "resident_id.format", field="id_number")


def test_a_non_string_is_refused_as_format() -> None:
    _refused(12345, "resident_id.format")  # type: ignore[arg-type]


def test_a_wrong_check_character_is_refused_naming_the_field() -> None:
    error = _refused("110105194912310021", "resident_id.check_char", field="id_number")
    assert "校验码错误" in error.message_zh
    assert "110105194912310021" not in error.message_zh
    assert "X" not in error.message_zh.replace("id_number", "")


def test_an_address_code_outside_the_province_set_is_refused() -> None:
    first17 = "99010519491231002"
    _refused(first17 + check_char(first17), "resident_id.address_code")


def test_a_historical_county_code_is_accepted() -> None:
    first17 = "35212119700101001"  # 352121: a long-abolished county code in Fujian
    assert parse_resident_id(first17 + check_char(first17)).address_code == "352121"


@pytest.mark.parametrize("birth", ["19490230", "18991231", "19491301"])
def test_an_impossible_or_pre_1900_birth_date_is_refused(birth: str) -> None:
    first17 = "110105" + birth + "002"
    _refused(first17 + check_char(first17), "resident_id.birth_date")


def test_a_birth_date_after_today_is_refused() -> None:
    first17 = "11010520300101002"
    _refused(first17 + check_char(first17), "resident_id.future_birth_date", today=date(2025, 1, 1))


def test_a_future_birth_date_passes_when_no_today_is_given() -> None:
    first17 = "11010520300101002"
    assert parse_resident_id(first17 + check_char(first17)).birth_date == date(2030, 1, 1)


def test_a_legacy_15_digit_number_is_converted_to_18_digits() -> None:
    rid = parse_resident_id("110105491231002")
    assert rid.number == WELL_KNOWN
    assert rid.birth_date == date(1949, 12, 31)
    assert "19" in LEGACY_15_DIGIT_POLICY


def test_a_legacy_number_with_an_impossible_date_is_refused() -> None:
    _refused("110105490230002", "resident_id.birth_date")


def test_a_legacy_number_with_a_bad_province_is_refused() -> None:
    _refused("990105491231002", "resident_id.address_code")


def test_generated_numbers_carry_the_requested_parts() -> None:
    rng = random.Random(7)
    number = generate_resident_id(
        rng, address_code="350203", birth_date=date(1990, 5, 6), sex="male"
    )
    rid = parse_resident_id(number)
    assert (rid.address_code, rid.birth_date, rid.sex) == ("350203", date(1990, 5, 6), "male")


@pytest.mark.parametrize(
    ("kwargs", "code", "field"),
    [
        ({"address_code": "990000"}, "resident_id.address_code", "address_code"),
        ({"address_code": "3502"}, "resident_id.address_code", "address_code"),
        ({"birth_date": date(1899, 1, 1)}, "resident_id.birth_date", "birth_date"),
        ({"sex": "m"}, "resident_id.sex", "sex"),
    ],
)
def test_generation_refuses_bad_arguments(kwargs: dict[str, object], code: str, field: str) -> None:
    args: dict[str, object] = {
        "address_code": "350203",
        "birth_date": date(1990, 1, 1),
        "sex": "female",
        **kwargs,
    }
    with pytest.raises(ValidationError) as info:
        generate_resident_id(random.Random(1), **args)  # type: ignore[arg-type]
    assert (info.value.code, info.value.field) == (code, field)


_ADDRESS = st.builds(
    lambda p, rest: p + rest,
    st.sampled_from(sorted(PROVINCE_PREFIXES)),
    st.from_regex(r"\A[0-9]{4}\Z"),
)
_BIRTH = st.dates(min_value=date(1900, 1, 1), max_value=date(2024, 12, 31))
_SEX = st.sampled_from(["male", "female"])


@given(rng=st.randoms(use_true_random=False), address=_ADDRESS, birth=_BIRTH, sex=_SEX)
def test_generated_numbers_always_parse(
    rng: random.Random, address: str, birth: date, sex: str
) -> None:
    number = generate_resident_id(rng, address_code=address, birth_date=birth, sex=sex)
    rid = parse_resident_id(number, today=date(2025, 1, 1))
    assert (rid.number, rid.address_code, rid.birth_date, rid.sex) == (number, address, birth, sex)


@given(
    rng=st.randoms(use_true_random=False),
    address=_ADDRESS,
    birth=_BIRTH,
    sex=_SEX,
    position=st.integers(0, 17),
    data=st.data(),
)
def test_flipping_any_single_character_is_always_refused(
    rng: random.Random, address: str, birth: date, sex: str, position: int, data: st.DataObject
) -> None:
    number = generate_resident_id(rng, address_code=address, birth_date=birth, sex=sex)
    choices = "0123456789X" if position == 17 else "0123456789"
    new = data.draw(st.sampled_from([c for c in choices if c != number[position]]))
    flipped = number[:position] + new + number[position + 1 :]
    with pytest.raises(ValidationError):
        parse_resident_id(flipped)


def test_masking_keeps_four_characters_at_each_end() -> None:
    assert mask_resident_id("35020319900101123X") == "3502**********123X"
    assert mask_resident_id("1234") == "****"


@pytest.mark.parametrize(
    ("name", "masked"), [("张三", "张*"), ("欧阳娜娜", "欧***"), ("李", "李"), ("", "")]
)
def test_names_are_masked_after_the_first_character(name: str, masked: str) -> None:
    assert mask_name(name) == masked
