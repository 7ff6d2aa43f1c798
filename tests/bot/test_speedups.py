"""bot.speedups: installed only on the Rasa release it was written for and unless RASA_SPEEDUPS=0; the action-server
reply is validated exactly as Rasa does it, with the schema checked once; rule keys and graph runs as before."""

import asyncio
import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import jsonschema
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
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


ROOT = Path(__file__).resolve().parents[2]

# Run in a fresh interpreter: whether the patches are installed is process state (the module's flags, Rasa's
# classes), so each case gets its own process. It reports Rasa's three methods before and after `import bot`,
# whether install() says it installed, and the records bot.speedups logged (install() is called a second time to
# show that the reason is logged once).
PROBE = textwrap.dedent(
    """
    import json, logging, sys

    records = []
    handler = logging.Handler()
    handler.emit = lambda r: records.append([r.levelname, r.getMessage()])
    logging.getLogger("bot.speedups").addHandler(handler)
    logging.getLogger("bot.speedups").setLevel(logging.INFO)

    import rasa
    if len(sys.argv) > 1:
        rasa.__version__ = sys.argv[1]  # what another Rasa release would report
    from rasa.core.actions.action import RemoteAction
    from rasa.engine.runner.dask import DaskGraphRunner
    from rasa.utils.endpoints import EndpointConfig
    from rasa.core.policies.rule_policy import RulePolicy
    from rasa.utils.tensorflow.models import RasaModel
    from rasa.core.actions.forms import FormAction
    from rasa.core.nlg.response import TemplatedNaturalLanguageGenerator
    from rasa.shared.core.slots import Slot
    from rasa.shared.core.trackers import DialogueStateTracker

    def methods():
        return [
            RemoteAction.__dict__["_validate_action_result"],
            DaskGraphRunner.__dict__["run"],
            EndpointConfig.__dict__["session"],
            RasaModel.__dict__["_rasa_predict"],
            RulePolicy._prediction_states,  # inherited from Policy until patched
            RulePolicy.__dict__["predict_action_probabilities"],
            RulePolicy.__dict__["_get_possible_keys"],
            DialogueStateTracker.__dict__["copy"],
            TemplatedNaturalLanguageGenerator.__dict__["_random_response_for"],
            Slot.__dict__.get("__copy__"),
            FormAction.__dict__["_temporary_tracker"],
        ]

    before = methods()
    import bot
    from bot import dialogue_speedups, speedups

    after = methods()
    again = speedups.install()
    ours = [
        speedups.validate_action_result, speedups.run_sequentially, speedups.kept_session, speedups.rasa_predict,
        speedups.rule_prediction_states, speedups.rule_predict, speedups.rule_possible_keys,
        dialogue_speedups.tracker_copy, dialogue_speedups.random_response_for, dialogue_speedups.slot_copy,
        dialogue_speedups.form_temporary_tracker,
    ]
    print(json.dumps({
        "installed": speedups.installed(),
        "again": again,
        "untouched": [a is b for a, b in zip(before, after)],
        "ours": [a is b for a, b in zip(after, ours)],
        "dask_run_kept": (
            speedups.DASK_RUN, speedups.RASA_PREDICT, speedups.RULE_STATES, speedups.RULE_PREDICT, speedups.RULE_KEYS
        ) == (before[1], before[3], before[4], before[5], before[6])
        and (dialogue_speedups.TRACKER_COPY, dialogue_speedups.RANDOM_RESPONSE) == (before[7], before[8])
        and dialogue_speedups.FORM_TEMPORARY is before[10],
        "log": records,
    }))
    """
)


def probe(*version: str, **env: str) -> dict:
    environ = {k: v for k, v in os.environ.items() if k != "RASA_SPEEDUPS"}
    environ.update(env)
    out = subprocess.run(
        [sys.executable, "-c", PROBE, *version], cwd=ROOT, env=environ, capture_output=True, text=True, timeout=300
    )
    assert out.returncode == 0, out.stderr[-3000:]
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_installed_by_default():
    result = probe()
    assert result["installed"] and result["again"]
    assert result["ours"] == [True] * 11
    assert result["dask_run_kept"]  # Rasa's own run, for the equivalence test below
    assert result["log"] == []


def test_other_values_of_the_switch_leave_it_on():
    assert probe(RASA_SPEEDUPS="1")["ours"] == [True] * 11


@pytest.mark.parametrize("value", ["0", "off"])
def test_rasa_speedups_0_patches_nothing(value):
    result = probe(RASA_SPEEDUPS=value)
    assert not result["installed"] and not result["again"]
    assert result["untouched"] == [True] * 11
    assert result["log"] == [["INFO", f"bot.speedups off (RASA_SPEEDUPS={value}): Rasa's own code runs"]]


@pytest.mark.parametrize("version", ["3.6.20", "3.7.0"])
def test_another_rasa_version_is_not_patched_and_warned_once(version):
    result = probe(version)
    assert not result["installed"] and not result["again"]
    assert result["untouched"] == [True] * 11
    assert not result["dask_run_kept"]  # nothing was replaced, nothing kept
    [(level, message)] = result["log"]  # one warning, though install() ran twice
    assert level == "WARNING"
    assert f"Rasa {speedups.RASA_VERSION} and this is Rasa {version}" in message


def test_written_for_the_installed_rasa():
    """The pin in pyproject.toml and the version the patches check are the same release."""
    import rasa

    assert rasa.__version__ == speedups.RASA_VERSION
    assert f'"rasa=={speedups.RASA_VERSION}"' in (ROOT / "pyproject.toml").read_text()


needs_speedups = pytest.mark.skipif(not speedups.installed(), reason="bot.speedups not installed in this process")


@needs_speedups
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


@needs_speedups
def test_schema_is_checked_once_not_per_reply(monkeypatch):
    cls = validator_for(RemoteAction.action_response_format_spec())
    calls = []
    real = cls.check_schema
    monkeypatch.setattr(cls, "check_schema", classmethod(lambda c, s, *a, **k: (calls.append(1), real(s))[1]))
    speedups.action_result_validator.cache_clear()
    for _ in range(5):
        with pytest.raises(jsonschema.ValidationError):  # a rejected reply goes on to jsonschema for its error
            RemoteAction("action_x", None)._validate_action_result(INVALID[1])
    assert len(calls) == 1


# replies of every event type and shape, valid or not: the fast check agrees with jsonschema on each
EVENT_TYPES = [
    "user",
    "bot",
    "action",
    "slot",
    "active_loop",
    "reset_slots",
    "followup",
    "pause",
    "resume",
    "restart",
    "session_started",
    "user_featurization",
    "loop_interrupted",
    "action_execution_rejected",
    "reminder",
    "cancel_reminder",
    "export",
    "rewind",
    "undo",
    "agent",
    "entities",
    "no_such_type",
]


@settings(max_examples=300, deadline=None)
@given(
    st.dictionaries(
        st.sampled_from(["events", "responses", "other"]),
        st.one_of(
            st.lists(
                st.dictionaries(
                    st.sampled_from(
                        [
                            "event",
                            "name",
                            "value",
                            "timestamp",
                            "text",
                            "policy",
                            "intent",
                            "entities",
                            "parse_data",
                            "metadata",
                            "data",
                            "kwargs",
                            "date_time",
                            "confidence",
                        ]
                    ),
                    st.one_of(
                        st.sampled_from(EVENT_TYPES),
                        st.none(),
                        st.integers(),
                        st.floats(allow_nan=False),
                        st.text(max_size=3),
                        st.lists(st.integers(), max_size=2),
                        st.dictionaries(st.sampled_from(["name", "text", "intent"]), st.text(max_size=2)),
                    ),
                    max_size=5,
                ),
                max_size=3,
            ),
            st.text(max_size=3),
            st.none(),
        ),
        max_size=3,
    )
)
def test_the_fast_check_agrees_with_jsonschema(result):
    expected = not any(True for _ in speedups.action_result_validator().iter_errors(result))
    assert speedups.fast_action_result_validator().is_valid(result) == expected


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


@needs_speedups
def test_the_sequential_graph_runner_gives_dask_s_results(agent, monkeypatch):
    from rasa.engine.runner.dask import DaskGraphRunner

    assert DaskGraphRunner.run is speedups.run_sequentially
    ours = _nlu_and_predictions(agent)
    monkeypatch.setattr(DaskGraphRunner, "run", speedups.DASK_RUN)
    assert _nlu_and_predictions(agent) == ours
    assert {p["intent"]["name"] for p in ours[0]} >= {"ask_rent_subsidy", "out_of_scope"}  # a real model ran


async def _kept_session_calls(n: int) -> tuple[set, int]:
    """n requests through one endpoint to a real local HTTP server: the client ports the server saw."""
    from aiohttp import web
    from rasa.utils.endpoints import EndpointConfig

    ports: set = set()

    async def handle(request):
        ports.add(request.transport.get_extra_info("peername")[1])
        return web.json_response({"ok": True})

    app = web.Application()
    app.router.add_post("/webhook", handle)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]
    endpoint = EndpointConfig(f"http://127.0.0.1:{port}/webhook")
    answers = [await endpoint.request(json={"i": i}, method="post") for i in range(n)]
    await (endpoint.__dict__["_jd_session"][1]).close()
    await runner.cleanup()
    return ports, sum(1 for a in answers if a == {"ok": True})


@needs_speedups
def test_the_action_endpoint_keeps_one_connection():
    ports, ok = asyncio.run(_kept_session_calls(5))
    assert ok == 5 and len(ports) == 1  # Rasa's own session() opened one connection per request


def test_request_bodies_are_the_json_rasa_would_send():
    """What the action server receives parses to what json.dumps would have sent: a real domain and tracker state,
    Chinese text, and a key orjson refuses (an int), which goes through json.dumps."""
    from rasa.shared.core.domain import Domain
    from rasa.shared.core.events import ActionExecuted, SlotSet, UserUttered
    from rasa.shared.core.trackers import DialogueStateTracker

    domain = Domain.load(str(ROOT / "bot" / "domain"))
    tracker = DialogueStateTracker.from_events(
        "s",
        [
            ActionExecuted("action_listen"),
            UserUttered("每月房租7万", {"name": "inform", "confidence": 0.98}, [{"entity": "money", "value": 70000}]),
            SlotSet("annual_rent", 840000),
        ],
        slots=domain.slots,
    )
    bodies = [
        {"next_action": "validate_eligibility_form", "tracker": tracker.current_state(), "domain": domain.as_dict()},
        {1: "一", "nested": {2: [1.5, None]}},
    ]
    for body in bodies:
        assert json.loads(speedups.dumps(body)) == json.loads(json.dumps(body))


@needs_speedups
def test_diet_called_through_its_traced_graph_gives_rasa_s_parses(agent, monkeypatch):
    """The same intents, confidences, rankings and entities, to the last bit, as Rasa's own tf.function call; and
    the direct call really is taken."""
    from rasa.utils.tensorflow.models import RasaModel

    texts = [*TEXTS, "你好", "三、2", "我们一个月房租大概八万块，能补多少钱", "x" * 300]
    ours = [asyncio.run(agent.parse_message(t)) for t in texts]
    graphs = [m for m in _diet_models(agent) if "_jd_graph" in m.__dict__]
    assert graphs  # the direct path was set up
    monkeypatch.setattr(RasaModel, "_rasa_predict", speedups.RASA_PREDICT)
    assert [asyncio.run(agent.parse_message(t)) for t in texts] == ours


def _components(agent, cls):
    """The trained model's graph components of a class."""
    nodes = agent.processor.graph_runner._instantiated_nodes.values()
    return [n._component for n in nodes if isinstance(getattr(n, "_component", None), cls)]


def _diet_models(agent):
    from rasa.nlu.classifiers.diet_classifier import DIETClassifier

    return [c.model for c in _components(agent, DIETClassifier)]


def _rule_policy(agent):
    from rasa.core.policies.rule_policy import RulePolicy

    [policy] = _components(agent, RulePolicy)
    return policy


def _conversation_trackers(agent):
    """The conversation tests (tests/conversations) and the rules (data/rules) as trackers, and all of them run one
    after the other as one long tracker (slots and loops carried over, far more states than the longest rule)."""
    from rasa.core.test import _create_data_generator
    from rasa.shared.core.generator import TrainingDataGenerator
    from rasa.shared.core.trackers import DialogueStateTracker
    from rasa.shared.importers.importer import TrainingDataImporter

    stories = _create_data_generator(str(ROOT / "tests" / "conversations"), agent, use_conversation_test_files=True)
    rules = TrainingDataImporter.load_from_dict(
        domain_path=str(ROOT / "bot" / "domain"), training_data_paths=[str(ROOT / "data" / "rules")]
    ).get_stories()
    trackers = [
        *stories.generate_story_trackers(),
        *TrainingDataGenerator(rules, agent.domain, remove_duplicates=False, augmentation_factor=0).generate(),
    ]
    events = [e for t in trackers for e in t.events]
    return [*trackers, DialogueStateTracker.from_events("all", events, slots=agent.domain.slots)]


def _every_step(tracker, domain):
    """The tracker as it stood before each action (each prediction point)."""
    from rasa.shared.core.events import ActionExecuted
    from rasa.shared.core.trackers import DialogueStateTracker

    events = list(tracker.events)
    for i, event in enumerate(events):
        if isinstance(event, ActionExecuted) and i:
            yield DialogueStateTracker.from_events(tracker.sender_id, events[:i], slots=domain.slots)


@needs_speedups
def test_rules_see_the_last_states_and_predict_as_rasa_does(agent, monkeypatch):
    """At every step of every conversation test and rule, and of all of them as one tracker: the states are the
    last ones of Rasa's own, the applicable rules are those Rasa finds, and the predictions (action, events such as
    LoopInterrupted, hide_rule_turn) are Rasa's."""
    from rasa.core.policies.rule_policy import RULES, RULES_FOR_LOOP_UNHAPPY_PATH, RulePolicy

    policy, domain = _rule_policy(agent), agent.domain
    assert RulePolicy.predict_action_probabilities is speedups.rule_predict
    steps = [s for t in _conversation_trackers(agent) for s in _every_step(t, domain)]
    ours = [vars(policy.predict_action_probabilities(s, domain)) for s in steps]
    longest = speedups._rule_length(policy)
    assert 3 <= longest < 20 and policy.__dict__["_jd_rule_length"] is None  # set only while predicting
    lengths = [len(domain.states_for_tracker_history(s)) for s in steps]
    assert max(lengths) > 5 * longest  # the long tracker reaches far beyond the longest rule
    for step in steps:
        assert speedups.recent_states(step, domain, longest) == domain.states_for_tracker_history(step)[-longest:]
    monkeypatch.setattr(RulePolicy, "predict_action_probabilities", speedups.RULE_PREDICT)
    monkeypatch.setattr(RulePolicy, "_prediction_states", speedups.RULE_STATES)
    monkeypatch.setattr(RulePolicy, "_get_possible_keys", speedups.RULE_KEYS)
    assert [vars(policy.predict_action_probabilities(s, domain)) for s in steps] == ours
    assert len({tuple(p["probabilities"]) for p in ours}) > 5  # different actions were predicted
    for lookup in policy.lookup[RULES], policy.lookup[RULES_FOR_LOOP_UNHAPPY_PATH]:
        for step in steps:  # the same rule keys as Rasa's filter, on Rasa's own states of every step
            states = domain.states_for_tracker_history(step)
            assert speedups.possible_rule_keys(policy, lookup, states) == speedups.RULE_KEYS(policy, lookup, states)
    assert any(p["events"] for p in ours) or any(p["hide_rule_turn"] for p in ours)


def _coo_parts(matrix):
    return (
        type(matrix),
        matrix.shape,
        matrix.dtype,
        matrix.row.dtype,
        list(matrix.row),
        list(matrix.col),
        list(matrix.data),
    )


def _count_featurizers(agent):
    from rasa.nlu.featurizers.sparse_featurizer.count_vectors_featurizer import CountVectorsFeaturizer

    return _components(agent, CountVectorsFeaturizer)


TOKEN_LISTS = [
    ["我们", "一个", "月", "房租", "大概", "八万块", "，", "能补", "多少", "钱"],
    ["房租", "房租", "房租"],  # a repeated token is counted
    ["zzqx", "没见过的词"],  # out of vocabulary
    ["三、2"],
    [],
]


@needs_speedups
def test_count_vectors_are_the_matrices_sklearn_makes(agent):
    from rasa.shared.nlu.constants import TEXT

    featurizers = _count_featurizers(agent)
    assert len(featurizers) == 2  # words and character n-grams
    for featurizer in featurizers:
        ours = speedups.count_vector_features(featurizer, TEXT, TOKEN_LISTS)
        rasa = speedups.COUNT_FEATURES(featurizer, TEXT, TOKEN_LISTS)
        for mine, theirs in zip([*ours[0], *ours[1]], [*rasa[0], *rasa[1]], strict=True):
            assert (mine is None) == (theirs is None)
            if mine is not None:
                assert _coo_parts(mine) == _coo_parts(theirs)
        assert ours[0][0].nnz > 3 and max(ours[1][1].data) >= 3  # counts: the sentence has 房租 thrice
        assert speedups.count_vector_features(featurizer, "no_such_attribute", TOKEN_LISTS) == ([None], [None])


@needs_speedups
def test_features_are_combined_as_rasa_combines_them(agent):
    import numpy as np
    from rasa.shared.nlu.constants import TEXT
    from rasa.shared.nlu.training_data.features import Features

    matrices = [speedups.count_vector_features(f, TEXT, TOKEN_LISTS[:1])[0][0] for f in _count_featurizers(agent)]
    parts = [Features(m, "sequence", TEXT, f"cv{i}") for i, m in enumerate(matrices)]
    parts.append(Features(matrices[0].astype(np.float32), "sequence", TEXT, "regex"))  # another dtype
    for features in (parts, parts[:2], parts[:1]):
        mine, theirs = speedups.combine_features(features, ["a"]), speedups.MESSAGE_COMBINE(features, ["a"])
        assert _coo_parts(mine.features) == _coo_parts(theirs.features)
        assert (mine.type, mine.attribute, mine.origin) == (theirs.type, theirs.attribute, theirs.origin)
    short = Features(
        speedups.count_vector_features(_count_featurizers(agent)[0], TEXT, [["房租"]])[0][0], "sequence", TEXT, "x"
    )
    with pytest.raises(ValueError, match="sequence dimensions do not match"):
        speedups.combine_features([parts[0], short], [])  # Rasa's own error
    assert speedups.combine_features([], []) is None


def test_an_empty_domain_is_told_from_a_real_one():
    from rasa.shared.core.domain import Domain

    real = Domain.load(str(ROOT / "bot" / "domain"))
    assert Domain.empty().is_empty() and not real.is_empty() and not real.is_empty()
    assert speedups.DOMAIN_IS_EMPTY is None or speedups.DOMAIN_IS_EMPTY(real) is False


@needs_speedups
def test_nlu_parses_as_with_rasa_s_own_featurisation(agent, monkeypatch):
    """Whole parses (intents, confidences, entities) with Rasa's count vectors and feature combination put back."""
    from rasa.nlu.featurizers.sparse_featurizer.count_vectors_featurizer import CountVectorsFeaturizer
    from rasa.shared.nlu.training_data.message import Message

    texts = [*TEXTS, "你好", "三、2", "我们一个月房租大概八万块，能补多少钱", "x" * 300, "房租 房租 房租"]
    ours = [asyncio.run(agent.parse_message(t)) for t in texts]
    monkeypatch.setattr(CountVectorsFeaturizer, "_create_features", speedups.COUNT_FEATURES)
    monkeypatch.setattr(Message, "_combine_features", staticmethod(speedups.MESSAGE_COMBINE))
    assert [asyncio.run(agent.parse_message(t)) for t in texts] == ours


def _diet_inputs(agent, texts):
    """Each text's message as DIET receives it (featurised by the pipeline), with the DIET component."""
    from rasa.nlu.classifiers.diet_classifier import DIETClassifier

    seen = []
    original = DIETClassifier._predict

    def spy(self, message):
        seen.append((self, message))
        return original(self, message)

    DIETClassifier._predict = spy
    try:
        for text in texts:
            asyncio.run(agent.parse_message(text))
    finally:
        DIETClassifier._predict = original
    return seen


@needs_speedups
def test_diet_s_batch_is_made_as_rasa_s_model_data_and_generator_make_it(agent):
    """Every NLU text of the project: the same arrays (dtype, shape, values) in the same order as Rasa's."""
    import numpy as np
    import rasa.utils.train_utils as train_utils

    from tests.project_texts import project_texts

    texts = [t for t in project_texts() if t.strip()]
    seen = _diet_inputs(agent, texts)
    assert len(seen) == len(texts)
    for diet, message in seen:
        assert diet.__dict__["_jd_layout"] == speedups.SPARSE_TEXT_LAYOUT
        model_data = diet._create_model_data([message], training=False)
        generator, _ = train_utils.create_data_generators(model_data, batch_sizes=1, epochs=1, shuffle=False)
        theirs = next(iter(generator))[0]
        mine = speedups.diet_batch(diet, message)
        assert len(mine) == len(theirs) == 8, message.get("text")
        for a, b in zip(mine, theirs, strict=True):
            assert (a.dtype, a.shape) == (b.dtype, b.shape) and np.array_equal(a, b), message.get("text")


@needs_speedups
def test_diet_s_direct_batch_gives_rasa_s_parses_and_falls_back_on_other_features(agent, monkeypatch):
    from rasa.nlu.classifiers.diet_classifier import DIETClassifier
    from rasa.shared.nlu.constants import TEXT
    from rasa.shared.nlu.training_data.features import Features

    from tests.project_texts import project_texts

    texts = [*TEXTS, *project_texts()[::25]]
    ours = [asyncio.run(agent.parse_message(t)) for t in texts]
    with monkeypatch.context() as m:
        m.setattr(DIETClassifier, "_predict", speedups.DIET_PREDICT)
        assert [asyncio.run(agent.parse_message(t)) for t in texts] == ours
    # a message with dense features (another pipeline) is not given the sparse batch
    [(diet, message)] = _diet_inputs(agent, ["房租补贴怎么算"])
    assert speedups.diet_batch(diet, message) is not None
    sequence, _ = message.get_sparse_features(TEXT, None)
    message.add_features(Features(sequence.features.toarray(), "sequence", TEXT, "dense"))
    assert speedups.diet_batch(diet, message) is None
    calls = []
    monkeypatch.setattr(speedups, "DIET_PREDICT", lambda self, msg: calls.append(msg) or "rasa")
    assert speedups.diet_predict(diet, message) == "rasa" and calls == [message]


def test_sparse_blocks_are_stacked_as_scipy_stacks_them():
    """dtype (upcast), index dtype, shape, and every entry in scipy's order; other kinds go to scipy itself."""
    import numpy as np
    import scipy.sparse

    def coo(rows, cols, density, dtype, seed):
        return scipy.sparse.random(rows, cols, density=density, format="coo", dtype=dtype, random_state=seed)

    cases = [
        [coo(7, 40, 0.2, np.float64, 1), coo(7, 300, 0.05, np.int64, 2), coo(7, 5000, 0.01, np.float32, 3)],
        [coo(3, 10, 0.0, np.int64, 4), coo(3, 12, 0.5, np.int64, 5)],  # a block without entries
        [coo(1, 20, 0.3, np.float32, 6)],
        [coo(2, 5, 0.5, np.float32, 7), scipy.sparse.coo_matrix((2, 2**31 + 5), dtype=np.float32)],  # int64 indices
        [coo(4, 6, 0.5, np.float64, 8).tocsr(), coo(4, 6, 0.5, np.float64, 9)],  # not all COO: scipy's
    ]
    for blocks in cases:
        mine, theirs = speedups.coo_hstack(blocks), scipy.sparse.hstack(blocks)
        assert type(mine) is type(theirs) and mine.shape == theirs.shape and mine.dtype == theirs.dtype
        assert mine.row.dtype == theirs.row.dtype and mine.col.dtype == theirs.col.dtype
        assert np.array_equal(mine.row, theirs.row) and np.array_equal(mine.col, theirs.col)
        assert np.array_equal(mine.data, theirs.data)
    assert speedups.coo_hstack(cases[3]).col.dtype == np.int64 and speedups.coo_hstack(cases[0]).dtype == np.float64
    with pytest.raises(ValueError):
        speedups.coo_hstack([coo(2, 3, 0.5, np.float64, 1), coo(3, 3, 0.5, np.float64, 1)])
