# -*- coding: utf-8 -*-
# Copyright: Contributors to the geomesh.alicloud project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

from ansible_collections.geomesh.alicloud.plugins.modules import cen_instance, cen_instance_info
from ansible_collections.geomesh.alicloud.tests.unit.plugins.modules.conftest import tag_dict


def test_check_mode_create_makes_no_write_call(run, log, state):
    result = run(cen_instance, {"name": "cen-a", "tags": {"project": "geomesh"}}, check_mode=True)
    assert result["changed"] is True
    assert result["diff"]["after"]["name"] == "cen-a"
    assert log.writes() == [] and state("cen") == []


def test_create_waits_active_then_rerun_is_unchanged(run, emu, log, state):
    emu.clock.delay_scale = 0.35  # Creating for 0.7 s: the first read after the create sees it
    args = {"name": "cen-a", "description": "d", "tags": {"project": "geomesh"}}
    result = run(cen_instance, args)
    assert result["changed"] is True
    cen = result["cen"]
    (doc,) = state("cen")
    assert cen["cen_id"] == doc["CenId"] and cen["status"] == "Active" == doc["Status"]
    assert cen["name"] == "cen-a" == doc["Name"] and cen["description"] == "d" == doc["Description"]
    assert cen["tags"] == {"project": "geomesh"} == tag_dict(doc)
    (create,) = log.calls("CreateCen")
    assert len(create["ClientToken"]) == 36
    assert create["Tag.1.Key"] == "project" and create["Tag.1.Value"] == "geomesh"
    assert log.writes() == ["CreateCen"] and log.actions().count("DescribeCens") >= 3

    log.clear()
    again = run(cen_instance, args)
    assert again["changed"] is False
    assert again["cen"]["cen_id"] == cen["cen_id"]
    assert log.writes() == [] and len(state("cen")) == 1


def test_client_token_is_deterministic(run, emu, log):
    tokens = []
    for _life in range(2):  # as if the create had been lost: a fresh cloud, the same token
        emu.reset()
        run(cen_instance, {"name": "cen-a"})
        run(cen_instance, {"name": "cen-b"})
        tokens.append([c["ClientToken"] for c in log.calls("CreateCen")])
    assert tokens[0] == tokens[1] and len(set(tokens[0])) == 2


def test_lost_create_response_is_replayed(run, faults, log, state):
    # seed 36: the fault dice say yes once, then no (percent 50)
    faults(server_error_after_commit_pct=50, actions=["CreateCen"], seed=36)
    result = run(cen_instance, {"name": "cen-a"})
    assert result["changed"] is True
    assert log.codes("CreateCen") == ["ServiceUnavailable", None]
    assert [d["CenId"] for d in state("cen")] == [result["cen"]["cen_id"]]


def test_update_description_name_and_tags(run, log, state, topo):
    cen_id = topo.cen("cen-a", **{"Tag.1.Key": "a", "Tag.1.Value": "1", "Tag.2.Key": "b", "Tag.2.Value": "2"})
    args = {"cen_id": cen_id, "name": "cen-b", "description": "new", "tags": {"a": "9"}}
    result = run(cen_instance, args)
    assert result["changed"] is True
    assert result["cen"]["name"] == "cen-b" and result["cen"]["description"] == "new"
    assert result["cen"]["tags"] == {"a": "9"}
    assert result["diff"]["before"]["tags"] == {"a": "1", "b": "2"}
    doc = state("cen", cen_id)
    assert doc["Name"] == "cen-b" and doc["Description"] == "new" and tag_dict(doc) == {"a": "9"}
    assert log.writes()[0] == "ModifyCenAttribute"
    assert log.calls("ModifyCenAttribute") == [{"CenId": cen_id, "Name": "cen-b", "Description": "new"}]
    (untag,) = log.calls("UntagResources")
    assert untag["ResourceType"] == "cen" and untag["TagKey.1"] == "b" and "TagKey.2" not in untag
    (tag,) = log.calls("TagResources")
    assert tag["Tag.1.Key"] == "a" and tag["Tag.1.Value"] == "9" and "Tag.2.Key" not in tag
    log.clear()
    assert run(cen_instance, args)["changed"] is False and log.writes() == []


def test_update_in_check_mode_predicts_without_writing(run, log, state, topo):
    cen_id = topo.cen("cen-a")
    result = run(cen_instance, {"cen_id": cen_id, "description": "new"}, check_mode=True)
    assert result["changed"] is True
    assert result["diff"]["after"]["description"] == "new"
    assert log.writes() == [] and state("cen", cen_id)["Description"] == ""


def test_purge_tags_false_keeps_other_tags(run, log, state, topo):
    cen_id = topo.cen("cen-a", **{"Tag.1.Key": "a", "Tag.1.Value": "1"})
    result = run(cen_instance, {"name": "cen-a", "tags": {"b": "2"}, "purge_tags": False})
    assert result["cen"]["tags"] == {"a": "1", "b": "2"} == tag_dict(state("cen", cen_id))
    assert log.writes() == ["TagResources"]


def test_delete_then_delete_again(run, log, state, topo):
    cen_id = topo.cen("cen-a")
    check = run(cen_instance, {"cen_id": cen_id, "state": "absent"}, check_mode=True)
    assert check["changed"] is True and state("cen", cen_id) and log.writes() == []
    result = run(cen_instance, {"cen_id": cen_id, "state": "absent"})
    assert result["changed"] is True and result["cen"] == {}
    assert state("cen") == []
    (delete,) = log.calls("DeleteCen")
    assert "ClientToken" not in delete
    log.clear()
    assert run(cen_instance, {"cen_id": cen_id, "state": "absent"})["changed"] is False
    assert log.writes() == []


def test_delete_waits_until_gone(run, emu, log, state, topo):
    cen_id = topo.cen("cen-a")
    emu.clock.delay_scale = 0.7  # Deleting for 0.7 s
    result = run(cen_instance, {"cen_id": cen_id, "state": "absent"})
    assert result["changed"] is True
    assert state("cen") == [] and log.actions()[-1] == "DescribeCens" and log.actions().count("DescribeCens") >= 2


def test_delete_refused_while_transit_routers_exist(run, log, state, topo):
    cen_id = topo.cen("cen-a")
    tr_id, _rtb = topo.transit_router(cen_id)
    result = run(cen_instance, {"cen_id": cen_id, "state": "absent"})
    assert result["failed"] is True
    assert "still has transit routers" in result["msg"]
    assert result["transit_router_ids"] == [tr_id]
    assert "DeleteCen" not in log.actions() and state("cen", cen_id)


def test_delete_not_found_code_counts_as_done(run, after_action, log, topo):
    """The CEN is deleted by someone else right after the module found it."""
    cen_id = topo.cen("cen-a")
    after_action("DescribeCens", lambda ctx: ctx.store.delete("cen", cen_id))
    result = run(cen_instance, {"cen_id": cen_id, "state": "absent"})
    assert result["changed"] is True and "failed" not in result
    assert log.codes("DeleteCen") == ["ParameterCenInstanceId"]


def test_unknown_cen_id_fails(run, log):
    result = run(cen_instance, {"cen_id": "cen-nope"})
    assert result["failed"] is True and "cen-nope" in result["msg"]
    assert log.writes() == []


def test_name_or_cen_id_is_required(run, log):
    result = run(cen_instance, {"description": "x"})
    assert result["failed"] is True and "name" in result["msg"]
    assert log.entries() == []


def test_api_errors_are_reported_with_code_and_request_id(run, inject, log, state):
    inject("CreateCen", "InvalidParameter", message="bad name")
    result = run(cen_instance, {"name": "cen-a"})
    assert result["failed"] is True
    assert result["error"]["code"] == "InvalidParameter" and "bad name" in result["msg"]
    (entry,) = [e for e in log.entries() if e["action"] == "CreateCen"]
    assert result["error"]["request_id"] == entry["request_id"]
    assert state("cen") == []


def test_info_lists_by_name_and_tags(run, log, topo):
    topo.cen("cen-a", **{"Tag.1.Key": "env", "Tag.1.Value": "dr"})
    topo.cen("cen-b")
    assert [c["name"] for c in run(cen_instance_info, {})["cens"]] == ["cen-a", "cen-b"]
    assert [c["name"] for c in run(cen_instance_info, {"name": "cen-b"})["cens"]] == ["cen-b"]
    assert [c["name"] for c in run(cen_instance_info, {"tags": {"env": "dr"}}, check_mode=True)["cens"]] == ["cen-a"]
    assert log.writes() == []
