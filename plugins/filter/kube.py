# -*- coding: utf-8 -*-
# Copyright: Contributors to the geomesh.alicloud project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Filters for the roles' kubernetes.core tasks: whether a task failed on an answer of the API server
that a later try can get past (throttled, a server error, an update that met a newer object), and
which objects of a run over a list changed or were refused."""

from __future__ import annotations

import re

from ansible.errors import AnsibleFilterError

# How kubernetes.core reports an API server's answer in a failed result (its module_utils/k8s
# service.py and waiter.py put the ApiException or its body into msg; a failure outside them
# is a module traceback in module_stderr):
# - an ApiException as text: "(503)\nReason: Service Unavailable";
# - a Status body: "code":500 (and "reason":"Conflict" for a 409 of a stale update);
# - the in-flight limiter's 429 is plain text: "Too many requests, please try again later."
_TRANSIENT = re.compile(
    r"\((?:429|500|502|503|504)\)\s*\n?\s*Reason:"
    r"|\"code\":\s*(?:429|500|502|503|504)\b"
    r"|\"reason\":\s*\"(?:Conflict|TooManyRequests|InternalError|ServiceUnavailable|Timeout|ServerTimeout)\""
    r"|Too many requests, please try again later"
)
_TEXT_KEYS = ("msg", "module_stderr", "module_stdout", "exception")


def kube_transient_failure(result):
    """True when ``result`` (a registered kubernetes.core result, or one item's result in a loop)
    failed on a 429, a 5xx or a 409 Conflict of the API server, or the module raised; False
    otherwise (success, skipped, or a failure that a retry would only repeat: 404, 422, a bad
    definition, a failed_when)."""
    if not isinstance(result, dict) or not result.get("failed"):
        return False
    if "msg" not in result and "exception" in result:
        # The module raised. ansible-core 2.19 evaluates `until` before it turns the exception
        # into `msg` (the "error normalization" note in its task_executor.py), so the answer that
        # caused it is out of sight here; kubernetes.core lets the API client's errors out this way
        # from its waits (k8s_info wait). Tried again: a crash that repeats fails the same way
        # after the retries.
        return True
    text = "\n".join(str(result.get(key)) for key in _TEXT_KEYS if result.get(key))
    return bool(_TRANSIENT.search(text))


def kube_select_objects(objects, result, changed=True, refused=True):
    """The ``objects`` (the definitions one kubernetes.core.k8s run was given, in order) whose
    result changed (``changed``) or carries an error (``refused``: the run had continue_on_error)."""
    if not isinstance(objects, list):
        raise AnsibleFilterError("kube_select_objects: the objects must be a list, got %r" % type(objects).__name__)
    if not isinstance(result, dict):
        raise AnsibleFilterError("kube_select_objects: the result must be a registered result")
    if result.get("skipped"):
        return []
    # one definition: the module's result is that object's; several: result.results, one each
    results = [result] if len(objects) == 1 else (result.get("result") or {}).get("results")
    if not isinstance(results, list) or len(results) != len(objects):
        raise AnsibleFilterError(
            "kube_select_objects: the result holds %s results for %d objects"
            % (len(results) if isinstance(results, list) else "no", len(objects))
        )
    return [
        obj
        for obj, res in zip(objects, results, strict=True)
        if (changed and res.get("changed")) or (refused and res.get("error"))
    ]


class FilterModule:
    def filters(self):
        return {"kube_transient_failure": kube_transient_failure, "kube_select_objects": kube_select_objects}
