"""Online application commands (art. 8), mixed into the Ledger: submit, approve, reject, status.

Submitting runs every check a join makes (nothing recorded on the membership); approving joins
with channel online or via_platform and saves the membership and the application atomically.
"""

from __future__ import annotations

import re
import uuid
from datetime import date, datetime
from typing import Any

from domain.application_form import (
    SUBMITTED,
    Applicant,
    JoinApplication,
    applicant_id,
    application_id,
)
from domain.enums import PLATFORM_RELATED_KINDS, Channel, EmployerKind
from domain.errors import (
    InvalidTransitionError,
    NotFoundError,
    RuleViolationError,
    ValidationError,
)
from domain.joining import Situation
from domain.joins import JoinCommands, JoinRequest, _details, _situation
from domain.ledger_base import CommandResult
from domain.personal import PersonalDetails
from domain.structure import _reason
from domain.values.resident_id import mask_name

_NO = re.compile(r"^[A-Z0-9][A-Z0-9-]{5,39}$")


def _bad(field: str, code: str, zh: str, en: str) -> ValidationError:
    return ValidationError(zh, message_en=en, code=code, field=field, rule="art. 8")


def _consented_at(value: Any, today: date) -> str:
    try:
        when = value if isinstance(value, datetime | date) else (
            datetime.fromisoformat(str(value).strip()))
    except ValueError:
        raise _bad("consent.consented_at", "consent.consented_at_format",
                   "同意时间格式错误，应为 ISO 8601 日期或时间",
                   "consented_at must be an ISO 8601 date or date-time") from None
    day = when.date() if isinstance(when, datetime) else when
    if day > today:
        raise _bad("consent.consented_at", "consent.consented_at_future",
                   "同意时间不能晚于今天", "consented_at may not be in the future")
    return when.isoformat()


class ApplicationCommands(JoinCommands):
    def _consent(self, consent: dict[str, Any]) -> tuple[dict[str, Any], str]:
        """The consent record and the channel it implies (worker → online, platform → via)."""
        given_by = consent.get("given_by")
        if given_by not in ("worker", "platform"):
            raise _bad("consent.given_by", "consent.given_by",
                       "须注明由劳动者本人（worker）还是平台企业（platform）提交",
                       "consent.given_by must be worker or platform")
        text = str(consent.get("consent_text") or "").strip()
        if not text or len(text) > 2000:
            raise _bad("consent.consent_text", "consent.text_required",
                       "须记录劳动者同意的文本（1-2000 字）", "consent_text: 1-2000 characters")
        platform = consent.get("platform_employer_code") or None
        if given_by == "platform":
            if not platform:
                raise _bad("consent.platform_employer_code", "consent.platform_required",
                           "平台企业代为提交时须填写平台企业统一社会信用代码",
                           "platform_employer_code is required when the platform submits")
            employer = self.get_employer(platform, field="consent.platform_employer_code")
            if EmployerKind(employer.kind) not in PLATFORM_RELATED_KINDS:
                raise RuleViolationError(
                    "只有平台企业及其关联企业可代劳动者提交入会申请",
                    message_en="only platform enterprises may submit on a worker's behalf",
                    code="consent.not_platform", field="consent.platform_employer_code",
                    rule="art. 8")
            platform = employer.code
        record = {"given_by": given_by, "platform_employer_code": platform,
                  "consent_text": text,
                  "consented_at": _consented_at(consent.get("consented_at"), self.today())}
        return record, (Channel.VIA_PLATFORM if given_by == "platform" else Channel.ONLINE).value

    def submit_application(
        self, *, details: PersonalDetails, union_code: str, worker_group: str,
        situation: Situation, consent: dict[str, Any], recorded_by: str,
        submitted_on: date | str | None = None, application_no: str | None = None,
        campaign_id: str | None = None,
    ) -> CommandResult:
        """Records an application once the join would pass today (R1-R4 and the consent)."""
        record, channel = self._consent(consent)
        req = JoinRequest(details=details, union_code=union_code, worker_group=worker_group,
                          channel=channel, situation=situation, recorded_by=recorded_by,
                          effective_on=submitted_on, campaign_id=campaign_id)
        self.validate_join(req)  # refuses a member (AlreadyMemberError names the union)
        clean = _details(details, self.today())
        no = (application_no or f"RH{uuid.uuid4().hex[:16].upper()}").strip().upper()
        if not _NO.match(no):
            raise _bad("application_no", "application_no.format",
                       "申请编号须为 6-40 位大写字母、数字或连字符",
                       "application_no: 6-40 of A-Z, 0-9 and -")
        if self._exists(application_id(no)) is not None:
            raise RuleViolationError("该申请编号已存在", message_en="application_no already used",
                                     code="application.exists", field="application_no")
        subject = str(self.identity.membership_id(clean.resident_id))
        applicant = self._applicant(subject)
        if applicant is not None and applicant.pending is not None:
            earlier = self._exists(application_id(applicant.pending))
            if isinstance(earlier, JoinApplication) and earlier.status == SUBMITTED:
                # the earlier number is not named: it is the applicant's own status key
                raise InvalidTransitionError(  # 409: the person's state, not the input
                    "该劳动者已有一份待审核的入会申请，请等待审核结果（可凭原申请编号查询）",
                    message_en="this worker already has an application awaiting review",
                    code="application.pending", field="resident_id", rule="art. 8")
        app = JoinApplication._create(
            JoinApplication.Submitted, id=application_id(no), application_no=no,
            subject=subject, union_code=self.get_union(union_code).code,
            worker_group=req.worker_group, channel=channel,
            situation=_situation(situation).as_dict(),
            personal=self.vault.seal(subject, clean), consent=record,
            campaign_id=campaign_id, effective_on=self.effective(submitted_on),
            recorded_by=recorded_by,
        )
        if applicant is None:
            applicant = Applicant._create(Applicant.Opened, id=applicant_id(subject),
                                          subject=subject, application_no=no)
        else:
            applicant.trigger_event(Applicant.Applied, application_no=no)
        return self._result(app, self._save(app, applicant))

    def _applicant(self, subject: str) -> Applicant | None:
        agg = self._exists(applicant_id(subject))
        return agg if isinstance(agg, Applicant) else None

    def _decided(self, app: JoinApplication) -> Applicant | None:
        """The applicant with this application closed (None for applications recorded before
        applicants were kept)."""
        applicant = self._applicant(app.subject)
        if applicant is not None:
            applicant.trigger_event(Applicant.Decided, application_no=app.application_no)
        return applicant

    def get_application(self, application_no: str) -> JoinApplication:
        no = (application_no or "").strip().upper()
        agg = self._exists(application_id(no)) if _NO.match(no) else None
        if not isinstance(agg, JoinApplication):
            raise NotFoundError("入会申请不存在", message_en="application not found",
                                code="application.not_found", field="application_no")
        return agg

    def approve_application(
        self, application_no: str, *, recorded_by: str,
        effective_on: date | str | None = None,
    ) -> CommandResult:
        """Joins the applicant (re-checked now) and marks the application approved, atomically.

        Returns the membership's result (its id is the new member id)."""
        app = self.get_application(application_no)
        app.check_pending("批准", "approve")
        details = self.vault.open(app.subject, app.personal)
        if details is None:
            raise RuleViolationError("申请人的个人信息已删除，不能批准",
                                     code="application.details_erased", field="application_no")
        req = JoinRequest(details=details, union_code=app.union_code,
                          worker_group=app.worker_group, channel=app.channel,
                          situation=Situation.from_dict(app.situation), recorded_by=recorded_by,
                          effective_on=effective_on, campaign_id=app.campaign_id)
        m, _ = self._prepare_join(req)
        app.trigger_event(JoinApplication.Approved, member_id=str(m.id),
                          effective_on=self.effective(effective_on), recorded_by=recorded_by)
        return self._result(m, self._save(m, app, self._decided(app)))

    def reject_application(
        self, application_no: str, *, reason: str, recorded_by: str,
        effective_on: date | str | None = None,
    ) -> CommandResult:
        why = _reason(reason)
        app = self.get_application(application_no)
        app.check_pending("驳回", "reject")
        app.trigger_event(JoinApplication.Rejected, reason=why,
                          effective_on=self.effective(effective_on), recorded_by=recorded_by)
        return self._result(app, self._save(app, self._decided(app)))

    def application_status(self, application_no: str) -> dict[str, Any]:
        """The applicant's view: status, union, dates, a rejection's reason; no personal data."""
        return self.get_application(application_no).status_view()

    def application_queue(self, union_code: str) -> list[dict[str, Any]]:
        """Pending applications to the union, oldest first, with age in days.

        O(all applications): replays every application. Fine for a union's review queue at
        today's volumes; a projection should replace it when applications run to the 100,000s.
        """
        from eventsourcing.utils import get_topic

        code = self.get_union(union_code).code
        topic = get_topic(JoinApplication.Submitted)
        ids: list[Any] = []
        start = 1
        while True:
            page = self.recorder.select_notifications(start, 1000, topics=[topic])
            ids += [n.originator_id for n in page]
            if len(page) < 1000:
                break
            start = page[-1].id + 1
        today = self.today()
        out = []
        for aid in ids:
            a: Any = self.repository.get(aid)
            if isinstance(a, JoinApplication) and a.status == SUBMITTED and a.union_code == code:
                details = self.vault.open(a.subject, a.personal)
                out.append(a.status_view() | {
                    "name_masked": mask_name(details.name) if details else "",
                    "worker_group": a.worker_group, "consent_given_by": a.consent["given_by"],
                    "age_days": (today - a.submitted_on).days})
        return sorted(out, key=lambda r: (r["submitted_on"], r["application_no"]))
