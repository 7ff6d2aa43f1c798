"""Questions about the document as a whole: overview of the measures, support objects (二), validity,
procedure (实施细则, 区人社局), and document facts (文号, dates, basis documents, 四 保障措施)."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from policy_kb import aspects, premises
from policy_kb.aspects import SUMMARY
from policy_kb.engine import benefit
from policy_kb.profile import Profile
from policy_kb.rules import messages  # checked against the text by policy_kb.consistency.check_silences

from .answers import (
    answer_questions,
    answered_by_aspects,
    asks_as_individual,
    field_asked_about,
    near_scope_category,
)
from .common import asked_as_of, authority, cn_day, kb, latest_text, library, measure_buttons, supplements_note
from .eligibility import FORM


class ActionOverview(Action):
    def name(self) -> str:
        return "action_overview"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]) -> list[dict]:
        outside = near_scope_category(tracker) if tracker.active_loop_name != FORM else None
        if outside:  # "我们是搞物流的，有补贴吗": not in the fields of 二 — that first, not the nine measures
            dispatcher.utter_message(response="utter_near_scope", category=outside)
            return [SlotSet("topic", "二")]
        k = kb()
        lines = [
            f"{i}. {m.title}（{m.citation}）：{benefit(m, Profile()).text}" for i, m in enumerate(k.rules.measures, 1)
        ]
        dispatcher.utter_message(
            response="utter_overview", count=len(k.rules.measures), lines="\n".join(lines), buttons=measure_buttons()
        )
        return []


class ActionSupportObjects(Action):
    def name(self) -> str:
        return "action_support_objects"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]) -> list[dict]:
        if asks_as_individual(tracker):  # "个人能申请这些补贴吗": no, and who the policy is for
            dispatcher.utter_message(response="utter_near_scope_individual")
            return [SlotSet("topic", "二")]
        outside = near_scope_category(tracker, about_fields=True) if tracker.active_loop_name != FORM else None
        if outside:  # "做餐饮的企业可以享受吗": not in the fields of 二 — said first, then who the policy is for
            dispatcher.utter_message(response="utter_near_scope", category=outside)
            return [SlotSet("topic", "二")]
        text = latest_text(tracker)
        if any(c.verdict != "right" for c in premises.check_premises(kb(), text, "二")):
            return answer_questions(dispatcher, [("二", SUMMARY, text)])  # "我们没有入驻人才港，能享受吗": no, first
        field = field_asked_about(tracker) if tracker.active_loop_name != FORM else None
        if field:  # "做猎头的能申请吗": whether the field is one of 二's, first; the clause follows
            word, clause = field
            if clause:
                dispatcher.utter_message(
                    response="utter_field_listed", category=word, clause=clause, authority=authority()
                )
            else:
                dispatcher.utter_message(response="utter_field_other_hr", category=word, authority=authority())
        else:
            routed = answered_by_aspects(
                dispatcher, tracker, "二", lambda items: any(a not in (SUMMARY, "conditions") for _, a, _ in items)
            )
            if routed is not None:  # "外资机构能申请吗": the organisations aspect, answer first
                return routed
        k = kb()
        part = k.clause("二")
        items = "\n".join(f"{c.item}. {c.text_norm}（{c.citation}）" for c in k.children("二"))
        dispatcher.utter_message(
            response="utter_support_objects", part_text=part.text_norm, items=items, authority=authority()
        )
        return [SlotSet("topic", "二")]


class ActionValidity(Action):
    def name(self) -> str:
        return "action_validity"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]) -> list[dict]:
        k = kb()
        named = [t for t in aspects.detect_topics(latest_text(tracker), k.document) if k.rules.measure(t)]
        topic = tracker.get_slot("topic")
        if not named and asked_as_of(tracker) is not None and topic and k.rules.measure(topic):
            # "那之前呢，2024年的时候" after a measure: that measure as of the day asked
            return answer_questions(dispatcher, [(topic, aspects.SUMMARY, latest_text(tracker))])
        if named:  # "明年租金补贴的比例会变吗": a later loaded version that changes it first, else today's answer
            later = k.later.get(named[0])
            if later is None:
                events = answer_questions(dispatcher, [(named[0], aspects.SUMMARY, latest_text(tracker))])
            else:
                ans = aspects.answer(library().at(later.effective_from), named[0], aspects.SUMMARY)
                m = k.rules.measure(named[0])
                head = messages()["versions"]["will_change"].format(citation=m.citation, version=later.label)
                dispatcher.utter_message(response="utter_aspect_answer", answer="\n".join([head, ans.text]))
                events = [SlotSet("topic", named[0])]
            dispatcher.utter_message(response="utter_aspect_answer", answer=versions_line())
            return events
        routed = answered_by_aspects(dispatcher, tracker, "五（三）", lambda items: False)
        if routed is not None:
            return routed
        c = k.clause("五（三）")
        dispatcher.utter_message(
            response="utter_validity",
            citation=c.citation,
            clause_text=c.text_norm,
            silence=k.silence("validity"),
            authority=authority(),
        )
        dispatcher.utter_message(response="utter_aspect_answer", answer=versions_line())
        return [SlotSet("topic", "五（三）")]


class ActionProcedure(Action):
    def name(self) -> str:
        return "action_procedure"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]) -> list[dict]:
        routed = answered_by_aspects(
            dispatcher, tracker, "文件", lambda items: any(a in ("procedure", "combine") for _, a, _ in items)
        )
        if routed is not None:  # "A和B能一起拿吗": the text is silent on combining, said with 五（一）
            return routed
        k = kb()
        rules, interpret = k.clause("五（一）"), k.clause("五（二）")
        dispatcher.utter_message(
            response="utter_procedure",
            citation_rules=rules.citation,
            rules_text=rules.text_norm,
            citation_interpret=interpret.citation,
            interpret_text=interpret.text_norm,
            silence=k.silence("procedure"),
            authority=authority(),
        )
        if k.supplements:  # the 实施细则 (or a notice) loaded by staff and in force: where the detail now is
            dispatcher.utter_message(response="utter_aspect_answer", answer=supplements_note(k))
        return [SlotSet("topic", "五（一）")]


class ActionDocumentFacts(Action):
    def name(self) -> str:
        return "action_document_facts"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]) -> list[dict]:
        routed = answered_by_aspects(
            dispatcher,
            tracker,
            "文件",
            lambda items: any(r.startswith(("四", "五")) or a == "authority" for r, a, _ in items),
        )
        if routed is not None:  # part 四 (its measures, who leads the work), not the document's header
            return routed
        k = kb()
        d = k.document
        basis = "；".join(f"{t}（{n}）" for t, n in d.basis)
        dispatcher.utter_message(
            response="utter_document_facts",
            title=d.title,
            doc_number=d.doc_number,
            issuer=d.issuer,
            issued_on=cn_day(d.issued_on),
            printed_on=cn_day(d.printed_on),
            basis=basis,
            effective_on=cn_day(d.effective_on),
            interpreter=d.interpreter,
        )
        if len(library().versions) > 1:  # a revision loaded by staff: every version with its period
            dispatcher.utter_message(response="utter_aspect_answer", answer=versions_line())
        return [SlotSet("topic", "文件")]


def versions_line() -> str:
    """The 《办法》 versions the knowledge base holds, with their periods, and the supplements in force; with one
    version, that no revision or 实施细则 has been added (changes are the bureau's to announce)."""
    t = messages()["versions"]
    versions, k = library().versions, kb()
    if len(versions) == 1:
        return str(t["only_one"].format(version=versions[0].label, authority=authority()))
    items = [
        t["period_item"].format(
            version=v.label, end=t["period_open"] if v.effective_to is None else cn_day(v.effective_to)
        )
        for v in versions
    ]
    line = str(t["list"].format(items=t["list_joiner"].join(items)))
    return line + ("\n" + supplements_note(k) if k.supplements else "")
