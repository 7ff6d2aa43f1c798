"""Conversation insights for the staff console, read from Rasa's SQL tracker store.

Modules: ``store`` reads the events table, ``reports`` gets the verdicts out of a report event (data first, the
legacy text parser for old events), ``aggregate`` makes the one pass over the events, ``export`` writes CSV.

Rasa's ``SQLTrackerStore`` keeps every event of every conversation in one table, ``events`` (see
``rasa.core.tracker_store.SQLTrackerStore.SQLEvent``): ``id`` (autoincrement), ``sender_id``, ``type_name``
(``user``, ``bot``, ``action``, ``slot`` …), ``timestamp`` (Unix seconds, float), ``intent_name`` (user events),
``action_name`` (action events) and ``data`` (the event as JSON text). This module reads that table with plain
SQLAlchemy Core (no Rasa import, no JSON functions of the database), so the same query runs on SQLite and
PostgreSQL; it only reads, never creates a database or a table.

What is computed (one pass over the events, ordered by ``id``):

- per day (China time, UTC+8): conversations (distinct senders who wrote that day), user messages, checks
  started, unanswered questions;
- topics: the intent of each user message mapped to what it asks about — the nine measures through
  ``policy_kb.rules.intent_measure()`` (intent ``ask_<key>`` of measures.yaml) with their titles, a clause lookup
  (``lookup_clause`` with a ``citation`` entity) counting for the measure it names, and the other policy intents
  through the table in ``bot/channels/staff_messages.yml``; small talk is not a topic;
- eligibility checks: a check starts when ``action_start_check`` runs for a message that is not a correction
  (intent ``inform`` inside a running check re-runs the action too, so it does not count as a new check); a
  report is a bot message whose ``metadata.utter_action`` is ``utter_eligibility_report`` — exactly the messages
  ``action_eligibility_report`` sends. Verdicts are read from the report's data, the ``custom`` payload the
  action sends beside the text (``policy_kb.report.report_data``: ``counts`` and each measure's ``verdict``).
  Reports stored before the payload existed (schema 0: text only) are still counted: ``reports.parse_report``
  reads their text with patterns built from the report's own templates. A corrected answer re-runs the report;
  only the last report of each check counts for the verdicts, every report counts in ``reports``;
- unanswered questions, newest first, with their text: user messages classified ``out_of_scope`` or
  ``nlu_fallback``, and messages whatever their intent that the bot answered with "nothing found"
  (``utter_search_none``: a keyword search without results; ``utter_clause_not_found``: a clause reference it
  could not read or that does not exist). How the bot replied is read from the bot events that follow the
  message (``metadata.utter_action``: ``utter_out_of_scope``, ``utter_ask_rephrase``, ``utter_fallback_results``
  …) and shown as the kind. An ``nlu_fallback`` message that the self-check form took as an answer (the form ran
  and the bot neither asked to rephrase nor said it did not understand) was answered and is left out.

Sender ids are never returned: only ``hash_sender`` (the first 12 hex digits of SHA-256), since they can be
WeChat OpenIDs.
"""

from bot.insights.aggregate import TZ, Insights, compute, topic_label, topic_of, window
from bot.insights.export import topics_csv, unanswered_csv
from bot.insights.reports import Report, parse_report, report_of
from bot.insights.store import _engine, hash_sender, read_events

__all__ = [
    "TZ",
    "Insights",
    "Report",
    "_engine",
    "compute",
    "hash_sender",
    "parse_report",
    "read_events",
    "report_of",
    "topic_label",
    "topic_of",
    "topics_csv",
    "unanswered_csv",
    "window",
]
