"""R9 unified social credit codes (GB 32100-2015), including trade-union codes starting with 8."""

from __future__ import annotations

import random

import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain.errors import ValidationError
from domain.values.credit_code import (
    CHARSET,
    CreditCode,
    credit_check_char,
    generate_credit_code,
    parse_credit_code,
)

SPEC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
UNION_CODE = "81350200MC0000000Y"


def _reference_check(first17: str) -> str:
    total = sum(CHARSET.index(c) * w for c, w in zip(first17, SPEC_WEIGHTS, strict=True))
    return CHARSET[(31 - total % 31) % 31]


def _refused(text: str, code: str, field: str = "credit_code") -> None:
    with pytest.raises(ValidationError) as info:
        parse_credit_code(text, field=field)
    assert (info.value.code, info.value.field) == (code, field)
    assert field in info.value.message_zh


def test_a_published_company_code_parses_into_its_parts() -> None:
    parsed = parse_credit_code("91350100M000100Y43")
    assert parsed == CreditCode("91350100M000100Y43", "9", "1", "350100", "M000100Y4")
    assert not parsed.is_union
    assert parsed.authority_name == "工商"
    assert str(parsed) == "91350100M000100Y43"


def test_a_grassroots_union_code_starting_81_is_accepted() -> None:
    assert _reference_check(UNION_CODE[:17]) == UNION_CODE[17]
    parsed = parse_credit_code(UNION_CODE)
    assert parsed.is_union
    assert (parsed.authority, parsed.org_type, parsed.authority_name) == ("8", "1", "工会")


def test_an_other_union_code_starting_89_is_accepted() -> None:
    first17 = "89350200MC0000001"
    assert parse_credit_code(first17 + _reference_check(first17)).is_union


def test_lowercase_and_whitespace_are_normalised() -> None:
    assert parse_credit_code(" 91350100m000100y43 ").code == "91350100M000100Y43"


def test_an_unknown_authority_character_is_accepted_without_a_name() -> None:
    first17 = "G1350100M000100Y4"
    parsed = parse_credit_code(first17 + _reference_check(first17))
    assert parsed.authority == "G" and parsed.authority_name is None


def test_the_weights_are_powers_of_three_mod_31() -> None:
    for first17 in ("91350100M000100Y4", "81350200MC0000000", "Y1110000000000000"):
        assert credit_check_char(first17) == _reference_check(first17)


@pytest.mark.parametrize("text", ["", "91350100M000100Y4", "91350100M000100Y433"])
def test_a_wrong_length_is_refused_as_format(text: str) -> None:
    _refused(text, "credit_code.format", field="union_code")


def test_a_letter_in_the_region_code_is_refused_as_format() -> None:
    first17 = "913501A0M000100Y4"
    _refused(first17 + _reference_check(first17), "credit_code.format")


@pytest.mark.parametrize("bad", ["I", "O", "Z", "S", "V", "-"])
def test_a_character_outside_the_charset_is_refused(bad: str) -> None:
    _refused("91350100M000100Y4" + bad, "credit_code.charset")


def test_a_wrong_check_character_is_refused_naming_the_field() -> None:
    _refused("91350100M000100Y44", "credit_code.check_char", field="union_code")


def test_credit_check_char_refuses_bad_input() -> None:
    with pytest.raises(ValidationError) as info:
        credit_check_char("123")
    assert info.value.code == "credit_code.format"
    with pytest.raises(ValidationError) as info:
        credit_check_char("9135010OM000100Y4")
    assert info.value.code == "credit_code.charset"


@given(
    rng=st.randoms(use_true_random=False),
    authority=st.sampled_from(CHARSET),
    org_type=st.sampled_from(CHARSET),
    region=st.from_regex(r"\A[0-9]{6}\Z"),
)
def test_generated_codes_always_parse(
    rng: random.Random, authority: str, org_type: str, region: str
) -> None:
    code = generate_credit_code(rng, authority=authority, org_type=org_type, region_code=region)
    parsed = parse_credit_code(code)
    assert (parsed.authority, parsed.org_type, parsed.region_code) == (authority, org_type, region)


def test_generation_defaults_to_an_aic_code() -> None:
    code = generate_credit_code(random.Random(3), region_code="350203")
    assert code.startswith("91350203")


@pytest.mark.parametrize(
    ("kwargs", "code", "field"),
    [
        ({"authority": "I"}, "credit_code.charset", "authority"),
        ({"org_type": "12"}, "credit_code.charset", "org_type"),
        ({"region_code": "3502"}, "credit_code.format", "region_code"),
    ],
)
def test_generation_refuses_bad_arguments(kwargs: dict[str, str], code: str, field: str) -> None:
    args = {"region_code": "350203", **kwargs}
    with pytest.raises(ValidationError) as info:
        generate_credit_code(random.Random(1), **args)
    assert (info.value.code, info.value.field) == (code, field)
