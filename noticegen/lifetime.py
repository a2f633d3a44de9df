"""Worker processes that never outlive the process that started them.

A worker whose parent was killed (SIGKILL, the out-of-memory killer) would otherwise go on
rendering, or wait for work for ever, holding personal data in memory and files open.
"""

from __future__ import annotations

import ctypes
import os
import signal
import sys
import threading
import time

PR_SET_PDEATHSIG = 1  # linux/prctl.h
PARENT_CHECK_S = 1.0


def die_with_parent(parent: int) -> None:
    """Call first thing in a worker, with the parent's pid (taken in the parent): the worker is
    killed the moment its parent ends, however it ends.

    On Linux the kernel does it (prctl PR_SET_PDEATHSIG); elsewhere a thread polls the parent.
    The parent may already have gone before this call: then the worker ends at once.
    """
    if not _kernel_kills_us_with_parent():
        threading.Thread(target=_poll_parent, args=(parent,), daemon=True).start()
    if os.getppid() != parent:  # gone between the spawn and this call
        os._exit(1)


def _kernel_kills_us_with_parent() -> bool:
    if not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        return libc.prctl(PR_SET_PDEATHSIG, int(signal.SIGKILL), 0, 0, 0) == 0
    except (OSError, AttributeError):
        return False


def _poll_parent(parent: int) -> None:
    while os.getppid() == parent:
        time.sleep(PARENT_CHECK_S)
    os._exit(1)
