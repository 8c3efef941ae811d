# -*- coding: utf-8 -*-
# Copyright: Contributors to the geomesh.alicloud project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""kube_transient_failure on the failed results kubernetes.core gives for the API server's answers."""

from __future__ import annotations

import pytest
from ansible.errors import AnsibleFilterError

from ansible_collections.geomesh.alicloud.plugins.filter.kube import (
    FilterModule,
    kube_select_objects,
    kube_transient_failure,
)

STATUS_500 = (
    'Failed to patch object: b\'{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure",'
    '"message":"Internal error occurred: etcd timed out","reason":"InternalError","code":500}\''
)
STATUS_409 = (
    'Failed to replace object: b\'{"kind":"Status","status":"Failure","message":"Operation cannot be '
    'fulfilled on configmaps \\"x\\": the object has been modified","reason":"Conflict","code":409}\''
)
STATUS_404 = 'Failed to retrieve requested object: b\'{"kind":"Status","reason":"NotFound","code":404}\''
STATUS_422 = 'Failed to create object: b\'{"kind":"Status","reason":"Invalid","code":422}\''


@pytest.mark.parametrize(
    "result",
    [
        {"failed": True, "msg": "Failed to create object: b'Too many requests, please try again later.\\n'"},
        {"failed": True, "msg": STATUS_500},
        {"failed": True, "msg": STATUS_409},
        {
            "failed": True,
            "msg": "Exception '(503)\nReason: Service Unavailable\nHTTP response headers: ...' raised while trying "
            "to get resource using (name=reviews-v1, namespace=default, label_selectors=[], field_selectors=[])",
        },
        {
            "failed": True,
            "msg": "MODULE FAILURE",
            "module_stderr": "kubernetes.client.exceptions.ApiException: (429)\n" "Reason: Too Many Requests\n",
        },
        # a module that raised, as `until` sees it in ansible-core 2.19 (no msg yet)
        {"failed": True, "exception": "(traceback unavailable)", "failed_when_result": True, "changed": False},
    ],
    ids=["429-plain-text", "500-status", "409-conflict", "503-exception-text", "429-traceback", "raised"],
)
def test_transient_answers_are_retried(result):
    assert kube_transient_failure(result) is True


@pytest.mark.parametrize(
    "result",
    [
        {"failed": False, "changed": True, "msg": STATUS_500},
        {"skipped": True},
        {"failed": True, "msg": STATUS_404},
        {"failed": True, "msg": STATUS_422},
        {"failed": True, "msg": "Failed to gather information about Deployment(s) even after waiting for 120 seconds"},
        {"failed": True, "failed_when_result": True, "resources": []},
        {"failed": True, "msg": STATUS_404, "exception": "Traceback ...NotFoundError"},
        "not a result",
    ],
    ids=["succeeded", "skipped", "404", "422", "wait-timeout", "failed_when", "404-with-traceback", "not-a-dict"],
)
def test_other_results_are_not(result):
    assert kube_transient_failure(result) is False


def test_registered_as_a_filter():
    assert FilterModule().filters()["kube_transient_failure"] is kube_transient_failure


OBJECTS = [{"kind": "Namespace", "metadata": {"name": "bookinfo"}}] + [
    {"kind": "Service", "metadata": {"name": name}} for name in ("details", "ratings", "reviews")
]


def _run(*per_object):
    return {"changed": any(r.get("changed") for r in per_object), "result": {"results": list(per_object)}}


def test_select_keeps_the_order_of_changed_and_refused_objects():
    result = _run(
        {"changed": False, "result": {}, "error": {"msg": "Failed to apply object: Too many requests"}},
        {"changed": True, "result": {}},
        {"changed": False, "result": {}},
        {"changed": False, "result": {}, "error": {"msg": "Failed to apply object: 500"}},
    )
    names = [obj["metadata"]["name"] for obj in FilterModule().filters()["kube_select_objects"](OBJECTS, result)]
    assert names == ["bookinfo", "details", "reviews"]
    assert [o["metadata"]["name"] for o in kube_select_objects(OBJECTS, result, changed=False)] == [
        "bookinfo",
        "reviews",
    ]
    assert [o["metadata"]["name"] for o in kube_select_objects(OBJECTS, result, refused=False)] == ["details"]


def test_select_one_definition_is_the_modules_own_result():
    one = OBJECTS[:1]
    assert kube_select_objects(one, {"changed": True, "result": {"kind": "Namespace"}}) == one
    assert kube_select_objects(one, {"changed": False, "result": {}, "error": {"msg": "x"}}, changed=False) == one
    assert kube_select_objects(one, {"changed": False, "result": {}}) == []


def test_select_from_a_skipped_task_is_nothing():
    assert kube_select_objects(OBJECTS, {"skipped": True, "changed": False}) == []


def test_select_refuses_a_result_that_does_not_fit_the_objects():
    with pytest.raises(AnsibleFilterError, match="2 results for 4 objects"):
        kube_select_objects(OBJECTS, _run({"changed": True}, {"changed": False}))
    with pytest.raises(AnsibleFilterError, match="must be a list"):
        kube_select_objects("bookinfo", {})
