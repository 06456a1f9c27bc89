"""Value objects and validators of the ledger: resident ID, credit code, region, contact,
dates and dues. Pure functions over the standard library; `today` is always a parameter.
"""

from __future__ import annotations

from domain.values.contact import mask_mobile, parse_mobile
from domain.values.credit_code import (
    CreditCode,
    credit_check_char,
    generate_credit_code,
    parse_credit_code,
)
from domain.values.dates import EARLIEST_EFFECTIVE_DATE, parse_effective_date
from domain.values.dues import dues_base, dues_for, monthly_dues_fen
from domain.values.region import (
    PROVINCE_PREFIXES,
    is_province_prefix,
    parent_region,
    parse_region_code,
    region_covers,
    region_level,
    region_prefix,
)
from domain.values.resident_id import (
    LEGACY_15_DIGIT_POLICY,
    ResidentId,
    check_char,
    generate_resident_id,
    mask_name,
    mask_resident_id,
    parse_resident_id,
)

__all__ = [
    "EARLIEST_EFFECTIVE_DATE",
    "LEGACY_15_DIGIT_POLICY",
    "PROVINCE_PREFIXES",
    "CreditCode",
    "ResidentId",
    "check_char",
    "credit_check_char",
    "dues_base",
    "dues_for",
    "generate_credit_code",
    "generate_resident_id",
    "is_province_prefix",
    "mask_mobile",
    "mask_name",
    "mask_resident_id",
    "monthly_dues_fen",
    "parent_region",
    "parse_credit_code",
    "parse_effective_date",
    "parse_mobile",
    "parse_region_code",
    "parse_resident_id",
    "region_covers",
    "region_level",
    "region_prefix",
]
