"""The study log: the package's INFO lines go to ``study.log``, not through the progress bar."""

import logging
from contextlib import contextmanager

__all__ = ["log_to"]


@contextmanager
def log_to(path):
    """Log the package at INFO into ``path``; elsewhere only what the caller's logging shows.

    Records go to the study log; they reach the caller's handlers only at or
    above the root logger's level (WARNING by default), as if this package's
    logger had no level of its own, so INFO lines never cut through a progress
    bar unless the caller asked for them.
    """
    handler = logging.FileHandler(path)
    handler.setFormatter(logging.Formatter("%(asctime)s %(name)s %(levelname)s %(message)s"))
    package = logging.getLogger("sk_easycore")
    forward = _Forward()
    saved = (package.level, package.propagate)
    package.addHandler(handler)
    package.addHandler(forward)
    package.setLevel(min(package.level or logging.INFO, logging.INFO))
    package.propagate = False
    try:
        yield
    finally:
        package.removeHandler(handler)
        package.removeHandler(forward)
        package.setLevel(saved[0])
        package.propagate = saved[1]
        handler.close()


class _Forward(logging.Handler):
    """Hand records on to the root logger's handlers when the root logger's level lets them."""

    def emit(self, record):
        if getattr(record, "shown_as_warning", False):
            return  # the caller sees it as a Python warning: once is enough
        root = logging.getLogger()
        if record.levelno >= root.getEffectiveLevel():
            root.handle(record)
