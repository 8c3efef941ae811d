"""Which block of loopback addresses this emulator hands out to LoadBalancer Services.

The data plane puts real listeners (the ingress gateways' Envoys) on those addresses and their
Service ports, so two emulators running side by side (parallel tests, a demo next to a test run)
must never hand out the same address. Each emulator holds an exclusive ``flock`` on one block
file for its lifetime (released by the kernel even when the process is killed) and uses
``127.<block>.0.0/16``; the block is kept in the store so a restarted emulator gets its old
addresses back when they are free.
"""

from __future__ import annotations

import fcntl
import os
import tempfile

BLOCKS = range(100, 200)
CLAIM_DIR = os.path.join(tempfile.gettempdir(), "geomesh-emulator-loopback")


class LoopbackBlock:
    def __init__(self, preferred: int | None = None) -> None:
        os.makedirs(CLAIM_DIR, mode=0o700, exist_ok=True)
        order = list(BLOCKS)
        if preferred in BLOCKS:
            order.remove(preferred)
            order.insert(0, preferred)
        self.block: int | None = None
        self._fd: int | None = None
        for block in order:
            fd = os.open(os.path.join(CLAIM_DIR, f"{block}.lock"), os.O_RDWR | os.O_CREAT, 0o600)
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError:
                os.close(fd)
                continue
            self.block, self._fd = block, fd
            return
        raise RuntimeError(f"every loopback block {BLOCKS.start}-{BLOCKS.stop - 1} is held by another emulator")

    def release(self) -> None:
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None
