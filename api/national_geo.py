"""Catalogue of the national-scale generator: the 31 provincial-level divisions (real GB/T 2260
codes and names), synthetic place names below them, platform enterprises and the tree's size.
"""

from __future__ import annotations

from dataclasses import dataclass

PROVINCES: list[tuple[str, str]] = [
    ("11", "北京市"), ("12", "天津市"), ("13", "河北省"), ("14", "山西省"),
    ("15", "内蒙古自治区"), ("21", "辽宁省"), ("22", "吉林省"), ("23", "黑龙江省"),
    ("31", "上海市"), ("32", "江苏省"), ("33", "浙江省"), ("34", "安徽省"), ("35", "福建省"),
    ("36", "江西省"), ("37", "山东省"), ("41", "河南省"), ("42", "湖北省"), ("43", "湖南省"),
    ("44", "广东省"), ("45", "广西壮族自治区"), ("46", "海南省"), ("50", "重庆市"),
    ("51", "四川省"), ("52", "贵州省"), ("53", "云南省"), ("54", "西藏自治区"), ("61", "陕西省"),
    ("62", "甘肃省"), ("63", "青海省"), ("64", "宁夏回族自治区"), ("65", "新疆维吾尔自治区"),
]

# synthetic place-name syllables: names read naturally but name no real place
PLACE_A = "东西南北中新金银青白安长永兴宁丰平和福泰嘉华广明清云"
PLACE_B = "山河湖江海城川原阳林泉州岭桥口坪溪塘湾"
TOWN_SUFFIX = ("街道", "镇", "街道", "乡")
VILLAGE_WORDS = ("东方", "金山", "莲花", "湖滨", "龙山", "文屏", "南湖", "碧海", "景秀", "福源",
                 "新华", "富民", "安康", "长青", "翠屏", "红星")

#: platform enterprises (fictional): key, name, key group, what sits below the subsidiaries
PLATFORMS: list[tuple[str, str, str, str]] = [
    ("sd", "速达同城配送科技有限公司", "food_delivery_rider", "delivery_agent"),
    ("em", "饿马外卖科技有限公司", "food_delivery_rider", "delivery_agent"),
    ("cx", "畅行出行科技有限公司", "ride_hailing_driver", "platform_branch"),
    ("dd", "嘀嗒约车网络科技有限公司", "ride_hailing_driver", "platform_branch"),
    ("hy", "运满通货运科技有限公司", "truck_driver", "affiliation_company"),
    ("hl", "货拉通物流科技有限公司", "truck_driver", "affiliation_company"),
    ("kd", "顺捷快递有限公司", "courier", "express_franchise"),
    ("zt", "中途速递有限公司", "courier", "express_franchise"),
]
BELOW_ZH = {"delivery_agent": "配送服务有限公司", "platform_branch": "分公司",
            "affiliation_company": "汽车运输有限公司", "express_franchise": "快递服务有限公司"}
#: share of employers of a kind that have their own union (the rest rely on local unions)
UNION_SHARE = {"platform_hq": 1.0, "platform_subsidiary": 0.7, "platform_branch": 0.3,
               "delivery_agent": 0.4, "affiliation_company": 0.5, "express_franchise": 0.5,
               "dispatch_agency": 0.5, "other": 0.2}
CITY_INDUSTRY = [("快递行业工会联合会", "courier"), ("网约车行业工会联合会", "ride_hailing_driver"),
                 ("货运行业工会联合会", "truck_driver")]
COUNTY_INDUSTRY = ["快递行业工会联合会", "外卖配送行业工会联合会"]
GROUP_WEIGHTS = {"food_delivery_rider": 30, "courier": 25, "ride_hailing_driver": 20,
                 "truck_driver": 18, "domestic_worker": 4, "other": 3}
#: labour contract, not full, self-employed, dispatched
RELATION_WEIGHTS = {"food_delivery_rider": (15, 30, 45, 10), "ride_hailing_driver": (5, 35, 60, 0),
                    "truck_driver": (20, 30, 50, 0), "courier": (50, 30, 0, 20),
                    "domestic_worker": (40, 60, 0, 0), "other": (100, 0, 0, 0)}
MEMBERS_PER_VILLAGE = 180  # realistic grassroots size at 1M: 100-300 members per village union


@dataclass(frozen=True)
class Shape:
    """Branching below each province: cities, counties per city, townships, villages."""

    cities: int
    counties: int
    townships: int
    villages: int

    @property
    def villages_total(self) -> int:
        return len(PROVINCES) * self.cities * self.counties * self.townships * self.villages


def shape_for(members: int) -> Shape:
    """The tree for N members: about one village union per MEMBERS_PER_VILLAGE members (at
    1M: 3 cities x 3 counties x 4 townships x 5 villages per province = 5,580 villages)."""
    dims = [3, 3, 4, 5]
    floor = [1, 1, 1, 2]
    target = max(len(PROVINCES) * 2, members // MEMBERS_PER_VILLAGE)
    while len(PROVINCES) * dims[0] * dims[1] * dims[2] * dims[3] > target:
        i = max(range(4), key=lambda k: (dims[k] - floor[k], k))
        if dims[i] == floor[i]:
            break
        dims[i] -= 1
    return Shape(*dims)


def place_name(n: int) -> str:
    """A deterministic two-character synthetic place name for index n."""
    return PLACE_A[n % len(PLACE_A)] + PLACE_B[(n // len(PLACE_A)) % len(PLACE_B)]
