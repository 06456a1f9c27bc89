"""Region codes: GB/T 2260 six-digit codes (province/city/county) and the 9- and 12-digit
statistical codes for township and village. Only structure is checked: historical codes are valid.
"""

from __future__ import annotations

import re
from functools import lru_cache

from domain.errors import ValidationError

#: Province-level prefixes of GB/T 2260 (incl. 71 Taiwan, 81 Hong Kong, 82 Macao).
PROVINCE_PREFIXES: frozenset[str] = frozenset(
    [str(n) for n in range(11, 16)]
    + [str(n) for n in range(21, 24)]
    + [str(n) for n in range(31, 38)]
    + [str(n) for n in range(41, 47)]
    + [str(n) for n in range(50, 55)]
    + [str(n) for n in range(61, 66)]
    + ["71", "81", "82"]
)

REGION_LEVELS: tuple[str, ...] = ("province", "city", "county", "township", "village")

_DIGITS = re.compile(r"[0-9]+")
_RULE = "GB/T 2260 / 统计用区划代码"


def is_province_prefix(prefix: str) -> bool:
    """True when the two characters are a real province-level code (structure only)."""
    return prefix in PROVINCE_PREFIXES


def parse_region_code(text: str, *, field: str = "region_code") -> str:
    """Validate a 6-, 9- or 12-digit region code and return it without surrounding whitespace."""
    code = text.strip() if isinstance(text, str) else ""
    if not _DIGITS.fullmatch(code) or len(code) not in (6, 9, 12):
        raise ValidationError(
            f"{field}：行政区划代码格式错误，应为6位（省/市/县）、9位（乡镇街道）或12位（村/社区）数字",
            message_en=(
                f"{field}: region code must be 6 (province/city/county), 9 (township) "
                "or 12 (village) digits"
            ),
            code="region_code.format",
            field=field,
            rule=_RULE,
        )
    if not is_province_prefix(code[:2]):
        raise ValidationError(
            f"{field}：行政区划代码前两位不是有效的省级代码",
            message_en=f"{field}: the first two digits are not a province-level code",
            code="region_code.province",
            field=field,
            rule=_RULE,
        )
    return code


def region_level(code: str) -> str:
    """One of "province", "city", "county", "township", "village"."""
    code = parse_region_code(code)
    if len(code) == 9:
        return "township"
    if len(code) == 12:
        return "village"
    if code.endswith("0000"):
        return "province"
    if code.endswith("00"):
        return "city"
    return "county"


@lru_cache(maxsize=4096)  # pure; a bulk import asks about the same few regions per row
def region_prefix(code: str) -> str:
    """The significant prefix: "35" for 350000, "3502" for 350200; 9/12-digit codes are whole."""
    code = parse_region_code(code)
    level = region_level(code)
    if level == "province":
        return code[:2]
    if level == "city":
        return code[:4]
    return code


@lru_cache(maxsize=4096)  # pure (a refusal raises and is not cached)
def region_covers(outer: str, inner: str) -> bool:
    """True when `inner` lies within `outer` (or is `outer`): its 12-digit form starts with
    outer's significant prefix. 350200 covers 350203001002; 350203 does not cover 350204."""
    prefix = region_prefix(outer)
    padded = parse_region_code(inner).ljust(12, "0")
    return padded.startswith(prefix)


def parent_region(code: str) -> str | None:
    """The enclosing region's code, or None for a province.

    County → its city (or the province when the city digits are 00); township → county;
    village → township.
    """
    code = parse_region_code(code)
    level = region_level(code)
    if level == "province":
        return None
    if level == "city":
        return code[:2] + "0000"
    if level == "county":
        return code[:2] + "0000" if code[2:4] == "00" else code[:4] + "00"
    if level == "township":
        return code[:6]
    return code[:9]
