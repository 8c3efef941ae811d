# -*- coding: utf-8 -*-
# Copyright: Contributors to the geomesh.alicloud project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Data-driven waiters: poll a describe call until a status is reached.

Each product keeps a table of ``WaiterSpec`` (as amazon.aws keeps ``waiters_by_name``); the status
path is a JMESPath expression, evaluated with ``jmespath`` as botocore's waiters do.
"""

from __future__ import annotations

import random
import time
from dataclasses import dataclass

from ansible_collections.geomesh.alicloud.plugins.module_utils.errors import AlicloudError, WaiterError
from ansible_collections.geomesh.alicloud.plugins.module_utils.paths import search

MISSING = object()


@dataclass(frozen=True)
class WaiterSpec:
    """How to wait for one kind of resource to be ready.

    ``get(manager, resource_id)`` reads the resource (None when not found); ``status`` is a
    JMESPath expression into it; ``success`` ends the wait, ``failure`` fails it; ``pending``
    (when not empty) are the only states worth waiting through, any other fails at once;
    ``in_progress`` are the states accepted as done when the user asked not to wait.
    """

    status: str
    success: tuple
    pending: tuple = ()
    failure: tuple = ()
    in_progress: tuple = ()


class Waiter:
    """Poll ``describe()`` until the value at ``status_path`` is in ``success``.

    ``describe`` returns the resource dict, or None when the resource is not found (or
    raises an AlicloudError whose ``is_not_found`` is true). ``success`` may contain the
    special value ``Waiter.GONE`` to wait for deletion. Not found before the resource has
    ever been seen counts as pending while ``not_found_grace`` seconds have not passed
    (eventual consistency right after a create).
    """

    GONE = "__gone__"

    def __init__(
        self,
        name: str,
        describe,
        status_path: str,
        success,
        pending=(),
        failure=(),
        timeout: float = 300,
        delay: float = 1.0,
        max_delay: float = 15.0,
        not_found_grace: float | None = None,
        sleep=time.sleep,
        clock=time.monotonic,
    ):
        self.name = name
        self.describe = describe
        self.status_path = status_path
        self.success = set(success)
        self.pending = set(pending)
        self.failure = set(failure)
        self.timeout = timeout
        self.delay = delay
        self.max_delay = max_delay
        self.not_found_grace = timeout if not_found_grace is None else not_found_grace
        self._sleep = sleep
        self._clock = clock
        self._rng = random.Random()

    def _read(self):
        try:
            return self.describe()
        except AlicloudError as err:
            if err.is_not_found:
                return None
            raise

    def wait(self):
        start = self._clock()
        deadline = start + self.timeout
        pause = self.delay
        last = MISSING
        while True:
            current = self._read()
            if current is None:
                if self.GONE in self.success:
                    return None
                if last is not MISSING and last is not None:
                    raise WaiterError("%s: the resource disappeared while waiting" % self.name, code="WaiterGone")
                if self._clock() - start > self.not_found_grace:
                    raise WaiterError(
                        "%s: the resource was not found for %.0f s" % (self.name, self.not_found_grace),
                        code="WaiterNotFound",
                    )
            else:
                status = search(self.status_path, current)
                if status in self.success:
                    return current
                if status in self.failure:
                    raise WaiterError(
                        "%s: reached failure state %r" % (self.name, status), last=current, code="WaiterFailure"
                    )
                if self.pending and status not in self.pending:
                    raise WaiterError(
                        "%s: unexpected state %r (expected one of %s)"
                        % (self.name, status, ", ".join(sorted(self.success | self.pending))),
                        last=current,
                        code="WaiterUnexpectedState",
                    )
            last = current
            now = self._clock()
            if now >= deadline:
                shown = search(self.status_path, current) if isinstance(current, dict) else "not found"
                raise WaiterError(
                    "%s: timed out after %.0f s (last state %r)" % (self.name, self.timeout, shown), last=current
                )
            self._sleep(min(self._rng.uniform(pause * 0.8, pause * 1.2), max(0.0, deadline - now)))
            pause = min(self.max_delay, pause * 1.5)
