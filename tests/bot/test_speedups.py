"""bot.speedups: the action-server reply is validated exactly as Rasa does it, with the schema checked once."""

import asyncio
import json

import jsonschema
import pytest
from jsonschema.validators import validator_for
from rasa.core.actions.action import RemoteAction

import bot  # noqa: F401  (installs the speedups, as every Rasa process of the project does)
from bot import speedups

VALID = [
    {"events": [], "responses": []},
    {
        "events": [{"event": "slot", "timestamp": None, "name": "focus", "value": "三、2"}],
        "responses": [{"text": "每年按租金的30%给予补贴", "buttons": []}],
    },
    {
        "events": [
            {"event": "active_loop", "name": "eligibility_form"},
            {"event": "slot", "name": "requested_slot", "value": None},
        ]
    },
    {},
]
INVALID = [
    {"events": "not a list"},
    {"events": [{"event": "slot"}]},  # a slot event without a name
    {"events": [{"no_event_key": 1}]},
    {"responses": "text"},
    {"events": [{"event": "no_such_event_type"}]},
]


def rasa_original(result):
    """What Rasa 3.6 does: jsonschema.validate against the same schema."""
    jsonschema.validate(result, RemoteAction.action_response_format_spec())


def test_installed_on_import():
    assert RemoteAction._validate_action_result is speedups.validate_action_result


@pytest.mark.parametrize("result", VALID)
def test_valid_replies_pass_as_before(result):
    rasa_original(result)
    assert RemoteAction("action_x", None)._validate_action_result(result) is True


@pytest.mark.parametrize("result", INVALID)
def test_invalid_replies_fail_as_before(result):
    with pytest.raises(jsonschema.ValidationError) as original:
        rasa_original(result)
    with pytest.raises(jsonschema.ValidationError) as ours:
        RemoteAction("action_x", None)._validate_action_result(result)
    assert ours.value.message.startswith(original.value.message)
    assert "Failed to validate Action server response" in ours.value.message


def test_schema_is_checked_once_not_per_reply(monkeypatch):
    cls = validator_for(RemoteAction.action_response_format_spec())
    calls = []
    real = cls.check_schema
    monkeypatch.setattr(cls, "check_schema", classmethod(lambda c, s, *a, **k: (calls.append(1), real(s))[1]))
    speedups.action_result_validator.cache_clear()
    for _ in range(5):
        RemoteAction("action_x", None)._validate_action_result(VALID[1])
    assert len(calls) == 1


def test_rule_keys_parse_as_before_and_once():
    from rasa.core.policies.rule_policy import RulePolicy

    key = json.dumps(
        [
            {"prev_action": {"action_name": "action_listen"}, "user": {"intent": "ask_rent_subsidy"}},
            {"prev_action": {"action_name": "action_answer_measure"}},
        ]
    )
    assert RulePolicy._rule_key_to_state(key) == json.loads(key)
    speedups.rule_key_to_state.cache_clear()
    for _ in range(3):
        RulePolicy._rule_key_to_state(key)
    assert speedups.rule_key_to_state.cache_info().misses == 1


# ------------------------------------------------------------------------------ the graph runner, on the model

TEXTS = [
    "租金补贴怎么算",
    "支持政策第7条原文",
    "我们是猎头公司，2025年3月入驻人才港，年租金120万",
    "？？？",
    "明天上海会下雨吗",
    "辦論壇花了200萬最多補多少",
]


@pytest.fixture(scope="module")
def agent():
    from rasa.core.agent import Agent

    from tests.e2e.servers import current_model

    return Agent.load(str(current_model()))


def _nlu_and_predictions(agent):
    from rasa.shared.core.events import ActionExecuted, UserUttered
    from rasa.shared.core.trackers import DialogueStateTracker

    parses, predictions = [], []
    for text in TEXTS:
        parse = asyncio.run(agent.parse_message(text))
        parses.append(parse)
        tracker = DialogueStateTracker.from_events(
            "t",
            [ActionExecuted("action_listen"), UserUttered(text, parse["intent"], parse["entities"])],
            slots=agent.domain.slots,
        )
        prediction = agent.processor.predict_next_with_tracker(tracker)
        predictions.append({k: v for k, v in prediction.items() if k != "tracker"})  # its events carry timestamps
    return parses, predictions


def test_the_sequential_graph_runner_gives_dask_s_results(agent, monkeypatch):
    from rasa.engine.runner.dask import DaskGraphRunner

    assert DaskGraphRunner.run is speedups.run_sequentially
    ours = _nlu_and_predictions(agent)
    monkeypatch.setattr(DaskGraphRunner, "run", speedups.DASK_RUN)
    assert _nlu_and_predictions(agent) == ours
    assert {p["intent"]["name"] for p in ours[0]} >= {"ask_rent_subsidy", "out_of_scope"}  # a real model ran
