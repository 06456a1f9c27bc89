"""GB 32100-2015 unified social credit codes (统一社会信用代码), incl. trade-union codes (8…).
Layout: authority (1), organisation type (1), region (6 digits), organisation code (9), check (1).
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass

from domain.errors import ValidationError

CHARSET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
WEIGHTS: tuple[int, ...] = tuple(pow(3, i, 31) for i in range(17))
UNION_AUTHORITY = "8"

#: Registration authority (position 1), GB 32100-2015 Annex; any charset character is accepted.
AUTHORITIES: dict[str, str] = {
    "1": "机构编制",
    "2": "外交",
    "3": "司法行政",
    "4": "文化",
    "5": "民政",
    "6": "旅游",
    "7": "宗教",
    "8": "工会",
    "9": "工商",
    "A": "中央军委改革和编制办公室",
    "N": "农业",
    "Y": "其他",
}
#: Organisation types (position 2) under the trade-union authority.
UNION_ORG_TYPES: dict[str, str] = {"1": "基层工会", "9": "其他"}

_RULE = "GB 32100-2015"
_REGION = re.compile(r"[0-9]{6}")


@dataclass(frozen=True)
class CreditCode:
    """A valid 18-character unified social credit code and its parts."""

    code: str
    authority: str
    org_type: str
    region_code: str
    org_code: str

    def __str__(self) -> str:
        return self.code

    @property
    def is_union(self) -> bool:
        """Registered by a trade union (position 1 is `8`)."""
        return self.authority == UNION_AUTHORITY

    @property
    def authority_name(self) -> str | None:
        """Chinese name of the registration authority, or None when not in the annex."""
        return AUTHORITIES.get(self.authority)


def _fail(field: str, code: str, zh: str, en: str) -> ValidationError:
    return ValidationError(
        f"{field}：{zh}", message_en=f"{field}: {en}", code=code, field=field, rule=_RULE
    )


def credit_check_char(first17: str, *, field: str = "credit_code") -> str:
    """The MOD 31-3 check character for the first 17 characters."""
    if not isinstance(first17, str) or len(first17) != 17:
        raise _fail(
            field,
            "credit_code.format",
            "计算校验码需要17位字符",
            "the check character needs exactly 17 characters",
        )
    if any(c not in CHARSET for c in first17):
        raise _fail(
            field,
            "credit_code.charset",
            "含有统一社会信用代码字符集之外的字符",
            "contains a character outside the credit-code charset",
        )
    total = sum(CHARSET.index(c) * w for c, w in zip(first17, WEIGHTS, strict=True))
    return CHARSET[(31 - total % 31) % 31]


def parse_credit_code(text: str, *, field: str = "credit_code") -> CreditCode:
    """Validate an 18-character code (case-insensitive). Union codes (8…) are accepted.

    Error codes: credit_code.format, credit_code.charset, credit_code.check_char.
    """
    code = "".join(text.split()).upper() if isinstance(text, str) else ""
    if len(code) != 18:
        raise _fail(
            field,
            "credit_code.format",
            "统一社会信用代码应为18位",
            "a unified social credit code has 18 characters",
        )
    if any(c not in CHARSET for c in code):
        raise _fail(
            field,
            "credit_code.charset",
            "统一社会信用代码只能包含数字和大写字母（不含 I、O、Z、S、V）",
            "only digits and capital letters except I, O, Z, S, V are allowed",
        )
    if not _REGION.fullmatch(code[2:8]):
        raise _fail(
            field,
            "credit_code.format",
            "统一社会信用代码第3至8位（行政区划码）应为数字",
            "positions 3-8 (region code) must be digits",
        )
    if credit_check_char(code[:17], field=field) != code[17]:
        raise _fail(
            field,
            "credit_code.check_char",
            "统一社会信用代码校验码错误",
            "the check character is wrong",
        )
    return CreditCode(
        code=code, authority=code[0], org_type=code[1], region_code=code[2:8], org_code=code[8:17]
    )


def generate_credit_code(
    rng: random.Random, *, authority: str = "9", org_type: str = "1", region_code: str
) -> str:
    """A valid code for demo/test data with a random 9-character organisation code."""
    for name, value in (("authority", authority), ("org_type", org_type)):
        if not (isinstance(value, str) and len(value) == 1 and value in CHARSET):
            raise _fail(
                name,
                "credit_code.charset",
                "应为统一社会信用代码字符集中的一个字符",
                "must be one character of the credit-code charset",
            )
    if not (isinstance(region_code, str) and _REGION.fullmatch(region_code)):
        raise _fail(
            "region_code",
            "credit_code.format",
            "行政区划码应为6位数字",
            "the region code must be 6 digits",
        )
    org_code = "".join(rng.choice(CHARSET) for _ in range(9))
    first17 = authority + org_type + region_code + org_code
    return first17 + credit_check_char(first17)
