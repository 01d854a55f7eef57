"""qgen's messages go through the standard ``logging`` module, on the logger ``"qgen"``.

Every progress line a run writes (``qgen vmc: …``) is an INFO record of that logger; its
one handler writes the bare message to the *current* ``sys.stderr`` (so that a redirected
or captured stderr receives it). ``qgen -q`` shows warnings and errors only, ``-v`` adds
DEBUG records. To route qgen's messages into your own logging setup::

    import logging
    qgen_logger = logging.getLogger("qgen")
    qgen_logger.handlers.clear()
    qgen_logger.propagate = True
"""

from __future__ import annotations

import logging
import sys
from typing import TextIO

__all__ = ["LOGGER", "log_to_stderr", "set_verbosity"]

LOGGER = logging.getLogger("qgen")


class _CurrentStderr(logging.StreamHandler):
    """A stream handler on whatever ``sys.stderr`` is when a record is written."""

    @property
    def stream(self) -> TextIO:
        return sys.stderr

    @stream.setter
    def stream(self, value: TextIO) -> None:  # StreamHandler.__init__ assigns one
        pass


if not LOGGER.handlers:
    _handler = _CurrentStderr()
    _handler.setFormatter(logging.Formatter("%(message)s"))
    LOGGER.addHandler(_handler)
    LOGGER.setLevel(logging.INFO)
    LOGGER.propagate = False  # one line per message, not a second one from the root's


def log_to_stderr(message: str) -> None:
    """The default log of every workflow: ``message`` as an INFO record of ``"qgen"``
    (one line on stderr unless the logger is set otherwise)."""
    LOGGER.info(message)


def set_verbosity(quiet: bool = False, verbose: bool = False) -> None:
    """INFO (the default), WARNING with ``quiet``, DEBUG with ``verbose``."""
    LOGGER.setLevel(logging.WARNING if quiet else logging.DEBUG if verbose else logging.INFO)
