"""Reads an official's collective-registration spreadsheet (CSV or XLSX) into raw rows.

Headers may be Chinese or English; CSV may be UTF-8 (with or without BOM) or GB18030.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, cast

from domain.errors import ValidationError
from domain.frozen import quick_init

#: canonical column → (Chinese header shown in the template, accepted aliases)
COLUMNS: dict[str, tuple[str, tuple[str, ...]]] = {
    "name": ("姓名", ("name", "full_name")),
    "resident_id": ("公民身份号码", ("身份证号", "身份证号码", "公民身份号码(身份证号)",
                                      "resident_id", "id_number", "id_card")),
    "phone": ("手机号码", ("手机号", "手机", "联系电话", "phone", "mobile")),
    "worker_group": ("职业群体", ("worker_group", "group")),
    "relation": ("就业形态", ("employment_relation", "relation", "employment")),
    "employer_code": ("用人单位统一社会信用代码", (
        "用人单位代码", "用人单位(派遣单位)统一社会信用代码", "employer_code", "employer")),
    "using_unit_code": ("用工单位统一社会信用代码", ("用工单位代码", "using_unit_code",
                                                    "using_unit")),
    "work_region": ("工作地区划代码", ("工作地", "work_region")),
    "residence_region": ("居住地区划代码", ("居住地", "residence_region")),
    "joined_on": ("入会日期", ("joined_on", "effective_on", "join_date")),
    "note": ("备注", ("note", "remarks", "remark")),
}
REQUIRED = ("name", "resident_id", "worker_group", "relation")
MAX_ROWS = 200_000


def _norm(header: str) -> str:
    h = str(header).strip().replace("（", "(").replace("）", ")").replace("*", "")
    return re.sub(r"\s+", "", h).lower()


_ALIASES = {_norm(zh): key for key, (zh, _) in COLUMNS.items()} | {
    _norm(alias): key for key, (_, aliases) in COLUMNS.items() for alias in aliases
}


@quick_init
@dataclass(frozen=True)
class RawRow:
    """One data row: its row number as the official sees it, and cell texts by column key."""

    row_no: int
    values: dict[str, str]

    def get(self, key: str) -> str:
        return self.values.get(key, "")


def _file_error(zh: str, en: str, code: str, **details: Any) -> ValidationError:
    return ValidationError(zh, message_en=en, code=code, field="file", details=details or None)


def _cell(value: Any) -> str:
    """Cell → text; spreadsheets turn long digit strings into numbers and dates into datetimes."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _decode(data: bytes) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("gb18030")
    except UnicodeDecodeError:
        raise _file_error("文件编码无法识别：请保存为 UTF-8 或 GB18030（GBK）编码的 CSV",
                          "unknown text encoding: save the CSV as UTF-8 or GB18030",
                          "import.encoding") from None


def _table_csv(data: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(_decode(data), newline="")))  # each row a new list


def _table_xlsx(data: bytes) -> list[list[Any]]:
    from openpyxl import load_workbook

    try:
        wb = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as e:  # openpyxl raises many types for a damaged file
        raise _file_error("无法读取 Excel 文件（文件损坏或不是 .xlsx 格式）",
                          "cannot read the workbook (damaged, or not .xlsx)",
                          "import.bad_xlsx") from e
    try:
        ws = wb.worksheets[0]
        return [list(r) for r in ws.iter_rows(min_row=1, values_only=True)]
    finally:
        wb.close()


def is_xlsx(data: bytes, filename: str = "") -> bool:
    return data[:4] == b"PK\x03\x04" or filename.lower().endswith((".xlsx", ".xlsm"))


def read_rows(data: bytes, filename: str = "") -> list[RawRow]:
    """All non-blank data rows; refuses a file without the required columns (named)."""
    if not data:
        raise _file_error("文件为空", "the file is empty", "import.empty")
    xlsx = is_xlsx(data, filename)
    table = _table_xlsx(data) if xlsx else _table_csv(data)
    header_at = next((i for i, r in enumerate(table) if any(_cell(c) for c in r)), None)
    if header_at is None:
        raise _file_error("文件为空", "the file is empty", "import.empty")
    keys = [_ALIASES.get(_norm(_cell(h))) for h in table[header_at]]
    missing = [COLUMNS[k][0] for k in REQUIRED if k not in keys]
    if missing:
        raise _file_error(f"缺少必填列：{'、'.join(missing)}（请使用模板）",
                          f"missing required columns: {', '.join(missing)}",
                          "import.missing_columns", missing=missing)
    rows: list[RawRow] = []
    cell = _cell if xlsx else str.strip  # CSV cells are all text: _cell would only strip them
    # every column one of ours (as in the template): no column to filter out
    every = cast(list[str], keys) if None not in keys else None
    for i, raw in enumerate(table[header_at + 1:], start=header_at + 2):
        values = dict(zip(every, map(cell, raw), strict=False)) if every else {
            k: cell(v) for k, v in zip(keys, raw, strict=False) if k is not None}
        if not any(values.values()):
            continue
        rows.append(RawRow(i, values))
        if len(rows) > MAX_ROWS:
            raise _file_error(f"单个文件最多 {MAX_ROWS} 行，请分批导入",
                              f"at most {MAX_ROWS} rows per file", "import.too_many_rows")
    if not rows:
        raise _file_error("文件中没有数据行", "no data rows", "import.empty")
    return rows
