"""Static catalogue of the demo: regions (GB/T 2260 + statistical codes) and platform enterprises.

Region names are real; enterprise names are fictional. Codes below 6 digits are padded by users.
"""

from __future__ import annotations

County = tuple[str, str, list[str]]  # county code, name, township names
City = tuple[str, str, tuple[str, str], list[County]]  # code, name, (zone county, zone name)

# province code, name, cities
GEOGRAPHY: list[tuple[str, str, list[City]]] = [
    ("350000", "福建省", [
        ("350200", "厦门市", ("350206", "厦门火炬高技术产业开发区"), [
            ("350203", "思明区", ["中华街道", "鹭江街道", "嘉莲街道"]),
            ("350206", "湖里区", ["湖里街道", "殿前街道", "禾山街道"]),
            ("350211", "集美区", ["集美街道", "杏林街道", "灌口镇"]),
        ]),
        ("350100", "福州市", ("350102", "福州软件园"), [
            ("350102", "鼓楼区", ["鼓东街道", "温泉街道", "洪山镇"]),
            ("350103", "台江区", ["瀛洲街道", "后洲街道", "上海街道"]),
        ]),
    ]),
    ("440000", "广东省", [
        ("440300", "深圳市", ("440305", "深圳高新技术产业园区"), [
            ("440303", "罗湖区", ["桂园街道", "东门街道", "笋岗街道"]),
            ("440304", "福田区", ["园岭街道", "华强北街道", "香蜜湖街道"]),
            ("440305", "南山区", ["南头街道", "粤海街道", "西丽街道"]),
        ]),
        ("440100", "广州市", ("440106", "广州天河软件园"), [
            ("440106", "天河区", ["五山街道", "车陂街道", "石牌街道"]),
            ("440111", "白云区", ["三元里街道", "景泰街道", "松洲街道"]),
        ]),
    ]),
]

COMMUNITIES = [
    "东方", "金山", "莲花", "湖滨", "龙山", "文屏", "南湖", "碧海",
    "景秀", "福源", "新华", "富民", "安康", "长青", "翠屏", "红星",
]

#: city industry federations: (name suffix, the key group it serves)
CITY_INDUSTRY = [("快递行业工会联合会", "courier"), ("网约车行业工会联合会", "ride_hailing_driver"),
                 ("货运行业工会联合会", "truck_driver")]
#: county industry federations, alternating by county
COUNTY_INDUSTRY = ["快递行业工会联合会", "外卖配送行业工会联合会"]

# key, name, kind, county code, parent key, has its own union (from the start)
EMPLOYERS: list[tuple[str, str, str, str, str | None, bool]] = [
    ("sd_hq", "速达同城配送科技有限公司", "platform_hq", "440305", None, True),
    ("sd_xm", "速达同城配送（厦门）有限公司", "platform_subsidiary", "350206", "sd_hq", True),
    ("sd_fz", "速达同城配送（福州）有限公司", "platform_subsidiary", "350102", "sd_hq", True),
    ("sd_gz", "速达同城配送（广州）有限公司", "platform_subsidiary", "440106", "sd_hq", True),
    ("sd_xm_sm", "速达同城配送（厦门）有限公司思明分公司", "platform_branch", "350203", "sd_xm",
     False),
    ("sd_sz_ft", "速达同城配送科技有限公司福田分公司", "platform_branch", "440304", "sd_hq", False),
    ("ag_sm", "厦门鹭骑配送服务有限公司", "delivery_agent", "350203", "sd_xm", True),
    ("ag_jm", "厦门集骑配送服务有限公司", "delivery_agent", "350211", "sd_xm", False),
    ("ag_lh", "深圳罗骑配送服务有限公司", "delivery_agent", "440303", "sd_hq", True),
    ("ag_by", "广州云骑配送服务有限公司", "delivery_agent", "440111", "sd_gz", False),
    ("ag_tj", "福州江骑配送服务有限公司", "delivery_agent", "350103", "sd_fz", True),
    ("cx_hq", "畅行出行科技有限公司", "platform_hq", "440304", None, True),
    ("cx_xm", "畅行出行（厦门）网约车有限公司", "platform_subsidiary", "350203", "cx_hq", True),
    ("cx_gz", "畅行出行（广州）网约车有限公司", "platform_subsidiary", "440106", "cx_hq", True),
    ("cx_fz", "畅行出行（厦门）网约车有限公司福州分公司", "platform_branch", "350103", "cx_xm",
     False),
    ("hy_hq", "运满通货运科技有限公司", "platform_hq", "350211", None, True),
    ("hy_sz", "运满通货运（深圳）有限公司", "platform_subsidiary", "440303", "hy_hq", True),
    ("gk_jm1", "厦门集通物流有限公司", "affiliation_company", "350211", "hy_hq", True),
    ("gk_jm2", "厦门杏林汽车运输有限公司", "affiliation_company", "350211", "hy_hq", False),
    ("gk_fz", "福州闽运货运有限公司", "affiliation_company", "350102", "hy_hq", False),
    ("gk_by", "广州白云货运有限公司", "affiliation_company", "440111", "hy_hq", True),
    ("kd_hq", "顺捷快递有限公司", "platform_hq", "440305", None, True),
    ("kd_sm", "厦门思明顺捷快递服务有限公司", "express_franchise", "350203", "kd_hq", True),
    ("kd_hl", "厦门湖里顺捷快递服务有限公司", "express_franchise", "350206", "kd_hq", False),
    ("kd_gl", "福州鼓楼顺捷快递服务有限公司", "express_franchise", "350102", "kd_hq", True),
    ("kd_ft", "深圳福田顺捷快递服务有限公司", "express_franchise", "440304", "kd_hq", True),
    ("kd_th", "广州天河顺捷快递服务有限公司", "express_franchise", "440106", "kd_hq", False),
    ("kd_by", "广州白云顺捷快递服务有限公司", "express_franchise", "440111", "kd_hq", True),
    ("pq_xm", "厦门鹭岛人力资源服务有限公司", "dispatch_agency", "350203", None, True),
    ("pq_sz", "深圳鹏城劳务派遣有限公司", "dispatch_agency", "440303", None, False),
    ("jz_fz", "福州家和家政服务有限公司", "other", "350102", None, False),
]

#: which employers a worker group works for (art. 5 platform links and art. 4 employers)
GROUP_EMPLOYERS = {
    "food_delivery_rider": ["sd_xm", "sd_fz", "sd_gz", "sd_xm_sm", "sd_sz_ft", "ag_sm", "ag_jm",
                            "ag_lh", "ag_by", "ag_tj"],
    "ride_hailing_driver": ["cx_xm", "cx_gz", "cx_fz", "cx_hq"],
    "truck_driver": ["hy_sz", "gk_jm1", "gk_jm2", "gk_fz", "gk_by", "hy_hq"],
    "courier": ["kd_sm", "kd_hl", "kd_gl", "kd_ft", "kd_th", "kd_by"],
    "domestic_worker": ["jz_fz"],
    "other": ["sd_hq", "cx_hq", "kd_hq", "jz_fz"],
}

#: employment relation weights per group (labour contract, not full, self-employed, dispatched)
RELATION_WEIGHTS = {
    "food_delivery_rider": (15, 30, 45, 10),
    "ride_hailing_driver": (5, 35, 60, 0),
    "truck_driver": (20, 30, 50, 0),
    "courier": (50, 30, 0, 20),
    "domestic_worker": (40, 60, 0, 0),
    "other": (100, 0, 0, 0),
}
GROUP_WEIGHTS = {"food_delivery_rider": 30, "courier": 25, "ride_hailing_driver": 20,
                 "truck_driver": 18, "domestic_worker": 4, "other": 3}

#: dispatch agency → using units it places workers with
DISPATCH = {"pq_xm": ["sd_xm", "kd_hl", "kd_sm"], "pq_sz": ["kd_ft", "sd_sz_ft", "hy_sz"]}

#: hometown address codes for resident IDs (historical codes are valid, R1)
HOMETOWNS = ["350583", "350322", "350425", "350725", "441581", "445281", "440882", "360121",
             "430521", "511621", "412721", "452126", "522121", "350211", "440305", "440111"]

# (campaign id, start, end) — joining campaigns (入会集中行动); dates ISO
CAMPAIGNS = [
    ("2021-八大群体入会集中行动", "2021-09-15", "2021-12-31"),
    ("2022-新就业形态劳动者入会集中行动", "2022-04-01", "2022-06-30"),
    ("2023-新就业形态劳动者入会服务季", "2023-05-01", "2023-07-31"),
    ("2024-货车司机入会集中行动", "2024-04-15", "2024-06-30"),
    ("2025-新就业形态劳动者入会集中行动", "2025-04-01", "2025-06-30"),
    ("2026-暖心行动集中入会", "2026-05-01", "2026-07-31"),
]

SURNAMES = ("王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蔡"
            "蒋余于杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛"
            "闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤")
COMPOUND_SURNAMES = ["欧阳", "司马", "上官", "诸葛"]
GIVEN = ("伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华建国志红玉兰德福海波辉鹏飞斌宇"
         "浩晨阳俊峰琳婷雪梅文龙鑫金春晓亮成东林思远嘉欣子涵雨萱梓航宏燕荣生")
