# -*- coding: utf-8 -*-
# Copyright: Contributors to the geomesh.alicloud project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""traffic_probe against a real loopback HTTP server that answers a script of canned responses."""

from __future__ import annotations

import json
import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from ansible.module_utils.testing import patch_module_args

from ansible_collections.geomesh.alicloud.plugins.modules import traffic_probe

SERVED_BY = r"Reviews served by:</dt>\s*<u>([^<]+)</u>"


def page(pod: str, stars: int) -> str:
    """A product page as Bookinfo renders it: the reviews Pod and one comment per full star."""
    stars_html = '<font color="black"><!-- full stars: -->\n' * stars
    return "<html><dl><dt>Reviews served by:</dt>\n      <u>%s</u></dl>%s</html>" % (pod, stars_html)


class Script:
    """The answers of the server in arrival order (the last one repeats), and what the server saw."""

    def __init__(self, answers: list):
        self.answers = answers
        self.lock = threading.Lock()
        self.seen = 0
        self.in_flight = 0
        self.max_in_flight = 0
        self.arrivals: list = []
        self.methods: list = []
        self.bodies: list = []
        self.headers: list = []

    def take(self, handler) -> dict:
        with self.lock:
            answer = self.answers[min(self.seen, len(self.answers) - 1)]
            self.seen += 1
            self.in_flight += 1
            self.max_in_flight = max(self.max_in_flight, self.in_flight)
            self.arrivals.append(time.monotonic())
            self.methods.append(handler.command)
            self.headers.append(dict(handler.headers))
            length = int(handler.headers.get("Content-Length") or 0)
            self.bodies.append(handler.rfile.read(length).decode() if length else None)
        return answer

    def done(self) -> None:
        with self.lock:
            self.in_flight -= 1


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def answer(self):
        script = self.server.script
        spec = script.take(self)
        try:
            time.sleep(spec.get("delay", 0))
            if spec.get("close"):
                # closed without a status line: the client sees RemoteDisconnected
                self.close_connection = True
                self.connection.shutdown(socket.SHUT_RDWR)
                return
            body = spec.get("body", "").encode()
            self.send_response(spec.get("status", 200))
            for key, value in spec.get("headers", {}).items():
                self.send_header(key, value)
            self.send_header("Content-Length", str(len(body)))
            self.send_header("Connection", "close")
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(body)
        except OSError:
            pass
        finally:
            script.done()

    do_GET = do_HEAD = do_POST = answer

    def log_message(self, format, *args):  # pylint: disable=redefined-builtin
        pass


@pytest.fixture
def server():
    """``server(answers)`` -> (base URL, Script); stopped after the test."""
    started = []

    def start(answers):
        httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        httpd.daemon_threads = True
        httpd.script = Script(answers)
        threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
        started.append(httpd)
        return "http://127.0.0.1:%d/productpage" % httpd.server_address[1], httpd.script

    yield start
    for httpd in started:
        httpd.shutdown()
        httpd.server_close()


@pytest.fixture
def probe(capsys):
    """``probe(args, check_mode=False)`` -> the module's JSON result (failures too)."""

    def runner(args, check_mode=False):
        capsys.readouterr()
        with patch_module_args(dict(args, _ansible_check_mode=check_mode)):
            with pytest.raises(SystemExit) as exc:
                traffic_probe.main()
        result = json.loads(capsys.readouterr().out)
        assert (exc.value.code or 0) == (1 if result.get("failed") else 0)
        return result

    return runner


LABELS = [{"name": "reviews_pod", "regex": SERVED_BY}]
PATTERNS = [
    {"name": "full_stars", "regex": "full stars"},
    {"name": "rated_pages", "regex": "full stars", "count": "present"},
]
REGIONS = {
    "reviews_pod": [
        {"match": "^reviews-v1-", "value": "cn-hangzhou"},
        {"match": "^reviews-v[23]-", "value": "cn-shanghai"},
    ]
}


def test_counts_statuses_patterns_labels_mapping_and_the_timeline(server, probe):
    answers = [
        {"body": page("reviews-v1-aaa", 0)},
        {"body": page("reviews-v2-bbb", 3)},
        {"status": 503, "body": "no healthy upstream" + "x" * 600},
        {"body": page("reviews-v2-bbb", 3)},
        {"body": page("reviews-v3-ccc", 5)},
        {"body": page("ratings-zzz", 1)},
        {"body": "<html>no reviews</html>"},
        {"close": True},
    ]
    url, script = server(answers)
    result = probe({"url": url, "count": 8, "patterns": PATTERNS, "labels": LABELS, "label_map": REGIONS, "timeout": 5})
    assert result["changed"] is False
    assert script.seen == 8
    assert (result["requests"], result["succeeded"], result["failed_requests"]) == (8, 6, 2)
    assert result["status_counts"] == {"200": 6, "503": 1, "error": 1}
    assert result["errors"] == {"closed without answer": 1}
    # totals count the succeeded requests only: 0+3+3+5+1+0 stars, 4 pages with at least one
    assert result["patterns"] == {"full_stars": 12, "rated_pages": 4}
    assert result["pattern_pages"] == {"full_stars": 4, "rated_pages": 4}
    assert result["labels"] == {
        "reviews_pod": {"reviews-v1-aaa": 1, "reviews-v2-bbb": 2, "reviews-v3-ccc": 1, "ratings-zzz": 1}
    }
    assert result["mapped"] == {"reviews_pod": {"cn-hangzhou": 1, "cn-shanghai": 3}}
    assert result["unmapped"] == {"reviews_pod": 1}
    assert result["ratios"]["labels"]["reviews_pod"] == pytest.approx(
        {"reviews-v1-aaa": 0.2, "reviews-v2-bbb": 0.4, "reviews-v3-ccc": 0.2, "ratings-zzz": 0.2}
    )
    assert result["ratios"]["mapped"]["reviews_pod"] == pytest.approx({"cn-hangzhou": 0.2, "cn-shanghai": 0.6})

    timeline = result["timeline"]
    assert [t["index"] for t in timeline] == list(range(8))
    assert [t["status"] for t in timeline] == [200, 200, 503, 200, 200, 200, 200, None]
    assert [t["error"] for t in timeline] == [None] * 7 + ["closed without answer"]
    assert [t["labels"]["reviews_pod"] for t in timeline] == [
        "reviews-v1-aaa",
        "reviews-v2-bbb",
        None,
        "reviews-v2-bbb",
        "reviews-v3-ccc",
        "ratings-zzz",
        None,
        None,
    ]
    assert [t["mapped"]["reviews_pod"] for t in timeline] == [
        "cn-hangzhou",
        "cn-shanghai",
        None,
        "cn-shanghai",
        "cn-shanghai",
        None,
        None,
        None,
    ]
    assert [t["patterns"]["full_stars"] for t in timeline] == [0, 3, 0, 3, 5, 1, 0, 0]
    starts = [t["start_s"] for t in timeline]
    assert starts == sorted(starts)
    assert all(t["duration_ms"] >= 0 for t in timeline)

    first = result["first_failure"]
    assert (first["index"], first["status"], first["error"]) == (2, 503, None)
    assert first["body_excerpt"] == ("no healthy upstream" + "x" * 600)[:500]
    assert "503" in first["message"]
    latency = result["latency_ms"]
    assert latency["min"] <= latency["p50"] <= latency["p90"] <= latency["p99"] <= latency["max"]
    assert latency["max"] == max(t["duration_ms"] for t in timeline)
    assert result["elapsed_s"] >= max(t["start_s"] for t in timeline)


def test_a_slow_answer_is_a_timeout_and_a_closed_port_is_refused(server, probe):
    url, script = server([{"body": "ok"}, {"delay": 1.5, "body": "late"}, {"body": "ok"}])
    result = probe({"url": url, "count": 3, "timeout": 0.4})
    assert [t["error"] for t in result["timeline"]] == [None, "timeout", None]
    assert result["errors"] == {"timeout": 1}
    assert result["status_counts"] == {"200": 2, "error": 1}
    assert result["first_failure"]["index"] == 1 and result["first_failure"]["body_excerpt"] is None
    assert 400 <= result["timeline"][1]["duration_ms"] < 1500
    assert script.seen == 3

    with socket.socket() as sock:  # a port nobody listens on: bound, never listening
        sock.bind(("127.0.0.1", 0))
        closed = "http://127.0.0.1:%d/" % sock.getsockname()[1]
        refused = probe({"url": closed, "count": 2, "timeout": 2})
    assert refused["errors"] == {"connection refused": 2}
    assert refused["succeeded"] == 0 and refused["failed_requests"] == 2
    assert refused["latency_ms"]["max"] is not None


def test_interval_paces_the_starts(server, probe):
    url, script = server([{"body": "ok"}])
    before = time.time()
    result = probe({"url": url, "count": 5, "interval": 0.15})
    after = time.time()
    # the probe's start on the controller's clock, for a drill to place its own actions on the timeline
    assert before <= result["started_at"] <= after - result["elapsed_s"] + 0.01
    starts = [t["start_s"] for t in result["timeline"]]
    assert all(start >= i * 0.15 for i, start in enumerate(starts)), starts
    arrivals = script.arrivals
    # seen by the server too (without pacing they would arrive within a few ms); the first request may
    # reach it late (a new connection on a loaded machine), hence the slack
    assert arrivals[-1] - arrivals[0] >= 4 * 0.15 - 0.1
    assert result["elapsed_s"] >= 0.6


def test_concurrency_bounds_the_requests_in_flight(server, probe):
    url, script = server([{"delay": 0.2, "body": page("reviews-v2-bbb", 1)}])
    t0 = time.monotonic()
    result = probe({"url": url, "count": 12, "concurrency": 3, "labels": LABELS})
    took = time.monotonic() - t0
    assert script.seen == 12 and result["succeeded"] == 12
    assert script.max_in_flight == 3
    # 12 requests of 0.2 s, 3 at a time: at least 4 rounds (a lower bound of the logic, not a speed check)
    assert took >= 0.8
    assert result["labels"] == {"reviews_pod": {"reviews-v2-bbb": 12}}
    assert [t["index"] for t in result["timeline"]] == list(range(12))


def test_sequential_by_default(server, probe):
    url, script = server([{"delay": 0.05, "body": "ok"}])
    probe({"url": url, "count": 4})
    assert script.max_in_flight == 1 and script.seen == 4


def test_duration_stops_starting_requests(server, probe):
    url, script = server([{"body": "ok"}])
    result = probe({"url": url, "count": 1000, "interval": 0.1, "duration": 0.45})
    # due at 0, 0.1, 0.2, 0.3, 0.4; the one due at 0.5 is past the duration (on a loaded machine a late
    # start past 0.45 s is left out too): none starts after the duration, of the 1000 allowed
    assert 1 <= result["requests"] <= 5 and script.seen == result["requests"]
    assert [t["index"] for t in result["timeline"]] == list(range(result["requests"]))
    assert all(t["start_s"] < 0.45 for t in result["timeline"])


def test_method_headers_body_and_expected_status(server, probe):
    url, script = server([{"status": 201, "body": "made"}, {"status": 200, "body": "ok"}])
    result = probe(
        {
            "url": url,
            "method": "POST",
            "count": 2,
            "headers": {"Host": "bookinfo.example", "X-Drill": "1"},
            "body": "ping",
            "expected_status": [201],
        }
    )
    assert script.methods == ["POST", "POST"] and script.bodies == ["ping", "ping"]
    assert script.headers[0]["Host"] == "bookinfo.example" and script.headers[0]["X-Drill"] == "1"
    assert (result["succeeded"], result["failed_requests"]) == (1, 1)
    assert result["first_failure"]["index"] == 1 and result["first_failure"]["status"] == 200

    url, script = server([{"body": page("reviews-v2-bbb", 2)}])
    head = probe({"url": url, "method": "HEAD", "count": 2, "patterns": PATTERNS})
    assert script.methods == ["HEAD", "HEAD"]
    assert head["succeeded"] == 2 and head["patterns"] == {"full_stars": 0, "rated_pages": 0}


def test_redirects_are_answers_unless_followed(server, probe):
    target, target_script = server([{"body": page("reviews-v1-aaa", 0)}])
    url, script = server([{"status": 302, "headers": {"Location": target}}])
    result = probe({"url": url, "count": 2, "labels": LABELS})
    assert result["status_counts"] == {"302": 2} and target_script.seen == 0
    followed = probe({"url": url, "count": 2, "labels": LABELS, "follow_redirects": True})
    assert followed["status_counts"] == {"200": 2} and target_script.seen == 2
    assert followed["labels"] == {"reviews_pod": {"reviews-v1-aaa": 2}}


def test_check_mode_sends_the_requests_too(server, probe):
    url, script = server([{"body": page("reviews-v1-aaa", 1)}])
    normal = probe({"url": url, "count": 3, "labels": LABELS})
    checked = probe({"url": url, "count": 3, "labels": LABELS}, check_mode=True)
    assert script.seen == 6
    assert checked["changed"] is False
    assert set(checked) == set(normal)
    assert checked["labels"] == normal["labels"] == {"reviews_pod": {"reviews-v1-aaa": 3}}


@pytest.mark.parametrize(
    "args,message",
    [
        ({"url": "ftp://127.0.0.1/x"}, "url: "),
        ({"url": "http:///nohost"}, "url: "),
        ({"count": 0}, "count: "),
        ({"count": 100001}, "count: "),
        ({"concurrency": 0}, "concurrency: "),
        ({"timeout": 0}, "timeout: "),
        ({"interval": -1}, "interval: "),
        ({"duration": 0}, "duration: "),
        ({"body": "x"}, "body: "),
        ({"expected_status": [99]}, "expected_status: "),
        ({"expected_status": []}, "expected_status: "),
        ({"patterns": [{"name": "a", "regex": "("}]}, "patterns[0].regex: "),
        ({"patterns": [{"name": "a", "regex": "x"}, {"name": "a", "regex": "y"}]}, "patterns[1].name: "),
        ({"labels": [{"name": "pod", "regex": "x"}]}, "labels[0].group: "),
        ({"labels": [{"name": "pod", "regex": "(x)", "group": 2}]}, "labels[0].group: "),
        ({"label_map": {"pod": []}}, "label_map.pod: "),
        ({"labels": LABELS, "label_map": {"reviews_pod": {"match": "x"}}}, "label_map.reviews_pod: "),
        ({"labels": LABELS, "label_map": {"reviews_pod": [{"match": "x"}]}}, "label_map.reviews_pod[0]: "),
        ({"labels": LABELS, "label_map": {"reviews_pod": [{"match": "[", "value": "r"}]}}, "reviews_pod[0].match: "),
        ({"method": "PUT"}, "method"),
    ],
)
def test_invalid_options_fail_before_any_request(server, probe, args, message):
    url, script = server([{"body": "ok"}])
    result = probe(dict({"url": url}, **args))
    assert result["failed"] is True
    assert message in result["msg"]
    if message.endswith(": "):
        assert message.startswith(result["field"]) or result["field"].endswith(message[:-2])
    assert script.seen == 0


def test_percentiles_are_nearest_rank():
    values = [float(v) for v in range(1, 11)]
    assert traffic_probe.percentile(values, 50) == 5.0
    assert traffic_probe.percentile(values, 90) == 9.0
    assert traffic_probe.percentile(values, 99) == 10.0
    assert traffic_probe.percentile([7.0], 50) == 7.0
    assert traffic_probe.percentile([], 50) is None
    summary = traffic_probe.latency_summary([3.0, 1.0, 2.0, 10.0])
    assert summary == {"min": 1.0, "p50": 2.0, "p90": 10.0, "p99": 10.0, "max": 10.0, "mean": 4.0}


def test_pure_helpers():
    patterns = traffic_probe.compile_patterns(
        [{"name": "s", "regex": "full stars", "count": "matches"}, {"name": "p", "regex": "full", "count": "present"}]
    )
    assert traffic_probe.count_patterns(page("x", 4), patterns) == {"s": 4, "p": 1}
    labels = traffic_probe.compile_labels(
        [{"name": "pod", "regex": SERVED_BY, "group": 1}, {"name": "all", "regex": "v[0-9]", "group": 0}]
    )
    assert traffic_probe.extract_labels(page("reviews-v3-q", 0), labels) == {"pod": "reviews-v3-q", "all": "v3"}
    assert traffic_probe.extract_labels("nothing", labels) == {"pod": None, "all": None}
    rules = traffic_probe.compile_label_map(REGIONS, ["reviews_pod"])["reviews_pod"]
    assert traffic_probe.map_value("reviews-v1-x", rules) == "cn-hangzhou"
    assert traffic_probe.map_value("reviews-v3-x", rules) == "cn-shanghai"
    assert traffic_probe.map_value("xreviews-v1-x", rules) is None
    assert traffic_probe.map_value(None, rules) is None
