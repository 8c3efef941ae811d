# -*- coding: utf-8 -*-
# Copyright: Contributors to the geomesh.alicloud project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

from cen_fake import cbn_fixture, err, run_fixture  # noqa: F401  # pylint: disable=unused-import

from ansible_collections.geomesh.alicloud.plugins.modules import cen_instance, cen_instance_info


def test_check_mode_create_makes_no_write_call(cbn, run):
    result = run(cen_instance, {"name": "cen-a", "tags": {"project": "geomesh"}}, check_mode=True)
    assert result["changed"] is True
    assert result["diff"]["after"]["name"] == "cen-a"
    assert cbn.writes == []
    assert cbn.kinds["cen"] == {}


def test_create_waits_active_then_rerun_is_unchanged(cbn, run):
    result = run(cen_instance, {"name": "cen-a", "description": "d", "tags": {"project": "geomesh"}})
    assert result["changed"] is True
    cen = result["cen"]
    assert cen["status"] == "Active"
    assert cen["name"] == "cen-a" and cen["description"] == "d"
    assert cen["tags"] == {"project": "geomesh"}
    create = [c for c in cbn.calls if c[0] == "CreateCen"][0][1]
    assert len(create["ClientToken"]) == 36
    assert create["Tag"] == [{"Key": "project", "Value": "geomesh"}]

    cbn.calls.clear()
    again = run(cen_instance, {"name": "cen-a", "description": "d", "tags": {"project": "geomesh"}})
    assert again["changed"] is False
    assert again["cen"]["cen_id"] == cen["cen_id"]
    assert cbn.writes == []


def test_client_token_is_deterministic(cbn, run):
    run(cen_instance, {"name": "cen-a"})
    first = [c for c in cbn.calls if c[0] == "CreateCen"][0][1]["ClientToken"]
    cbn.kinds["cen"].clear()  # as if the create had been lost: the same token is sent again
    cbn.tokens.clear()
    run(cen_instance, {"name": "cen-a"})
    second = [c for c in cbn.calls if c[0] == "CreateCen"][-1][1]["ClientToken"]
    assert first == second


def test_update_description_name_and_tags(cbn, run):
    cen_id = run(cen_instance, {"name": "cen-a", "tags": {"a": "1", "b": "2"}})["cen"]["cen_id"]
    cbn.calls.clear()
    result = run(cen_instance, {"cen_id": cen_id, "name": "cen-b", "description": "new", "tags": {"a": "9"}})
    assert result["changed"] is True
    assert result["cen"]["name"] == "cen-b"
    assert result["cen"]["description"] == "new"
    assert result["cen"]["tags"] == {"a": "9"}
    assert result["diff"]["before"]["tags"] == {"a": "1", "b": "2"}
    writes = cbn.writes
    assert writes[0] == ("ModifyCenAttribute", {"CenId": cen_id, "Name": "cen-b", "Description": "new"})
    untag = [w for w in writes if w[0] == "UntagResources"][0][1]
    assert untag["ResourceType"] == "cen" and untag["TagKey"] == ["b"]
    assert [w for w in writes if w[0] == "TagResources"][0][1]["Tag"] == [{"Key": "a", "Value": "9"}]


def test_update_in_check_mode_predicts_without_writing(cbn, run):
    cen_id = run(cen_instance, {"name": "cen-a"})["cen"]["cen_id"]
    cbn.calls.clear()
    result = run(cen_instance, {"cen_id": cen_id, "description": "new"}, check_mode=True)
    assert result["changed"] is True
    assert result["diff"]["after"]["description"] == "new"
    assert cbn.writes == []


def test_purge_tags_false_keeps_other_tags(cbn, run):
    run(cen_instance, {"name": "cen-a", "tags": {"a": "1"}})
    result = run(cen_instance, {"name": "cen-a", "tags": {"b": "2"}, "purge_tags": False})
    assert result["cen"]["tags"] == {"a": "1", "b": "2"}


def test_delete_then_delete_again(cbn, run):
    cen_id = run(cen_instance, {"name": "cen-a"})["cen"]["cen_id"]
    check = run(cen_instance, {"cen_id": cen_id, "state": "absent"}, check_mode=True)
    assert check["changed"] is True and cen_id in cbn.kinds["cen"]
    result = run(cen_instance, {"cen_id": cen_id, "state": "absent"})
    assert result["changed"] is True and result["cen"] == {}
    assert cbn.kinds["cen"] == {}
    assert "ClientToken" not in [c for c in cbn.calls if c[0] == "DeleteCen"][0][1]
    cbn.calls.clear()
    assert run(cen_instance, {"cen_id": cen_id, "state": "absent"})["changed"] is False
    assert cbn.writes == []


def test_delete_refused_while_transit_routers_exist(cbn, run):
    cen_id = run(cen_instance, {"name": "cen-a"})["cen"]["cen_id"]
    cbn.do_CreateTransitRouter(CenId=cen_id, RegionId="cn-hangzhou")
    result = run(cen_instance, {"cen_id": cen_id, "state": "absent"})
    assert result["failed"] is True
    assert "still has transit routers" in result["msg"]
    assert result["transit_router_ids"]
    assert "DeleteCen" not in cbn.actions()


def test_delete_not_found_code_counts_as_done(cbn, run):
    cen_id = run(cen_instance, {"name": "cen-a"})["cen"]["cen_id"]
    cbn.fail["DeleteCen"] = [err("ParameterCenInstanceId")]
    cbn.kinds["cen"][cen_id]["_next"] = "__gone__"
    result = run(cen_instance, {"cen_id": cen_id, "state": "absent"})
    assert result["changed"] is True and "failed" not in result


def test_unknown_cen_id_fails(cbn, run):
    result = run(cen_instance, {"cen_id": "cen-nope"})
    assert result["failed"] is True and "cen-nope" in result["msg"]
    assert cbn.writes == []


def test_name_or_cen_id_is_required(cbn, run):
    result = run(cen_instance, {"description": "x"})
    assert result["failed"] is True and "name" in result["msg"]
    assert cbn.calls == []


def test_api_errors_are_reported_with_code_and_request_id(cbn, run):
    cbn.fail["CreateCen"] = [err("InvalidParameter", "bad name")]
    result = run(cen_instance, {"name": "cen-a"})
    assert result["failed"] is True
    assert result["error"]["code"] == "InvalidParameter"
    assert result["error"]["request_id"] == "req-fake"


def test_info_lists_by_name_and_tags(cbn, run):
    run(cen_instance, {"name": "cen-a", "tags": {"env": "dr"}})
    run(cen_instance, {"name": "cen-b"})
    cbn.calls.clear()
    assert [c["name"] for c in run(cen_instance_info, {})["cens"]] == ["cen-a", "cen-b"]
    assert [c["name"] for c in run(cen_instance_info, {"name": "cen-b"})["cens"]] == ["cen-b"]
    assert [c["name"] for c in run(cen_instance_info, {"tags": {"env": "dr"}}, check_mode=True)["cens"]] == ["cen-a"]
    assert cbn.writes == []
