"""Commands on the union tree and employers (R8, R9), mixed into the Ledger application."""

from __future__ import annotations

from datetime import date

from domain.employer import Employer, employer_id
from domain.enums import EmployerKind, UnionKind, UnionLevel, parse_enum
from domain.errors import NotFoundError, RuleViolationError, ValidationError
from domain.ledger_base import CommandResult, LedgerBase
from domain.membership import Membership
from domain.union import Union, union_id
from domain.values.credit_code import parse_credit_code
from domain.values.region import parse_region_code


def _name(value: str, field: str = "name") -> str:
    value = (value or "").strip()
    if not value or len(value) > 100:
        raise ValidationError(
            f"{field} 须为 1-100 个字符", message_en=f"{field}: 1-100 characters",
            code="name.length", field=field,
        )
    return value


def _reason(value: str | None, field: str = "reason") -> str:
    if not value or not value.strip():
        raise ValidationError(
            "此操作须填写原因", message_en="a reason is required", code="reason.required",
            field=field,
        )
    return value.strip()


class StructureCommands(LedgerBase):
    def establish_union(
        self, *, code: str, name: str, kind: str, level: str, region_code: str,
        parent_code: str | None, approved_by: str | None, recorded_by: str,
        employer_code: str | None = None, effective_on: date | str | None = None,
    ) -> CommandResult:
        cc = parse_credit_code(code, field="code")
        if not cc.is_union:
            raise ValidationError(
                "工会的统一社会信用代码应以 8 开头（登记管理部门为工会）",
                message_en="a union's credit code starts with 8", code="union.code_not_union",
                field="code", rule="R9",
            )
        kind_e = parse_enum(UnionKind, kind, "kind")
        level_e = parse_enum(UnionLevel, level, "level")
        region = parse_region_code(region_code, field="region_code")
        eff = self.effective(effective_on)
        if self._exists(union_id(cc.code)) is not None:
            raise RuleViolationError(
                "该统一社会信用代码的工会已存在", code="union.exists", field="code", rule="R9"
            )
        if parent_code is None:
            if level_e is not UnionLevel.NATIONAL:
                raise ValidationError(
                    "除全国总工会外，建立工会须有上级工会", code="union.parent_required",
                    field="parent_code", rule="R9",
                )
        else:
            parent = self.get_union(parent_code, field="parent_code")
            if parent.dissolved:
                raise RuleViolationError(
                    "上级工会已撤销，不能在其下建立工会", code="union.parent_dissolved",
                    field="parent_code", rule="R9",
                )
            if approved_by != parent.code:
                raise RuleViolationError(
                    "建立工会须经上一级工会批准：approved_by 应为上级工会的代码",
                    message_en="establishment must be approved by the parent union",
                    code="union.approval_not_by_parent", field="approved_by", rule="R9",
                )
        employer: Employer | None = None
        if employer_code:
            employer = self.get_employer(employer_code)
            if employer.closed:
                raise RuleViolationError(
                    "该用人单位已注销，不能为其建立工会",
                    message_en="the employer is closed", code="employer.closed",
                    field="employer_code", rule="R8",
                )
            if employer.union_code:
                raise RuleViolationError(
                    "该用人单位已建立工会", code="employer.already_has_union",
                    field="employer_code", rule="R2",
                )
        elif kind_e is UnionKind.ENTERPRISE:
            raise ValidationError(
                "企业工会须关联用人单位", code="union.employer_required", field="employer_code"
            )
        union = Union._create(
            Union.Established, id=union_id(cc.code), code=cc.code, name=_name(name),
            kind=kind_e.value, level=level_e.value, parent_code=parent_code and parent.code,
            region_code=region, employer_code=employer.code if employer else None,
            approved_by=approved_by, effective_on=eff, recorded_by=recorded_by, reason=None,
        )
        if employer is not None:
            employer.trigger_event(
                Employer.UnionLinked, union_code=cc.code, effective_on=eff,
                recorded_by=recorded_by, reason=None,
            )
        return self._result(union, self._save(union, employer))

    def rename_union(
        self, code: str, *, name: str, recorded_by: str,
        effective_on: date | str | None = None, reason: str | None = None,
    ) -> CommandResult:
        union = self.get_union(code)
        union.trigger_event(
            Union.Renamed, name=_name(name), effective_on=self.effective(effective_on),
            recorded_by=recorded_by, reason=reason,
        )
        return self._result(union, self._save(union))

    def reparent_union(
        self, code: str, *, parent_code: str, recorded_by: str,
        effective_on: date | str | None = None, reason: str | None = None,
    ) -> CommandResult:
        union = self.get_union(code)
        parent = self.get_union(parent_code, field="parent_code")
        if parent.dissolved:
            raise RuleViolationError(
                "新的上级工会已撤销", code="union.parent_dissolved", field="parent_code",
                rule="R9",
            )
        chain = [parent.code] + [a.code for a in self.ancestors(parent.code)]
        if union.code in chain:
            raise RuleViolationError(
                "不能把工会调整到其自身或其下级工会之下（会形成循环）",
                message_en="cannot move a union under itself or its own descendant",
                code="union.reparent_cycle", field="parent_code", rule="R9",
            )
        union.trigger_event(
            Union.Reparented, parent_code=parent.code, old_parent_code=union.parent_code,
            effective_on=self.effective(effective_on), recorded_by=recorded_by, reason=reason,
        )
        return self._result(union, self._save(union))

    def dissolve_union(
        self, code: str, *, recorded_by: str, reason: str,
        effective_on: date | str | None = None,
    ) -> CommandResult:
        """Dissolves the union; its members are held at the next union up (R8)."""
        changed = self._dissolution(code, recorded_by, _reason(reason),
                                    self.effective(effective_on))
        return self._result(changed[0], self._save(*changed))

    def _dissolution(
        self, code: str, recorded_by: str, why: str, eff: date,
        employer: Employer | None = None,
    ) -> list[Employer | Union | Membership]:
        """Triggers (does not save) the dissolution, the employer unlink and the holds."""
        union = self.get_union(code)
        if union.dissolved:
            raise RuleViolationError(
                "该工会已撤销", message_en="the union is already dissolved",
                code="union.dissolved", field="code", rule="R8",
            )
        if union.parent_code is None:
            raise RuleViolationError(
                "不能撤销全国总工会", message_en="the root union cannot be dissolved",
                code="union.root", field="code", rule="R8",
            )
        # Hold members at the nearest union up that still exists: the parent itself may
        # already be dissolved (dissolving a parent does not dissolve its children).
        holder = next(a.code for a in self.ancestors(union.code) if not a.dissolved)
        union.trigger_event(Union.Dissolved, effective_on=eff, recorded_by=recorded_by, reason=why)
        changed: list[Employer | Union | Membership] = [union]
        if union.employer_code:
            employer = employer or self.get_employer(union.employer_code)
            employer.trigger_event(
                Employer.UnionUnlinked, union_code=union.code, effective_on=eff,
                recorded_by=recorded_by, reason=why,
            )
            changed.append(employer)
        for mid in self.member_index.holding_members(union.code):
            m = self.get_membership(mid)
            m.trigger_event(
                Membership.HeldAtParent, union_id=holder, from_union_id=union.code,
                effective_on=eff, recorded_by=recorded_by, reason=f"R8 工会撤销：{why}",
            )
            changed.append(m)
        return changed

    def register_employer(
        self, *, code: str, name: str, kind: str, region_code: str, recorded_by: str,
        parent_code: str | None = None, effective_on: date | str | None = None,
    ) -> CommandResult:
        cc = parse_credit_code(code, field="code")
        kind_e = parse_enum(EmployerKind, kind, "kind")
        region = parse_region_code(region_code, field="region_code")
        if self._exists(employer_id(cc.code)) is not None:
            raise RuleViolationError("该用人单位已登记", code="employer.exists", field="code")
        parent = self.get_employer(parent_code, field="parent_code") if parent_code else None
        employer = Employer._create(
            Employer.Registered, id=employer_id(cc.code), code=cc.code, name=_name(name),
            kind=kind_e.value, region_code=region, parent_code=parent.code if parent else None,
            effective_on=self.effective(effective_on), recorded_by=recorded_by, reason=None,
        )
        return self._result(employer, self._save(employer))

    def close_employer(
        self, code: str, *, recorded_by: str, reason: str,
        effective_on: date | str | None = None,
    ) -> CommandResult:
        """Closes the employer; its union is dissolved and members held one level up (R8)."""
        employer = self.get_employer(code, field="code")
        if employer.closed:
            raise RuleViolationError(
                "该用人单位已注销", message_en="the employer is already closed",
                code="employer.closed", field="code", rule="R8",
            )
        why = _reason(reason)
        eff = self.effective(effective_on)
        changed: list[Employer | Union | Membership] = [employer]
        if employer.union_code:  # one save: never a dissolved union of an open employer
            changed = self._dissolution(employer.union_code, recorded_by,
                                        f"用人单位关闭：{why}", eff, employer=employer)
            if not any(a is employer for a in changed):
                changed.append(employer)
        employer.trigger_event(Employer.Closed, effective_on=eff, recorded_by=recorded_by,
                               reason=why)
        return self._result(employer, self._save(*changed))


__all__ = ["StructureCommands", "NotFoundError"]
