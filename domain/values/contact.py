"""Mainland China mobile numbers: parse to 11 digits and mask for display."""

from __future__ import annotations

import re

from domain.errors import ValidationError

_MOBILE = re.compile(r"1[3-9][0-9]{9}")
_SEPARATORS = re.compile(r"[\s\-]+")


def _normalise(text: str) -> str:
    digits = _SEPARATORS.sub("", text)
    if digits.startswith("+86"):
        return digits[3:]
    if digits.startswith("86") and len(digits) == 13:
        return digits[2:]
    return digits


def parse_mobile(text: str, *, field: str = "phone") -> str:
    """Accept `1[3-9]` + 9 digits, optionally with +86/86 and spaces or dashes → 11 digits."""
    number = _normalise(text) if isinstance(text, str) else ""
    if not _MOBILE.fullmatch(number):
        raise ValidationError(
            f"{field}：手机号码格式错误，应为以13-19开头的11位中国大陆手机号（可带+86）",
            message_en=f"{field}: a mainland mobile number is 11 digits starting 13-19 "
            "(optionally +86)",
            code="phone.format",
            field=field,
            rule="mobile",
        )
    return number


def mask_mobile(number: str) -> str:
    """Keep the first 3 and last 4 digits: 13812345678 → 138****5678."""
    digits = _normalise(number)
    if len(digits) <= 7:
        return "*" * len(digits)
    return digits[:3] + "*" * (len(digits) - 7) + digits[-4:]
