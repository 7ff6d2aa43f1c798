"""Clause lookup by citation, keyword search, and the low-confidence fallback (search + how to ask)."""

from __future__ import annotations

import re
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from policy_kb import aspects
from policy_kb.kb import names_supplement
from policy_kb.rules import messages

from .answers import answer_questions, asks_as_individual, plan_for
from .calc import answer_with_figures
from .common import asked_as_of, entity_values, kb, kb_on, latest_text, version_note

# Words around a search request that are not the thing searched for.
_SEARCH_NOISE = re.compile(
    r"(请问|请|帮我|帮忙|给我|麻烦|搜索一下|搜索|搜一下|搜|检索一下|检索|查找|查一下|查询|查|找一下|找找|找|关键词|关键字|"
    r"《办法》|办法|政策|里面|里|中|的|哪里|哪儿|哪条|哪些条款|哪个条款|条款|提到|提及|涉及|有关|相关|说到|讲到|内容|"
    r"有没有|是否|吗|呢|？|\?|“|”|\"|'|：|:|，|,|。)"
)


def render_hits(hits) -> str:
    return "\n".join(f"{i}. {h.citation} {h.title}：{h.snippet}" for i, h in enumerate(hits, 1))


class ActionLookupClause(Action):
    def name(self) -> str:
        return "action_lookup_clause"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]) -> list[dict]:
        answered = answer_with_figures(dispatcher, tracker, question_only=True)
        if answered:  # "月租6.5w能补多少": a decimal amount read as a clause number by the intent model
            return [SlotSet("topic", answered), SlotSet("aspect", "amount")]
        as_of = asked_as_of(tracker)  # "2023年时三、2原文": the version in force then
        k = kb_on(as_of.day) if as_of else kb()
        refs = entity_values(tracker, "citation")
        if names_supplement(latest_text(tracker)):  # "实施细则第3条": not the 《办法》's 第3条 (三、3), held or not
            refs = []
        res = k.resolve(str(refs[0])) if refs else k.resolve(latest_text(tracker))
        if not res.ok:
            dispatcher.utter_message(response="utter_clause_not_found", message=res.message)
            return []
        c = res.clause
        text = c.text_norm
        supplement = next((v for v in k.supplements if v.short_title == c.short_title), None)
        if c.kind == "part" and supplement is None:
            children = "\n".join(f"{ch.citation} {k.title(ch.ref)}\n{ch.text_norm}" for ch in k.children(c.part))
            text = "\n".join(t for t in (text, children) if t)
        buttons = aspects.buttons(k, c.ref, "text") if k.rules.measure(c.ref) else []  # 完整条件, 看看我们能否申请
        if supplement is not None:  # 《实施细则》第三条: cited with its own version; not a topic of the 《办法》
            version = messages()["versions"]["used"].format(version=supplement.label)
        else:
            version = version_note(k, as_of, before=not k.in_force)
        dispatcher.utter_message(
            response="utter_clause",
            citation=c.citation,
            clause_title=k.title(c.ref) or c.heading,
            clause_text=text,
            version=version,
            buttons=buttons,
        )
        return [] if supplement is not None else [SlotSet("topic", c.ref)]


class ActionSearchPolicy(Action):
    def name(self) -> str:
        return "action_search_policy"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]) -> list[dict]:
        answered = answer_with_figures(dispatcher, tracker, question_only=True)
        if answered:
            return [SlotSet("topic", answered), SlotSet("aspect", "amount")]
        text = latest_text(tracker)
        query = _SEARCH_NOISE.sub(" ", text).strip() or text
        hits = kb().search(query, limit=3)
        if not hits:
            dispatcher.utter_message(response="utter_search_none", query=query[:30])
            return []
        dispatcher.utter_message(
            response="utter_search_results", query=query[:30], lines=render_hits(hits), first_ref=hits[0].ref
        )
        return []


class ActionFallbackSearch(Action):
    """Low NLU confidence: show the 1–3 clauses that best match the message, and how to ask."""

    def name(self) -> str:
        return "action_fallback_search"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]) -> list[dict]:
        answered = answer_with_figures(dispatcher, tracker, question_only=True)
        if answered:  # "年租金1,500,000元，补贴多少" read with low confidence: the figures still decide the answer
            return [SlotSet("topic", answered), SlotSet("aspect", "amount")]
        if asks_as_individual(tracker):
            dispatcher.utter_message(response="utter_near_scope_individual")
            return [SlotSet("topic", "二")]
        plan = plan_for(tracker, None)
        if len(plan) >= 2 and all(ref and ref.startswith("三、") for ref, _, _ in plan):
            # "引才补贴给多少？荣誉奖励呢？": several questions, each naming a measure — DIET is unsure which one
            # the message is about because it is about several; each is answered in order, as with a confident intent
            return answer_questions(dispatcher, plan)
        text = latest_text(tracker)[:200]
        hits = [h for h in kb().search(text, limit=3) if h.score >= 2.0] if text else []
        if hits:
            dispatcher.utter_message(response="utter_fallback_results", lines=render_hits(hits))
        else:
            dispatcher.utter_message(response="utter_ask_rephrase")
        return []
