"""Glue between policy_kb's understanding layer and the form's slots: a message → slot events and what to say.

Slot values are the profile JSON's (money in yuan, a range as [lo, hi]; dates as ISO days or intervals
"2024-03-01/2024-03-31"); policy_kb.profile validates each one. Facts the user does not know (不清楚, 忘了, 跳过)
or that failed twice go into ``skipped_facts``: never asked again, left undecided in the report.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from rasa_sdk import Tracker

from policy_kb import facts as fact_registry
from policy_kb.clock import today
from policy_kb.engine import money_text
from policy_kb.profile import Profile, ProfileError
from policy_kb.report import fact_text
from policy_kb.understand import UNKNOWN, Range, Understanding, understand

from .common import latest_text

UNKNOWN_VALUE = "不清楚"  # the value older conversations stored for "the user does not know"
PROFILE_SLOTS = [fact_registry.fact(f).slot for f in fact_registry.asked()]  # the form's slots, in ask order
MAX_FAILED_ANSWERS = 2  # after two answers that cannot be used, the fact is recorded as unknown


@dataclass
class Reading:
    """What one message changes: slot values, skipped facts, and the lines to say (response name, kwargs)."""

    updates: dict[str, Any] = field(default_factory=dict)
    skipped: list[str] = field(default_factory=list)
    recorded: list[str] = field(default_factory=list)  # say-back texts of new values
    corrected: list[str] = field(default_factory=list)  # say-back texts of changed values
    problems: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    understanding: Understanding | None = None

    @property
    def empty(self) -> bool:
        return not (self.updates or self.skipped or self.problems)

    def answered(self, fact: str | None) -> bool:
        return fact is not None and (fact in self.updates or fact in self.skipped)


def has_profile(tracker: Tracker) -> bool:
    """Some fact about the institution is in the slots (a report can be made, a what-if compared)."""
    return any(tracker.get_slot(s) is not None for s in PROFILE_SLOTS)


def known_facts(tracker: Tracker) -> dict[str, Any]:
    """The facts so far, in the order they were last set (most recent last): corrections refer back to them."""
    order: list[str] = []
    for e in tracker.events:
        if e.get("event") == "slot" and e.get("name") in PROFILE_SLOTS:
            if e["name"] in order:
                order.remove(e["name"])
            order.append(e["name"])
    order += [s for s in PROFILE_SLOTS if s not in order]
    return {s: tracker.get_slot(s) for s in order if tracker.get_slot(s) not in (None, UNKNOWN_VALUE)}


# The answer to "房租7万元是每月还是每年？" may be the period alone: "每月", "按年", "月租", "一年的"
BARE_PERIOD = re.compile(
    r"^(是|按|算|都是|我们是)?(每|一)?个?(?P<p>月|年)度?(租金?|房租|付款?|交|缴|的|算|计|吧|啊|呀|哈|呢)*[。.!！]?$"
)
PERIOD_WORD = re.compile(r"[月年季天日周]")


def _message_text(tracker: Tracker, asked: str | None) -> str:
    """The latest message; a bare period answering the period question carries the amount asked about."""
    text = latest_text(tracker)
    said = tracker.get_slot("rent_said")
    m = BARE_PERIOD.match(text.replace(" ", "")) if said and asked == "annual_rent" else None
    return f"每{m.group('p')}{said}" if m else text


def read_message(tracker: Tracker, asked: str | None) -> Reading:
    """Every fact in the latest message, validated through the profile rules."""
    known = known_facts(tracker)
    text = _message_text(tracker, asked)
    u = understand(text, asked, known, today())
    r = Reading(understanding=u)
    _drop_rent_without_period(tracker, asked, text, u)
    port = u.fact("in_talent_port")
    for p in u.problems:
        if p.fact == "entry_date" and port is not None and port.value is False:
            continue  # "打算明年入驻": not in the port yet — the future date is not an error to re-ask
        if p.code == "need_period":  # "我们房租7万": kept as said, asked as the form's next question
            r.updates["rent_said"] = money_text(_range(p.params["amount"]))  # (action_ask_annual_rent)
            continue
        code = "future_year" if p.code == "future_date" and p.fact != "entry_date" else p.code
        # not the user's words as ``text``: rasa_sdk takes that as the message itself, in place of the template
        r.problems.append((f"utter_problem_{code}", shown_params(p.params)))
    for f in u.facts:
        if f.kind == UNKNOWN:
            r.skipped.append(f.name)
            continue
        value = f.json_value()
        if f.name == "name":
            r.updates["institution_name"] = value
            continue
        try:
            Profile.from_dict({f.name: value}, today())
        except ProfileError as e:
            r.problems.extend(("utter_form_problem", {"problem": p}) for p in e.problems)
            continue
        old = known.get(f.name)
        r.updates[f.name] = value
        if old is not None and old != value:
            r.corrected.append(fact_text(f))
        elif old is None:  # every value taken is said back, so the user can check what was understood
            r.recorded.append(fact_text(f))
    if tracker.get_slot("rent_said") and ("annual_rent" in r.updates or "annual_rent" in r.skipped):
        r.updates["rent_said"] = None  # the period question is answered (or skipped)
    if r.updates.get("in_talent_port") is False:
        r.updates["entry_date"] = None  # not in the port: no entry date
    elif r.updates.get("entry_date"):
        r.updates.setdefault("in_talent_port", True)
    return r


def _drop_rent_without_period(tracker: Tracker, asked: str | None, text: str, u: Understanding) -> None:
    """Answering "房租7万元是每月还是每年？" with an amount and still no period ("7万") answers nothing, so it is asked
    once more, then skipped."""
    rent = u.fact("annual_rent")
    if rent is None or rent.kind == UNKNOWN:  # 不清楚 / 跳过 answer it
        return
    if asked == "annual_rent" and tracker.get_slot("rent_said") and not PERIOD_WORD.search(text):
        u.facts.remove(rent)


def _range(v: Any) -> Any:
    return Range(*v) if isinstance(v, list) else v


def shown_params(params: dict[str, Any]) -> dict[str, Any]:
    """A problem's parameters for its template: amounts in 万元 ("100万元、110万元"), lists joined."""
    out: dict[str, Any] = {}
    for k, v in params.items():
        if k == "amounts":
            v = [money_text(_range(x)) for x in v]
        elif k == "amount":
            v = money_text(_range(v))
        out[k] = "、".join(map(str, v)) if isinstance(v, list) else v
    return out


def profile_from_slots(tracker: Tracker) -> tuple[Profile, list[str]]:
    """The profile in the slots, and the facts the user could not give (skipped)."""
    data, skipped = slot_profile(tracker)
    return valid_profile(data), _dedupe(skipped)


def slot_profile(tracker: Tracker) -> tuple[dict[str, Any], list[str]]:
    """The profile JSON in the slots (not yet validated), and the facts skipped."""
    skipped = list(tracker.get_slot("skipped_facts") or [])
    data: dict[str, Any] = {}
    for s in PROFILE_SLOTS:
        v = tracker.get_slot(s)
        if v == UNKNOWN_VALUE:
            skipped.append(s)
        elif v is not None:
            data[s] = v
    if data.get("in_talent_port") is False:
        data.pop("entry_date", None)
    name = tracker.get_slot("institution_name")
    if name:
        data["name"] = name
    return data, skipped


def valid_profile(data: dict[str, Any], on: date | None = None) -> Profile:
    """The profile of ``data`` on a day (today by default); a value valid when given may not be on a later day:
    what fails is dropped."""
    on = on or today()
    try:
        return Profile.from_dict(data, on)
    except ProfileError:
        good = {}
        for k, v in data.items():
            try:
                Profile.from_dict({k: v}, on)
                good[k] = v
            except ProfileError:
                pass
        return Profile.from_dict(good, on)


def _dedupe(items: list[str]) -> list[str]:
    out: list[str] = []
    for i in items:
        if i not in out:
            out.append(i)
    return out
