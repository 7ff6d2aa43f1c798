"""The policy's own terms for jieba (上海·嘉定人才港, 见习带教费, 高层次人才, …).

The dictionary lives in ``policy_kb/data/jieba/`` so that the Rasa ``JiebaTokenizer`` (which loads every file of
a folder) and policy_kb's search and extractor segment text the same way.
"""

from __future__ import annotations

import logging
import threading
from pathlib import Path

import jieba

DICT_DIR = Path(__file__).parent / "data" / "jieba"
_loaded = False
_lock = threading.Lock()

jieba.setLogLevel(logging.WARNING)


def load_policy_dictionary() -> None:
    global _loaded
    with _lock:
        if _loaded:
            return
        for f in sorted(DICT_DIR.glob("*.txt")):
            jieba.load_userdict(str(f))
        # Words that swallow the unit of an amount ("100万能补多少" → 100 / 万能): split them.
        for w in ("万能", "万多", "万余", "亿多"):
            jieba.del_word(w)
        _loaded = True
