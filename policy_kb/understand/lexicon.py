"""The words and patterns the understanding layer reads, and small helpers shared by its readers."""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from ..numerals import parse_number
from .values import DateSpan

# --------------------------------------------------------------------------------------------------- patterns
_CN = "零〇一二两三四五六七八九十百千万亿点壹贰叁肆伍陆柒捌玖拾佰仟"
_RUN = rf"(?:\d{{1,3}}(?:,\d{{3}})+(?:\.\d+)?|[\d.]*\d[\d.]*[{_CN}]*(?:\d+[{_CN}]*)*|[{_CN}]+(?:\d+[{_CN}]*)*)"
_YUAN = r"(?:个亿元|个亿|万元|万块|万|亿元|亿|千元|千块|千|元|块钱|块|w|W|k|K)"  # 1.2个亿 = 1.2亿
MONEY_RE = re.compile(
    rf"(?P<neg>[-−负])?(?P<a>{_RUN})(?:\s*(?P<au>{_YUAN}))?(?:(?P<sep>到|至|~|-|—|–)(?P<b>{_RUN})(?:\s*(?P<bu>{_YUAN}))?)?"
    rf"(?P<many>多(?:一)?点儿?|多|几|来)?\s*(?P<mu>{_YUAN})?(?:(?<=[块元])(?P<jiao>[1-9一二三四五六七八九])(?![\d{_CN}元块]))?"
)
_AREA_N = rf"\d{{1,3}}(?:,\d{{3}})+|\d+(?:\.\d+)?|[{_CN}]+"
AREA_RE = re.compile(
    rf"(?P<n>{_RUN})(?:\s*(?:到|至|~|-)\s*(?P<n2>{_RUN}))?\s*(?:个)?\s*(?:平方米|平米|平方|㎡|m2|m²|平)(?!均)|"
    rf"面积(?:大约|大概|约|为|是|有)?\s*(?P<n3>{_AREA_N})(?:\s*(?:到|至|~|-)\s*(?P<n4>{_AREA_N}))?(?![\d{_CN}.,])"
)
PER_AREA = re.compile(r"(每|/|一)\s*(个)?\s*(平方米|平米|平方|㎡|m2|m²|平)")
PER_DAY = re.compile(r"(每|/|一|·)\s*(天|日)|日租金|日租")
PER_MONTH_PRICE = re.compile(r"(每|/|一|·)\s*(个)?月|月租")
SEGMENT_SPLIT = re.compile(r"[，。；;！!？?\n]|,(?!\d{3})")

RENT_WORDS = re.compile(r"房租|租金|租费|租房|房费|租了|租的|租|年付|月付|季付|按季交|按月交|按年交")
EVENT_WORDS = re.compile(
    r"论坛|节展|活动|举办费|办会|会议|展会|峰会|大会|沙龙|年会|发布会|博览会|研讨会|交流会|招聘会|办了|办过"
)
BENEFIT_WORDS = re.compile(r"补贴|补助|补|奖励|奖|拿|给|返|领|能有|可以有|发")
OTHER_MONEY = re.compile(
    r"工资|薪|营收|营业额|收入|利润|社保|公积金|注册资本|预算|水电|物业|报销"
)  # sums that are not rent
POLICY_MONEY = re.compile(r"落户奖励|相应档次|档次|最高|上限|封顶")
APPROX_BEFORE = re.compile(
    r"(大概|大约|约|差不多|将近|接近|估计|大致|预计|约莫|估摸|应该)\s*(是|有|在|为|要|花了|花|用了|交|付)?\s*$"
)
APPROX_AFTER = re.compile(r"^\s*(左右|上下|出头|的样子|吧)")
VAGUE_RE = re.compile(
    r"(好)?几(十|百|千)?万|[一二两三四五六七八九]{2}[十百千]?[多来]万|几(百|千)块|上百万|上千万"
    r"|很多钱?|不少|挺多|很贵|不便宜|蛮多"
)

MONTH_MARK = re.compile(r"每月|每个月|一个月|月租|月付|按月|月均|/月|一月|个月|月度|每一个月|月房租|月缴")
QUARTER_MARK = re.compile(r"季度|每季|一季|/季|季租|季付|按季|(每|一)(三|3)个月|(三|3)个月(一交|一付|交|付)")
YEAR_MARK = re.compile(r"每年|年租|一年|全年|年均|按年|/年|年度|年费|一整年|年房租|年付|每一年|年缴")
_TOTAL = r"(加起来|加一起|加在一起|一共|合计|总共|总计|共计|累计|下来|总额|总价|一起)"
MULTI_YEARS = re.compile(  # a total over several years; only when nothing about the benefit stands between
    rf"(?<![前后近内])(?P<n>两|二|三|四|五|[2-5])\s*年(的)?\s*(房租|租金|租费)?\s*(是)?\s*{_TOTAL}|"
    rf"{_TOTAL}\s*(?P<n2>两|二|三|四|五|[2-5])\s*年|"
    rf"(?<![前后近内])(?P<n3>两|二|三|四|五|[2-5])\s*年(的)?(房租|租金|租费)"
)
YEARS_PERIOD = {2: "two_years", 3: "three_years", 4: "four_years", 5: "five_years"}
YEARS_DIVISOR = {"two_years": 2, "three_years": 3, "four_years": 4, "five_years": 5}
HALF_YEAR = re.compile(r"(?<![上下])半年(的)?(房租|租金|租费|交|付|一交|一付)?")

CORRECTION_RE = re.compile(
    r"不对|不是的|错了|说错|搞错|写错|打错|输错|弄错|记错|更正|纠正|改成|改为|改一下|修改|应该是|其实是|准确(地)?说|"
    r"确切(地)?说|重新说|订正|更改|我是说|不好意思"
)
NOT_X_BUT_Y = re.compile(
    r"(不是|并非|而不是)(?P<x>[^，,。；;是]{1,14}?)[，,]?\s*(而|我们|我司|我公司|其实|实际上|应该)?是(?=.)"
)
Y_NOT_X = re.compile(r"是(?P<y>[^，,。；;]{1,14}?)[，,]?\s*(而)?(不是|并非)(?P<x>[^，,。；;]{1,14})")
PERIOD_SWAP = re.compile(
    r"(是|按)?(每月|月租|每个月|按月|月)(的)?[，,]?(而)?(不是|并非)(按)?(每年|年租|一年|年)|"
    r"(不是|并非)(按)?(每年|年租|一年|年)(的)?[，,]?(而)?是(按)?(每月|月租|每个月|按月|月)"
)
PERIOD_SWAP_BACK = re.compile(
    r"(是|按)?(每年|年租|一年|年)(的)?[，,]?(而)?(不是|并非)(按)?(每月|月租|每个月|按月|月)|"
    r"(不是|并非)(按)?(每月|月租|每个月|月)(的)?[，,]?(而)?是(按)?(每年|年租|一年|年)"
)

UNKNOWN_RE = re.compile(
    r"不清楚|不知道|不晓得|不确定|不记得|记不得|记不清|忘了|忘记了|说不准|说不好|不太清楚|不了解|没概念|"
    r"不方便(说|透露)?|不便透露|保密|跳过|不想说|不好说|没数|搞不清|不大清楚|不太记得|想不起来"
)
YES_RE = re.compile(
    r"^(是|是的|是啊|对|对的|对啊|嗯|嗯嗯|有|有的|有啊|有过|已经|已入驻|在|在的|入驻了|建了|当然|没错|确实|"
    r"yes|y|ok|好的?|已建立|建立了|举办过|办过)[!！。.~啊呀的]*$",
    re.IGNORECASE,
)
NO_RE = re.compile(
    r"^(否|不是|没有|没|无|还没|还没有|未|不在|没呢|没有的|no|n|都不是|都没有|都没|没办过|没有举办过|从来没有|"
    r"从没|从没有|暂时没有|暂无|没有过|还没有过|不算|没拿过|没获得过|没建|没有建|未建立|未入驻)[!！。.~啊呀的]*$",
    re.IGNORECASE,
)

ENTRY_WORDS = re.compile(
    r"入驻|进驻|搬进|搬入|搬到|搬来|入住|入园|进园|进的人才港|来的人才港|进人才港|进来的|搬过来|签约|落地人才港"
)
POLICY_DATE_WORDS = re.compile(r"实施|施行|发布|印发|发文|出台|有效|到期|截止|成立|注册|开业")
HONOUR_WORDS = re.compile(r"荣誉|嘉奖|表彰|称号|奖项|获评|评为|评上|授予")
RECOGNITION_WORDS = re.compile(r"资质|认定|示范|创新项目")
POSSESS = re.compile(r"获得|拿到|拿了|拿过|拿的|得的|评的|获评|评为|评上|得到|取得|获过|得过|获|有|是|被评|授予|颁发")
QUESTION_TAIL = re.compile(r"(算不算|能不能|可不可以|可以吗|能拿吗|行不行|行吗|算吗|也能|也可以|有没有用|能申请吗)")

_NOT_ENTERED = (
    r"(没有|没|未|尚未|还没|还未|暂未|暂时没有|暂时没|还没有|并未|并没有)(正式)?(有)?"
    r"(入驻|进驻|搬进|搬入|入住|入园|进人才港|进去|搬过去)"
)
NOT_ENTERED = re.compile(_NOT_ENTERED)
# a time said with "not entered" ("去年没入驻"): not in the port then, which says nothing about now (the next clause
# often says when it came: "今年三月才进来的"); 目前/现在/今年 alone are now
THEN = re.compile(
    r"去年|前年|以前|之前|当时|那时|\d{2,4}年|[〇零一二三四五六七八九两]{2,4}年|[一二三四五六七八九十\d]{1,2}月"
)
PORT_NO = re.compile(
    r"(不在|没在|未在|不是在)(上海·?)?(嘉定)?人才港|"
    rf"{_NOT_ENTERED}|"
    r"(准备|打算|计划|考虑|将要|即将|想要|想(?!问|了解|咨询|知道|请教|打听|确认)|正在办理|在谈|预计|争取|有意)[^，。；,]{0,8}(入驻|进驻|搬进|搬入|入住|入园)|"
    r"(?<!没有)(?<!没)(?<!未)(?<!不会)(?<!不)(已经|已)?(搬离|搬走|迁出|撤出)(了)?(人才港)?|"
    # a bare 退出 / 离开 is as likely "quit this" as "moved out": only with 已/了/人才港 is it about the port
    r"(?<!没有)(?<!没)(?<!未)(?<!不会)(?<!不)((已经|已)(退出|离开)(了)?(人才港)?|(退出|离开)(了|人才港))|"
    r"还在别的园区|不是人才港"
)
PORT_YES = re.compile(
    r"(已经|已|目前|现在|我们|我司|我公司|本公司|都)(已经)?(入驻|进驻|在)(了)?(上海·?)?(嘉定)?(人才港)|已入驻|已经入驻|已进驻|"
    r"入驻了|进驻了|在人才港(里|内|办公|这边)|(^|(?<=[，,。；;\s]))(还|仍|仍然|依然|一直)?在(上海·?)?(嘉定)?人才港|"
    r"(还|仍|仍然|依然|一直)在(上海·?)?(嘉定)?人才港|是人才港(的)?(入驻)?(企业|机构)|已经搬进|搬进来了|(已经|已)进来(了)?|进来了|在港内"
)
BASE_NO = re.compile(
    r"(没有|没|未|尚未|还没|还未|暂无|暂时没有|不曾)(有)?(建立|建|设立|建设|成立)?(过)?[^，。；,没]{0,6}(实训)?基地|"
    r"(实训)?基地(还)?(没有|没|未)(建|建立|建成)"
)
BASE_YES = re.compile(
    r"(有|建立了|建了|建成|设立了|已经有|已建|已建立|建有|成立了|拥有)[^没，。；,]{0,8}(实训)?基地|"
    r"(实训)?基地(是|也|倒是|已经|都)?(有|建了|建好了|建成了)(的|了)?"
)
# people counted, not "一个荣誉" / "两场活动"
COUNT_RE = re.compile(
    rf"(?P<n>{_RUN})(?P<many>多|几|来)?\s*(个|名|位|人|员)"
    r"(?!荣誉|奖|称号|资质|认定|基地|论坛|活动|项目|会|场|展|部门|机构|公司|月|季度|年)"
)
COUNT_NONE = re.compile(
    r"(一|1)\s*(个|位|名|人)(人才)?(都|也)(没有|没)|"
    r"(没有|没|未|从未|从没|还没|还没有|尚未|暂未|暂时没有?)(有)?(成功)?(推荐|引进|输送|引入)(成功)?(过)?"
)
VAGUE_COUNT = re.compile(r"^\s*(很多|不少|挺多|蛮多|好多|一些|若干)|(好)?几(十|百)?(个|名|位|人)")
COUNT_CONTEXT = re.compile(r"推荐|引进|引才|输送|成功|猎聘|引入|介绍")
NOT_COUNT_CONTEXT = re.compile(r"员工|职工|人员规模|团队|同事|工作人员|规模|社保")
NAME_RE = re.compile(
    r"(叫|名称是|名字是|公司名是|全称是|我们是|我司是|本公司是)(?P<n>[\u4e00-\u9fa5A-Za-z0-9（）()]{2,30}?"
    r"(股份有限公司|有限责任公司|有限公司|集团|事务所|中心|研究院))"
)
RANK_NONE = re.compile(
    r"(不是|不属于|没进|没有进|没有入选|未入选|没入选|非|不算|够不上|达不到|不在)(世界|中国|国内|全球|财富)?(500强|五百强)"
)
LEVEL_NONE = {
    "honour_level": re.compile(
        r"(没有|没|未|无|从未|从没)(获得|拿到|拿过|得过|获过|评上|有)?(过)?[^，。；,]{0,6}(荣誉|嘉奖|表彰|称号)"
    ),
    "recognition_level": re.compile(
        r"(没有|没|未|无|从未|从没)(获得|拿到|拿过|得过|获过|有)?(过)?[^，。；,]{0,6}(资质|认定|示范)"
    ),
}
EVENT_NONE = re.compile(
    r"(没有|没|未|从未|从没|还没|尚未)(有)?(举办|办|组织|搞)(过)?[^，。；,]{0,6}(论坛|节展|活动|会|展)|"
    r"(论坛|节展|活动|峰会|展会)(也|都|还|从来|从)?(没有|没|未|从未)(有)?(举办|办|组织|搞)(过)?"
)
MONTH_ALONE = re.compile(
    r"(?<![年个每一\d])(?P<m>1[0-2]|0?[1-9]|十[一二]?|[一二三四五六七八九])\s*月(份)?"
    r"(?P<d>(?P<dn>\d{1,2}|[一二三四五六七八九十]{1,3})(日|号))?(?P<xun>上旬|中旬|下旬|初|中|底|末)?"
)
DAY_ALONE = re.compile(
    r"(?<![\d月年])(?P<dn>[12]\d|3[01]|0?[1-9]|[一二三]?十[一二三四五六七八九]?|[一二三四五六七八九])\s*(日|号)|"
    r"(?P<xun>上旬|中旬|下旬|月初|月中|月底|月末)"
)
XUN = {
    "上旬": (1, 10),
    "初": (1, 10),
    "月初": (1, 10),
    "中旬": (11, 20),
    "中": (11, 20),
    "月中": (11, 20),
    "下旬": (21, 31),
    "底": (21, 31),
    "末": (21, 31),
    "月底": (21, 31),
    "月末": (21, 31),
}
DAY_MARK = re.compile(r"每天|一天|每日|日租|/天|/日|一日")

QUAL_ALONE = re.compile(r"(?<![今去前明后本当\d年〇零一二三四五六七八九])(?P<q>年初|年中|年底|年末|上半年|下半年)")
_Y = r"(?P<y>\d{4}|\d{2}|[〇零一二三四五六七八九]{4}|[〇零一二三四五六七八九]{2})"
_D = r"(?P<d>[12]\d|3[01]|0?[1-9]|[一二三]?十[一二三四五六七八九]?|[一二三四五六七八九])"
_QUAL = r"(?P<q>年初|年中|年底|年末|上半年|下半年|初|中|底|末)"
# a month (any number, checked later: 13月 is a bad date), two adjacent months (三四月份 → their union), or a quarter
_MPART = (
    rf"(?:第?\s*(?P<qn>[一二三四1-4])\s*季度|(?P<m>\d{{1,2}}|十[一二]?|[一二三四五六七八九])"
    rf"(?:\s*[、\-~到至和]?\s*(?P<m2>十[一二]?|[二三四五六七八九]|\d{{1,2}}))?\s*月(份)?(\s*{_D}\s*(日|号))?)"
)
DATE_RES = [
    re.compile(rf"{_Y}\s*年\s*{_MPART}"),
    re.compile(rf"(?<![\d.])(?P<y>\d{{4}})\s*[./\-]\s*(?P<m>\d{{1,2}})(\s*[./\-]\s*{_D})?(?![\d])"),
    re.compile(rf"{_Y}\s*年{_QUAL}?(?!度?[租金费])"),
]
SHORT_NUMERIC_DATE = re.compile(r"(?<![\d.])(?P<y>\d{2})\s*[./]\s*(?P<m>1[0-2]|0?[1-9])(?![\d])")
RELATIVE_YEAR = {
    "今年": 0,
    "本年": 0,
    "当年": 0,
    "本年度": 0,
    "去年": -1,
    "上年": -1,
    "上一年": -1,
    "前年": -2,
    "大前年": -3,
    "明年": 1,
    "后年": 2,
}
REL_RE = re.compile(rf"(?P<r>大前年|前年|去年|上一年|上年|今年|本年度|本年|当年|明年|后年)\s*(?:{_QUAL}|{_MPART})?")
YEARS_AGO = re.compile(r"(?P<n>[一二两三四五六七八九十\d]{1,3})\s*年(以)?前")
# "入驻四年了", "进来一年多": how long ago the entry was — an interval of entry dates counted back from today
SINCE_ENTRY = re.compile(
    r"(入驻|进驻|搬进来|搬过来|进来|入园)(了|已经|有|快|将近|差不多|满)*\s*"
    r"(?P<n>[一二两三四五六七八九十\d]{1,2}|半)\s*(个)?(?P<many>多)?\s*(?P<unit>年|个月|月)(了|多|啦)?"
)
MONTHS_REL = re.compile(
    r"上个月|上月|这个月|本月|当月|下个月|下月|(?P<n>[一二两三四五六七八九十\d]{1,2})\s*个月(以)?前"
)


# --------------------------------------------------------------------------------------------------- helpers
def _num(s: str) -> Decimal | None:
    return parse_number(s)


def _unit_factor(u: str | None) -> int | None:
    if not u:
        return None
    u = u.lower().lstrip("个")
    if u.startswith("万") or u == "w":
        return 10_000
    if u.startswith("亿"):
        return 100_000_000
    if u.startswith("千") or u == "k":
        return 1000
    return 1


def _segment(text: str, pos: int) -> tuple[int, int]:
    start = 0
    for m in SEGMENT_SPLIT.finditer(text):
        if m.start() < pos:
            start = m.end()
        else:
            return start, m.start()
    return start, len(text)


def _month_end(y: int, m: int) -> date:
    return date(y, m, calendar.monthrange(y, m)[1])


def _year(s: str, today: date) -> int | None:
    if all(c in "〇零一二三四五六七八九" for c in s):
        s = "".join(str("〇一二三四五六七八九".index(c) if c != "零" else 0) for c in s)
    if not s.isdigit():
        return None
    y = int(s)
    if len(s) == 2:
        y += 2000 if y <= today.year % 100 + 1 else 1900
    return y


def _small(s: str | None) -> int | None:
    if not s:
        return None
    v = parse_number(s)
    return int(v) if v is not None and v == v.to_integral_value() else None


QUALIFIERS = {
    "年初": (1, 3),
    "初": (1, 3),
    "上半年": (1, 6),
    "下半年": (7, 12),
    "年中": (5, 8),
    "中": (5, 8),
    "年底": (11, 12),
    "年末": (11, 12),
    "底": (11, 12),
    "末": (11, 12),
}


def _span(y: int, m: int | None = None, d: int | None = None, q: str | None = None) -> DateSpan | None:
    if q and not m:
        return _span_months(y, *QUALIFIERS[q])
    try:
        return DateSpan.of(y, m, d)
    except ValueError:
        return None


def _part_span(y: int, gd: dict[str, str | None]) -> tuple[DateSpan | None, str | None]:
    """The interval of a year and what follows it: a month (and day), two months, a quarter or 年底/上半年."""
    if gd.get("qn"):
        q = _small(gd["qn"]) or 0
        return _span_months(y, 3 * q - 2, 3 * q), None
    month, day = _small(gd.get("m")), _small(gd.get("d"))
    if gd.get("m") and (month is None or not 1 <= month <= 12):
        return None, "bad_date"
    if gd.get("m2"):
        last = _small(gd["m2"])
        if last is None or not 1 <= last <= 12 or last <= (month or 0):
            return None, "bad_date"
        return _span_months(y, month or 1, last), None
    span = _span(y, month, day, gd.get("q"))
    return span, None if span else "bad_date"


def _span_months(y: int, first: int, last: int) -> DateSpan | None:
    try:
        return DateSpan(date(y, first, 1), _month_end(y, last))
    except ValueError:
        return None


@dataclass
class _Mention:
    start: int
    end: int
    text: str
    value: Any = None  # Range / DateSpan / int
    bad: str | None = None  # problem code
    approx: bool = False
    basis: dict[str, Any] = field(default_factory=dict)
    has_unit: bool = True
    exact: tuple[Decimal, Decimal] | None = None  # money before rounding to the yuan (unit prices)


RECOGNITION_STRONG = re.compile(r"认定|资质")


def _level_kind(seg: str) -> str | None:
    """ "recognition" for 认定/资质, "honour" for 荣誉/称号/评为 (被评为…示范机构 is an honour title), else
    "recognition" for 示范/创新项目."""
    if RECOGNITION_STRONG.search(seg):
        return "recognition"
    if HONOUR_WORDS.search(seg):
        return "honour"
    if RECOGNITION_WORDS.search(seg):
        return "recognition"
    return None


def _contrast(s: str) -> bool:
    """ "不是X，是Y" / "是Y，不是X": replaces X when X was given before."""
    return bool(NOT_X_BUT_Y.search(s) or Y_NOT_X.search(s))
