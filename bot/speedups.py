"""Rasa 3.6 hot-path fixes found by profiling (bench/PROFILE.md); behaviour is unchanged, only the cost.

``RemoteAction._validate_action_result`` calls ``jsonschema.validate`` on every action-server reply.
``jsonschema.validate`` first checks the *schema* against the draft 2020-12 meta-schema, every time: 15 ms of
CPU per custom action on the 2-core machine, ~40% of the Rasa server's time per message. Even with the schema
checked once, validating a reply takes jsonschema ~1 ms (every event is tried against each of the ~20 event
types of a ``oneOf``). Here a reply is first checked by jsonschema-rs (the same JSON Schema draft compiled in
Rust, ~5 µs); only a reply it rejects goes through jsonschema, so that the error raised is the one Rasa raises
(``best_match``, Rasa's message). Tests compare both with ``jsonschema.validate`` on valid and invalid replies.

``RulePolicy._rule_key_to_state`` is not patched any more: Rasa 3.6.21 caches its parse itself
(``lru_cache``).

``EndpointConfig.request`` opens a new aiohttp session, and so a new TCP connection, for every call to the
action server. Here each endpoint keeps one session per event loop (its connections kept alive for 2 s, less
than the 5 s after which the action server's Sanic closes an idle one, so a kept connection is never one the
server is closing). Its requests are serialised with orjson (a form turn sends the 21 KB domain with the
tracker: json.dumps took 1.5 ms of it); whatever orjson refuses (not a str key, an unknown type) goes through
``json.dumps`` as before.

``RasaModel._rasa_predict`` (DIET's inference) calls the traced ``tf.function`` with the batch's arrays; before
the graph runs, TensorFlow canonicalises and casts every input and looks the call's type up in its function
cache: 2.6 ms per message, more than the graph itself (2.1 ms). The function has a fixed input signature (Rasa
gives it one: any length, fixed last dimension and dtypes), so once Rasa has traced it the concrete function is
kept and called directly with the arrays as tensors; a batch whose arity or dtypes differ from the signature goes
through Rasa's own call. Tests: the same intents, confidences and rankings as Rasa's path on the trained model.

``DaskGraphRunner.run`` hands every graph run (the NLU pipeline, then each next-action prediction) to
``dask.get`` after recomputing the graph's minimal schema. Dask's local scheduler runs the nodes one after the
other anyway; ``run_sequentially`` does the same walk directly (each node once, its inputs first) with the
minimal schema kept per target list: about 1.8 ms less per message (A/B on the REST channel), same results
(tests compare both runners on the trained model).

``RulePolicy`` turns the whole tracker into states (one per action taken: every prior tracker replayed, its
slots featurised, the result deep-copied for a debug log) four times per user message, and then filters its rules
through every one of those states, though a rule can only look back as many states as the longest rule has:
``_is_rule_applicable`` is true for every rule once the turn index reaches the rule's length. At prediction time
only the last L states are computed (L = the longest rule of either lookup), from the same replay of the tracker's
applied events, each state made as ``Domain.states_for_tracker_history`` makes it. The rules that apply, the action
predicted, the unhappy-path flags and ``hide_rule_turn`` are the same (a state key only names the prediction source
when no rule matched, and then it is no rule's key either way); only the debug log of the states is shorter. Not
used in training (Rasa's contradiction check keys its bookkeeping on the whole states). Tests: the same
predictions as Rasa's at every step of the conversation tests and of all of them run together as one tracker.

Three NLU steps repeat work per message. ``CountVectorsFeaturizer._create_features`` calls sklearn's ``transform``
(a new analyzer built, the counts put into CSR, sorted, then turned into COO) four times per message: here the
counts are made with the vectorizer's own analyzer (built once) and go straight into the same COO matrices (same
rows, columns, values and dtypes). ``Message._combine_features`` deep-copies the first sparse feature and stacks
each further one onto it by a separate ``hstack``: here one ``hstack`` of all of them (the same blocks in the same
order, so the same matrix). ``Domain.is_empty`` renders the whole domain into a dict, twice, on every message to
compare it with an empty one: here once per domain (a loaded domain is not changed). About 2.5 ms per message in
all. Tests: the same matrices and features as Rasa's, and the same parses with Rasa's code put back.

``DIETClassifier._predict`` builds, for one message, Rasa's model data (a ``RasaModelData`` of feature arrays) and
runs it through the data generator to get the model's batch: 0.7–0.8 ms per message. Once Rasa's own path has shown
this model's layout for a message (mask, sentence, sequence, sequence lengths, all sparse), each message's batch of
eight arrays is made directly from the text's two COO matrices, as the generator makes them (``diet_batch``); a
message with dense features, a matrix that is not COO or any other layout goes through Rasa's path. Tests: the same
eight arrays (dtype, shape, values, order) as Rasa's on every project text, and the same parses.

``Message._combine_features`` stacks the sparse features with ``scipy.sparse.hstack``, whose ``bmat`` spends more
on its block-array bookkeeping than on the copy: ``coo_hstack`` makes the same COO matrix (dtype, index dtype,
entries in order) directly, 0.27 → 0.11 ms per stack, two per message (test against ``scipy.sparse.hstack``). The
longest rule's length, which bounds the states RulePolicy computes, is counted once per parsed rule lookup.

Installed when the ``bot`` package is imported: every Rasa process of this project imports it (the tracker store,
lock store, channels and NLU components named in endpoints.yml, credentials.yml and config.yml live in ``bot``).
The patches replace private Rasa methods, so they are installed only on the exact Rasa release they were written
and tested against (``RASA_VERSION``); on any other one they are skipped with one logged warning and Rasa's own
code runs. ``RASA_SPEEDUPS=0`` (or ``false``/``no``/``off``) turns them off: nothing is patched.
"""

from __future__ import annotations

import functools
import json
import logging
import os
from functools import lru_cache
from typing import Any

logger = logging.getLogger(__name__)

RASA_VERSION = "3.6.21"  # the Rasa release the patches below were written for (the private methods they replace)
ENV_SWITCH = "RASA_SPEEDUPS"
OFF_VALUES = frozenset({"0", "false", "no", "off"})

_INSTALLED = False
_SKIPPED = False  # the reason was logged once; install() does not log it again


@lru_cache(maxsize=1)
def action_result_validator() -> Any:
    from jsonschema.validators import validator_for
    from rasa.core.actions.action import RemoteAction

    schema = RemoteAction.action_response_format_spec()
    cls = validator_for(schema)
    cls.check_schema(schema)  # once per process instead of once per action call
    return cls(schema)


@lru_cache(maxsize=1)
def fast_action_result_validator() -> Any:
    import jsonschema_rs
    from rasa.core.actions.action import RemoteAction

    # the draft jsonschema picks for a schema without "$schema" (validator_for's default)
    return jsonschema_rs.Draft202012Validator(RemoteAction.action_response_format_spec())


def validate_action_result(self: Any, result: dict[str, Any]) -> bool:
    """Same contract as Rasa's ``RemoteAction._validate_action_result``: True, or raise ValidationError."""
    if fast_action_result_validator().is_valid(result):
        return True
    from jsonschema import exceptions
    from rasa.shared.constants import DOCS_BASE_URL

    error = exceptions.best_match(action_result_validator().iter_errors(result))
    if error is None:
        return True
    error.message += (
        f". Failed to validate Action server response from API, "
        f"make sure your response from the Action endpoint is valid. "
        f"For more information about the format visit "
        f"{DOCS_BASE_URL}/custom-actions"
    )
    raise error


KEEP_ALIVE_S = 2.0  # below Sanic's 5 s keep-alive timeout on the action server


def dumps(obj: Any) -> str:
    """``json.dumps(obj)`` for a request body, made by orjson where it can (same JSON, non-ASCII not escaped)."""
    import orjson

    try:
        return orjson.dumps(obj, option=orjson.OPT_SERIALIZE_NUMPY).decode()
    except TypeError:
        return json.dumps(obj)


class _KeptSession:
    """``async with`` on it gives the endpoint's kept session and leaves it open."""

    def __init__(self, session: Any) -> None:
        self.session = session

    async def __aenter__(self) -> Any:
        return self.session

    async def __aexit__(self, *exc: object) -> None:
        return None


def per_loop(owner: Any, key: str, make: Any, usable: Any = None) -> Any:
    """``owner``'s object under ``key`` for the running event loop: made by ``make()`` on first use in a loop (and
    again once ``usable(obj)`` says no), so an object moved to another loop never shares loop-bound state."""
    import asyncio

    loop = asyncio.get_running_loop()
    kept = owner.__dict__.get(key)
    if kept is None or kept[0] is not loop or (usable is not None and not usable(kept[1])):
        kept = (loop, make())
        owner.__dict__[key] = kept
    return kept[1]


def kept_session(self: Any) -> Any:
    """Rasa's ``EndpointConfig.session``: the same configured aiohttp session, one per endpoint and event loop."""
    import aiohttp

    def make() -> Any:
        from rasa.utils.endpoints import DEFAULT_REQUEST_TIMEOUT

        # Rasa's session() with a connector that drops idle connections first
        auth = aiohttp.BasicAuth(self.basic_auth["username"], self.basic_auth["password"]) if self.basic_auth else None
        return aiohttp.ClientSession(
            headers=self.headers,
            auth=auth,
            timeout=aiohttp.ClientTimeout(total=DEFAULT_REQUEST_TIMEOUT),
            connector=aiohttp.TCPConnector(keepalive_timeout=KEEP_ALIVE_S),
            json_serialize=dumps,
        )

    return _KeptSession(per_loop(self, "_jd_session", make, lambda session: not session.closed))


def run_sequentially(
    self: Any, inputs: dict[str, Any] | None = None, targets: list[str] | None = None
) -> dict[str, Any]:
    """Rasa's ``DaskGraphRunner.run`` without dask: same inputs, outputs and errors."""
    from rasa.engine.exceptions import GraphRunError

    run_targets = targets if targets else self._graph_schema.target_names
    schemas = self.__dict__.setdefault("_minimal_schemas", {})
    key = tuple(run_targets)
    if key not in schemas:
        schemas[key] = self._graph_schema.minimal_graph_schema(run_targets)
    schema = schemas[key]
    values: dict[str, Any] = {}
    for name, value in (inputs or {}).items():
        if isinstance(value, str) and value in schema.nodes:  # the same check as Rasa's _add_inputs_to_graph
            raise GraphRunError(
                f"Input value '{value}' clashes with a node name. Make sure that none of the "
                f"input names passed to the `run` method are the same as node names in the graph "
                f"schema."
            )
        values[name] = (name, value)

    def compute(name: str) -> Any:
        if name not in values:
            needs = schema.nodes[name].needs.values()
            values[name] = self._instantiated_nodes[name](*[compute(n) for n in needs])
        return values[name]

    try:
        return dict(compute(t) for t in run_targets)
    except RuntimeError as e:
        raise GraphRunError("Error running runner.") from e


def rasa_predict(self: Any, batch_in: Any) -> Any:
    """Rasa's ``RasaModel._rasa_predict``: once Rasa has traced its prediction graph, the graph is called
    directly with the batch's tensors (when they match its signature), else Rasa's own path runs."""
    graph = self.__dict__.get("_jd_graph")
    if graph is None or graph[0] is not self._tf_predict_step:  # not traced yet (Rasa traces on its first call)
        outputs = RASA_PREDICT(self, batch_in)
        step = self._tf_predict_step
        if step is not None and not self._run_eagerly:
            concrete = step.get_concrete_function()
            dtypes = tuple(spec.dtype for spec in concrete.structured_input_signature[0][0])
            self.__dict__["_jd_graph"] = (step, concrete, dtypes)
        return outputs
    if self._run_eagerly or len(batch_in) != len(graph[2]):
        return RASA_PREDICT(self, batch_in)
    from keras.utils import tf_utils
    from rasa.shared.constants import DIAGNOSTIC_DATA
    from tensorflow.python.eager import context
    from tensorflow.python.framework import constant_op

    _, concrete, dtypes = graph
    # what tf.convert_to_tensor does with an array in eager mode, without its dispatch and traceback wrappers
    ctx = context.context()
    tensors = [constant_op.convert_to_eager_tensor(x, ctx) for x in batch_in]
    if any(t.dtype != d for t, d in zip(tensors, dtypes, strict=True)):
        return RASA_PREDICT(self, batch_in)
    self._training = False
    outputs = tf_utils.sync_to_numpy_or_python_type(concrete._call_flat(tensors, concrete.captured_inputs))
    if DIAGNOSTIC_DATA in outputs:
        outputs[DIAGNOSTIC_DATA] = self._empty_lists_to_none_in_dict(outputs[DIAGNOSTIC_DATA])
    return outputs


# The model data DIET makes for one message when the text has sparse sequence and sentence features and no dense
# ones (this project's pipeline): (key, sub-key, sparse per feature array), in the order of the batch's arrays.
SPARSE_TEXT_LAYOUT = (
    ("text", "mask", (False,)),
    ("text", "sentence", (True,)),
    ("text", "sequence", (True,)),
    ("text", "sequence_lengths", (False,)),
)


def _layout(model_data: Any) -> tuple[tuple[str, str, tuple[bool, ...]], ...]:
    return tuple(
        (key, sub_key, tuple(bool(f.is_sparse) for f in arrays))
        for key, attribute_data in model_data.data.items()
        for sub_key, arrays in attribute_data.items()
    )


def _sparse_values(matrix: Any) -> list[Any]:
    """``RasaDataGenerator._scipy_matrix_to_values`` for a batch of one COO matrix."""
    import numpy as np

    indices = np.vstack([np.zeros_like(matrix.row), matrix.row, matrix.col]).T
    shape = np.array((1, matrix.shape[0], matrix.shape[-1]))
    return [indices.astype(np.int64), matrix.data.astype(np.float32), shape.astype(np.int64)]


def diet_batch(self: Any, message: Any) -> tuple[Any, ...] | None:
    """The batch of one that DIET's model data and data generator make for ``message`` (the same arrays, dtypes and
    order), made directly from its sparse sequence and sentence matrices; None where the text has other features."""
    import numpy as np
    import scipy.sparse
    from rasa.shared.nlu.constants import TEXT

    featurizers = self.component_config.get("featurizers")
    sequence, sentence = message.get_sparse_features(TEXT, featurizers)
    if sequence is None or sentence is None or message.get_dense_features(TEXT, featurizers) != (None, None):
        return None
    matrices = (sentence.features, sequence.features)
    if not all(isinstance(m, scipy.sparse.coo_matrix) for m in matrices):
        return None
    mask = np.ones((1, 1, 1), dtype=np.float32)
    lengths = np.array([matrices[1].shape[0]]).astype(np.float32)
    return (mask, *_sparse_values(matrices[0]), *_sparse_values(matrices[1]), lengths)


def diet_predict(self: Any, message: Any) -> Any:
    """Rasa's ``DIETClassifier._predict``: once Rasa's own path has shown that this model's data for a message is
    the sparse text layout, each message's batch is made by ``diet_batch`` and given to the model; else Rasa's."""
    layout = self.__dict__.get("_jd_layout")
    if self.model is not None and layout is None:
        model_data = self._create_model_data([message], training=False)  # Rasa's _predict, its layout kept
        if model_data.is_empty():
            return None
        self.__dict__["_jd_layout"] = _layout(model_data)
        return self.model.run_inference(model_data)
    batch = diet_batch(self, message) if self.model is not None and layout == SPARSE_TEXT_LAYOUT else None
    return DIET_PREDICT(self, message) if batch is None else self.model._rasa_predict(batch)


def _reversed_rules(policy: Any, lookup: dict[str, Any]) -> list[tuple[str, list[Any]]]:
    """Each rule key of ``lookup`` with its states, newest first, parsed once per lookup."""
    parsed = policy.__dict__.setdefault("_jd_reversed_rules", {})
    rules = parsed.get(id(lookup))
    if rules is None or rules[0] is not lookup or len(rules[1]) != len(lookup):
        rules = parsed[id(lookup)] = (lookup, [(k, list(reversed(policy._rule_key_to_state(k)))) for k in lookup])
    return rules[1]  # type: ignore[no-any-return]


def _rule_length(policy: Any) -> int:
    """The number of states the longest rule of the policy looks at (counted again only when a lookup's parsed
    rules are new)."""
    from rasa.core.policies.rule_policy import RULES, RULES_FOR_LOOP_UNHAPPY_PATH

    lookups = [policy.lookup.get(RULES, {}), policy.lookup.get(RULES_FOR_LOOP_UNHAPPY_PATH, {})]
    parsed = [_reversed_rules(policy, lookup) for lookup in lookups]
    kept = policy.__dict__.get("_jd_rule_length_of")
    if kept is None or any(a is not b for a, b in zip(kept[0], parsed, strict=True)):
        length = max((len(states) for rules in parsed for _, states in rules), default=1)
        kept = policy.__dict__["_jd_rule_length_of"] = (parsed, length)
    return kept[1]  # type: ignore[no-any-return]


def recent_states(tracker: Any, domain: Any, count: int) -> list[Any]:
    """The last ``count`` of ``domain.states_for_tracker_history(tracker)`` (no rule-only turns ignored)."""
    from rasa.shared.core.events import ActionExecuted

    events = tracker.applied_events()
    first = sum(1 for e in events if isinstance(e, ActionExecuted)) + 1 - count  # prior trackers to skip
    prior = tracker.init_copy()
    states = []
    seen = 0
    for event in events:  # generate_all_prior_trackers: the tracker before each action, then the tracker
        if isinstance(event, ActionExecuted):
            if seen >= first:
                states.append(domain._clean_state(domain.get_active_state(prior)))
            seen += 1
        prior.update(event)
    states.append(domain._clean_state(domain.get_active_state(prior)))
    return states


def rule_prediction_states(
    self: Any,
    tracker: Any,
    domain: Any,
    use_text_for_last_user_input: bool = False,
    rule_only_data: dict[str, Any] | None = None,
) -> Any:
    """``RulePolicy._prediction_states`` while predicting: the states its rules can see, else Rasa's own. One
    prediction asks twice (by text, then by intent) for the same tracker: the states are made once."""
    import copy

    from rasa.core.featurizers.tracker_featurizers import MaxHistoryTrackerFeaturizer

    featurizer = self.featurizer
    length = self.__dict__.get("_jd_rule_length")
    if length is None or type(featurizer) is not MaxHistoryTrackerFeaturizer or featurizer.max_history is not None:
        return RULE_STATES(self, tracker, domain, use_text_for_last_user_input, rule_only_data)
    memo = self.__dict__.get("_jd_states_memo")
    if memo is None or memo[0] is not tracker or memo[1] != len(tracker.events):
        memo = self.__dict__["_jd_states_memo"] = (tracker, len(tracker.events), recent_states(tracker, domain, length))
    states = [copy.deepcopy(memo[2])]  # _choose_last_user_input changes the states it is given
    featurizer._choose_last_user_input(states, use_text_for_last_user_input)
    return states[0]


def possible_rule_keys(self: Any, lookup: dict[str, Any], states: list[Any]) -> set[str]:
    """Rasa's ``RulePolicy._get_possible_keys``: the rule keys of ``lookup`` applicable to ``states``, with each
    rule's states parsed and reversed once instead of once per rule per state (``_is_rule_applicable`` inlined)."""
    from rasa.core.policies.rule_policy import RulePolicy
    from rasa.shared.core.constants import PREVIOUS_ACTION

    candidates = _reversed_rules(self, lookup)
    match = RulePolicy._does_rule_match_state
    for i, state in enumerate(reversed(states)):
        previous = state.get(PREVIOUS_ACTION)
        kept = []
        for rule in candidates:
            rule_states = rule[1]
            if i < len(rule_states):
                rule_previous = rule_states[i].get(PREVIOUS_ACTION)
                # a conversation start matches only a rule's start; else the rule's features must be in the state
                both_start = not rule_previous and not previous
                if not both_start and (not rule_previous or not previous or not match(rule_states[i], state)):
                    continue
            kept.append(rule)
        candidates = kept
    return {key for key, _ in candidates}


def rule_possible_keys(self: Any, lookup: dict[str, Any], states: list[Any]) -> set[str]:
    """``RulePolicy._get_possible_keys``: ours while predicting, Rasa's in training."""
    if self.__dict__.get("_jd_rule_length") is None:
        return RULE_KEYS(self, lookup, states)  # type: ignore[no-any-return]
    return possible_rule_keys(self, lookup, states)


def rule_predict(self, tracker, domain, rule_only_data=None, **kwargs):  # type: ignore[no-untyped-def]
    """``RulePolicy.predict_action_probabilities`` with the states cut to the longest rule (prediction only)."""
    self.__dict__["_jd_rule_length"] = _rule_length(self)  # the rules' states are parsed once per lookup
    try:
        return RULE_PREDICT(self, tracker, domain, rule_only_data, **kwargs)
    finally:
        self.__dict__["_jd_rule_length"] = None  # training (the contradiction check) gets Rasa's whole states
        self.__dict__["_jd_states_memo"] = None


def _analyzer(vectorizer: Any) -> Any:
    """``vectorizer.build_analyzer()``, built once per vectorizer (sklearn builds it on every transform)."""
    kept = _ANALYZERS.get(id(vectorizer))
    if kept is None or kept[0] is not vectorizer:
        kept = _ANALYZERS[id(vectorizer)] = (vectorizer, vectorizer.build_analyzer())
    return kept[1]


_ANALYZERS: dict[int, tuple[Any, Any]] = {}


def count_matrix(vectorizer: Any, docs: list[str]) -> Any:
    """``vectorizer.transform(docs)`` with its indices sorted, as COO — what Rasa makes of it — counted directly."""
    import numpy as np
    import scipy.sparse

    analyze = _analyzer(vectorizer)
    vocabulary = vectorizer.vocabulary_
    rows: list[int] = []
    cols: list[int] = []
    values: list[int] = []
    for row, doc in enumerate(docs):
        counts: dict[int, int] = {}
        for feature in analyze(doc):
            index = vocabulary.get(feature)
            if index is not None:  # out-of-vocabulary features are ignored, as by transform
                counts[index] = counts.get(index, 0) + 1
        for index in sorted(counts):
            rows.append(row)
            cols.append(index)
            values.append(1 if vectorizer.binary else counts[index])
    return scipy.sparse.coo_matrix(
        (np.asarray(values, dtype=np.intc), (np.asarray(rows, dtype=np.int32), np.asarray(cols, dtype=np.int32))),
        shape=(len(docs), len(vocabulary)),
        dtype=vectorizer.dtype,
    )


def count_vector_features(self: Any, attribute: str, all_tokens: list[list[str]]) -> tuple[list[Any], list[Any]]:
    """Rasa's ``CountVectorsFeaturizer._create_features``: the same sequence and sentence matrices."""
    from rasa.nlu.constants import DENSE_FEATURIZABLE_ATTRIBUTES

    vectorizer = self.vectorizers.get(attribute)
    if not vectorizer:
        return [None], [None]
    dense = attribute in DENSE_FEATURIZABLE_ATTRIBUTES
    sequence: list[Any] = []
    sentence: list[Any] = []
    for tokens in all_tokens:
        if not tokens:  # nothing to featurise
            sequence.append(None)
            sentence.append(None)
            continue
        sequence.append(count_matrix(vectorizer, tokens))
        sentence.append(count_matrix(vectorizer, [" ".join(tokens)]) if dense else None)
    return sequence, sentence


def combine_features(features: list[Any], featurizers: list[str]) -> Any:
    """Rasa's ``Message._combine_features``: sparse features joined by one ``hstack`` (Rasa deep-copies the
    first and stacks the others on one by one: the same blocks in the same order); anything else as Rasa does."""
    from rasa.shared.nlu.training_data.features import Features

    if len(features) < 2 or not all(f.is_sparse() for f in features):
        return MESSAGE_COMBINE(features, featurizers)
    if len({f.features.shape[0] for f in features}) != 1:
        return MESSAGE_COMBINE(features, featurizers)  # Rasa's error
    first = features[0]
    return Features(coo_hstack([f.features for f in features]), first.type, first.attribute, featurizers)


def coo_hstack(matrices: list[Any]) -> Any:
    """``scipy.sparse.hstack(matrices)`` for COO matrices of as many rows, as scipy's ``bmat`` makes it (the result's
    dtype, index dtype, and each block's entries in order at its column offset) without its block-array
    bookkeeping (0.27 → 0.11 ms); anything else by scipy."""
    import numpy as np
    import scipy.sparse
    from scipy.sparse._sputils import get_index_dtype, upcast

    if not matrices or not all(type(m) is scipy.sparse.coo_matrix for m in matrices):
        return scipy.sparse.hstack(matrices)
    if len({m.shape[0] for m in matrices}) != 1:
        return scipy.sparse.hstack(matrices)  # scipy's error
    shape = (matrices[0].shape[0], sum(m.shape[1] for m in matrices))
    nnz = sum(m.nnz for m in matrices)
    idx_dtype = get_index_dtype(maxval=max(shape))
    data = np.empty(nnz, dtype=upcast(*[m.dtype for m in matrices]))
    row = np.empty(nnz, dtype=idx_dtype)
    col = np.empty(nnz, dtype=idx_dtype)
    start = offset = 0
    for m in matrices:
        part = slice(start, start + m.nnz)
        data[part] = m.data
        np.add(m.row, 0, out=row[part], dtype=idx_dtype)
        np.add(m.col, offset, out=col[part], dtype=idx_dtype)
        start += m.nnz
        offset += m.shape[1]
    return scipy.sparse.coo_matrix((data, (row, col)), shape=shape)


def domain_is_empty(self: Any) -> bool:
    """Rasa's ``Domain.is_empty`` (it renders the whole domain as a dict on every message), once per domain."""
    kept = self.__dict__.get("_jd_is_empty")
    if kept is None:
        kept = self.__dict__["_jd_is_empty"] = DOMAIN_IS_EMPTY(self)
    return bool(kept)


RASA_PREDICT: Any = None  # Rasa's own RasaModel._rasa_predict
DIET_PREDICT: Any = None  # Rasa's own DIETClassifier._predict
DASK_RUN: Any = None  # Rasa's own DaskGraphRunner.run, kept for the equivalence tests
RULE_STATES: Any = None  # Rasa's own RulePolicy._prediction_states
RULE_PREDICT: Any = None  # Rasa's own RulePolicy.predict_action_probabilities
RULE_KEYS: Any = None  # Rasa's own RulePolicy._get_possible_keys
COUNT_FEATURES: Any = None  # Rasa's own CountVectorsFeaturizer._create_features
MESSAGE_COMBINE: Any = None  # Rasa's own Message._combine_features
DOMAIN_IS_EMPTY: Any = None  # Rasa's own Domain.is_empty


def installed() -> bool:
    return _INSTALLED


def switched_off() -> bool:
    """``RASA_SPEEDUPS=0`` (or false/no/off): nothing is patched, and bot.gc_settle leaves collection alone."""
    return os.environ.get(ENV_SWITCH, "").strip().lower() in OFF_VALUES


def _skip() -> tuple[int, str] | None:
    """Why not to patch (log level, message), or None to patch."""
    if switched_off():
        return logging.INFO, f"bot.speedups off ({ENV_SWITCH}={os.environ.get(ENV_SWITCH)}): Rasa's own code runs"
    import rasa

    if rasa.__version__ != RASA_VERSION:
        return logging.WARNING, (
            f"bot.speedups not installed: they patch private methods of Rasa {RASA_VERSION} and this is "
            f"Rasa {rasa.__version__}; Rasa's own code runs (check the patches against it, then update RASA_VERSION)"
        )
    return None


def install() -> bool:
    """Patch Rasa (once per process); True if the speedups are installed, False if they were skipped."""
    global _INSTALLED, _SKIPPED, DASK_RUN, RASA_PREDICT, RULE_KEYS, RULE_PREDICT, RULE_STATES
    global COUNT_FEATURES, MESSAGE_COMBINE, DOMAIN_IS_EMPTY, DIET_PREDICT
    if _INSTALLED:
        return True
    skip = _skip()
    if skip is not None:
        if not _SKIPPED:
            _SKIPPED = True
            logger.log(*skip)
        return False
    from rasa.core.actions.action import RemoteAction
    from rasa.core.policies.rule_policy import RulePolicy
    from rasa.engine.runner.dask import DaskGraphRunner

    from bot import dialogue_speedups, turn_queue

    dialogue_speedups.install()  # first: if it fails, nothing is patched
    turn_queue.install()  # messages a few at a time, in arrival order (RASA_TURNS_AT_ONCE; bot/turn_queue.py)
    from rasa.nlu.classifiers.diet_classifier import DIETClassifier
    from rasa.nlu.featurizers.sparse_featurizer.count_vectors_featurizer import CountVectorsFeaturizer
    from rasa.shared.core.domain import Domain
    from rasa.shared.nlu.training_data.message import Message
    from rasa.utils.endpoints import EndpointConfig
    from rasa.utils.tensorflow.models import RasaModel

    RemoteAction._validate_action_result = validate_action_result  # type: ignore[assignment]
    DASK_RUN = DaskGraphRunner.run
    DaskGraphRunner.run = run_sequentially  # type: ignore[assignment]
    EndpointConfig.session = kept_session  # type: ignore[assignment]
    RASA_PREDICT = RasaModel._rasa_predict
    RasaModel._rasa_predict = rasa_predict  # type: ignore[assignment]
    DIET_PREDICT = DIETClassifier._predict
    DIETClassifier._predict = diet_predict  # type: ignore[assignment]
    RULE_STATES = RulePolicy._prediction_states
    RulePolicy._prediction_states = rule_prediction_states  # type: ignore[assignment]
    RULE_KEYS = RulePolicy._get_possible_keys
    RulePolicy._get_possible_keys = rule_possible_keys  # type: ignore[assignment]
    RULE_PREDICT = RulePolicy.predict_action_probabilities
    # a graph component's run function: Rasa reads its parameters and types (resolved in Rasa's module)
    functools.update_wrapper(rule_predict, RULE_PREDICT, assigned=("__annotations__",), updated=())
    RulePolicy.predict_action_probabilities = rule_predict  # type: ignore[assignment]
    COUNT_FEATURES = CountVectorsFeaturizer._create_features
    CountVectorsFeaturizer._create_features = count_vector_features  # type: ignore[assignment]
    MESSAGE_COMBINE = Message._combine_features
    Message._combine_features = staticmethod(combine_features)  # type: ignore[assignment]
    DOMAIN_IS_EMPTY = Domain.is_empty
    Domain.is_empty = domain_is_empty  # type: ignore[assignment]
    _INSTALLED = True
    return True
