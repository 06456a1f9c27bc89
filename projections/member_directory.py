"""member_directory: one row per membership, the real-name roster in masked form.

Names and resident IDs are never stored in the clear: masked forms, keyed-hash lookup keys, and
the sealed token (authorised readers open it with the vault). Erasure purges all of them.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from domain.errors import LedgerError
from domain.personal import ERASED, Identity, PersonalDataVault
from domain.values.resident_id import mask_name, mask_resident_id
from projections.base import Item, View, member_state, membership_items
from projections.db import Db, Tx

COLS = (
    "member_id", "union_code", "destination_union_code", "status", "since", "joined_on",
    "worker_group", "channel", "relation", "employer_code", "using_unit_code", "work_region",
    "residence_region", "delegated_to", "campaign_id", "masked_name", "masked_resident_id",
    "name_key", "resident_key", "sex", "birth_year", "personal", "erased", "version",
    "position", "updated_at",
)
EMPLOYMENT = ("relation", "employer_code", "using_unit_code", "work_region", "residence_region")
PERSONAL = ("masked_name", "masked_resident_id", "name_key", "resident_key", "sex",
            "birth_year", "personal")
DDL = """CREATE TABLE IF NOT EXISTS @member_directory (
    member_id TEXT PRIMARY KEY, union_code TEXT NOT NULL, destination_union_code TEXT,
    status TEXT NOT NULL, since DATE NOT NULL, joined_on DATE NOT NULL,
    worker_group TEXT NOT NULL, channel TEXT NOT NULL, relation TEXT, employer_code TEXT,
    using_unit_code TEXT, work_region TEXT, residence_region TEXT, delegated_to TEXT,
    campaign_id TEXT, masked_name TEXT, masked_resident_id TEXT, name_key TEXT,
    resident_key TEXT, sex TEXT, birth_year INTEGER, personal TEXT, erased BOOLEAN NOT NULL,
    version INTEGER NOT NULL, position BIGINT NOT NULL, updated_at TIMESTAMPTZ NOT NULL)"""
_SET = ", ".join(f"{c}=?" for c in COLS[1:])
_SELECT = f"SELECT {', '.join(COLS)} FROM @member_directory WHERE member_id {{in}}"
_DECRYPTS = frozenset({"Membership.Joined", "Membership.DetailsCorrected"})


class MemberDirectory(View):
    name = "member_directory"
    kinds = frozenset({
        "Membership.Joined", "Membership.TransferredOut", "Membership.TransferredIn",
        "Membership.TransferCancelled", "Membership.EmploymentChanged",
        "Membership.DetailsCorrected", "Membership.Retained", "Membership.Reactivated",
        "Membership.Withdrew", "Membership.Expelled", "Membership.ManagementDelegated",
        "Membership.HeldAtParent", "Membership.PersonalDataErased",
    })
    tables = ("member_directory",)

    def __init__(self, db: Db, *, vault: PersonalDataVault, identity: Identity) -> None:
        super().__init__(db)
        self.vault = vault
        self.identity = identity

    def create(self, tx: Tx) -> None:
        tx.run(DDL)

    def create_indexes(self, tx: Tx) -> None:
        tx.create_index("member_directory_union_idx", "member_directory", "union_code, member_id")
        tx.create_index("member_directory_dest_idx", "member_directory", "destination_union_code")
        tx.create_index("member_directory_rkey_idx", "member_directory", "resident_key")
        tx.create_index("member_directory_nkey_idx", "member_directory", "name_key")

    def apply(self, tx: Tx, items: list[Item]) -> None:
        mitems = [i for i in membership_items(items) if i.kind in self.kinds]
        if not mitems:
            return
        ids = list(dict.fromkeys(i.member_id for i in mitems))
        existing = {r[0]: dict(zip(COLS, r, strict=True)) for r in tx.all_in(_SELECT, ids)}
        self._prefetch_keys(i.member_id for i in mitems if i.kind in _DECRYPTS)
        rows: dict[str, dict[str, Any]] = {}
        for item in mitems:
            mid = item.member_id
            row = rows.get(mid)
            if row is None:
                row = rows[mid] = dict(existing.get(mid) or {"member_id": mid})
            self._apply(row, item)
        new = [tuple(r[c] for c in COLS) for m, r in rows.items() if m not in existing]
        tx.insert("member_directory", COLS, new)
        tx.many(f"UPDATE @member_directory SET {_SET} WHERE member_id=?",
                [tuple(r[c] for c in COLS[1:]) + (m,) for m, r in rows.items() if m in existing])

    def _apply(self, row: dict[str, Any], item: Item) -> None:
        ev = item.event
        s = member_state(
            status=row.get("status"), union_id=row.get("union_code"),
            destination_union_id=row.get("destination_union_code"),
            worker_group=row.get("worker_group"), channel=row.get("channel"),
            employment={k: row.get(k) for k in EMPLOYMENT}, personal=row.get("personal"),
            joined_on=row.get("joined_on"), since=row.get("since"),
            delegated_to=row.get("delegated_to"), erased=bool(row.get("erased")),
        )
        ev.apply(s)
        row.update(
            union_code=s.union_id, destination_union_code=s.destination_union_id,
            status=str(s.status), since=s.since, joined_on=s.joined_on,
            worker_group=s.worker_group, channel=s.channel, delegated_to=s.delegated_to,
            erased=bool(s.erased), version=ev.originator_version, position=item.position,
            updated_at=self.db.ts(ev.timestamp),
            **{k: s.employment.get(k) for k in EMPLOYMENT},
        )
        if item.kind == "Membership.Joined":
            row["campaign_id"] = ev.campaign_id
        if item.kind == "Membership.PersonalDataErased":
            row.update(self._purged())
        elif item.kind in _DECRYPTS and getattr(ev, "personal", None):
            row.update(self._personal(item.member_id, ev.personal))
        for k in PERSONAL:
            row.setdefault(k, None)

    def _prefetch_keys(self, subjects: Iterable[str]) -> None:
        """One keystore query per batch instead of one per member (rebuild speed)."""
        wanted = list(dict.fromkeys(subjects))
        if wanted:
            # Only subjects that still have a key: never create keys for erased people.
            found = self.vault.keystore.get_many(wanted)
            if found:
                self.vault.ensure_keys(found)

    @staticmethod
    def _purged() -> dict[str, Any]:
        return dict(masked_name=ERASED, masked_resident_id=ERASED, name_key=None,
                    resident_key=None, sex=None, birth_year=None, personal=None)

    def _personal(self, member_id: str, token: str) -> dict[str, Any]:
        try:
            details = self.vault.open(member_id, token)
        except LedgerError:  # sealed under a key that no longer exists
            details = None
        if details is None:
            return self._purged() | {"personal": token}
        rid = details.resident_id
        return dict(
            masked_name=mask_name(details.name), masked_resident_id=mask_resident_id(rid),
            name_key=self.identity.lookup_key("name", details.name),
            resident_key=self.identity.lookup_key("resident_id", rid),
            # GB 11643: digits 7-14 are the birth date, the 17th digit's parity the sex.
            sex="male" if int(rid[16]) % 2 else "female", birth_year=int(rid[6:10]),
            personal=token,
        )
