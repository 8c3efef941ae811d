# -*- coding: utf-8 -*-
# Copyright: Contributors to the geomesh.alicloud project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

import pytest

from ansible_collections.geomesh.alicloud.plugins.module_utils.errors import AlicloudError, WaiterError
from ansible_collections.geomesh.alicloud.plugins.module_utils.retries import (
    RETRY_STATUS_MESSAGE,
    Backoff,
    is_ambiguous,
    is_retryable,
)
from ansible_collections.geomesh.alicloud.plugins.module_utils.waiters import Waiter


@pytest.mark.parametrize(
    "code,status,product,expected",
    [
        ("Throttling", 400, None, True),
        ("Throttling.User", 400, None, True),
        ("Rejected.Throttling", 400, None, True),
        ("ServiceUnavailable", 503, None, True),
        ("Whatever", 502, None, True),
        ("Operation.Blocking", 400, "cbn", True),
        ("TokenProcessing", 400, "cbn", True),
        ("IncorrectStatus.VpcRouteTable", 400, "cbn", True),
        ("OperationFailed.IdempotentTokenProcessing", 400, "vpc", True),
        ("IncorrectVSwitchStatus", 400, "vpc", True),
        ("OperationConflict", 400, "ecs", True),
        ("StillInitializing", 400, "servicemesh", True),
        ("Operation.Blocking", 400, "vpc", False),
        ("InvalidParameter", 400, "cbn", False),
        ("InvalidVpcId.NotFound", 404, "vpc", False),
        ("Forbidden", 403, None, False),
    ],
)
def test_is_retryable(code, status, product, expected):
    assert is_retryable(AlicloudError(code, "m", status_code=status), product) is expected


def test_status_message_is_retryable():
    assert is_retryable(AlicloudError("X", "oops " + RETRY_STATUS_MESSAGE, status_code=400))


def test_action_codes_of_the_retry_table_apply_to_their_action_only():
    err = AlicloudError("DependencyViolation.VSwitch", "m", status_code=400)
    assert is_retryable(err, "vpc", "DeleteVpc")
    assert is_retryable(err, "vpc", "DeleteVSwitch")
    assert not is_retryable(err, "vpc", "CreateVpc")
    assert not is_retryable(err, "vpc")
    assert not is_retryable(err, "cbn", "DeleteVpc")
    # a prefix entry does not match a code that merely contains it
    assert not is_retryable(AlicloudError("Not.DependencyViolation", "m", status_code=400), "vpc", "DeleteVpc")


def test_creates_without_client_token_are_not_resent_after_an_ambiguous_answer():
    """CreateServiceMesh takes no ClientToken: a 5xx may hide a mesh the server made, so the client does
    not resend it (the module looks the mesh up first); throttling is still retried."""
    for code, status in (("ServiceUnavailable", 503), ("InternalError", 500), ("Whatever", 502)):
        err = AlicloudError(code, "m", status_code=status)
        assert is_ambiguous(err)
        assert not is_retryable(err, "servicemesh", "CreateServiceMesh")
        assert is_retryable(err, "servicemesh", "DescribeServiceMeshes")
        assert is_retryable(err, "vpc", "CreateVpc")
    assert is_ambiguous(AlicloudError("NetworkError", "m"))
    throttled = AlicloudError("Throttling.User", "m", status_code=400)
    assert not is_ambiguous(throttled) and is_retryable(throttled, "servicemesh", "CreateServiceMesh")


def test_delete_service_mesh_retries_clusters_not_empty():
    err = AlicloudError("ErrorPermitted.ClustersNotEmpty", "m", status_code=400)
    assert is_retryable(err, "servicemesh", "DeleteServiceMesh")
    assert not is_retryable(err, "servicemesh", "AddClusterIntoServiceMesh")


class UpperBound:
    """An rng that always draws the top of the jitter range, so the delays show the growth."""

    @staticmethod
    def uniform(low, high):
        return high


def test_backoff_delays_double_up_to_the_cap():
    backoff = Backoff(base=1, cap=8, rng=UpperBound())
    assert [backoff.delay(n) for n in range(6)] == [1, 2, 4, 8, 8, 8]


def test_backoff_sleeps_grow_between_retries():
    sleeps = []
    attempts = []

    def func():
        attempts.append(1)
        if len(attempts) < 5:
            raise AlicloudError("Throttling", "slow", status_code=400)
        return "ok"

    assert Backoff(base=1, cap=20, sleep=sleeps.append, rng=UpperBound()).run(func, is_retryable) == "ok"
    assert sleeps == [1, 2, 4, 8]


def test_backoff_jitter_stays_in_range():
    backoff = Backoff(base=1, cap=8)
    delays = [backoff.delay(n) for n in range(10)]
    assert all(0.5 <= d <= 8 for d in delays)
    assert max(backoff.delay(0) for dummy in range(50)) <= 1


def test_backoff_with_a_deadline_retries_past_max_attempts_until_the_deadline():
    clock = FakeClock()
    attempts = []

    def func():
        attempts.append(clock.now)
        raise AlicloudError("DependencyViolation.VSwitch", "busy", status_code=400)

    backoff = Backoff(base=1, cap=4, max_attempts=3, sleep=clock.sleep, rng=UpperBound(), clock=clock)
    with pytest.raises(AlicloudError):
        backoff.run(func, lambda err: is_retryable(err, "vpc", "DeleteVpc"), deadline=30)
    # 1 + 2 + 4 + 4 + ... never sleeps past 30 s, and goes on after the third attempt
    assert len(attempts) > 3 and clock.now <= 30 and clock.now + 4 > 30


def test_backoff_without_a_deadline_stops_after_max_attempts():
    attempts = []

    def func():
        attempts.append(1)
        raise AlicloudError("Throttling", "slow", status_code=400)

    with pytest.raises(AlicloudError):
        Backoff(max_attempts=3, sleep=lambda s: None).run(func, is_retryable)
    assert len(attempts) == 3


def test_backoff_stops_on_non_retryable():
    calls = []

    def func():
        calls.append(1)
        raise AlicloudError("InvalidParameter", "no", status_code=400)

    with pytest.raises(AlicloudError):
        Backoff(sleep=lambda s: None).run(func, is_retryable)
    assert len(calls) == 1


class FakeClock:
    def __init__(self):
        self.now = 0.0
        self.sleeps = []

    def sleep(self, seconds):
        self.sleeps.append(seconds)
        self.now += seconds

    def __call__(self):
        return self.now


def make_waiter(states, clock, **kwargs):
    seq = list(states)

    def describe():
        value = seq.pop(0) if len(seq) > 1 else seq[0]
        if isinstance(value, Exception):
            raise value
        return None if value is None else {"Info": {"State": value}}

    kwargs.setdefault("timeout", 60)
    return Waiter("thing", describe, "Info.State", ["running"], sleep=clock.sleep, clock=clock, **kwargs)


def test_waiter_reaches_success_with_growing_delays():
    clock = FakeClock()
    result = make_waiter(["initial"] * 5 + ["running"], clock, pending=["initial"]).wait()
    assert result == {"Info": {"State": "running"}}
    assert len(clock.sleeps) == 5
    assert clock.sleeps[-1] > clock.sleeps[0]
    assert max(clock.sleeps) <= 15 * 1.2


def test_waiter_failure_state():
    with pytest.raises(WaiterError) as exc:
        make_waiter(["initial", "failed"], FakeClock(), failure=["failed"]).wait()
    assert exc.value.code == "WaiterFailure"
    assert exc.value.last == {"Info": {"State": "failed"}}


def test_waiter_timeout_names_last_state():
    with pytest.raises(WaiterError) as exc:
        make_waiter(["initial"], FakeClock(), timeout=10).wait()
    assert "initial" in str(exc.value)
    assert exc.value.code == "WaiterTimeout"


def test_waiter_not_found_right_after_create_is_pending():
    clock = FakeClock()
    notfound = AlicloudError("ServiceMesh.NotFound", "gone", status_code=404)
    assert make_waiter([notfound, None, "initial", "running"], clock).wait()["Info"]["State"] == "running"


def test_waiter_not_found_beyond_grace():
    with pytest.raises(WaiterError) as exc:
        make_waiter([None], FakeClock(), not_found_grace=5).wait()
    assert exc.value.code == "WaiterNotFound"


def test_waiter_disappearing_resource_fails():
    with pytest.raises(WaiterError) as exc:
        make_waiter(["initial", None], FakeClock()).wait()
    assert exc.value.code == "WaiterGone"


def test_waiter_for_deletion():
    clock = FakeClock()
    waiter = Waiter(
        "gone", lambda: None if clock.now > 3 else {"S": "Deleting"}, "S", [Waiter.GONE], sleep=clock.sleep, clock=clock
    )
    assert waiter.wait() is None


def test_waiter_unexpected_state_when_pending_given():
    with pytest.raises(WaiterError) as exc:
        make_waiter(["initial", "deleting"], FakeClock(), pending=["initial"]).wait()
    assert exc.value.code == "WaiterUnexpectedState"


def test_waiter_other_errors_propagate():
    with pytest.raises(AlicloudError) as exc:
        make_waiter([AlicloudError("Forbidden", "no", status_code=403)], FakeClock()).wait()
    assert exc.value.code == "Forbidden"
