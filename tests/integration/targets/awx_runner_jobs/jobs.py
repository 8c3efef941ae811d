# -*- coding: utf-8 -*-
# Copyright: Contributors to the geomesh.alicloud project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Jobs as AWX runs them: ``jobs.py PROJECT INVENTORY_JSON WORK``.

Each job is ansible-runner (the engine inside AWX) on a private data directory laid out as AWX lays
it out: ``project/`` (the project's checkout), ``inventory/hosts`` (an executable script that prints
the inventory, as AWX writes it), ``env/envvars`` (what the credential type's injectors give, rendered
from awx/configure.yml with the credential's inputs, as the controller renders them), ``env/extravars``
(the job template's variables and the survey's answers, each answer a variable of that template's
survey in awx/configure.yml, within its bounds). The jobs: the site, then the failover drill (a new
job, so it converges again from nothing but the cloud, as in the workflow). Everything is asserted
from runner's artifacts - status, rc, job events, stdout - and no secret may appear in them.
The credentials reach the jobs only through env/envvars: they are removed from this process's
environment first.
"""

from __future__ import annotations

import json
import os
import stat
import sys
import time
from pathlib import Path

import ansible_runner
import jinja2
import yaml

CREDENTIAL_VARS = ("ALIBABA_CLOUD_ACCESS_KEY_ID", "ALIBABA_CLOUD_ACCESS_KEY_SECRET", "ALIBABA_CLOUD_SECURITY_TOKEN")


def configure_vars(project: Path) -> dict:
    (play,) = yaml.safe_load((project / "awx" / "configure.yml").read_text())
    return play["vars"]


def render_injectors(config: dict, inputs: dict) -> dict:
    """The controller's rendering: the playbook's escaped templates first (what awx.awx sends), then the
    credential's inputs into them. A secret field must be marked secret."""
    secret = {f["id"] for f in config["geomesh_credential_inputs"]["fields"] if f.get("secret")}
    assert {"access_key_secret", "security_token"} <= secret, secret
    required = set(config["geomesh_credential_inputs"]["required"])
    assert required <= set(inputs), (required, inputs)
    env = {}
    for name, raw in config["geomesh_credential_injectors"]["env"].items():
        sent = jinja2.Template(raw).render()
        env[name] = jinja2.Template(sent).render(**inputs)
    return env


def survey_answers(config: dict, template: str, answers: dict) -> dict:
    """The answers, checked against the template's survey: each a question's variable, in its bounds."""
    (found,) = [t for t in config["geomesh_templates"] if t["name"] == template]
    survey = config[found["survey"].strip("{} ")] if isinstance(found["survey"], str) else found["survey"]
    questions = {q["variable"]: q for q in survey}
    assert set(answers) == set(questions), (answers, questions)
    for variable, value in answers.items():
        question = questions[variable]
        if question["type"] == "integer":
            assert isinstance(value, int) and question["min"] <= value <= question["max"], (variable, value)
    return dict(answers)


def script_inventory(inventory: dict) -> dict:
    """A YAML-style inventory as the JSON an inventory script prints (what AWX writes): each group with its
    hosts, children and vars, and every host's variables under ``_meta.hostvars``."""
    out = {"_meta": {"hostvars": {}}}

    def walk(name: str, group: dict) -> None:
        out[name] = {
            "hosts": sorted(group.get("hosts") or {}),
            "vars": group.get("vars") or {},
            "children": sorted(group.get("children") or {}),
        }
        for host, variables in (group.get("hosts") or {}).items():
            out["_meta"]["hostvars"].setdefault(host, {}).update(variables or {})
        for child, sub in (group.get("children") or {}).items():
            walk(child, sub or {})

    walk("all", inventory["all"])
    return out


def layout(root: Path, project: Path, inventory: dict, envvars: dict, extravars: dict) -> Path:
    for sub in ("env", "inventory", "artifacts"):
        (root / sub).mkdir(parents=True, exist_ok=True)
    if not (root / "project").exists():
        (root / "project").symlink_to(project, target_is_directory=True)
    script = root / "inventory" / "hosts"
    script.write_text("#!%s\nprint(%r)\n" % (sys.executable, json.dumps(script_inventory(inventory))))
    script.chmod(0o700)
    for name, data in (("envvars", envvars), ("extravars", extravars)):
        path = root / "env" / name
        path.write_text(yaml.safe_dump(data))
        path.chmod(0o600)
    return root


def run_job(root: Path, ident: str, playbook: str):
    started = time.monotonic()
    runner = ansible_runner.run(
        private_data_dir=str(root), playbook=playbook, ident=ident, quiet=True, suppress_env_files=True
    )
    return runner, time.monotonic() - started


def events(root: Path, ident: str) -> list:
    folder = root / "artifacts" / ident / "job_events"
    return [json.loads(p.read_text()) for p in sorted(folder.glob("*.json"))]


def check_job(root: Path, ident: str, runner, hosts: list, secrets: list, must_pass_tasks: list) -> dict:
    artifacts = root / "artifacts" / ident
    status = (artifacts / "status").read_text().strip()
    rc = int((artifacts / "rc").read_text().strip())
    stdout = (artifacts / "stdout").read_text()
    assert status == "successful" and rc == 0 and runner.status == "successful", (status, rc, stdout[-4000:])
    found = events(root, ident)
    kinds = {}
    for event in found:
        kinds[event["event"]] = kinds.get(event["event"], 0) + 1
    failed = [e for e in found if e["event"] == "runner_on_failed" and not e.get("event_data", {}).get("ignore_errors")]
    assert not failed, [e.get("event_data", {}).get("task") for e in failed]
    (stats,) = [e for e in found if e["event"] == "playbook_on_stats"]
    data = stats.get("event_data", {})
    assert not data.get("failures") and not data.get("dark"), data
    assert sorted((data.get("ok") or {}).keys()) == hosts, (data.get("ok"), hosts)
    for task in must_pass_tasks:
        ok = [e for e in found if e["event"] == "runner_on_ok" and e.get("event_data", {}).get("task") == task]
        seen = sorted(
            {
                (e["event"], e.get("event_data", {}).get("task"))
                for e in found
                if task.split()[-1] in str(e.get("event_data", {}).get("task"))
            }
        )
        kinds_seen = sorted({e["event"] for e in found})
        assert ok, "no successful event of task %r; similar: %s; kinds: %s; sample: %s" % (
            task,
            seen,
            kinds_seen,
            found[:3],
        )
    # no secret in the artifacts AWX keeps (events, stdout, status) nor any other file runner wrote,
    # except the command file: runner records the job's environment there, mode 0600, inside the
    # private data directory, which the controller deletes after the job
    leaks = []
    for path in artifacts.rglob("*"):
        if not path.is_file():
            continue
        if path.name == "command":
            assert stat.S_IMODE(path.stat().st_mode) == 0o600, oct(path.stat().st_mode)
            continue
        text = path.read_text(errors="replace")
        leaks += ["%s in %s" % (label, path.relative_to(root)) for label, value in secrets if value in text]
    assert not leaks, leaks
    assert not (artifacts / "env").exists()
    return {
        "ident": ident,
        "status": status,
        "rc": rc,
        "events": len(found),
        "by_kind": {k: kinds[k] for k in ("runner_on_ok", "runner_on_skipped", "runner_on_failed") if k in kinds},
        "changed": sum((data.get("changed") or {}).values()),
        "ok": sum((data.get("ok") or {}).values()),
        "hosts": sorted((data.get("ok") or {}).keys()),
        "stdout_lines": len(stdout.splitlines()),
    }


def main() -> int:
    project, inventory_path, work = Path(sys.argv[1]), Path(sys.argv[2]), Path(sys.argv[3])
    config = configure_vars(project)
    inputs = {
        "access_key_id": os.environ["ALIBABA_CLOUD_ACCESS_KEY_ID"],
        "access_key_secret": os.environ["ALIBABA_CLOUD_ACCESS_KEY_SECRET"],
    }
    for name in CREDENTIAL_VARS:  # the jobs get them from env/envvars only
        os.environ.pop(name, None)
    envvars = render_injectors(config, inputs)
    assert envvars["ALIBABA_CLOUD_ACCESS_KEY_SECRET"] == inputs["access_key_secret"], "the injector lost the secret"
    inventory = json.loads(inventory_path.read_text())
    regions = sorted(inventory["all"]["children"]["regions"]["hosts"])
    hosts = sorted(script_inventory(inventory)["_meta"]["hostvars"])
    job_vars = {
        "gateway_wait_delay": 1,
        "bookinfo_wait_delay": 1,
        "verify_wait_delay": 1,
        "geomesh_report_dir": str(work / "report"),
    }
    kubeconfigs = Path(inventory["all"]["vars"]["geomesh_kubeconfig_dir"])
    summary = []

    site = layout(work / "job-site", project, inventory, envvars, job_vars)
    runner, took = run_job(site, "site", "playbooks/site.yml")
    secrets = [("the AccessKey secret", inputs["access_key_secret"])]
    summary.append(dict(check_job(site, "site", runner, hosts, secrets, ["Print the table"]), seconds=round(took)))

    # what the site wrote: kubeconfigs with client keys; none of them may reach a later job's artifacts
    for path in kubeconfigs.glob("*"):
        doc = yaml.safe_load(path.read_text())
        for user in doc.get("users") or []:
            key = (user.get("user") or {}).get("client-key-data")
            if key:
                secrets.append(("the client key of %s" % path.name, key))
    assert len(secrets) > 1, "no kubeconfig with a client key under %s" % kubeconfigs

    answers = survey_answers(
        config, "geomesh - failover drill", {"verify_target_region": regions[0], "verify_failover_requests": 10}
    )
    drill = layout(work / "job-failover", project, inventory, envvars, dict(job_vars, **answers))
    runner, took = run_job(drill, "failover", "playbooks/failover_drill.yml")
    summary.append(
        dict(
            check_job(drill, "failover", runner, hosts, secrets, ["Every drill of this run passed"]),
            seconds=round(took),
        )
    )
    print(json.dumps(summary, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
