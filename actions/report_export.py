"""导出报告 / 下载报告: the report of the profile in the slots is kept (``records.reports``) under a random token,
and the user gets the link to its printable page and its PDF, both served by the Rasa server's web channel
(``bot/channels/web.py``: ``/webhooks/web/report/<token>`` and ``…/<token>.pdf``).

The text carries absolute links (WeChat shows them as text; ``PUBLIC_BASE_URL``, default http://localhost:5005, is
where people reach the Rasa server); beside it a ``custom`` entry ``{"type": "report_link", …}`` with the same-origin
paths, which the web page renders as two links. No report without a profile; inside the self-check the questions
left are skipped (as with 直接看结果) and the report comes, with its 导出报告 button."""

from __future__ import annotations

import logging
import os
from functools import lru_cache
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from sqlalchemy.exc import SQLAlchemyError

from records import reports
from records.db import in_china

from .common import kb
from .eligibility import FORM, current_report, still_to_ask
from .facts import has_profile

logger = logging.getLogger(__name__)

REPORT_PATH = "/webhooks/web/report/"
DEFAULT_BASE = "http://localhost:5005"
LINK_TYPE = "report_link"


def public_base() -> str:
    """Where people reach the Rasa server; unset, the links only work on this machine (a warning, once)."""
    base = (os.environ.get("PUBLIC_BASE_URL") or "").strip().rstrip("/")
    if not base:
        _warn_unset_base()
    return base or DEFAULT_BASE


@lru_cache(maxsize=1)
def _warn_unset_base() -> None:
    logger.warning("PUBLIC_BASE_URL is not set: report links sent as text (WeChat) point at %s", DEFAULT_BASE)


class ActionExportReport(Action):
    def name(self) -> str:
        return "action_export_report"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]) -> list[EventType]:
        if tracker.active_loop_name == FORM:
            # "先出个报告" in the middle of the check: the rest is skipped, as with 直接看结果, and the form ends
            # with the report (data/rules/report.yml), under which 导出报告 is a button
            skipped = list(tracker.get_slot("skipped_facts") or [])
            dispatcher.utter_message(response="utter_fact_skipped_rest")
            return [SlotSet("skipped_facts", skipped + [f for f in still_to_ask(tracker) if f not in skipped])]
        if not has_profile(tracker):
            dispatcher.utter_message(response="utter_export_nothing")
            return []
        data = current_report(tracker)
        data["version"] = kb().version_stamp()
        try:
            kept = reports.keep(data)
        except SQLAlchemyError:
            logger.exception("could not keep a report")
            dispatcher.utter_message(response="utter_export_failed")
            return []
        path = REPORT_PATH + kept.token
        expires_on = in_china(kept.expires_at).date().isoformat()  # the date in China, as the report page says it
        dispatcher.utter_message(
            response="utter_report_link",
            html_url=public_base() + path,
            pdf_url=public_base() + path + ".pdf",
            days=reports.ttl_days(),
            expires_on=expires_on,
            json_message={
                "type": LINK_TYPE,
                "html": path,
                "pdf": path + ".pdf",
                "expires_on": expires_on,
            },
        )
        return []
