"""The JoinApplication aggregate (policy art. 8, 网上入会): submitted online, then approved or
rejected by the chosen union. Personal details are sealed under the future member's data key.
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Any, cast
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import Aggregate

from domain.errors import InvalidTransitionError

SUBMITTED, APPROVED, REJECTED = "submitted", "approved", "rejected"
STATUS_ZH = {SUBMITTED: "待审核", APPROVED: "已批准", REJECTED: "未通过"}


def application_id(application_no: str) -> UUID:
    return uuid5(NAMESPACE_URL, f"union-ledger:application:{application_no}")


class JoinApplication(Aggregate):
    if TYPE_CHECKING:
        application_no: str
        subject: str  # the membership id whose data key seals `personal`
        union_code: str
        worker_group: str
        channel: str
        situation: dict[str, Any]
        personal: str
        consent: dict[str, Any]
        campaign_id: str | None
        status: str
        submitted_on: date
        decided_on: date | None
        member_id: str | None
        reason: str | None

    class Event(Aggregate.Event):
        effective_on: date
        recorded_by: str

    class Submitted(Event, Aggregate.Created):
        """The worker (or the platform, with the worker's recorded consent) applied online."""

        application_no: str
        subject: str
        union_code: str
        worker_group: str
        channel: str
        situation: dict[str, Any]
        personal: str
        consent: dict[str, Any]  # given_by, platform_employer_code, consent_text, consented_at
        campaign_id: str | None

        def apply(self, aggregate: Any) -> None:
            a = cast(JoinApplication, aggregate)
            for f in ("application_no", "subject", "union_code", "worker_group", "channel",
                      "personal", "campaign_id"):
                setattr(a, f, getattr(self, f))
            a.situation = dict(self.situation)
            a.consent = dict(self.consent)
            a.status = SUBMITTED
            a.submitted_on = self.effective_on
            a.decided_on = None
            a.member_id = None
            a.reason = None

    class Approved(Event):
        member_id: str

        def apply(self, aggregate: Any) -> None:
            a = cast(JoinApplication, aggregate)
            a.status = APPROVED
            a.member_id = self.member_id
            a.decided_on = self.effective_on

    class Rejected(Event):
        reason: str

        def apply(self, aggregate: Any) -> None:
            a = cast(JoinApplication, aggregate)
            a.status = REJECTED
            a.reason = self.reason
            a.decided_on = self.effective_on

    def check_pending(self, action_zh: str, action: str) -> None:
        if self.status != SUBMITTED:
            raise InvalidTransitionError(
                f"该入会申请{STATUS_ZH[self.status]}，不能{action_zh}",
                message_en=f"cannot {action} an application that is {self.status}",
                code=f"application.cannot_{action}", field="status", rule="art. 8",
                details={"status": self.status},
            )

    def status_view(self) -> dict[str, Any]:
        """What the applicant may see: no personal data."""
        return {
            "application_no": self.application_no, "status": self.status,
            "status_zh": STATUS_ZH[self.status], "union_code": self.union_code,
            "channel": self.channel, "submitted_on": self.submitted_on.isoformat(),
            "decided_on": self.decided_on.isoformat() if self.decided_on else None,
            "reason": self.reason,
        }


def applicant_id(subject: str) -> UUID:
    return uuid5(NAMESPACE_URL, f"union-ledger:applicant:{subject}")


class Applicant(Aggregate):
    """One person's open application, if any: at most one awaits review at a time.

    Saved atomically with each application it opens or closes, so two submissions racing for
    the same person cannot both be recorded (the second is a version conflict). Holds no
    personal data: `subject` is the keyed hash of the resident ID (the future member id)."""

    if TYPE_CHECKING:
        subject: str
        pending: str | None  # the application_no awaiting review

    class Event(Aggregate.Event):
        application_no: str

    class Opened(Event, Aggregate.Created):
        """The person's first application."""

        subject: str

        def apply(self, aggregate: Any) -> None:
            a = cast(Applicant, aggregate)
            a.subject = self.subject
            a.pending = self.application_no

    class Applied(Event):
        def apply(self, aggregate: Any) -> None:
            cast(Applicant, aggregate).pending = self.application_no

    class Decided(Event):
        def apply(self, aggregate: Any) -> None:
            a = cast(Applicant, aggregate)
            if a.pending == self.application_no:
                a.pending = None
