"""How the suite launcher starts child processes (Redis, the services).

Each child gets its own session, so a Ctrl-C in the terminal reaches only the launcher, which
then stops the children in dependency order (Redis last). On Linux each child also asks the
kernel for SIGTERM when its launcher dies, so a crashed launcher leaves no orphans.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import os
import signal
import sys
from collections.abc import Callable

_PR_SET_PDEATHSIG = 1


def _set_parent_death_signal() -> None:
    libc_name = ctypes.util.find_library("c")
    if not libc_name:
        return
    libc = ctypes.CDLL(libc_name, use_errno=True)
    libc.prctl(_PR_SET_PDEATHSIG, signal.SIGTERM, 0, 0, 0)


def _prepare_child() -> None:
    os.setsid()
    if sys.platform.startswith("linux"):
        _set_parent_death_signal()


def child_preexec() -> Callable[[], None]:
    """The `preexec_fn` for subprocess.Popen of a supervised child."""
    return _prepare_child
