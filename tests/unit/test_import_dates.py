"""The importer's date cells: every spelling an official's sheet uses becomes ISO text, and the
ISO fast path gives exactly what the general pattern gives."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from api.importer import validate
from api.importer.validate import _date


def _by_pattern(text: str) -> str | None:
    """The general path alone (the fast path skipped)."""
    t = text.strip()
    if not t:
        return None
    m = validate._DATE.match(t) or validate._COMPACT_DATE.match(t)
    if m:
        return f"{int(m.group(1)):04d}-{int(m.group(2)):02d}-{int(m.group(3)):02d}"
    return t


@pytest.mark.parametrize(("cell", "iso"), [
    ("2026-01-05", "2026-01-05"), (" 2026-01-05 ", "2026-01-05"), ("2026/1/5", "2026-01-05"),
    ("2026.01.05", "2026-01-05"), ("2026年1月5日", "2026-01-05"), ("20260105", "2026-01-05"),
    ("2026-1-05", "2026-01-05"), ("２０２６-０１-０５", "2026-01-05"),  # full-width digits
    ("", None), ("  ", None),
    ("2026-13-45", "2026-13-45"), ("yesterday", "yesterday"),  # the ledger refuses these
    ("2026-01-0x", "2026-01-0x"), ("2026_01_05", "2026_01_05"),
])
def test_date_cells_become_iso_text(cell, iso):
    assert _date(cell) == iso == _by_pattern(cell)


@given(st.text(alphabet="0123456789０１２-/.年月日 x", max_size=12))
def test_the_iso_fast_path_gives_what_the_pattern_gives(text):
    assert _date(text) == _by_pattern(text)
