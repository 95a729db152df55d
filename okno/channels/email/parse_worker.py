"""Parsing in a second process while the importer writes (see batch.py).

Parsing is pure Python and needs no Django: the worker process imports only the
parser, starts in a fraction of a second, and leaves when its parent is gone (also
after a `kill -9`, which gives the parent no chance to stop it).
"""

import multiprocessing
import os
import threading
import time
from concurrent.futures import Executor, ProcessPoolExecutor

from okno.channels.email.parse import parse_message
from okno.channels.email.types import ParsedEmail


def parse_many(raws: list[bytes]) -> list[ParsedEmail | Exception]:
    parsed: list[ParsedEmail | Exception] = []
    for raw in raws:
        try:
            parsed.append(parse_message(raw))
        except Exception as exc:  # parse_message never raises; a bug stays per message
            parsed.append(exc)
    return parsed


def parsing_process() -> Executor:
    """One worker process ("spawn": nothing of this process's threads or connections
    is copied into it)."""
    return ProcessPoolExecutor(
        max_workers=1,
        mp_context=multiprocessing.get_context("spawn"),
        initializer=_leave_with_parent,
        initargs=(os.getpid(),),
    )


def _leave_with_parent(parent: int) -> None:
    def watch():
        while os.getppid() == parent:
            time.sleep(0.5)
        os._exit(0)

    threading.Thread(target=watch, daemon=True).start()
