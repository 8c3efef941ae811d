#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: Contributors to the geomesh.alicloud project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: traffic_probe
short_description: Send HTTP requests to a URL and count where the traffic went
version_added: 0.1.0
description:
  - Sends up to O(count) HTTP requests to O(url) (for example Bookinfo's C(/productpage) behind an Istio ingress
    gateway), at most O(concurrency) at a time, paced by O(interval) and bounded by O(duration), and reports what
    came back - status codes, transport errors, latencies, the matches of O(patterns) and the values of O(labels)
    (such as the Pod that served the reviews) per request and in total.
  - Drills use it to assert where traffic went before, during and after a failover; the C(timeline) holds one entry
    per request in start order, so a later step can compute when the traffic switched.
  - Every attempt is one request in the results; nothing is retried.
  - Response bodies are never returned; only an excerpt of the first failed request's body (C(first_failure)).
  - Not a cloud module, it takes no credentials and is not in the C(geomesh.alicloud.alicloud) action group.
  - It changes nothing (C(changed) is always V(false)); it only reads, so it sends its requests in check mode too.
  - All options are checked before the first request; an invalid one fails the task, naming it.
options:
  url:
    description: The V(http) or V(https) URL every request goes to.
    type: str
    required: true
  method:
    description: The HTTP method of every request.
    type: str
    choices: [GET, HEAD, POST]
    default: GET
  headers:
    description: Request headers, for example a C(Host) header to select a virtual host of the gateway.
    type: dict
  body:
    description: The request body (as UTF-8), for O(method=POST).
    type: str
  count:
    description:
      - The number of requests (from 1 to 100000).
      - With O(duration), the most requests that are sent.
    type: int
    default: 10
  concurrency:
    description:
      - At most this many requests are in flight at a time (from 1 to 1000; more than O(count) is the same as O(count)).
      - With V(1), the requests are sent one after the other.
    type: int
    default: 1
  timeout:
    description:
      - Seconds a request may wait for the connection and for each read of the answer; a request that waits longer
        fails with the error C(timeout).
    type: float
    default: 10
  interval:
    description:
      - Pacing, in seconds - request I(i) (from 0) starts no earlier than I(i) * O(interval) after the probe started.
      - With V(0), each request starts as soon as one of the O(concurrency) slots is free.
      - Spreads O(count) requests over a known window, for example the time a failover takes.
    type: float
    default: 0
  duration:
    description:
      - Seconds after which no further request starts (requests in flight are completed); the probe ends at
        O(count) requests or at O(duration), whichever comes first.
      - For probing while something else happens, set a large O(count) and a small O(interval).
    type: float
  validate_certs:
    description: Whether the server's TLS certificate is checked for V(https) URLs.
    type: bool
    default: true
  use_proxy:
    description:
      - Whether a proxy from the environment (C(http_proxy), C(https_proxy), honouring C(no_proxy)) is used, as
        M(ansible.builtin.uri) does. A drill that measures where traffic goes usually wants V(false).
    type: bool
    default: true
  follow_redirects:
    description:
      - Whether redirects are followed. By default a redirect is the answer (its 3xx status is counted, and is a
        failure unless it is in O(expected_status)), so a probe sees what the gateway itself answered.
    type: bool
    default: false
  expected_status:
    description: A request succeeds when its answer has one of these statuses; other statuses and transport errors are
      failures.
    type: list
    elements: int
    default: [200]
  patterns:
    description:
      - Regular expressions (Python C(re), searched in the body decoded as UTF-8) counted in every answer.
    type: list
    elements: dict
    default: []
    suboptions:
      name:
        description: The name of the pattern in the results (unique).
        type: str
        required: true
      regex:
        description: The regular expression.
        type: str
        required: true
      count:
        description: V(matches) counts every match in a body; V(present) counts 1 for a body with at least one match.
        type: str
        choices: [matches, present]
        default: matches
  labels:
    description:
      - Values captured from every answer, such as the Pod that served the reviews; the first match of the regular
        expression in the body gives the value of its group O(labels[].group).
    type: list
    elements: dict
    default: []
    suboptions:
      name:
        description: The name of the label in the results (unique).
        type: str
        required: true
      regex:
        description: The regular expression (Python C(re)).
        type: str
        required: true
      group:
        description: The number of the group whose text is the value; V(0) is the whole match.
        type: int
        default: 1
  label_map:
    description:
      - Maps label values to other values, for example Pod names to regions. A key is the name of a label of
        O(labels); its value is a list of rules C({match, value}), tried in order - the first rule whose C(match)
        (a regular expression) is found in the label value (Python C(re.search), anchor it with C(^) for a prefix)
        gives the mapped value.
      - A label value that no rule matches has no mapped value (it is counted in C(unmapped)).
    type: dict
    default: {}
notes:
  - Latency is measured with a monotonic clock from just before the request is sent until its answer has been read
    (or its error happened).
  - Percentiles are nearest-rank - the p-th percentile of I(n) sorted values is the value at rank ceil(p / 100 * I(n)).
  - O(timeout) bounds the connection and each read, not the request as a whole.
  - The C(timeline) holds one entry per request; with a large O(count) the result is large.
attributes:
  check_mode:
    support: full
    details: This module only reads; it sends its requests in check mode too.
    description: Can run in check mode and return the changed status prediction without modifying the target.
  diff_mode:
    support: none
    description: Will return details on what has changed (or possibly needs changing in check_mode), when in diff mode.
author:
  - geomesh.alicloud contributors (@geomesh)
"""

EXAMPLES = r"""
- name: 200 requests to Bookinfo through the ingress gateway, 4 at a time, over about 20 seconds
  geomesh.alicloud.traffic_probe:
    url: "http://{{ gateway_address }}/productpage"
    count: 200
    concurrency: 4
    interval: 0.1
    patterns:
      - name: full_stars
        regex: "full stars"
      - name: rated_pages
        regex: "full stars"
        count: present
    labels:
      - name: reviews_pod
        regex: 'Reviews served by:</dt>\s*<u>([^<]+)</u>'
    label_map:
      reviews_pod:
        - match: "^reviews-v1-"
          value: cn-hangzhou
        - match: "^reviews-v[23]-"
          value: cn-shanghai
  register: probe

- name: Every request succeeded and cn-shanghai served at least 80 percent of them
  ansible.builtin.assert:
    that:
      - probe.failed_requests == 0
      - probe.ratios.mapped.reviews_pod['cn-shanghai'] | default(0) >= 0.8

- name: Probe for 30 seconds while a failover happens (started asynchronously)
  geomesh.alicloud.traffic_probe:
    url: "http://{{ gateway_address }}/productpage"
    count: 100000
    duration: 30
    interval: 0.05
    timeout: 2
    labels:
      - name: reviews_pod
        regex: 'Reviews served by:</dt>\s*<u>([^<]+)</u>'
  async: 60
  poll: 0
  register: failover_probe
"""

RETURN = r"""
requests:
  description: The number of requests sent.
  returned: always
  type: int
  sample: 200
succeeded:
  description: The requests answered with a status of O(expected_status).
  returned: always
  type: int
  sample: 198
failed_requests:
  description: The requests that failed (another status, or a transport error); V(requests) = V(succeeded) + this.
  returned: always
  type: int
  sample: 2
status_counts:
  description: The number of requests per answer status (as a string), and C(error) for transport errors.
  returned: always
  type: dict
  sample: {"200": 198, "503": 1, "error": 1}
errors:
  description:
    - The number of transport errors per kind - C(timeout), C(connection refused), C(connection reset),
      C(closed without answer), C(tls), C(name resolution), C(other).
  returned: always
  type: dict
  sample: {"timeout": 1}
patterns:
  description: Per pattern of O(patterns), its count summed over the succeeded requests.
  returned: always
  type: dict
  sample: {"full_stars": 1200, "rated_pages": 132}
pattern_pages:
  description: Per pattern of O(patterns), the succeeded requests whose body matched it at least once.
  returned: always
  type: dict
  sample: {"full_stars": 132, "rated_pages": 132}
labels:
  description: Per label of O(labels), the number of succeeded requests per captured value (requests where it
    matched nothing are not counted).
  returned: always
  type: dict
  sample: {"reviews_pod": {"reviews-v1-5c6d8b7f4-abcde": 66, "reviews-v2-5b667bcbf8-xyz12": 132}}
mapped:
  description: Per label of O(label_map), the number of succeeded requests per mapped value.
  returned: always
  type: dict
  sample: {"reviews_pod": {"cn-hangzhou": 66, "cn-shanghai": 132}}
unmapped:
  description: Per label of O(label_map), the number of succeeded requests whose label value no rule matched.
  returned: always
  type: dict
  sample: {"reviews_pod": 0}
ratios:
  description:
    - Shares of the succeeded requests that captured a label, per label value (C(labels)) and per mapped value
      (C(mapped)); the shares of a label sum to 1 (less the unmapped share for C(mapped)).
  returned: always
  type: dict
  contains:
    labels:
      description: Per label, per value, its count divided by the succeeded requests with that label.
      type: dict
      sample: {"reviews_pod": {"reviews-v1-5c6d8b7f4-abcde": 0.3333, "reviews-v2-5b667bcbf8-xyz12": 0.6667}}
    mapped:
      description: Per label of O(label_map), per mapped value, its count divided by the succeeded requests with
        that label.
      type: dict
      sample: {"reviews_pod": {"cn-hangzhou": 0.3333, "cn-shanghai": 0.6667}}
latency_ms:
  description: Latency of every request (failed ones too) in milliseconds, percentiles by nearest rank; V(null)
    values when no request was sent.
  returned: always
  type: dict
  contains:
    min:
      description: The shortest.
      type: float
    p50:
      description: The median.
      type: float
    p90:
      description: The 90th percentile.
      type: float
    p99:
      description: The 99th percentile.
      type: float
    max:
      description: The longest.
      type: float
    mean:
      description: The mean.
      type: float
  sample: {"min": 3.1, "p50": 5.2, "p90": 9.8, "p99": 20.4, "max": 2001.3, "mean": 6.0}
elapsed_s:
  description: Seconds from the start of the probe until the last answer.
  returned: always
  type: float
  sample: 20.3
started_at:
  description:
    - When the probe started, in seconds since the epoch (the controller's clock); each request of RV(timeline) started
      C(start_s) later. Lets a drill place its own actions (a scale-down, a restore) on the timeline.
  returned: always
  type: float
  sample: 1796220000.125
timeline:
  description: One entry per request, in start order.
  returned: always
  type: list
  elements: dict
  contains:
    index:
      description: The number of the request, from 0.
      type: int
    start_s:
      description: Seconds from the start of the probe to the start of the request.
      type: float
    duration_ms:
      description: The latency of the request in milliseconds.
      type: float
    status:
      description: The answer's status, V(null) after a transport error.
      type: int
    error:
      description: The kind of transport error (see RV(errors)), else V(null).
      type: str
    labels:
      description: Per label of O(labels), the captured value or V(null) (for failed requests too).
      type: dict
    mapped:
      description: Per label of O(label_map), the mapped value or V(null).
      type: dict
    patterns:
      description: Per pattern of O(patterns), its count in this body.
      type: dict
  sample:
    - index: 0
      start_s: 0.0
      duration_ms: 5.2
      status: 200
      error: null
      labels: {"reviews_pod": "reviews-v2-5b667bcbf8-xyz12"}
      mapped: {"reviews_pod": "cn-shanghai"}
      patterns: {"full_stars": 10}
first_failure:
  description: The first failed request (by index), or V(null) when none failed.
  returned: always
  type: dict
  contains:
    index:
      description: The number of the request.
      type: int
    status:
      description: Its status, V(null) after a transport error.
      type: int
    error:
      description: The kind of transport error, else V(null).
      type: str
    message:
      description: The error message, or the status line.
      type: str
    body_excerpt:
      description: The first 500 characters of the answer's body, V(null) after a transport error.
      type: str
  sample: {"index": 17, "status": 503, "error": null, "message": "HTTP 503: Service Unavailable",
           "body_excerpt": "no healthy upstream"}
"""

import http.client
import math
import re
import socket
import ssl
import threading
import time
import urllib.error
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import urlsplit

from ansible.module_utils.basic import AnsibleModule
from ansible.module_utils.urls import open_url

MAX_COUNT = 100000
MAX_CONCURRENCY = 1000
EXCERPT_CHARS = 500


class ProbeOptionError(Exception):
    """An invalid option; the message names it."""


def compile_regex(option: str, regex: str) -> re.Pattern:
    try:
        return re.compile(regex)
    except re.error as err:
        raise ProbeOptionError("%s: invalid regular expression %r: %s" % (option, regex, err)) from err


def check_names(option: str, items: list) -> None:
    seen = set()
    for i, item in enumerate(items):
        if not item["name"]:
            raise ProbeOptionError("%s[%d].name: must not be empty" % (option, i))
        if item["name"] in seen:
            raise ProbeOptionError("%s[%d].name: %r is used twice" % (option, i, item["name"]))
        seen.add(item["name"])


def compile_patterns(patterns: list) -> list:
    """-> [(name, compiled, count mode)]"""
    check_names("patterns", patterns)
    return [
        (p["name"], compile_regex("patterns[%d].regex" % i, p["regex"]), p["count"]) for i, p in enumerate(patterns)
    ]


def compile_labels(labels: list) -> list:
    """-> [(name, compiled, group)]"""
    check_names("labels", labels)
    out = []
    for i, label in enumerate(labels):
        compiled = compile_regex("labels[%d].regex" % i, label["regex"])
        group = label["group"]
        if group < 0 or group > compiled.groups:
            raise ProbeOptionError(
                "labels[%d].group: %d, but the regular expression has %d groups" % (i, group, compiled.groups)
            )
        out.append((label["name"], compiled, group))
    return out


def compile_label_map(label_map: dict, label_names: list) -> dict:
    """-> {label: [(compiled match, value)]}"""
    out = {}
    for label, rules in label_map.items():
        where = "label_map.%s" % label
        if label not in label_names:
            raise ProbeOptionError(
                "%s: no label of that name in labels (%s)" % (where, ", ".join(label_names) or "none")
            )
        if not isinstance(rules, list):
            raise ProbeOptionError("%s: must be a list of {match, value} rules" % where)
        compiled = []
        for i, rule in enumerate(rules):
            if not isinstance(rule, dict) or set(rule) != {"match", "value"}:
                raise ProbeOptionError("%s[%d]: must be a dict with exactly the keys match and value" % (where, i))
            if not isinstance(rule["match"], str) or not isinstance(rule["value"], str):
                raise ProbeOptionError("%s[%d]: match and value must be strings" % (where, i))
            compiled.append((compile_regex("%s[%d].match" % (where, i), rule["match"]), rule["value"]))
        out[label] = compiled
    return out


def check_options(params: dict) -> dict:
    """Every check that needs no request; -> the compiled patterns, labels and label map."""
    parts = urlsplit(params["url"])
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ProbeOptionError("url: must be an http or https URL with a host, got %r" % params["url"])
    if not 1 <= params["count"] <= MAX_COUNT:
        raise ProbeOptionError("count: must be from 1 to %d, got %d" % (MAX_COUNT, params["count"]))
    if not 1 <= params["concurrency"] <= MAX_CONCURRENCY:
        raise ProbeOptionError("concurrency: must be from 1 to %d, got %d" % (MAX_CONCURRENCY, params["concurrency"]))
    if not params["timeout"] > 0:
        raise ProbeOptionError("timeout: must be more than 0, got %s" % params["timeout"])
    if not params["interval"] >= 0:
        raise ProbeOptionError("interval: must be 0 or more, got %s" % params["interval"])
    if params["duration"] is not None and not params["duration"] > 0:
        raise ProbeOptionError("duration: must be more than 0, got %s" % params["duration"])
    if params["body"] is not None and params["method"] != "POST":
        raise ProbeOptionError("body: only with method POST, got method %s" % params["method"])
    for status in params["expected_status"]:
        if not 100 <= status <= 599:
            raise ProbeOptionError("expected_status: %d is not an HTTP status" % status)
    if not params["expected_status"]:
        raise ProbeOptionError("expected_status: must not be empty")
    labels = compile_labels(params["labels"])
    return {
        "patterns": compile_patterns(params["patterns"]),
        "labels": labels,
        "label_map": compile_label_map(params["label_map"], [name for name, _r, _g in labels]),
    }


# --- pure logic: one body, then the aggregate ---


def count_patterns(text: str, patterns: list) -> dict:
    counts = {}
    for name, compiled, mode in patterns:
        if mode == "present":
            counts[name] = 1 if compiled.search(text) else 0
        else:
            counts[name] = sum(1 for _m in compiled.finditer(text))
    return counts


def extract_labels(text: str, labels: list) -> dict:
    values = {}
    for name, compiled, group in labels:
        found = compiled.search(text)
        values[name] = found.group(group) if found and found.group(group) is not None else None
    return values


def map_value(value: str | None, rules: list) -> str | None:
    if value is None:
        return None
    for compiled, mapped in rules:
        if compiled.search(value):
            return mapped
    return None


def map_labels(values: dict, label_map: dict) -> dict:
    return {label: map_value(values.get(label), rules) for label, rules in label_map.items()}


def percentile(ordered: list, pct: float) -> float | None:
    """Nearest rank: the value at rank ceil(pct / 100 * n) of the sorted values (rank 1 at least)."""
    if not ordered:
        return None
    rank = max(1, math.ceil(pct / 100.0 * len(ordered)))
    return ordered[rank - 1]


def latency_summary(values: list) -> dict:
    ordered = sorted(values)
    summary = {
        "min": ordered[0] if ordered else None,
        "p50": percentile(ordered, 50),
        "p90": percentile(ordered, 90),
        "p99": percentile(ordered, 99),
        "max": ordered[-1] if ordered else None,
        "mean": round(sum(ordered) / len(ordered), 3) if ordered else None,
    }
    return summary


def shares(counts: dict, total: int) -> dict:
    return {key: count / total for key, count in counts.items()} if total else {}


def aggregate(records: list, patterns: list, labels: list, label_map: dict, expected: list) -> dict:
    """The results of the module (every key but elapsed_s) from the per-request records, sorted by index."""
    result = {
        "requests": len(records),
        "succeeded": 0,
        "failed_requests": 0,
        "status_counts": {},
        "errors": {},
        "patterns": {name: 0 for name, _r, _m in patterns},
        "pattern_pages": {name: 0 for name, _r, _m in patterns},
        "labels": {name: {} for name, _r, _g in labels},
        "mapped": {name: {} for name in label_map},
        "unmapped": {name: 0 for name in label_map},
        "first_failure": None,
    }
    for rec in records:
        key = "error" if rec["status"] is None else str(rec["status"])
        result["status_counts"][key] = result["status_counts"].get(key, 0) + 1
        if rec["error"] is not None:
            result["errors"][rec["error"]] = result["errors"].get(rec["error"], 0) + 1
        if rec["status"] is None or rec["status"] not in expected:
            result["failed_requests"] += 1
            if result["first_failure"] is None:
                result["first_failure"] = {
                    "index": rec["index"],
                    "status": rec["status"],
                    "error": rec["error"],
                    "message": rec["message"],
                    "body_excerpt": rec["excerpt"],
                }
            continue
        result["succeeded"] += 1
        for name, count in rec["patterns"].items():
            result["patterns"][name] += count
            result["pattern_pages"][name] += 1 if count else 0
        for name, value in rec["labels"].items():
            if value is None:
                continue
            result["labels"][name][value] = result["labels"][name].get(value, 0) + 1
            if name in label_map:
                mapped = rec["mapped"][name]
                if mapped is None:
                    result["unmapped"][name] += 1
                else:
                    result["mapped"][name][mapped] = result["mapped"][name].get(mapped, 0) + 1
    with_label = {name: sum(values.values()) for name, values in result["labels"].items()}
    result["ratios"] = {
        "labels": {name: shares(values, with_label[name]) for name, values in result["labels"].items()},
        "mapped": {name: shares(values, with_label[name]) for name, values in result["mapped"].items()},
    }
    result["latency_ms"] = latency_summary([rec["duration_ms"] for rec in records])
    result["timeline"] = [
        {
            key: rec[key]
            for key in ("index", "start_s", "duration_ms", "status", "error", "labels", "mapped", "patterns")
        }
        for rec in records
    ]
    return result


# --- the requests ---


def error_kind(err: BaseException) -> str:
    """The kind of a transport error (the keys of the ``errors`` result)."""
    if isinstance(err, urllib.error.URLError) and isinstance(err.reason, BaseException):
        err = err.reason
    if isinstance(err, (socket.timeout, TimeoutError)):
        return "timeout"
    if isinstance(err, ConnectionRefusedError):
        return "connection refused"
    if isinstance(err, (http.client.RemoteDisconnected, http.client.IncompleteRead)):
        return "closed without answer"
    if isinstance(err, (ConnectionResetError, BrokenPipeError, ConnectionAbortedError)):
        return "connection reset"
    if isinstance(err, ssl.SSLError) or isinstance(err, ssl.CertificateError):
        return "tls"
    if isinstance(err, socket.gaierror):
        return "name resolution"
    if isinstance(err, urllib.error.URLError) and "timed out" in str(err.reason):
        return "timeout"
    return "other"


class Prober:
    def __init__(self, params: dict, compiled: dict):
        self.params = params
        self.compiled = compiled
        data = params["body"].encode("utf-8") if params["body"] is not None else None
        self.request_args = {
            "method": params["method"],
            "headers": params["headers"] or {},
            "data": data,
            "timeout": params["timeout"],
            "validate_certs": params["validate_certs"],
            "use_proxy": params["use_proxy"],
            "follow_redirects": "all" if params["follow_redirects"] else "none",
        }

    def one(self, index: int, t0: float) -> dict:
        start = time.monotonic()
        status, error, message, raw = None, None, None, b""
        try:
            with open_url(self.params["url"], **self.request_args) as response:
                status = response.status
                raw = response.read()
        except urllib.error.HTTPError as err:
            status, message = err.code, "HTTP %d: %s" % (err.code, err.reason)
            try:
                raw = err.read()
            except (OSError, http.client.HTTPException):
                raw = b""
        except Exception as err:  # every failure of an attempt is a result, never a crash of the probe
            error, message = error_kind(err), "%s: %s" % (type(err).__name__, err)
        end = time.monotonic()
        text = raw.decode("utf-8", errors="replace")
        values = extract_labels(text, self.compiled["labels"])
        if status is not None and message is None:
            message = "HTTP %d" % status
        return {
            "index": index,
            "start_s": round(start - t0, 6),
            "duration_ms": round((end - start) * 1000.0, 3),
            "end": end,
            "status": status,
            "error": error,
            "message": message,
            "excerpt": text[:EXCERPT_CHARS] if status is not None else None,
            "labels": values,
            "mapped": map_labels(values, self.compiled["label_map"]),
            "patterns": count_patterns(text, self.compiled["patterns"]),
        }

    def run(self) -> tuple[list, float, float]:
        """Sends the requests; -> (records by index, elapsed seconds, start in seconds since the epoch)."""
        params = self.params
        concurrency = min(params["concurrency"], params["count"])
        slots = threading.BoundedSemaphore(concurrency)
        records: dict = {}

        def task(index: int, t0: float) -> None:
            try:
                records[index] = self.one(index, t0)
            finally:
                slots.release()

        t0 = time.monotonic()
        started_at = time.time()
        futures = []
        with ThreadPoolExecutor(max_workers=concurrency, thread_name_prefix="probe") as pool:
            for index in range(params["count"]):
                slots.acquire()
                due = t0 + index * params["interval"]
                now = time.monotonic()
                if params["duration"] is not None and max(now, due) - t0 >= params["duration"]:
                    slots.release()
                    break
                if due > now:
                    time.sleep(due - now)
                futures.append(pool.submit(task, index, t0))
        for future in futures:
            future.result()  # a bug in the probe fails the task instead of dropping a request
        ordered = [records[i] for i in sorted(records)]
        elapsed = max((rec["end"] for rec in ordered), default=t0) - t0
        return ordered, round(elapsed, 6), round(started_at, 6)


def main():
    rule_options = {
        "name": {"type": "str", "required": True},
        "regex": {"type": "str", "required": True},
    }
    argument_spec = {
        "url": {"type": "str", "required": True},
        "method": {"type": "str", "choices": ["GET", "HEAD", "POST"], "default": "GET"},
        "headers": {"type": "dict"},
        "body": {"type": "str"},
        "count": {"type": "int", "default": 10},
        "concurrency": {"type": "int", "default": 1},
        "timeout": {"type": "float", "default": 10},
        "interval": {"type": "float", "default": 0},
        "duration": {"type": "float"},
        "validate_certs": {"type": "bool", "default": True},
        "use_proxy": {"type": "bool", "default": True},
        "follow_redirects": {"type": "bool", "default": False},
        "expected_status": {"type": "list", "elements": "int", "default": [200]},
        "patterns": {
            "type": "list",
            "elements": "dict",
            "default": [],
            "options": dict(
                rule_options, count={"type": "str", "choices": ["matches", "present"], "default": "matches"}
            ),
        },
        "labels": {
            "type": "list",
            "elements": "dict",
            "default": [],
            "options": dict(rule_options, group={"type": "int", "default": 1}),
        },
        "label_map": {"type": "dict", "default": {}},
    }
    module = AnsibleModule(argument_spec=argument_spec, supports_check_mode=True)
    try:
        compiled = check_options(module.params)
    except ProbeOptionError as err:
        module.fail_json(msg=str(err), field=str(err).split(":", 1)[0])
    records, elapsed, started_at = Prober(module.params, compiled).run()
    result = aggregate(
        records, compiled["patterns"], compiled["labels"], compiled["label_map"], module.params["expected_status"]
    )
    module.exit_json(changed=False, elapsed_s=elapsed, started_at=started_at, **result)


if __name__ == "__main__":
    main()
