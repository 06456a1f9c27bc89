"""The registry of views, in the order a batch is applied, and where the read store lives."""

from __future__ import annotations

from typing import Any, Protocol

from domain.personal import Identity, PersonalDataVault
from projections.applications import ApplicationQueue
from projections.base import View
from projections.campaign_progress import CampaignProgress
from projections.db import Db, Target
from projections.member_directory import MemberDirectory
from projections.membership_counts import MembershipCounts
from projections.membership_flows import MembershipFlows
from projections.membership_periods import MembershipPeriods
from projections.transfer_inbox import TransferInbox
from projections.union_tree import UnionTree

VIEW_NAMES = ("union_tree", "member_directory", "membership_counts", "membership_periods",
              "transfer_inbox", "membership_flows", "application_queue", "campaign_progress")


class SettingsLike(Protocol):
    @property
    def is_postgres(self) -> bool: ...

    @property
    def sqlite_path(self) -> Any: ...

    def postgres_conninfo(self) -> str: ...


def target_of(settings: SettingsLike) -> Target:
    if settings.is_postgres:
        return Target(pg_conninfo=settings.postgres_conninfo())
    return Target(sqlite_path=settings.sqlite_path)


def make_views(db: Db, vault: PersonalDataVault, identity: Identity) -> list[View]:
    return [
        UnionTree(db),
        MemberDirectory(db, vault=vault, identity=identity),
        MembershipCounts(db),
        MembershipPeriods(db),
        TransferInbox(db),
        MembershipFlows(db),  # dashboard trend and campaign counters (api/pages)
        ApplicationQueue(db, vault),  # online applications awaiting review (art. 8)
        CampaignProgress(db),  # joins per campaign × union × worker group (art. 14)
    ]
