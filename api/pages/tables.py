"""The dashboard's tables as plain data (title, Chinese headers, rows): the same object is shown
as HTML and exported to XLSX, so a download always matches what is on the screen."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from api.pages.charts import FLOW_LABELS
from domain.enums import (
    CHANNEL_ZH,
    EMPLOYER_KIND_ZH,
    KEY_GROUPS,
    LEVEL_ZH,
    STATUS_ZH,
    UNION_KIND_ZH,
    WORKER_GROUP_ZH,
    Channel,
    Status,
)

OTHER_GROUPS = "其他群体"
#: statuses of people still counted as members (R6: retained are members, counted apart)
MEMBER_STATUSES = (Status.ACTIVE, Status.RETAINED, Status.IN_TRANSIT)


@dataclass
class Table:
    id: str
    title: str
    headers: list[str]
    rows: list[list[Any]] = field(default_factory=list)
    numeric: set[int] = field(default_factory=set)
    links: list[dict[int, str]] | None = None
    keys: list[str] | None = None
    total: list[Any] | None = None
    note: str | None = None


def _zh(names: Mapping[Any, str], value: Any) -> str:
    """The Chinese label of a stored value (StrEnum keys compare equal to their str)."""
    return names.get(value, str(value)) if value is not None else "—"


def by(section: dict[str, Any], key: str) -> dict[str, int]:
    """`counts[...]["by_status"]` etc. as {value: n} (a list of {key, n} rows is accepted too)."""
    raw = section.get(key) or {}
    if isinstance(raw, list):
        name = key.removeprefix("by_")
        return {str(r[name]): int(r["n"]) for r in raw}
    return {str(k): int(v) for k, v in raw.items()}


def members_of(section: dict[str, Any]) -> int:
    """Members on the books: active + retained + in transit (ended memberships excluded)."""
    if "holding" in section:
        return int(section["holding"])
    s = by(section, "by_status")
    return sum(s.get(st.value, 0) for st in MEMBER_STATUSES)


def status_table(section: dict[str, Any]) -> Table:
    s = by(section, "by_status")
    rows = [[STATUS_ZH[st], s.get(st.value, 0)] for st in Status]
    return Table("status", "会员状态", ["状态", "人数"], rows, {1},
                 keys=[st.value for st in Status],
                 total=["会员合计（在册＋保留＋接转中）", members_of(section)])


def groups_table(cells: list[dict[str, Any]]) -> Table:
    """Members (not ended) by worker group: the policy's four key groups, then the rest."""
    per: dict[str, int] = {}
    held = {st.value for st in MEMBER_STATUSES}
    for c in cells:
        if c["status"] in held:
            per[c["worker_group"]] = per.get(c["worker_group"], 0) + int(c["n"])
    rows = [[WORKER_GROUP_ZH[g], per.get(g.value, 0)] for g in KEY_GROUPS]
    rest = sum(n for g, n in per.items() if g not in {k.value for k in KEY_GROUPS})
    rows.append([OTHER_GROUPS, rest])
    return Table("groups", "重点群体会员", ["群体", "会员人数"], rows, {1},
                 keys=[g.value for g in KEY_GROUPS] + ["rest"],
                 total=["合计", sum(r[1] for r in rows)],
                 note="货车司机、网约车司机、快递员、外卖配送员为四类重点群体；不含已退会、已开除。")


def channels_table(cells: list[dict[str, Any]]) -> Table:
    per: dict[str, int] = {}
    held = {st.value for st in MEMBER_STATUSES}
    for c in cells:
        if c["status"] in held:
            per[c["channel"]] = per.get(c["channel"], 0) + int(c["n"])
    rows = [[CHANNEL_ZH[ch], per.get(ch.value, 0)] for ch in Channel]
    return Table("channels", "入会方式", ["入会方式", "会员人数"], rows, {1},
                 keys=[ch.value for ch in Channel], total=["合计", sum(r[1] for r in rows)])


def trend_table(rows: list[dict[str, Any]]) -> Table:
    keys = list(FLOW_LABELS)
    return Table("trend", "每月入会、接转与退会", ["月份", *FLOW_LABELS.values()],
                 [[r["month"], *(r[k] for k in keys)] for r in rows], {1, 2, 3, 4},
                 keys=[r["month"] for r in rows],
                 total=["合计", *(sum(r[k] for r in rows) for k in keys)],
                 note="按当前组织隶属统计近 24 个月；"
                 "本级管辖范围内工会之间的接转同时计入转出与转入。")


def transit_table(summary: dict[str, dict[str, int]], overdue_days: int) -> Table:
    rows = [["转出（本级及下级工会转出、对方尚未接收）", summary["out"]["n"],
             summary["out"]["overdue"]],
            ["转入（转往本级及下级工会、尚未接收）", summary["in"]["n"], summary["in"]["overdue"]]]
    headers = ["方向", "接转中", f"其中逾期（超过 {overdue_days} 天）"]
    return Table("transit", "会籍接转在途", headers, rows, {1, 2}, keys=["out", "in"])


def campaigns_table(rows: list[dict[str, Any]]) -> Table:
    headers = ["行动编号", "行动名称", "入会人数", "目标人数", "完成率", "首次入会月份",
               "最近入会月份"]
    out = []
    for r in rows:
        target = r.get("target")
        done = f"{r['joined'] / target:.1%}" if target else "—"
        out.append([r["campaign_id"], r.get("name") or "—", r["joined"], target, done,
                    r["first"], r["last"]])
    with_target = [r["target"] for r in rows if r.get("target")]
    return Table("campaigns", "入会集中行动进展", headers, out, {2, 3},
                 keys=[r["campaign_id"] for r in rows],
                 total=["合计", "", sum(r["joined"] for r in rows), sum(with_target), "", "", ""],
                 note="按入会时所在工会计入；目标人数仅在本级为行动组织单位或其上级时显示。")


def children_table(children: list[dict[str, Any]], links: list[dict[int, str]]) -> Table:
    rows: list[list[Any]] = []
    for c in children:
        sub = c.get("subtree", c)
        s = by(sub, "by_status")
        rows.append([c.get("name"), _zh(LEVEL_ZH, c.get("level")),
                     _zh(UNION_KIND_ZH, c.get("kind")),
                     members_of(sub), s.get("active", 0), s.get("retained", 0),
                     s.get("in_transit", 0), s.get("withdrawn", 0) + s.get("expelled", 0)])
    total = ["合计", "", "", *(sum(int(r[i]) for r in rows) for i in range(3, 8))]
    headers = ["工会名称", "级别", "类型", "会员合计", "在册", "保留会籍", "接转中", "已退会/开除"]
    return Table("children", "下级工会", headers,
                 rows, {3, 4, 5, 6, 7}, links=links, keys=[c["union_code"] for c in children],
                 total=total if rows else None,
                 note="会员合计含各下级工会的全部下属工会；“会员合计”＝在册＋保留会籍＋接转中。")


def roster_table(rows: list[dict[str, Any]], union_names: dict[str, str]) -> Table:
    out = []
    for r in rows:
        out.append([r.get("masked_name") or "***", r.get("masked_resident_id") or "***",
                    _zh(STATUS_ZH, r["status"]),
                    _zh(WORKER_GROUP_ZH, r["worker_group"]),
                    _zh(CHANNEL_ZH, r["channel"]),
                    str(r.get("joined_on") or ""), str(r.get("since") or ""),
                    union_names.get(r["union_code"], r["union_code"])])
    return Table("roster", "会员名册（个人信息已脱敏）",
                 ["姓名", "身份证号", "状态", "群体", "入会方式", "入会日期", "状态起始日",
                  "所在工会"],
                 out, set(), keys=[str(r["member_id"]) for r in rows])


def platforms_table(rows: list[dict[str, Any]]) -> Table:
    out = []
    for r in rows:
        indent = "　" * r["depth"] + ("└ " if r["depth"] else "")
        union = r.get("union_name") if r.get("union_code") else None
        out.append([indent + r["name"], _zh(EMPLOYER_KIND_ZH, r["kind"]),
                    r["region_code"], "已建会" if union else "未建会", union or "—",
                    r.get("members"), r.get("subtree_members")])
    built = sum(1 for r in rows if r.get("union_code"))
    return Table("platforms", "平台企业及其子公司建会情况",
                 ["企业名称", "企业类型", "所在地区", "建会情况", "企业工会", "本会会员",
                  "含下属工会会员"],
                 out, {5, 6}, keys=[r["code"] for r in rows],
                 note=f"共 {len(rows)} 家平台企业及其子公司、分公司，已建会 {built} 家。"
                 "会员数为该企业工会（及其下属工会）的会员合计（在册＋保留＋接转中）。")

