"""Feedback on answers (records/feedback.py), SQLite and PostgreSQL: stored with its question and answer, the
unhelpful ones newest first, counts per topic."""

from __future__ import annotations

import datetime as dt

from records import feedback

T0 = dt.datetime(2026, 12, 1, 10, 0)


def test_unhelpful_answers_newest_first_with_their_question(url):
    feedback.record(False, "房租能补多少", "租金补贴…", topic="三、2", intent="ask_rent_subsidy", now=T0, url=url)
    feedback.record(True, "落户奖励多少", "50万—500万元…", topic="三、1", now=T0, url=url)
    feedback.record(False, "门槛是啥", "须符合…", topic="三、2", now=T0 + dt.timedelta(minutes=1), url=url)
    rows = feedback.unhelpful(url=url)
    assert [r.question for r in rows] == ["门槛是啥", "房租能补多少"]
    assert rows[1].answer == "租金补贴…" and rows[1].intent == "ask_rent_subsidy" and rows[1].topic == "三、2"
    assert not any(r.helpful for r in rows)


def test_counts_per_topic_most_unhelpful_first(url):
    for helpful, topic in [(False, "三、2"), (False, "三、2"), (True, "三、2"), (False, ""), (True, "三、1")]:
        feedback.record(helpful, "q", "a", topic=topic, now=T0, url=url)
    assert feedback.counts_by_topic(url=url) == [("三、2", 2, 1), ("", 1, 0), ("三、1", 0, 1)]


def test_long_texts_are_cut_not_refused(url):
    feedback.record(False, "问" * 5000, "答" * 9000, topic="三、2" * 20, now=T0, url=url)
    (row,) = feedback.unhelpful(url=url)
    assert len(row.question) == len(row.answer) == feedback.MAX_TEXT and len(row.topic) == 20
