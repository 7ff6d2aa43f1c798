"""Rasa-side code of the assistant: domain, channels, stores, NLU components.

Importing the package installs the profiled hot-path fixes in ``bot.speedups`` (no behaviour change) — only on the
Rasa release they were written for, and not with ``RASA_SPEEDUPS=0``.
"""

from bot import speedups as _speedups

_speedups.install()
