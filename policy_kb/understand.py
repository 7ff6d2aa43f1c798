"""The understanding layer: a message (plus the question being asked, the facts so far and today) → profile facts.

Each fact carries its value, the span it came from and the kind of statement it was — a value, a negation, an
"unknown" (不清楚/忘了), or a correction (不对，是…). Values that cannot be stored (zero, negative, absurd,
vague, a unit price without an area, a future entry date) are problems, not facts: the caller re-asks and stores
nothing. Partly known facts are intervals: a year alone is 1 January – 31 December (clipped at today), "80到100万"
is a range of rent; the engine reasons over the whole interval. Conventions (tests/policy_kb/understanding):
X多/X几 is [X, X + one step of its last non-zero digit] (一百多万 → 100–200万), neighbouring digits are a range
(七八十万, 三四月份), half a year ×2 and an N-year total ÷N, a quarter is its three months, 大概/约 mark a value (or
an area, or a date) approximate; "不是X，是Y" / "是Y，不是X" read only Y, and correct a fact given before.

No Rasa here: the NLU component (bot/nlu/policy_entities.py), the form (actions/eligibility.py) and the question
answerers call ``understand``. Word lists live beside the patterns that use them; nothing here is shown to people
(the replies' wording is in data/messages.yaml).
"""
from __future__ import annotations

import calendar
import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from functools import lru_cache
from typing import Any, Dict, List, Optional, Sequence, Tuple

from .numerals import CN_NUM_CHARS, FULLWIDTH, parse_neighbours, parse_number
from .rules import vocabulary

VALUE, NEGATION, UNKNOWN, CORRECTION = "value", "negation", "unknown", "correction"
MAX_YUAN_PER_YEAR = 1_000_000_000  # 10亿元: more than any rent or event cost here; larger is a unit mistake
MONEY_FACTS = ("annual_rent", "event_cost")
DATE_FACTS = ("entry_date", "honour_year", "recognition_year")
LEVEL_FACTS = ("honour_level", "recognition_level")
BOOL_FACTS = ("in_talent_port", "training_base")


# --------------------------------------------------------------------------------------------------- values
@dataclass(frozen=True)
class Range:
    """A closed interval of integers (yuan, counts): ``lo == hi`` is an exact value."""
    lo: int
    hi: int

    @property
    def exact(self) -> bool:
        return self.lo == self.hi

    def to_json(self) -> Any:
        return self.lo if self.exact else [self.lo, self.hi]


@dataclass(frozen=True)
class DateSpan:
    """A closed interval of days: a year alone is Jan 1 – Dec 31, a month its first to last day."""
    start: date
    end: date

    @property
    def exact(self) -> bool:
        return self.start == self.end

    def iso(self) -> str:
        """ISO 8601: "2024-03-05", or the interval "2024-03-01/2024-03-31"."""
        return self.start.isoformat() if self.exact else f"{self.start.isoformat()}/{self.end.isoformat()}"

    @classmethod
    def parse(cls, s: str) -> "DateSpan":
        a, _, b = s.partition("/")
        start = date.fromisoformat(a)
        return cls(start, date.fromisoformat(b) if b else start)

    def single_year(self) -> Optional[int]:
        return self.start.year if self.start.year == self.end.year else None

    def whole_year(self) -> bool:
        return self.start.month == 1 and self.start.day == 1 and self.single_year() is not None and (
            self.end.month, self.end.day) in ((12, 31),) or (self.start.month == 1 and self.start.day == 1
                                                             and self.end.year == self.start.year
                                                             and self.end.month > 1)


@dataclass
class Fact:
    name: str
    value: Any  # int / bool / str / Range / DateSpan; None for kind == UNKNOWN
    kind: str = VALUE
    start: int = 0
    end: int = 0
    text: str = ""
    approx: bool = False
    basis: Dict[str, Any] = field(default_factory=dict)  # how a money value was read: amount, period, unit price

    def json_value(self) -> Any:
        v = self.value
        if isinstance(v, Range):
            return v.to_json()
        if isinstance(v, DateSpan):
            return v.iso()
        return v


@dataclass
class Problem:
    fact: str
    code: str  # zero / negative / too_large / vague / need_unit / need_area / future_date / bad_date / need_year
    text: str = ""  # need_rank / need_level / need_count / need_cost
    params: Dict[str, Any] = field(default_factory=dict)


@dataclass
class Understanding:
    text: str
    facts: List[Fact] = field(default_factory=list)
    problems: List[Problem] = field(default_factory=list)
    correction: bool = False  # the message says it corrects something (不对/改成/说错了)

    def fact(self, name: str) -> Optional[Fact]:
        return next((f for f in self.facts if f.name == name), None)

    def names(self) -> List[str]:
        return [f.name for f in self.facts]

    def add(self, fact: Fact) -> None:
        if self.fact(fact.name) is None and not any(p.fact == fact.name for p in self.problems):
            self.facts.append(fact)

    def problem(self, fact: str, code: str, text: str = "", **params: Any) -> None:
        if self.fact(fact) is None and not any(p.fact == fact for p in self.problems):
            self.problems.append(Problem(fact, code, text, params))


# --------------------------------------------------------------------------------------------------- cleaning
_INVISIBLE = re.compile(r"[\u200b-\u200f\u202a-\u202e\u2060-\u2069\ufeff\u00ad]")
_SURROGATE = re.compile(r"[\ud800-\udfff]")
_FOLD = {i: i - 0xFEE0 for i in range(0xFF01, 0xFF5F)}
_FOLD.update({0x3000: 0x20})
del _FOLD[0xFF0C]  # "，" stays a clause break: "2块5，800平" is two numbers, not 5,800


def clean(text: str) -> str:
    """Input as the bot may safely read it: lone surrogates, control and zero-width characters removed."""
    if not text:
        return ""
    text = _SURROGATE.sub("", text)
    text = _INVISIBLE.sub("", text)
    return "".join(c for c in text if c in "\n\t" or unicodedata.category(c)[0] != "C").strip()


def normalise(text: str) -> str:
    """Same length as ``text``: full-width → ASCII, Traditional → Simplified, so spans point into the input."""
    from .text import to_simplified
    s = text.translate(_FOLD).translate(FULLWIDTH)
    s = "".join("，" if c == "，" else d for c, d in zip(text, s))
    t = to_simplified(s)
    return t if len(t) == len(s) else s


# --------------------------------------------------------------------------------------------------- patterns
_CN = "零〇一二两三四五六七八九十百千万亿点壹贰叁肆伍陆柒捌玖拾佰仟"
_RUN = rf"(?:\d{{1,3}}(?:,\d{{3}})+(?:\.\d+)?|[\d.]*\d[\d.]*[{_CN}]*(?:\d+[{_CN}]*)*|[{_CN}]+(?:\d+[{_CN}]*)*)"
_YUAN = r"(?:万元|万块|万|亿元|亿|千元|千块|千|元|块钱|块|w|W|k|K)"
MONEY_RE = re.compile(
    rf"(?P<neg>[-−负])?(?P<a>{_RUN})(?:\s*(?P<au>{_YUAN}))?(?:(?P<sep>到|至|~|-|—|–)(?P<b>{_RUN})(?:\s*(?P<bu>{_YUAN}))?)?"
    rf"(?P<many>多|几|来)?\s*(?P<mu>{_YUAN})?(?:(?<=[块元])(?P<jiao>[1-9一二三四五六七八九])(?![\d{_CN}元块]))?")
_AREA_N = rf"\d{{1,3}}(?:,\d{{3}})+|\d+(?:\.\d+)?|[{_CN}]+"
AREA_RE = re.compile(rf"(?P<n>{_RUN})(?:\s*(?:到|至|~|-)\s*(?P<n2>{_RUN}))?\s*(?:个)?\s*(?:平方米|平米|平方|㎡|m2|m²|平)(?!均)|"
                     rf"面积(?:大约|大概|约|为|是|有)?\s*(?P<n3>{_AREA_N})(?:\s*(?:到|至|~|-)\s*(?P<n4>{_AREA_N}))?(?![\d{_CN}.,])")
PER_AREA = re.compile(r"(每|/|一)\s*(个)?\s*(平方米|平米|平方|㎡|m2|m²|平)")
PER_DAY = re.compile(r"(每|/|一|·)\s*(天|日)|日租金|日租")
PER_MONTH_PRICE = re.compile(r"(每|/|一|·)\s*(个)?月|月租")
SEGMENT_SPLIT = re.compile(r"[，。；;！!？?\n]|,(?!\d{3})")

RENT_WORDS = re.compile(r"房租|租金|租费|租房|房费|租了|租的|租|年付|月付|季付|按季交|按月交|按年交")
EVENT_WORDS = re.compile(r"论坛|节展|活动|举办费|办会|会议|展会|峰会|大会|沙龙|年会|发布会|博览会|研讨会|交流会|招聘会|办了|办过")
BENEFIT_WORDS = re.compile(r"补贴|补助|补|奖励|奖|拿|给|返|领|能有|可以有|发")
OTHER_MONEY = re.compile(r"工资|薪|营收|营业额|收入|利润|社保|公积金|注册资本|预算|水电|物业|报销")  # sums that are not rent
POLICY_MONEY = re.compile(r"落户奖励|相应档次|档次|最高|上限|封顶")
APPROX_BEFORE = re.compile(r"(大概|大约|约|差不多|将近|接近|估计|大致|预计|约莫|估摸|应该)\s*(是|有|在|为|要|花了|花|用了|交|付)?\s*$")
APPROX_AFTER = re.compile(r"^\s*(左右|上下|出头|的样子|吧)")
VAGUE_RE = re.compile(r"(好)?几(十|百|千)?万|几(百|千)块|上百万|上千万|很多钱?|不少|挺多|很贵|不便宜|蛮多")

MONTH_MARK = re.compile(r"每月|每个月|一个月|月租|月付|按月|月均|/月|一月|个月|月度|每一个月|月房租|月缴")
QUARTER_MARK = re.compile(r"季度|每季|一季|/季|季租|季付|按季|(每|一)(三|3)个月|(三|3)个月(一交|一付|交|付)")
YEAR_MARK = re.compile(r"每年|年租|一年|全年|年均|按年|/年|年度|年费|一整年|年房租|年付|每一年|年缴")
_TOTAL = r"(加起来|加一起|加在一起|一共|合计|总共|总计|共计|累计|下来|总额|总价|一起)"
MULTI_YEARS = re.compile(rf"(?<![前后近内])(?P<n>两|二|三|四|五|[2-5])\s*年(的)?\s*(房租|租金|租费)?\s*(是)?\s*{_TOTAL}|"
                         rf"{_TOTAL}\s*(?P<n2>两|二|三|四|五|[2-5])\s*年|"
                         rf"(?<![前后近内])(?P<n3>两|二|三|四|五|[2-5])\s*年(的)?(房租|租金|租费)")
YEARS_PERIOD = {2: "two_years", 3: "three_years", 4: "four_years", 5: "five_years"}
YEARS_DIVISOR = {"two_years": 2, "three_years": 3, "four_years": 4, "five_years": 5}
HALF_YEAR = re.compile(r"(?<![上下])半年(的)?(房租|租金|租费|交|付|一交|一付)?")

CORRECTION_RE = re.compile(
    r"不对|不是的|错了|说错|搞错|写错|打错|输错|弄错|记错|更正|纠正|改成|改为|改一下|修改|应该是|其实是|准确(地)?说|"
    r"确切(地)?说|重新说|订正|更改|我是说|不好意思")
NOT_X_BUT_Y = re.compile(r"(不是|并非|而不是)(?P<x>[^，,。；;是]{1,14}?)[，,]?\s*(而|我们|我司|我公司|其实|实际上|应该)?是(?=.)")
Y_NOT_X = re.compile(r"是(?P<y>[^，,。；;]{1,14}?)[，,]?\s*(而)?(不是|并非)(?P<x>[^，,。；;]{1,14})")
PERIOD_SWAP = re.compile(r"(是|按)?(每月|月租|每个月|按月|月)(的)?[，,]?(而)?(不是|并非)(按)?(每年|年租|一年|年)|"
                         r"(不是|并非)(按)?(每年|年租|一年|年)(的)?[，,]?(而)?是(按)?(每月|月租|每个月|按月|月)")
PERIOD_SWAP_BACK = re.compile(r"(是|按)?(每年|年租|一年|年)(的)?[，,]?(而)?(不是|并非)(按)?(每月|月租|每个月|按月|月)|"
                              r"(不是|并非)(按)?(每月|月租|每个月|月)(的)?[，,]?(而)?是(按)?(每年|年租|一年|年)")

UNKNOWN_RE = re.compile(r"不清楚|不知道|不晓得|不确定|不记得|记不得|记不清|忘了|忘记了|说不准|说不好|不太清楚|不了解|没概念|"
                        r"不方便(说|透露)?|不便透露|保密|跳过|不想说|不好说|没数|搞不清|不大清楚|不太记得|想不起来")
YES_RE = re.compile(r"^(是|是的|是啊|对|对的|对啊|嗯|嗯嗯|有|有的|有啊|有过|已经|已入驻|在|在的|入驻了|建了|当然|没错|确实|"
                    r"yes|y|ok|好的?|已建立|建立了|举办过|办过)[!！。.~啊呀的]*$", re.IGNORECASE)
NO_RE = re.compile(r"^(否|不是|没有|没|无|还没|还没有|未|不在|没呢|没有的|no|n|都不是|都没有|都没|没办过|没有举办过|从来没有|"
                   r"从没|从没有|暂时没有|暂无|没有过|还没有过|不算|没拿过|没获得过|没建|没有建|未建立|未入驻)[!！。.~啊呀的]*$",
                   re.IGNORECASE)

ENTRY_WORDS = re.compile(r"入驻|进驻|搬进|搬入|搬到|搬来|入住|入园|进园|进的人才港|来的人才港|进人才港|进来的|搬过来|签约|落地人才港")
POLICY_DATE_WORDS = re.compile(r"实施|施行|发布|印发|发文|出台|有效|到期|截止|成立|注册|开业")
HONOUR_WORDS = re.compile(r"荣誉|嘉奖|表彰|称号|奖项|获评|评为|评上|授予")
RECOGNITION_WORDS = re.compile(r"资质|认定|示范|创新项目")
POSSESS = re.compile(r"获得|拿到|拿了|拿过|拿的|得的|评的|获评|评为|评上|得到|取得|获过|得过|获|有|是|被评|授予|颁发")
QUESTION_TAIL = re.compile(r"(算不算|能不能|可不可以|可以吗|能拿吗|行不行|行吗|算吗|也能|也可以|有没有用|能申请吗)")

PORT_NO = re.compile(
    r"(不在|没在|未在|不是在)(上海·?)?(嘉定)?人才港|"
    r"(没有|没|未|尚未|还没|还未|暂未|暂时没有|暂时没|还没有|并未|并没有)(正式)?(有)?(入驻|进驻|搬进|搬入|入住|入园|进人才港|进去|搬过去)|"
    r"(准备|打算|计划|考虑|将要|即将|想要|想|正在办理|在谈|预计|争取|有意)[^，。；,]{0,8}(入驻|进驻|搬进|搬入|入住|入园)|"
    r"(?<!没有)(?<!没)(?<!未)(?<!不会)(?<!不)(已经|已)?(搬离|搬走|迁出|退出|撤出|离开)(了)?(人才港)?|"
    r"还在别的园区|不是人才港")
PORT_YES = re.compile(
    r"(已经|已|目前|现在|我们|我司|我公司|本公司|都)(已经)?(入驻|进驻|在)(了)?(上海·?)?(嘉定)?(人才港)|已入驻|已经入驻|已进驻|"
    r"入驻了|进驻了|在人才港(里|内|办公|这边)|(^|(?<=[，,。；;\s]))(还|仍|仍然|依然|一直)?在(上海·?)?(嘉定)?人才港|"
    r"(还|仍|仍然|依然|一直)在(上海·?)?(嘉定)?人才港|是人才港(的)?(入驻)?(企业|机构)|已经搬进|搬进来了|在港内")
BASE_NO = re.compile(r"(没有|没|未|尚未|还没|还未|暂无|暂时没有|不曾)(有)?(建立|建|设立|建设|成立)?(过)?[^，。；,没]{0,6}(实训)?基地|"
                     r"(实训)?基地(还)?(没有|没|未)(建|建立|建成)")
BASE_YES = re.compile(r"(有|建立了|建了|建成|设立了|已经有|已建|已建立|建有|成立了|拥有)[^没，。；,]{0,8}(实训)?基地|"
                      r"(实训)?基地(是|也|倒是|已经|都)?(有|建了|建好了|建成了)(的|了)?")
COUNT_RE = re.compile(rf"(?P<n>{_RUN})(?P<many>多|几|来)?\s*(个|名|位|人|员)")
COUNT_NONE = re.compile(r"(一|1)\s*(个|位|名|人)(人才)?(都|也)(没有|没)|"
                        r"(没有|没|未|从未|从没|还没|还没有|尚未|暂未|暂时没有?)(有)?(成功)?(推荐|引进|输送|引入)(成功)?(过)?")
VAGUE_COUNT = re.compile(r"^\s*(很多|不少|挺多|蛮多|好多|一些|若干)|(好)?几(十|百)?(个|名|位|人)")
COUNT_CONTEXT = re.compile(r"推荐|引进|引才|输送|成功|猎聘|引入|介绍")
NOT_COUNT_CONTEXT = re.compile(r"员工|职工|人员规模|团队|同事|工作人员|规模|社保")
NAME_RE = re.compile(r"(叫|名称是|名字是|公司名是|全称是|我们是|我司是|本公司是)(?P<n>[\u4e00-\u9fa5A-Za-z0-9（）()]{2,30}?"
                     r"(股份有限公司|有限责任公司|有限公司|集团|事务所|中心|研究院))")
RANK_NONE = re.compile(r"(不是|不属于|没进|没有进|没有入选|未入选|没入选|非|不算|够不上|达不到|不在)(世界|中国|国内|全球|财富)?(500强|五百强)")
LEVEL_NONE = {
    "honour_level": re.compile(r"(没有|没|未|无|从未|从没)(获得|拿到|拿过|得过|获过|评上|有)?(过)?[^，。；,]{0,6}(荣誉|嘉奖|表彰|称号)"),
    "recognition_level": re.compile(r"(没有|没|未|无|从未|从没)(获得|拿到|拿过|得过|获过|有)?(过)?[^，。；,]{0,6}(资质|认定|示范)"),
}
EVENT_NONE = re.compile(r"(没有|没|未|从未|从没|还没|尚未)(有)?(举办|办|组织|搞)(过)?[^，。；,]{0,6}(论坛|节展|活动|会|展)|"
                        r"(论坛|节展|活动|峰会|展会)(也|都|还|从来|从)?(没有|没|未|从未)(有)?(举办|办|组织|搞)(过)?")
MONTH_ALONE = re.compile(r"(?<![年个每一\d])(?P<m>1[0-2]|0?[1-9]|十[一二]?|[一二三四五六七八九])\s*月(份)?(?P<d>(?P<dn>\d{1,2}|[一二三四五六七八九十]{1,3})(日|号))?")

QUAL_ALONE = re.compile(r"(?<![今去前明后本当\d年〇零一二三四五六七八九])(?P<q>年初|年中|年底|年末|上半年|下半年)")
_Y = r"(?P<y>\d{4}|\d{2}|[〇零一二三四五六七八九]{4}|[〇零一二三四五六七八九]{2})"
_D = r"(?P<d>[12]\d|3[01]|0?[1-9]|[一二三]?十[一二三四五六七八九]?|[一二三四五六七八九])"
_QUAL = r"(?P<q>年初|年中|年底|年末|上半年|下半年|初|中|底|末)"
# a month (any number, checked later: 13月 is a bad date), two adjacent months (三四月份 → their union), or a quarter
_MPART = (rf"(?:第?\s*(?P<qn>[一二三四1-4])\s*季度|(?P<m>\d{{1,2}}|十[一二]?|[一二三四五六七八九])"
          rf"(?:\s*[、\-~到至和]?\s*(?P<m2>十[一二]?|[二三四五六七八九]|\d{{1,2}}))?\s*月(份)?(\s*{_D}\s*(日|号))?)")
DATE_RES = [
    re.compile(rf"{_Y}\s*年\s*{_MPART}"),
    re.compile(rf"(?<![\d.])(?P<y>\d{{4}})\s*[./\-]\s*(?P<m>\d{{1,2}})(\s*[./\-]\s*{_D})?(?![\d])"),
    re.compile(rf"{_Y}\s*年{_QUAL}?(?!度?[租金费])"),
]
SHORT_NUMERIC_DATE = re.compile(r"(?<![\d.])(?P<y>\d{2})\s*[./]\s*(?P<m>1[0-2]|0?[1-9])(?![\d])")
RELATIVE_YEAR = {"今年": 0, "本年": 0, "当年": 0, "本年度": 0, "去年": -1, "上年": -1, "上一年": -1, "前年": -2,
                 "大前年": -3, "明年": 1, "后年": 2}
REL_RE = re.compile(rf"(?P<r>大前年|前年|去年|上一年|上年|今年|本年度|本年|当年|明年|后年)\s*(?:{_QUAL}|{_MPART})?")
YEARS_AGO = re.compile(r"(?P<n>[一二两三四五六七八九十\d]{1,3})\s*年(以)?前")
# "入驻四年了", "进来一年多": how long ago the entry was — an interval of entry dates counted back from today
SINCE_ENTRY = re.compile(r"(入驻|进驻|搬进来|搬过来|进来|入园)(了|已经|有|快|将近|差不多|满)*\s*"
                         r"(?P<n>[一二两三四五六七八九十\d]{1,2}|半)\s*(个)?(?P<many>多)?\s*(?P<unit>年|个月|月)(了|多|啦)?")
MONTHS_REL = re.compile(r"上个月|上月|这个月|本月|当月|下个月|下月|(?P<n>[一二两三四五六七八九十\d]{1,2})\s*个月(以)?前")


# --------------------------------------------------------------------------------------------------- helpers
def _num(s: str) -> Optional[Decimal]:
    return parse_number(s)


def _unit_factor(u: Optional[str]) -> Optional[int]:
    if not u:
        return None
    u = u.lower()
    if u.startswith("万") or u == "w":
        return 10_000
    if u.startswith("亿"):
        return 100_000_000
    if u.startswith("千") or u == "k":
        return 1000
    return 1


def _segment(text: str, pos: int) -> Tuple[int, int]:
    start = 0
    for m in SEGMENT_SPLIT.finditer(text):
        if m.start() < pos:
            start = m.end()
        else:
            return start, m.start()
    return start, len(text)


def _month_end(y: int, m: int) -> date:
    return date(y, m, calendar.monthrange(y, m)[1])


def _year(s: str, today: date) -> Optional[int]:
    if all(c in "〇零一二三四五六七八九" for c in s):
        s = "".join(str("〇一二三四五六七八九".index(c) if c != "零" else 0) for c in s)
    if not s.isdigit():
        return None
    y = int(s)
    if len(s) == 2:
        y += 2000 if y <= today.year % 100 + 1 else 1900
    return y


def _small(s: Optional[str]) -> Optional[int]:
    if not s:
        return None
    v = parse_number(s)
    return int(v) if v is not None and v == v.to_integral_value() else None


QUALIFIERS = {"年初": (1, 3), "初": (1, 3), "上半年": (1, 6), "下半年": (7, 12), "年中": (5, 8), "中": (5, 8),
              "年底": (11, 12), "年末": (11, 12), "底": (11, 12), "末": (11, 12)}


def _span(y: int, m: Optional[int] = None, d: Optional[int] = None, q: Optional[str] = None) -> Optional[DateSpan]:
    try:
        if m and d:
            return DateSpan(date(y, m, d), date(y, m, d))
        if m:
            return DateSpan(date(y, m, 1), _month_end(y, m))
        if q:
            a, b = QUALIFIERS[q]
            return DateSpan(date(y, a, 1), _month_end(y, b))
        return DateSpan(date(y, 1, 1), date(y, 12, 31))
    except ValueError:
        return None


def _part_span(y: int, gd: Dict[str, Optional[str]]) -> Tuple[Optional[DateSpan], Optional[str]]:
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


def _span_months(y: int, first: int, last: int) -> Optional[DateSpan]:
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
    bad: Optional[str] = None  # problem code
    approx: bool = False
    basis: Dict[str, Any] = field(default_factory=dict)
    has_unit: bool = True
    exact: Optional[Tuple[Decimal, Decimal]] = None  # money before rounding to the yuan (unit prices)


# --------------------------------------------------------------------------------------------------- money
_LONE_ONE = re.compile(r"一(?=(个)?(年|月|季|天|日|平|次|共|下|起|整|场|届|家|期))")
_NEAR_VAGUE = re.compile(r"(好|十|百|千)?几\s*$")


def _money_mentions(s: str) -> List[_Mention]:
    out: List[_Mention] = []
    scan = _LONE_ONE.sub("_", s)  # "100万一年": the 一 of 一年 is not part of the amount
    for m in MONEY_RE.finditer(scan):
        a = m.group("a")
        if not a or not re.search(rf"[\d{_CN}]", a) or a in ("点",):
            continue
        unit_a = m.group("au") or (m.group("bu") if m.group("b") else None) or m.group("mu")
        if m.group("many") and not m.group("b"):
            unit_a = m.group("mu") or m.group("au")
        after = s[m.end():m.end() + 3]
        if re.match(r"\s*(平方米|平米|平方|㎡|平|年|个月|月|天|日|号|名|位|个|人|%|％|条|项|款|章|节|部分|强|倍|次|届|家|岁|层|楼|点|、)",
                    after) and not unit_a:
            continue
        before = s[max(0, m.start() - 2):m.start()]
        if not unit_a and re.search(r"(第|、)$", before):
            continue  # 第7条, 三、2: a clause number
        if _NEAR_VAGUE.search(before):
            continue  # 几十万 / 好几百万: vague, not 十万
        if not unit_a and not re.search(r"\d", a) and not re.search(r"[万亿千百]", a) \
                and not (m.group("b") and re.search(r"[万亿千百]", m.group("b"))):
            continue
        lo = _num(a)
        pair = None
        if lo is None:
            pair = parse_neighbours(a)  # 七八十万, 两三百万
            if pair is None:
                continue
            lo = pair[0]
        factor = _unit_factor(unit_a)
        has_unit = factor is not None or bool(re.search(r"[万亿萬億]|[千仟]$", a)) \
            or bool(re.fullmatch(r"\d{1,3}(,\d{3})+", a))
        f = factor or 1
        if re.search(r"[万亿]$", a) and factor is None:
            f = 1
        jiao = m.group("jiao")
        if jiao:
            lo = lo + (parse_number(jiao) or 0) / 10  # 2块5 = 2.5
        lo = lo * f
        hi = pair[1] * f if pair else lo
        if m.group("b"):
            b = _num(m.group("b"))
            if b is None:
                continue
            fb = _unit_factor(m.group("bu")) or f
            hi = b * fb
            tail = re.search(r"[万亿]+$", m.group("b"))
            if m.group("au") is None and tail and not re.search(r"[万亿]", a):
                bare_b = _num(m.group("b")[:tail.start()]) if tail.start() else None
                a_val = _num(a)
                if bare_b is not None and a_val is not None and a_val <= bare_b:
                    lo = a_val * (_num("1" + tail.group()) or 1)  # 80到100万: the second's unit applies to the first
        elif m.group("many"):
            step = _step(a)
            hi = (_num(a) + step) * f
        mention = _Mention(m.start(), m.end(), m.group(), has_unit=has_unit)
        if m.group("neg") and not s[max(0, m.start() - 1):m.start()].isdigit():
            mention.bad = "negative"
        mention.exact = (min(lo, hi), max(lo, hi))
        if lo != lo.to_integral_value() or hi != hi.to_integral_value():
            lo, hi = lo.quantize(Decimal(1)), hi.quantize(Decimal(1))
        mention.value = Range(int(min(lo, hi)), int(max(lo, hi)))
        mention.basis = {"amount": mention.value.to_json()}
        mention.approx = bool(APPROX_BEFORE.search(s[max(0, m.start() - 6):m.start()])
                              or APPROX_AFTER.match(s[m.end():m.end() + 4]))
        out.append(mention)
    return out


def _step(a: str) -> Decimal:
    """"100多" → 100 (100–200), "120多" → 10, "十多" → 10: the place of the last non-zero digit."""
    v = parse_number(a) or Decimal(0)
    n = int(v)
    if n <= 0:
        return Decimal(1)
    step = 1
    while n % (step * 10) == 0:
        step *= 10
    return Decimal(step if step > 1 or n < 10 else 1)


def _period_of(before: str, after: str, whole: str) -> str:
    m = MULTI_YEARS.search(whole)
    if m:
        return YEARS_PERIOD.get(_small(m.group("n") or m.group("n2") or m.group("n3")) or 0, "")
    if HALF_YEAR.search(whole):
        return "half_year"
    if re.match(r"\s*(/|每|一)?(个)?季", after) or QUARTER_MARK.search(before):
        return "quarter"
    if re.match(r"\s*(/|每|一)?(个)?月", after) or MONTH_MARK.search(before):
        return "month"
    if re.match(r"\s*(/|每|一)年", after) or YEAR_MARK.search(before):
        return "year"
    return ""


def _period(s: str, mention: _Mention) -> str:
    """month / quarter / half_year / year / two_years / three_years, from the mention's clause; a clause with no
    period word of its own ("每次21万") takes the period of the clauses before it ("每三个月交一次房租")."""
    seg_start, seg_end = _segment(s, mention.start)
    before, after = s[seg_start:mention.start], s[mention.end:seg_end][:6]
    found = _period_of(before, after, s[seg_start:seg_end])
    if found or seg_start == 0 or not re.search(r"每次|一次|每期|一期", before):
        return found
    earlier = s[:seg_start]
    return _period_of(earlier, "", earlier)


def _unit_price(s: str, mention: _Mention) -> Optional[str]:
    seg_start, seg_end = _segment(s, mention.start)
    near = s[max(seg_start, mention.start - 10):min(seg_end, mention.end + 10)]
    if not PER_AREA.search(near):
        return None
    if PER_DAY.search(near):
        return "day"
    if PER_MONTH_PRICE.search(near):
        return "month"
    return "year"


def _area(s: str, exclude: Tuple[int, int]) -> Optional[Tuple[Decimal, Decimal, bool]]:
    """The area the message gives (lo, hi, approximate), not counting "每平米"/"一平米" (a unit)."""
    for m in AREA_RE.finditer(s):
        if m.start() <= exclude[0] < m.end() or exclude[0] <= m.start() < exclude[1]:
            continue
        before = s[max(0, m.start() - 1):m.start()]
        n = m.group("n") or m.group("n3")
        if before in ("每", "/", "一") or n in ("一", "1"):
            continue
        lo = parse_number(n)
        n2 = m.group("n2") or m.group("n4")
        hi = parse_number(n2) if n2 else lo
        if lo is not None and hi is not None and lo > 0:
            approx = bool(APPROX_BEFORE.search(s[max(0, m.start() - 6):m.start()])
                          or re.search(r"大约|大概|约", m.group())
                          or APPROX_AFTER.match(s[m.end():m.end() + 4]))
            return lo, hi, approx
    return None


def _target(s: str, pos: int, end: int, words: Dict[str, "re.Pattern[str]"], anywhere: bool = True) -> Optional[str]:
    """The fact whose word is nearest before the mention in its segment (else after it, else anywhere)."""
    seg_start, seg_end = _segment(s, pos)
    best: Optional[Tuple[int, str]] = None
    for name, pattern in words.items():
        for m in pattern.finditer(s, seg_start, pos):
            if best is None or m.end() > best[0]:
                best = (m.end(), name)
    if best:
        between = s[best[0]:pos]
        return None if BENEFIT_WORDS.search(between) else best[1]
    for name, pattern in words.items():
        if pattern.search(s, end, seg_end):
            return name
    if not anywhere:
        return None
    found = [name for name, pattern in words.items() if pattern.search(s)]
    return found[0] if len(found) == 1 else None


def _read_money(u: Understanding, s: str, asked: Optional[str], known: Dict[str, Any]) -> None:
    mentions = _money_mentions(s)
    used_for_price: List[_Mention] = []
    for mention in mentions:
        if any(mm is mention for mm in used_for_price):
            continue
        words = {"annual_rent": RENT_WORDS, "event_cost": EVENT_WORDS}
        target = _target(s, mention.start, mention.end, words, anywhere=False)
        if target is None and _period(s, mention) in ("month", "quarter") and not POLICY_MONEY.search(s) \
                and not OTHER_MONEY.search(s):
            target = "annual_rent"  # 每月8万: a monthly sum here is a rent (event costs are not monthly)
        if target is None and _unit_price(s, mention):
            target = "annual_rent"  # 每平米每天4元: a price per area is a rent
        if target is None and "annual_rent" in known and _period(s, mention) not in ("", "year") \
                and not EVENT_WORDS.search(s):
            target = "annual_rent"  # 270万是三年加起来的: a period is about the rent
        if target is None:
            target = _target(s, mention.start, mention.end, words)
        correcting = u.correction or _contrast(s)
        if target is None and correcting and not RENT_WORDS.search(s) and not EVENT_WORDS.search(s):
            target = next((k for k in reversed(list(known)) if k in MONEY_FACTS), None)  # 不对，是150万
        if target is None:
            if POLICY_MONEY.search(s[max(0, mention.start - 6):mention.end + 6]):
                continue
            if asked in MONEY_FACTS:
                target = asked
            elif correcting:
                target = next((k for k in reversed(list(known)) if k in MONEY_FACTS), None)
        if target is None:
            continue
        _money_fact(u, s, mention, target, asked)


def _money_fact(u: Understanding, s: str, mention: _Mention, target: str, asked: Optional[str]) -> None:
    rng: Range = mention.value
    if mention.bad:
        u.problem(target, mention.bad, mention.text)
        return
    price = _unit_price(s, mention) if target == "annual_rent" else None
    basis = dict(mention.basis)
    approx = mention.approx
    if price:
        area = _area(s, (mention.start, mention.end))
        if area is None:
            u.problem(target, "need_area", mention.text, price=rng.to_json(), per=price)
            return
        a_lo, a_hi, a_approx = area
        approx = approx or a_approx
        days = {"day": 365, "month": 12, "year": 1}[price]
        p_lo, p_hi = mention.exact or (Decimal(rng.lo), Decimal(rng.hi))
        basis.update({"unit_price": _dec_json(p_lo, p_hi), "area": _dec_json(a_lo, a_hi), "per": price,
                      "multiplier": days})
        rng = Range(_yuan(p_lo * a_lo * days), _yuan(p_hi * a_hi * days))
    elif rng.hi <= 0 and not mention.bad:
        u.problem(target, "zero", mention.text)
        return
    elif not mention.has_unit:
        if rng.hi < 10_000:
            u.problem(target, "need_unit", mention.text, number=mention.text)
            return
    if target == "annual_rent" and not price:
        period = _period(s, mention)
        mult = {"month": 12, "quarter": 4, "half_year": 2}.get(period)
        if mult:
            rng = Range(rng.lo * mult, rng.hi * mult)
        elif period in YEARS_DIVISOR:
            rng = Range(rng.lo // YEARS_DIVISOR[period], rng.hi // YEARS_DIVISOR[period])
        basis["period"] = period or ("year" if asked == "annual_rent" else "assumed_year")
    if rng.hi <= 0:
        u.problem(target, "zero", mention.text)
        return
    if rng.hi > MAX_YUAN_PER_YEAR:
        u.problem(target, "too_large", mention.text)
        return
    u.add(Fact(target, rng, VALUE, mention.start, mention.end, mention.text, approx, basis))


def _yuan(d: Decimal) -> int:
    return int(d.quantize(Decimal(1), rounding="ROUND_HALF_UP"))


def _dec_json(lo: Decimal, hi: Decimal) -> Any:
    def one(d: Decimal) -> Any:
        return int(d) if d == d.to_integral_value() else float(d)
    return one(lo) if lo == hi else [one(lo), one(hi)]


# --------------------------------------------------------------------------------------------------- dates
def _date_mentions(s: str, today: date) -> List[_Mention]:
    out: List[_Mention] = []
    taken: List[Tuple[int, int]] = []

    def add(m: "re.Match[str]", span: Optional[DateSpan], bad: Optional[str] = None) -> None:
        if any(a < m.end() and m.start() < b for a, b in taken):
            return
        taken.append((m.start(), m.end()))
        out.append(_Mention(m.start(), m.end(), m.group(), span, bad if span is not None or bad else "bad_date"))

    for pattern in DATE_RES:
        for m in pattern.finditer(s):
            gd = m.groupdict()
            y = _year(gd["y"], today)
            if y is None or not 1949 <= y <= today.year + 5:
                continue
            span, bad = _part_span(y, gd)
            add(m, span, bad)
    for m in REL_RE.finditer(s):
        gd = m.groupdict()
        y = today.year + RELATIVE_YEAR[gd["r"]]
        span, bad = _part_span(y, gd)
        add(m, span, bad)
    for m in YEARS_AGO.finditer(s):
        n = _small(m.group("n"))
        if n is not None and 0 < n < 80:
            add(m, _span(today.year - n))
    for m in SINCE_ENTRY.finditer(s):
        span = _since(m, today)
        if span is not None:
            add(m, span)
    for m in MONTHS_REL.finditer(s):
        word = m.group()
        n = _small(m.group("n")) if m.group("n") else {"上个月": 1, "上月": 1, "这个月": 0, "本月": 0, "当月": 0,
                                                         "下个月": -1, "下月": -1}.get(word, 0)
        total = today.year * 12 + today.month - 1 - n
        add(m, _span(total // 12, total % 12 + 1))
    return out


def _since(m: "re.Match[str]", today: date) -> Optional[DateSpan]:
    """"入驻四年了" → entered between five and four years ago; "一年多" → between two and one; months likewise."""
    months_per = 12 if m.group("unit") == "年" else 1
    n = Decimal("0.5") if m.group("n") == "半" else parse_number(m.group("n"))
    if n is None or n <= 0:
        return None
    back = int(n * months_per)
    extra = months_per if m.group("many") or m.group("unit") == "年" else 1
    latest = _months_back(today, back)
    earliest = _months_back(today, back + extra) + timedelta(days=1)
    return DateSpan(earliest, latest)


def _months_back(d: date, months: int) -> date:
    total = d.year * 12 + d.month - 1 - months
    y, mo = divmod(total, 12)
    return date(y, mo + 1, min(d.day, calendar.monthrange(y, mo + 1)[1]))


def _clip(span: DateSpan, today: date) -> Tuple[Optional[DateSpan], Optional[str]]:
    if span.start > today:
        return None, "future_date"
    return DateSpan(span.start, min(span.end, today)), None


DATE_RANGE_SEP = re.compile(r"\s*(到|至|~|-|—|或者|或是|或)\s*$")


def _join_date_ranges(s: str, mentions: List[_Mention]) -> List[_Mention]:
    """"2023年底到2024年初" / "2023年或2024年": one interval from the first's start to the second's end."""
    out: List[_Mention] = []
    for m in mentions:
        prev = out[-1] if out else None
        if prev is not None and isinstance(prev.value, DateSpan) and isinstance(m.value, DateSpan) \
                and not prev.bad and not m.bad and DATE_RANGE_SEP.fullmatch(s[prev.end:m.start]) \
                and prev.value.start <= m.value.end:
            out[-1] = _Mention(prev.start, m.end, s[prev.start:m.end], DateSpan(prev.value.start, m.value.end))
            continue
        out.append(m)
    return out


def _read_dates(u: Understanding, s: str, asked: Optional[str], known: Dict[str, Any], today: date) -> None:
    mentions = _date_mentions(s, today)
    if asked == "entry_date" or ENTRY_WORDS.search(s):
        for m in SHORT_NUMERIC_DATE.finditer(s):
            if not any(x.start <= m.start() < x.end for x in mentions):
                y, mo = _year(m.group("y"), today), int(m.group("m"))
                mentions.append(_Mention(m.start(), m.end(), m.group(), _span(y, mo) if y else None))
    for mention in _join_date_ranges(s, sorted(mentions, key=lambda x: x.start)):
        target = _date_target(s, mention, asked, u, known)
        if target is None:
            continue
        if mention.bad or mention.value is None:
            u.problem(target, mention.bad or "bad_date", mention.text)
            continue
        span, bad = _clip(mention.value, today)
        if bad:
            u.problem(target, bad, mention.text)
            continue
        approx = bool(APPROX_BEFORE.search(s[max(0, mention.start - 6):mention.start])  # 大概是2023年
                      or re.match(r"\s*(左右|前后|上下)", s[mention.end:]))
        if target == "entry_date":
            u.add(Fact(target, span, VALUE, mention.start, mention.end, mention.text, approx))
        else:
            year = span.single_year()
            if year is not None:
                u.add(Fact(target, year, VALUE, mention.start, mention.end, mention.text, approx))
    _month_answer(u, s, asked, known, today)


def _date_target(s: str, mention: _Mention, asked: Optional[str], u: Understanding,
                 known: Dict[str, Any]) -> Optional[str]:
    seg_start, seg_end = _segment(s, mention.start)
    seg = s[seg_start:seg_end]
    if POLICY_DATE_WORDS.search(seg):
        return None
    words = {"entry_date": ENTRY_WORDS, "honour_year": HONOUR_WORDS, "recognition_year": RECOGNITION_WORDS}
    if ENTRY_WORDS.search(seg):
        return "entry_date"
    kind = _level_kind(seg)
    if kind:
        return kind + "_year"
    if asked in LEVEL_FACTS:
        return asked.replace("_level", "_year")  # 市级，2024年的
    if asked in DATE_FACTS:
        return asked
    found = [name for name, pattern in words.items() if pattern.search(s)]
    if len(found) == 1:
        return found[0]
    if u.correction:
        return next((k for k in reversed(list(known)) if k in DATE_FACTS), None)
    return None


def _known_span(known: Dict[str, Any]) -> Optional[DateSpan]:
    v = known.get("entry_date")
    if isinstance(v, DateSpan):
        return v
    if isinstance(v, (list, tuple)) and len(v) == 2:
        return DateSpan(date.fromisoformat(str(v[0])), date.fromisoformat(str(v[1])))
    if isinstance(v, str):
        try:
            return DateSpan.parse(v)
        except ValueError:
            return None
    return None


def _month_answer(u: Understanding, s: str, asked: Optional[str], known: Dict[str, Any], today: date) -> None:
    """"3月" / "三月份" / "年底" answering the month question (or correcting the entry date: "不是年底，是年初入驻的"),
    in the year already given."""
    if u.fact("entry_date") or any(p.fact == "entry_date" for p in u.problems):
        return
    if asked != "entry_date" and not (ENTRY_WORDS.search(s) and _known_span(known) is not None):
        return
    m = MONTH_ALONE.search(s)
    if not m:
        q = QUAL_ALONE.search(s)
        span = _known_span(known)
        year = span.single_year() if span else None
        if q and year is not None:
            clipped, bad = _clip(_span(year, q=q.group("q")), today)
            if bad:
                u.problem("entry_date", bad, q.group())
            else:
                u.add(Fact("entry_date", clipped, VALUE, q.start(), q.end(), q.group()))
        return
    month = _small(m.group("m"))
    day = _small(m.group("dn")) if m.group("dn") else None
    span = _known_span(known)
    year = span.single_year() if span else None
    if month is None or not 1 <= month <= 12:
        u.problem("entry_date", "bad_date", m.group())
        return
    if year is None:
        u.problem("entry_date", "need_year", m.group(), month=month)
        return
    new = _span(year, month, day)
    if new is None:
        u.problem("entry_date", "bad_date", m.group())
        return
    clipped, bad = _clip(new, today)
    if bad:
        u.problem("entry_date", bad, m.group())
    else:
        u.add(Fact("entry_date", clipped, VALUE, m.start(), m.end(), m.group()))


# --------------------------------------------------------------------------------------------------- words
@lru_cache(maxsize=1)
def _vocab() -> List[Tuple[str, "re.Pattern[str]", str, str]]:
    voc = vocabulary()
    out: List[Tuple[str, str, str]] = []
    for canon, spec in voc["categories"].items():
        for a in [canon] + spec.get("aliases", []):
            out.append((a, "category", canon))
    other = voc["other_hr_service"]
    for a in other["aliases"]:
        if a not in ("人力资源服务", "人力资源服务机构"):  # the policy's own words for every applicant
            out.append((a, "category", other["canonical"]))
    for a in voc["not_listed_examples"]:
        out.append((a, "category", a))
    for canon, spec in voc["rank_500"].items():
        for a in spec["aliases"]:
            if re.search(r"[\u4e00-\u9fff]", a) and canon != "none":
                out.append((a, "rank_500", canon))
    for canon, spec in voc["establishments"].items():
        for a in spec["aliases"]:
            out.append((a, "establishment", canon))
    out = [x for x in out if x[0] not in NOT_CATEGORY_WORDS] + list(EXTRA_WORDS)
    out.sort(key=lambda x: -len(x[0]))
    return [(a, re.compile(re.escape(a), re.IGNORECASE), fact, canon) for a, fact, canon in out]


def _levels() -> List[Tuple[str, str]]:
    out = []
    for canon, spec in vocabulary()["honour_levels"].items():
        if isinstance(spec, dict):
            out += [(a, canon) for a in spec["aliases"]]
    return sorted(out, key=lambda x: -len(x[0]))


WORD_NEGATED = re.compile(r"(不是|并非|不属于|不算|不做|非|不)(一家|一个|做|搞)?\s*$")
ALTERNATIVE = re.compile(r"还是|或者|或是|或")
SELF = re.compile(r"我们|我司|我公司|本公司|咱们|我单位|我方|本单位|我这边|我们这边|这边|我是")
QUESTION = re.compile(r"什么|怎么|如何|哪些|哪个|哪种|吗|么|[?？]|是否|指的是|定义|要求|条件|标准|可以申请|能申请")
EXTRA_WORDS = [("财富500强", "rank_500", "global"), ("财富五百强", "rank_500", "global"),
               ("全球五百强", "rank_500", "global"), ("国内五百强", "rank_500", "china")]
NOT_CATEGORY_WORDS = {"展会"}  # holding an exhibition is an event (event_cost), not the 会展经济 business


def _read_words(u: Understanding, s: str, asked: Optional[str]) -> None:
    taken = [False] * len(s)
    none = RANK_NONE.search(s)
    if none:
        for i in range(none.start(), none.end()):
            taken[i] = True
    found: Dict[str, List[Tuple["re.Match[str]", str]]] = {}
    for alias, pattern, fact, canon in _vocab():
        for mm in pattern.finditer(s):
            if any(taken[mm.start():mm.end()]):
                continue
            if alias == "招聘" and s[mm.end():mm.end() + 1] == "会":
                continue
            for i in range(mm.start(), mm.end()):
                taken[i] = True
            seg_start, seg_end = _segment(s, mm.start())
            seg = s[seg_start:seg_end]
            if WORD_NEGATED.search(s[seg_start:mm.start()]):
                continue  # 我们不是猎头公司: what it is not
            if fact == "category" and re.match(r"\s*(实训)?基地", s[mm.end():]):
                continue  # 人才培养实训基地 names the base
            if asked != fact and QUESTION.search(seg) and not SELF.search(s):
                continue  # 高端猎头的定义是什么: a question about the word
            found.setdefault(fact, []).append((mm, canon))
    for fact, hits in found.items():
        canons = {c for _, c in hits}
        if len(canons) > 1:
            between = s[min(m.start() for m, _ in hits):max(m.end() for m, _ in hits)]
            if ALTERNATIVE.search(between):
                continue  # 总部还是分支机构: undecided
            # 总公司在北京，这边是分公司: a word followed by 在 <place> is another entity
            kept = [(m, c) for m, c in hits if not re.match(r"\s*(在|位于|设在)", s[m.end():])]
            hits = kept or hits
        mm, canon = hits[0]
        u.add(Fact(fact, canon, VALUE, mm.start(), mm.end(), mm.group()))
    if none and u.fact("rank_500") is None:
        u.add(Fact("rank_500", "none", NEGATION, none.start(), none.end(), none.group()))
    if re.search(r"500强|五百强", s) and u.fact("rank_500") is None and asked == "rank_500":
        u.problem("rank_500", "need_rank")
    _read_levels(u, s, asked)


def _read_levels(u: Understanding, s: str, asked: Optional[str]) -> None:
    for fact, pattern in LEVEL_NONE.items():
        m = pattern.search(s)
        if m:
            u.add(Fact(fact, "无", NEGATION, m.start(), m.end(), m.group()))
    for alias, canon in _levels():
        for m in re.finditer(re.escape(alias), s):
            seg_start, seg_end = _segment(s, m.start())
            seg = s[seg_start:seg_end]
            if alias in ("国家", "市里", "区里") and not re.search(r"荣誉|嘉奖|表彰|资质|认定|示范|称号|颁发|级", seg):
                continue
            kind = _level_kind(seg)
            if kind:
                fact = kind + "_level"
            elif asked in LEVEL_FACTS:
                fact = asked
            else:
                continue
            stated = POSSESS.search(seg) or asked in LEVEL_FACTS or (POSSESS.search(s) and not QUESTION.search(s))
            if not stated or (QUESTION_TAIL.search(seg) and not re.search(r"我们|我司|我公司|本公司|拿了|获得了", seg)):
                continue
            u.add(Fact(fact, canon, VALUE, m.start(), m.end(), m.group()))


RECOGNITION_STRONG = re.compile(r"认定|资质")


def _level_kind(seg: str) -> Optional[str]:
    """"recognition" for 认定/资质, "honour" for 荣誉/称号/评为 (被评为…示范机构 is an honour title), else
    "recognition" for 示范/创新项目."""
    if RECOGNITION_STRONG.search(seg):
        return "recognition"
    if HONOUR_WORDS.search(seg):
        return "honour"
    if RECOGNITION_WORDS.search(seg):
        return "recognition"
    return None


def _read_booleans(u: Understanding, s: str) -> None:
    m = PORT_NO.search(s)
    if m:
        u.add(Fact("in_talent_port", False, NEGATION, m.start(), m.end(), m.group()))
    else:
        m = PORT_YES.search(s)
        if m:
            u.add(Fact("in_talent_port", True, VALUE, m.start(), m.end(), m.group()))
    m = BASE_NO.search(s)
    if m:
        u.add(Fact("training_base", False, NEGATION, m.start(), m.end(), m.group()))
    else:
        m = BASE_YES.search(s)
        if m:
            u.add(Fact("training_base", True, VALUE, m.start(), m.end(), m.group()))
    m = EVENT_NONE.search(s)
    if m and u.fact("event_cost") is None:
        u.add(Fact("event_cost", Range(0, 0), NEGATION, m.start(), m.end(), m.group()))


def _count_value(n_text: str, many: Optional[str]) -> Optional[Range]:
    n = parse_number(n_text)
    if n is None:
        pair = parse_neighbours(n_text)  # 五六个
        if pair is None or any(v != v.to_integral_value() for v in pair):
            return None
        return Range(int(pair[0]), int(pair[1]))
    if n != n.to_integral_value() or n > 100_000 or n < 0:
        return None
    lo = int(n)
    return Range(lo, lo + int(_step(n_text)) if many else lo)


def _read_count(u: Understanding, s: str, asked: Optional[str], known: Dict[str, Any], contrast: bool) -> None:
    correcting = "talent_recommendations" in known and (u.correction or contrast)
    if asked != "talent_recommendations" and not COUNT_CONTEXT.search(s) and not correcting:
        return
    if NOT_COUNT_CONTEXT.search(s):
        return
    m = COUNT_NONE.search(s)
    if m:
        u.add(Fact("talent_recommendations", Range(0, 0), NEGATION, m.start(), m.end(), m.group()))
        return
    for m in COUNT_RE.finditer(s):
        if _NEAR_VAGUE.search(s[max(0, m.start() - 2):m.start()]):
            continue
        rng = _count_value(m.group("n"), m.group("many"))
        if rng is None:
            continue
        u.add(Fact("talent_recommendations", rng, VALUE, m.start(), m.end(), m.group(), _approx_at(s, m)))
        return
    if asked == "talent_recommendations":
        bare = re.fullmatch(rf"\s*(?:有\s*)?(?P<ap>大概|大约|约|差不多|将近|接近|估计)?\s*(?P<n>{_RUN})(?P<many>多|几|来)?\s*"
                            rf"(个|名|位|人)?\s*(?P<aa>吧|左右|上下|的样子)?\s*", s)
        rng = _count_value(bare.group("n"), bare.group("many")) if bare else None
        if rng is not None:
            u.add(Fact("talent_recommendations", rng, VALUE, 0, len(s), s, bool(bare.group("ap") or bare.group("aa"))))
    if u.fact("talent_recommendations") is None and VAGUE_COUNT.search(s) and (
            asked == "talent_recommendations" or COUNT_CONTEXT.search(s)):
        u.problem("talent_recommendations", "vague", VAGUE_COUNT.search(s).group())


def _approx_at(s: str, m: "re.Match[str]") -> bool:
    return bool(APPROX_BEFORE.search(s[max(0, m.start() - 6):m.start()]) or APPROX_AFTER.match(s[m.end():m.end() + 4]))


def _read_name(u: Understanding, s: str) -> None:
    m = NAME_RE.search(s)
    if m:
        u.add(Fact("name", m.group("n"), VALUE, m.start("n"), m.end("n"), m.group("n")))


# --------------------------------------------------------------------------------------------------- answers
TIME_WORDS = re.compile(r"时间|日期|哪年|几月|月份|哪个月|哪一年|什么时候|哪天")
FACT_WORDS = {
    "annual_rent": RENT_WORDS, "entry_date": re.compile(r"入驻|进驻|入驻时间|进来的时间"),
    "honour_level": HONOUR_WORDS, "recognition_level": RECOGNITION_WORDS, "event_cost": EVENT_WORDS,
    "talent_recommendations": re.compile(r"推荐|引进"), "training_base": re.compile(r"基地"),
    "rank_500": re.compile(r"500强|五百强"), "category": re.compile(r"领域|业务|行业|类别"),
    "establishment": re.compile(r"总部|分支|分公司|合资|设立形式"), "in_talent_port": re.compile(r"人才港"),
}


def _read_unknown(u: Understanding, s: str, asked: Optional[str], known: Dict[str, Any]) -> None:
    m = UNKNOWN_RE.search(s)
    span = _known_span(known)
    month_question = asked == "entry_date" and span is not None and not span.exact and span.single_year()
    if not m:
        if month_question and NO_RE.match(s.strip()):
            u.add(Fact("entry_date", None, UNKNOWN, 0, len(s), s))
        return
    for m in UNKNOWN_RE.finditer(s):
        seg_start, seg_end = _segment(s, m.start())
        seg = s[seg_start:seg_end]
        named = [f for f, p in FACT_WORDS.items() if p.search(seg)]
        if TIME_WORDS.search(seg) and asked in DATE_FACTS and "entry_date" not in named:
            named.append(asked)  # 哪年拿的忘了, asked the year of the honour
        if asked in named:
            named = [asked] + [f for f in named if f != asked]
        targets = named or ([asked] if asked else [])
        for t in targets:
            if u.fact(t) is None and not any(p.fact == t for p in u.problems):
                u.add(Fact(t, None, UNKNOWN, m.start(), m.end(), m.group()))


def _yes_no(u: Understanding, s: str, asked: Optional[str]) -> None:
    if not asked or u.fact(asked) is not None or any(p.fact == asked for p in u.problems):
        return
    t = re.sub(r"[\s，,。.!！~]+", "", s)
    yes, no = bool(YES_RE.match(t)), bool(NO_RE.match(t))
    if not (yes or no):
        # "没有。房租一年90万" / "有的，去年评上了区级荣誉": the answer first, then more facts
        first = re.split(r"[，,。；;！!？?\n]", s.strip(), maxsplit=1)[0].strip()
        if not first or first == s.strip():
            return
        yes, no = bool(YES_RE.match(first)), bool(NO_RE.match(first))
        if not (yes or no):
            return
    if asked in BOOL_FACTS:
        u.add(Fact(asked, yes, VALUE if yes else NEGATION, 0, len(s), s))
    elif asked in LEVEL_FACTS:
        u.add(Fact(asked, "无", NEGATION, 0, len(s), s)) if no else u.problem(asked, "need_level")
    elif asked == "talent_recommendations":
        u.add(Fact(asked, Range(0, 0), NEGATION, 0, len(s), s)) if no else u.problem(asked, "need_count")
    elif asked == "event_cost":
        u.add(Fact(asked, Range(0, 0), NEGATION, 0, len(s), s)) if no else u.problem(asked, "need_cost")
    elif asked == "rank_500":
        u.add(Fact(asked, "none", NEGATION, 0, len(s), s)) if no else u.problem(asked, "need_rank")
    elif asked == "entry_date" and no:
        u.add(Fact(asked, None, UNKNOWN, 0, len(s), s))


def _bare_year(u: Understanding, s: str, asked: Optional[str], today: date) -> None:
    m = re.fullmatch(r"\s*((?:19|20)\d{2})\s*(年)?(的|吧)?\s*", s)
    if not m or asked not in DATE_FACTS or u.fact(asked):
        return
    y = int(m.group(1))
    if y > today.year:
        u.problem(asked, "future_date", m.group(1))
    elif asked == "entry_date":
        span, _ = _clip(DateSpan(date(y, 1, 1), date(y, 12, 31)), today)
        u.add(Fact(asked, span, VALUE, m.start(1), m.end(1), m.group(1)))
    else:
        u.add(Fact(asked, y, VALUE, m.start(1), m.end(1), m.group(1)))


def _period_swap(u: Understanding, s: str, known: Dict[str, Any]) -> None:
    """"是每月不是每年" with no new figure: the rent already given was monthly (×12), or the reverse (÷12)."""
    if u.fact("annual_rent") or "annual_rent" not in known or _money_mentions(s):
        return  # 不是每月，是每年70万: the new figure is read as it is
    old = known["annual_rent"]
    lo, hi = (old if isinstance(old, (list, tuple)) else (old, old))
    if isinstance(old, Range):
        lo, hi = old.lo, old.hi
    m = PERIOD_SWAP.search(s)
    if m:
        u.add(Fact("annual_rent", Range(int(lo) * 12, int(hi) * 12), CORRECTION, m.start(), m.end(), m.group(),
                   basis={"amount": Range(int(lo), int(hi)).to_json(), "period": "month"}))
        return
    m = PERIOD_SWAP_BACK.search(s)
    if m:
        u.add(Fact("annual_rent", Range(int(lo) // 12, int(hi) // 12), CORRECTION, m.start(), m.end(), m.group(),
                   basis={"period": "year"}))
        return
    # "刚才那个是一个季度的" / "不对，那是月租": no new figure, the one given (read as yearly) had another period
    if _money_mentions(s) or QUESTION.search(s) or not (CORRECTION_RE.search(s) or DEIXIS.search(s)):
        return
    period = _period_of(s, "", s)
    mult = {"month": 12, "quarter": 4, "half_year": 2}.get(period)
    if mult:
        new = Range(int(lo) * mult, int(hi) * mult)
    elif period in YEARS_DIVISOR:
        new = Range(int(lo) // YEARS_DIVISOR[period], int(hi) // YEARS_DIVISOR[period])
    else:
        return
    u.add(Fact("annual_rent", new, CORRECTION, 0, len(s), s,
               basis={"amount": Range(int(lo), int(hi)).to_json(), "period": period}))


DEIXIS = re.compile(r"那是|那个是|那个数|这个数是|刚才|刚刚|之前说的|前面说的|上面说的|那笔")


def _mask_not_x(s: str) -> str:
    """"不是市级，是区级" / "是区级，不是市级" → the 市级 part blanked (same length), so only what the user affirms
    is read."""
    out = s
    for m in NOT_X_BUT_Y.finditer(s):
        a, b = m.start("x"), m.end("x")
        out = out[:a] + "\u3000" * (b - a) + out[b:]
    for m in Y_NOT_X.finditer(s):
        if PERIOD_SWAP_BACK.search(m.group()) or PERIOD_SWAP.search(m.group()):
            continue
        a, b = m.start("x"), m.end("x")
        out = out[:a] + "\u3000" * (b - a) + out[b:]
    return out


A_NOT_A = re.compile(r"是不是|有没有|在不在|算不算|属不属于|是否|建没建|办没办|拿没拿")


def _mask_questions(s: str) -> str:
    """"是不是500强" / "有没有实训基地" ask; they state neither the value nor its negation."""
    return A_NOT_A.sub(lambda m: "\u3000" * len(m.group()), s)


def _contrast(s: str) -> bool:
    """"不是X，是Y" / "是Y，不是X": replaces X when X was given before."""
    return bool(NOT_X_BUT_Y.search(s) or Y_NOT_X.search(s))


# --------------------------------------------------------------------------------------------------- entry point
def understand(text: str, asked: Optional[str] = None, known: Optional[Dict[str, Any]] = None,
               today: Optional[date] = None) -> Understanding:
    """Every profile fact in ``text``. ``asked`` is the fact the bot just asked for; ``known`` the facts so far
    (in the order they were given, most recent last); ``today`` resolves 去年/今年 and rejects future dates."""
    if today is None:
        raise ValueError("understand() needs today (the rules never read the clock)")
    known = dict(known or {})
    raw = clean(text)[:1000]
    s = normalise(raw)
    u = Understanding(raw, correction=bool(CORRECTION_RE.search(s) or PERIOD_SWAP.search(s)
                                           or PERIOD_SWAP_BACK.search(s)))
    masked = _mask_questions(_mask_not_x(s))
    _period_swap(u, s, known)
    _read_booleans(u, masked)
    _read_dates(u, masked, asked, known, today)
    _read_money(u, masked, asked, known)
    _read_words(u, masked, asked)
    _read_count(u, masked, asked, known, _contrast(s))
    _read_name(u, s)
    _bare_year(u, s, asked, today)
    _yes_no(u, s, asked)
    _read_unknown(u, s, asked, known)
    _vague_money(u, s, asked)
    _implied(u)
    _kinds(u, known, _contrast(s))
    return u


def _same(f: Fact, old: Any) -> bool:
    new = f.json_value()
    if isinstance(old, Range):
        old = old.to_json()
    if isinstance(old, DateSpan):
        old = old.iso()
    if isinstance(old, (list, tuple)) and len(old) == 2:
        if f.name == "entry_date":
            old = DateSpan(date.fromisoformat(str(old[0])), date.fromisoformat(str(old[1]))).iso()
        else:
            old = old[0] if old[0] == old[1] else list(old)
    return new == old or str(new) == str(old)


def _vague_money(u: Understanding, s: str, asked: Optional[str]) -> None:
    """几十万 / 不少钱 about the rent or the event cost: a vague amount, re-asked."""
    m = VAGUE_RE.search(s)
    if not m:
        return
    target = _target(s, m.start(), m.end(), {"annual_rent": RENT_WORDS, "event_cost": EVENT_WORDS})
    if target is None and asked in MONEY_FACTS:
        target = asked
    if target is None or u.fact(target) is not None or QUESTION.search(s[m.end():m.end() + 3]):
        return
    u.problem(target, "vague", m.group())


def _implied(u: Understanding) -> None:
    """A dated entry says the institution is in the port: the profile adds in_talent_port, so it is not a
    separate fact here (已经入驻了，2024年3月进来的 → entry_date only)."""
    entry, port = u.fact("entry_date"), u.fact("in_talent_port")
    if entry is not None and entry.value is not None and port is not None and port.value is True:
        u.facts.remove(port)


def _kinds(u: Understanding, known: Dict[str, Any], contrast: bool) -> None:
    """A fact that replaces one already given, in a message that says so (不对/改成, or "不是X，是Y" about a value
    given before), is a correction."""
    for f in u.facts:
        if f.kind == UNKNOWN:
            continue
        if u.correction and (f.name in known or not known):
            f.kind = CORRECTION
        elif contrast and f.name in known and not _same(f, known[f.name]):
            f.kind = CORRECTION


def known_from_slots(slots: Dict[str, Any], order: Sequence[str]) -> Dict[str, Any]:
    """Slot values → the ``known`` mapping ``understand`` takes (only facts with a value)."""
    return {k: slots[k] for k in order if slots.get(k) not in (None, "不清楚")}
