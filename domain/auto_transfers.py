"""Automatic transfers (policy art. 4, R2/R4, R5): once an employer has its own union, its
members who sit elsewhere (fallback unions) are released towards it, citing the article.

Members come from an EmployerMemberIndex (projection-backed in the API; a replay by default).
Each transfer is an ordinary TransferredOut: the new union accepts it from its inbox.
"""

from __future__ import annotations

from datetime import date

from domain.enums import FALLBACK_KINDS, EmploymentRelation, Status
from domain.errors import RuleViolationError
from domain.joining import ART4, ART6, Situation, transfer_due
from domain.ledger_base import LedgerBase
from domain.membership import Membership
from domain.ports import EmployerMemberIndex, ReplayEmployerMembers

BATCH = 500
REASON = {"labour_contract": f"{ART4}：用人单位已建立工会，会籍转入用人单位工会",
          "dispatched": f"{ART6}：派遣单位或用工单位已建立工会，会籍依规转入"}


class AutoTransferCommands(LedgerBase):
    def open_due_transfers(
        self, employer_code: str, *, recorded_by: str,
        effective_on: date | str | None = None, index: EmployerMemberIndex | None = None,
    ) -> list[str]:
        """Transfers out every active member whose transfer to this employer's union is due.

        Returns the member ids released, saved in atomic batches of 500 (a conflicting batch
        records nothing; running the command again picks up whoever is still due).
        """
        employer = self.get_employer(employer_code)
        if not employer.union_code or employer.closed:
            raise RuleViolationError(
                "该用人单位尚未建立工会（或已注销），没有应转入的会籍",
                message_en="the employer has no union (or is closed): no transfer is due",
                code="auto_transfer.no_union", field="employer_code", rule="R2")
        eff = self.effective(effective_on)
        ids = (index or ReplayEmployerMembers(self)).employer_members(employer.code)
        infos = {employer.code: employer.info()}
        kinds: dict[str, str] = {}  # union code → kind, read once per union
        released: list[str] = []
        batch: list[Membership] = []
        for mid in ids:
            m = self.get_membership(mid)
            if Status(m.status) is not Status.ACTIVE:
                continue  # the index may lag; the aggregate decides
            s = Situation.from_dict(m.employment)
            if s.relation is EmploymentRelation.LABOUR_CONTRACT and kinds.setdefault(
                    m.union_id, self.get_union(m.union_id).kind) not in FALLBACK_KINDS:
                continue  # art. 4 moves employees out of fallback unions, not other enterprises'
            for code in (s.employer_code, s.using_unit_code):
                if code and code not in infos:
                    infos[code] = self.get_employer(code).info()
            dest = transfer_due(s, m.union_id, infos.get(s.employer_code or ""),
                                infos.get(s.using_unit_code or ""))
            if dest is None or employer.union_code != dest:
                continue  # due elsewhere (e.g. the agency's union) or not at all
            m.trigger_event(Membership.TransferredOut, from_union_id=m.union_id,
                            destination_union_id=dest, reason=REASON[s.relation.value],
                            effective_on=eff, recorded_by=recorded_by)
            batch.append(m)
            if len(batch) == BATCH:
                self._save(*batch)
                released += [str(b.id) for b in batch]
                batch = []
        if batch:
            self._save(*batch)
            released += [str(b.id) for b in batch]
        return released
