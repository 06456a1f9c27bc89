"""The read side: projections of the ledger's events into query tables (SQLite or PostgreSQL).

Entry point: `open_read_side(runtime, start_runner=...)` → (ReadStore, Runner).
"""

from projections.runner import Runner
from projections.store import ReadStore, open_read_side

__all__ = ["ReadStore", "Runner", "open_read_side"]
