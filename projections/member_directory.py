"""member_directory: one row per membership, the real-name roster in masked form.

Names and resident IDs are never stored in the clear: masked forms, a keyed-hash lookup key of the
name, and the sealed token (authorised readers open it with the vault). A resident ID is found
by the row's member_id: the membership id is the ledger's keyed hash of it. Erasure purges all of
them (a row whose name_key is gone is no longer found by resident ID).
"""

from __future__ import annotations

from collections.abc import Callable
from operator import itemgetter
from types import SimpleNamespace
from typing import Any

from domain.personal import ERASED, Identity, PersonalDataVault
from domain.values.resident_id import mask_name, mask_resident_id
from projections.base import Item, View, member_state, stored_ids
from projections.db import Db, Tx

COLS = (
    "member_id", "union_code", "destination_union_code", "status", "since", "joined_on",
    "worker_group", "channel", "relation", "employer_code", "using_unit_code", "work_region",
    "residence_region", "delegated_to", "campaign_id", "masked_name", "masked_resident_id",
    "name_key", "sex", "birth_year", "personal", "erased", "version",
    "position", "updated_at",
)
EMPLOYMENT = ("relation", "employer_code", "using_unit_code", "work_region", "residence_region")
PERSONAL = ("masked_name", "masked_resident_id", "name_key", "sex", "birth_year", "personal")
DDL = """CREATE TABLE IF NOT EXISTS @member_directory (
    member_id CODE PRIMARY KEY, union_code CODE NOT NULL, destination_union_code CODE,
    status CODE NOT NULL, since DATE NOT NULL, joined_on DATE NOT NULL,
    worker_group CODE NOT NULL, channel CODE NOT NULL, relation CODE, employer_code CODE,
    using_unit_code CODE, work_region CODE, residence_region CODE, delegated_to CODE,
    campaign_id CODE, masked_name TEXT, masked_resident_id TEXT, name_key CODE,
    sex TEXT, birth_year INTEGER, personal TEXT, erased BOOLEAN NOT NULL,
    version INTEGER NOT NULL, position BIGINT NOT NULL, updated_at TIMESTAMPTZ NOT NULL)"""
_SET = ", ".join(f"{c}=?" for c in COLS[1:])
PURGED: dict[str, Any] = dict(masked_name=ERASED, masked_resident_id=ERASED, name_key=None,
                              sex=None, birth_year=None, personal=None)
# directory column -> attribute of the stand-in (the aggregate's names where they differ)
_ATTR = {"union_code": "union_id", "destination_union_code": "destination_union_id"}
_NOT_STATE = frozenset(EMPLOYMENT)


_BLANK = dict.fromkeys(PERSONAL + ("campaign_id", "version", "position", "updated_at"))


def _blank(member_id: str) -> SimpleNamespace:
    s = member_state(member_id=member_id)
    s.__dict__.update(_BLANK)
    return s


def _from_row(row: tuple[Any, ...]) -> SimpleNamespace:
    d = dict(zip(COLS, row, strict=True))
    s = SimpleNamespace(**{_ATTR.get(c, c): v for c, v in d.items() if c not in _NOT_STATE})
    s.employment = {k: d[k] for k in EMPLOYMENT}
    s.erased = bool(s.erased)
    return s


_ROW = itemgetter(*(_ATTR.get(c, c) for c in COLS))


def _to_row(s: SimpleNamespace) -> tuple[Any, ...]:
    d = s.__dict__
    d["status"] = str(d["status"])  # a StrEnum after `apply`: store its value
    d.update(dict.fromkeys(EMPLOYMENT))
    d.update(d["employment"])  # its keys are columns; none is a state attribute
    return _ROW(d)  # type: ignore[no-any-return]


def fold(states: dict[str, SimpleNamespace], load: Callable[[str], SimpleNamespace | None],
         mitems: list[Item], ts: Callable[[Any], Any],
         personal: Callable[[str, str], dict[str, Any]]) -> None:
    """Applies the events to each member's stand-in (`load` gives the stored one, if any).

    Shared by the live batches and the bulk rebuild, so both derive rows the same way."""
    for item in mitems:
        mid, ev, kind = item.member_id, item.event, item.kind
        s = states.get(mid)
        if s is None:
            s = states[mid] = load(mid) or _blank(mid)
        ev.apply(s)  # the domain's own transition, on a stand-in for the aggregate
        s.version, s.position = ev.originator_version, item.position
        s.updated_at = ts(ev.timestamp)
        if kind == "Membership.Joined":
            s.campaign_id = ev.campaign_id
        if kind == "Membership.PersonalDataErased":
            s.__dict__.update(PURGED)
        elif kind in _DECRYPTS and ev.personal:
            s.__dict__.update(personal(mid, ev.personal))


_SELECT = f"SELECT {', '.join(COLS)} FROM @member_directory WHERE member_id {{in}}"
_DECRYPTS = frozenset({"Membership.Joined", "Membership.DetailsCorrected"})


class MemberDirectory(View):
    name = "member_directory"
    side = True  # see View.side
    kinds = frozenset({
        "Membership.Joined", "Membership.TransferredOut", "Membership.TransferredIn",
        "Membership.TransferCancelled", "Membership.EmploymentChanged",
        "Membership.DetailsCorrected", "Membership.Retained", "Membership.Reactivated",
        "Membership.Withdrew", "Membership.Expelled", "Membership.ManagementDelegated",
        "Membership.HeldAtParent", "Membership.PersonalDataErased",
    })
    tables = ("member_directory",)
    #: 3: no resident_key column (a search by resident ID reads the row by member_id)
    version = 3

    def __init__(self, db: Db, *, vault: PersonalDataVault, identity: Identity) -> None:
        super().__init__(db)
        self.vault = vault
        self.identity = identity

    def create(self, tx: Tx) -> None:
        tx.run(DDL)

    def create_indexes(self, tx: Tx) -> None:
        tx.create_index("member_directory_union_idx", "member_directory", "union_code, member_id")
        # no query reads the directory by destination (the transfer inbox answers that): the
        # index cost an entry per member on every write and at every rebuild
        tx.drop_index("member_directory_dest_idx")
        # a search by resident ID finds the row by its member_id (the membership id is the
        # keyed hash of the resident ID): a second keyed hash and its index cost a digest and
        # an index entry per member on every write and at every rebuild
        tx.drop_index("member_directory_rkey_idx")
        tx.create_index("member_directory_nkey_idx", "member_directory", "name_key")

    def apply(self, tx: Tx, items: list[Item]) -> None:
        mitems = [i for i in items if i.kind in self.kinds]
        if not mitems:
            return
        existing = {r[0]: _from_row(r) for r in tx.all_in(_SELECT, stored_ids(mitems))}
        # one key-store query per batch; erased people have no key and are never decrypted
        wrapped = self.vault.keystore.get_many(
            list(dict.fromkeys(i.member_id for i in mitems if i.kind in _DECRYPTS)))

        def personal(member_id: str, token: str) -> dict[str, Any]:
            details = self.vault.open_wrapped(member_id, token, wrapped.get(member_id))
            return personal_fields(self.identity, token, details)

        states: dict[str, SimpleNamespace] = {}
        fold(states, existing.get, mitems, self.db.ts, personal)
        rows = {m: _to_row(s) for m, s in states.items()}
        tx.insert("member_directory", COLS, [r for m, r in rows.items() if m not in existing])
        tx.many(f"UPDATE @member_directory SET {_SET} WHERE member_id=?",
                [r[1:] + r[:1] for m, r in rows.items() if m in existing])


def personal_fields(identity: Identity, token: str, details: Any) -> dict[str, Any]:
    """The directory's personal columns from opened details (None: key erased → purged)."""
    if details is None:
        return PURGED | {"personal": token}
    rid = details.resident_id
    return dict(
        masked_name=mask_name(details.name), masked_resident_id=mask_resident_id(rid),
        name_key=identity.lookup_key("name", details.name),
        # GB 11643: digits 7-14 are the birth date, the 17th digit's parity the sex.
        sex="male" if int(rid[16]) % 2 else "female", birth_year=int(rid[6:10]),
        personal=token,
    )
