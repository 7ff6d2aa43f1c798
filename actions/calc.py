"""Numbers in a question are answered at once: a question about 三、2 or 三、7 that carries the figures gets the
computed amount in its first line (per year and the three-year total, or the cap), with the conditions after it —
the same understanding layer and the same engine as the self-check."""

from __future__ import annotations

import re
from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from policy_kb import aspects
from policy_kb.asof import AsOf
from policy_kb.clock import today
from policy_kb.engine import benefit, money_text
from policy_kb.kb import PolicyKB
from policy_kb.profile import Profile
from policy_kb.report import fact_text
from policy_kb.rules import Measure, messages
from policy_kb.understand import MONEY_FACTS, Understanding

from .common import INTENT_MEASURE, asked_as_of, kb, kb_on, latest_intent, latest_text, understood, version_note
from .facts import has_profile, shown_params

FIGURE_MEASURES = {"annual_rent": "三、2", "event_cost": "三、7"}
FIGURE_ASPECTS = ("amount", "cap", "computation", "summary")  # what the computed answer itself answers
QUESTION_RE = re.compile(r"多少|几|能补|能拿|可以拿|可以补|补贴|怎么算|算一下|算算|吗|呢|？|\?")


def _version_lines(k: PolicyKB, m: Measure, as_of: AsOf | None) -> str:
    """The version the amount was computed with; and, when a later loaded version changes the measure, that the
    amount holds only until then."""
    lines = [version_note(k, as_of)]
    later = k.later.get(m.id)
    if later is not None:
        lines.insert(0, messages()["versions"]["later_changes_amount"].format(citation=m.citation, version=later.label))
    return "\n".join(lines)


def _gives_money(u: Understanding) -> bool:
    return any(f.name in MONEY_FACTS for f in u.facts) or any(p.fact in MONEY_FACTS for p in u.problems)


def figure_reading(tracker: Tracker) -> tuple[Understanding, bool]:
    """The message read for figures, and whether it was read as a follow-up. A bare amount right after an amount of
    三、2 or 三、7 was discussed ("不是二十万，是十二万", "那五十万呢") is that measure's figure (the rent or the event
    cost), as the answer to a question about it would be; any other message is read as it stands."""
    text = latest_text(tracker)
    u = understood(text, today())
    topic, aspect = tracker.get_slot("topic"), tracker.get_slot("aspect")
    if _gives_money(u):
        # "说错了，是六万一个月" right after that measure's amount was computed, no self-check under way or done (with a
        # profile, a correction is the profile's): the corrected figure, answered again
        corrected = u.correction and aspect in FIGURE_ASPECTS and not has_profile(tracker)
        return u, corrected and any(FIGURE_MEASURES.get(f.name) == topic for f in u.facts)
    if aspect not in FIGURE_ASPECTS:
        return u, False
    asked_measure = INTENT_MEASURE.get(latest_intent(tracker) or "")
    if asked_measure not in (None, topic) or any(m.title in text for m in kb().rules.measures if m.id != topic):
        return u, False  # "那落户奖励呢": another measure's question, not a figure for this one
    fact = next((f for f, measure in FIGURE_MEASURES.items() if measure == topic), None)
    if fact is None:
        return u, False
    again = understood(text, today(), fact)  # has_figures and answer_with_figures read it in one turn
    return again, _gives_money(again)


def has_figures(tracker: Tracker) -> bool:
    """The message gives a rent or an event cost (or an unusable one to explain)."""
    return _gives_money(figure_reading(tracker)[0])


def answer_with_figures(
    dispatcher: CollectingDispatcher,
    tracker: Tracker,
    measure_id: str | None = None,
    question_only: bool = False,
    k: PolicyKB | None = None,
) -> str | None:
    """Answer with the computed amount when the message carries the figure for 三、2 / 三、7: the measure answered
    (also when the figure was unusable and the user was told why), else None. ``k``: the knowledge base of the day
    asked about (default today's); a stale rule computes nothing, the new clause is quoted instead."""
    as_of = asked_as_of(tracker)  # "按2023年的政策": computed with that day's version
    k = k or (kb_on(as_of.day) if as_of else kb())
    if as_of is not None and not k.in_force:
        return None  # before the 《办法》 took effect: nothing to compute (the answer says so)
    if measure_id is not None and measure_id not in FIGURE_MEASURES.values():
        return None
    u, follow_up = figure_reading(tracker)
    if question_only and not follow_up and not QUESTION_RE.search(latest_text(tracker)):
        return None  # facts for a self-check ("年租金120万"), not a question; a corrected figure is answered
    facts = [f for f in u.facts if f.name in MONEY_FACTS and f.value is not None]
    if measure_id in FIGURE_MEASURES.values():
        facts = [f for f in facts if FIGURE_MEASURES[f.name] == measure_id] or facts
    problems = [p for p in u.problems if p.fact in MONEY_FACTS]
    if not facts:
        if problems and not question_only:
            p = problems[0]
            m = k.rules.measure(FIGURE_MEASURES[p.fact])
            dispatcher.utter_message(response=f"utter_problem_{p.code}", **shown_params(p.params))
            if p.code != "need_period":  # that one is a question with the two readings as buttons
                dispatcher.utter_message(response="utter_calc_needs_figure", citation=m.citation)
            return m.id
        return None
    fact = facts[0]
    m = k.rules.measure(FIGURE_MEASURES[fact.name])
    if m.stale:
        ans = aspects.answer(k, m.id, "amount")
        dispatcher.utter_message(response="utter_aspect_answer", answer=ans.text, buttons=ans.buttons)
    else:
        port = u.fact("in_talent_port")
        if port is not None and port.value is False:  # "我们还没入驻，打算明年进，房租一年80万": that first
            dispatcher.utter_message(response="utter_calc_not_in_port", title=m.title, citation=m.citation)
        _say_amount(dispatcher, k, m, fact, as_of)
    return m.id


def _say_amount(dispatcher: CollectingDispatcher, k: PolicyKB, m: Measure, fact: Any, as_of: AsOf | None) -> None:
    """The computed amount of 三、2 (per year, three years) or 三、7 (the cap) from the figure said."""
    common = {
        "citation": m.citation,
        "rule": m.benefit["quote"],
        "said": fact_text(fact),
        "to_verify_short": "；".join(c.texts["pending"] for c in m.conditions if c.kind == "authority"),
        "buttons": aspects.buttons(k, m.id, "amount"),
        "version": _version_lines(k, m, as_of),
    }
    b = benefit(m, Profile.from_dict({fact.name: fact.json_value()}, today()))
    if fact.name == "annual_rent":
        # from an approximate rent (六十来万, 大概100万) an approximate figure
        about = messages()["say_back"]["approx"] if fact.approx else ""
        per_year, total = (about + money_text(r) for r in (b.per_year_range(), b.total_range()))
        later = k.later.get(m.id)
        if later is not None:  # the years after the later version takes effect are its own: no three-year total
            common["version"] = version_note(k, as_of)
            text = messages()["versions"]["later_changes"].format(citation=m.citation, version=later.label)
            dispatcher.utter_message(
                response="utter_measure_rent_calc_later", per_year=per_year, percent=b.percent, later=text, **common
            )
            return
        dispatcher.utter_message(
            response="utter_measure_rent_calc",
            per_year=per_year,
            total=total,
            years=b.years,
            percent=b.percent,
            **common,
        )
    else:
        dispatcher.utter_message(response="utter_measure_event_calc", max=b.text, **common)
