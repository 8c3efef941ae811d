"""The data plane's Bookinfo-like backends (dataplane/apps.py) on real loopback sockets.

``upstream`` is wired straight at the other apps' addresses (no Envoy), or at a recording server
that shows what the apps send.
"""

from __future__ import annotations

import http.client
import json
import re
import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Iterator

import pytest

from geomesh_emulator.dataplane import apps
from geomesh_emulator.dataplane.apps import AppHost, AppSpec

FULL_STARS = re.compile(r"full.stars")
TEXT1 = "An extremely entertaining play by Shakespeare. The slapstick humour is refreshing!"
TEXT2 = "Absolutely fun and entertaining. The play lacks thematic depth when compared to other plays by Shakespeare."
DETAILS = {
    "id": 0,
    "author": "William Shakespeare",
    "year": 1595,
    "type": "paperback",
    "pages": 200,
    "publisher": "PublisherA",
    "language": "English",
    "ISBN-10": "1234567890",
    "ISBN-13": "123-1234567890",
}


class Wiring:
    """The ``upstream`` callback: service name -> address (None: the call fails); records calls."""

    def __init__(self) -> None:
        self.routes: dict[str, tuple[str, int] | None] = {}
        self.calls: list[tuple[str, str, int]] = []
        self.lock = threading.Lock()

    def __call__(self, caller_key: str, service: str, port: int) -> tuple[str, int] | None:
        with self.lock:
            self.calls.append((caller_key, service, port))
        return self.routes.get(service)

    def count(self, service: str) -> int:
        with self.lock:
            return sum(1 for call in self.calls if call[1] == service)


class Recorder:
    """A tiny HTTP/1.1 server that records requests and answers canned replies per path (a queue:
    each reply is used once, the last one for ever)."""

    def __init__(self) -> None:
        self.requests: list[tuple[str, dict[str, str]]] = []
        self.replies: dict[str, list[tuple[int, bytes, float]]] = {}
        self.close_after_reply = False
        self.lock = threading.Lock()
        recorder = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            disable_nagle_algorithm = True

            def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
                return

            def do_GET(self) -> None:  # noqa: N802
                status, body, delay = recorder.take(self.path, {k.lower(): v for k, v in self.headers.items()})
                if delay:
                    time.sleep(delay)
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)
                if recorder.close_after_reply:
                    self.close_connection = True  # closes without announcing Connection: close

        class Server(ThreadingHTTPServer):
            daemon_threads = True

            def handle_error(self, request: Any, client_address: Any) -> None:
                return  # clients that timed out and left

        self.server = Server(("127.0.0.1", 0), Handler)
        self.address = ("127.0.0.1", int(self.server.server_address[1]))
        self.thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        self.thread.start()

    def reply(self, path: str, status: int, body: Any, delay: float = 0.0) -> None:
        raw = body if isinstance(body, bytes) else json.dumps(body).encode()
        self.replies.setdefault(path, []).append((status, raw, delay))

    def take(self, path: str, headers: dict[str, str]) -> tuple[int, bytes, float]:
        with self.lock:
            self.requests.append((path, headers))
            queue = self.replies.get(path)
            if not queue:
                return 404, b"{}", 0.0
            return queue.pop(0) if len(queue) > 1 else queue[0]

    def seen(self, path: str) -> list[dict[str, str]]:
        with self.lock:
            return [headers for got, headers in self.requests if got == path]

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def get(address: tuple[str, int], path: str, headers: dict[str, str] | None = None) -> tuple[int, dict, str]:
    conn = http.client.HTTPConnection(*address, timeout=30)
    try:
        conn.request("GET", path, headers=headers or {})
        resp = conn.getresponse()
        return resp.status, {k.lower(): v for k, v in resp.getheaders()}, resp.read().decode()
    finally:
        conn.close()


def spec(service: str, version: str = "v1", cluster_name: str | None = None) -> AppSpec:
    pod = f"{service}-{version}-5d8f6c9b7-x2k4p"
    return AppSpec(f"c-1/default/{pod}", service, version, pod, cluster_name)


@pytest.fixture
def wiring() -> Wiring:
    return Wiring()


@pytest.fixture
def host(wiring: Wiring) -> Iterator[AppHost]:
    app_host = AppHost(wiring)
    yield app_host
    app_host.stop_all()


@pytest.fixture
def recorder() -> Iterator[Recorder]:
    rec = Recorder()
    yield rec
    rec.close()


@pytest.fixture
def bookinfo(host: AppHost, wiring: Wiring) -> dict[str, tuple[str, int]]:
    """Every Bookinfo app started; details and ratings wired; reviews left to the test."""
    addrs = {
        "productpage": host.start(spec("productpage")),
        "details": host.start(spec("details")),
        "ratings": host.start(spec("ratings")),
        "reviews-v1": host.start(spec("reviews", "v1")),
        "reviews-v2": host.start(spec("reviews", "v2")),
        "reviews-v3": host.start(spec("reviews", "v3", cluster_name="c-hz")),
    }
    wiring.routes["details"] = addrs["details"]
    wiring.routes["ratings"] = addrs["ratings"]
    return addrs


# -- details / ratings / reviews --------------------------------------------------------------------
def test_details_answers(host: AppHost) -> None:
    addr = host.start(spec("details"))
    status, headers, body = get(addr, "/details/0")
    assert (status, headers["content-type"], json.loads(body)) == (200, "application/json", DETAILS)
    assert list(json.loads(body)) == list(DETAILS)
    assert json.loads(get(addr, "/details/7")[2])["id"] == 7
    assert get(addr, "/details/abc")[:3:2] == (400, '{"error":"please provide numeric product id"}')
    assert get(addr, "/health")[:3:2] == (200, '{"status":"Details is healthy"}')
    assert get(addr, "/nothing")[0] == 404


def test_ratings_answers(host: AppHost) -> None:
    addr = host.start(spec("ratings"))
    assert get(addr, "/ratings/0")[:3:2] == (200, '{"id":0,"ratings":{"Reviewer1":5,"Reviewer2":4}}')
    assert json.loads(get(addr, "/ratings/12?x=1")[2])["id"] == 12
    assert get(addr, "/ratings/abc")[:3:2] == (400, '{"error":"please provide numeric product ID"}')
    assert get(addr, "/health")[:3:2] == (200, '{"status":"Ratings is healthy"}')


def test_reviews_v1_exact_json_and_no_ratings_call(host: AppHost, wiring: Wiring) -> None:
    pod = spec("reviews", "v1")
    addr = host.start(pod)
    status, headers, body = get(addr, "/reviews/0")
    expected = (
        f'{{"id": "0","podname": "{pod.pod}","clustername": "null","reviews": ['
        f'{{"reviewer": "Reviewer1","text": "{TEXT1}"}},{{"reviewer": "Reviewer2","text": "{TEXT2}"}}]}}'
    )
    assert (status, headers["content-type"], body) == (200, "application/json", expected)
    assert wiring.calls == []
    assert get(addr, "/health")[:3:2] == (200, '{"status": "Reviews is healthy"}')
    assert get(addr, "/reviews/abc")[0] == 404


@pytest.mark.parametrize(("version", "color"), [("v2", "black"), ("v3", "red")])
def test_reviews_with_ratings(host: AppHost, wiring: Wiring, version: str, color: str) -> None:
    wiring.routes["ratings"] = host.start(spec("ratings"))
    pod = spec("reviews", version, cluster_name="c-sh")
    doc = json.loads(get(host.start(pod), "/reviews/0")[2])
    assert (doc["id"], doc["podname"], doc["clustername"]) == ("0", pod.pod, "c-sh")
    assert [r["rating"] for r in doc["reviews"]] == [{"stars": 5, "color": color}, {"stars": 4, "color": color}]
    assert wiring.calls == [(pod.key, "ratings", 9080)]


def test_reviews_when_ratings_fail(host: AppHost, wiring: Wiring) -> None:
    ratings = spec("ratings")
    wiring.routes["ratings"] = host.start(ratings)
    addr = host.start(spec("reviews", "v2"))
    unavailable = [{"error": "Ratings service is currently unavailable"}] * 2
    host.set_fault(ratings.key, 503)
    assert [r["rating"] for r in json.loads(get(addr, "/reviews/0")[2])["reviews"]] == unavailable
    wiring.routes["ratings"] = None  # no address: like a DNS / connect failure
    status, _h, body = get(addr, "/reviews/0")
    assert status == 200 and [r["rating"] for r in json.loads(body)["reviews"]] == unavailable


def test_timeouts_are_the_images(host: AppHost, wiring: Wiring, recorder: Recorder, monkeypatch) -> None:
    assert (apps.PRODUCTPAGE_TIMEOUT_S, apps.REVIEWS_TRIES) == (3.0, 2)
    assert apps.RATINGS_TIMEOUT_S == {"black": 10.0, "red": 2.5}
    # Scaled down: ratings answers after 0.6 s; v3 gives up at 0.3 s, v2 waits up to 2 s.
    monkeypatch.setitem(apps.RATINGS_TIMEOUT_S, "red", 0.3)
    monkeypatch.setitem(apps.RATINGS_TIMEOUT_S, "black", 2.0)
    recorder.reply("/ratings/0", 200, {"id": 0, "ratings": {"Reviewer1": 5, "Reviewer2": 4}}, delay=0.6)
    wiring.routes["ratings"] = recorder.address
    v2 = json.loads(get(host.start(spec("reviews", "v2")), "/reviews/0")[2])["reviews"]
    started = time.monotonic()
    v3 = json.loads(get(host.start(spec("reviews", "v3")), "/reviews/0")[2])["reviews"]
    assert 0.25 < time.monotonic() - started < 0.6
    assert [r["rating"].get("stars") for r in v2] == [5, 4]
    assert [r["rating"] for r in v3] == [{"error": "Ratings service is currently unavailable"}] * 2


# -- productpage ----------------------------------------------------------------------------------
@pytest.mark.parametrize(("version", "lines", "color"), [("v1", 0, None), ("v2", 2, "black"), ("v3", 2, "red")])
def test_productpage_full_stars(
    bookinfo: dict[str, tuple[str, int]], wiring: Wiring, version: str, lines: int, color: str | None
) -> None:
    wiring.routes["reviews"] = bookinfo[f"reviews-{version}"]
    status, headers, page = get(bookinfo["productpage"], "/productpage")
    assert (status, headers["content-type"]) == (200, "text/html; charset=utf-8")
    assert int(headers["content-length"]) == len(page.encode())
    assert sum(1 for line in page.splitlines() if FULL_STARS.search(line)) == lines
    assert page.count('<span class="glyphicon glyphicon-star"></span>') == (9 if lines else 0)
    assert page.count('<span class="glyphicon glyphicon-star-empty"></span>') == (1 if lines else 0)
    assert page.count(f'<font color="{color}">') == (2 if color else 0)
    assert page.count("<font ") == (2 if color else 0)
    assert "<dt>Type:</dt>paperback" in page and "<dt>ISBN-13:</dt>123-1234567890" in page
    pod = spec("reviews", version).pod
    assert re.search(rf"<dt>Reviews served by:</dt>\s*<u>{pod}</u>", page)
    assert ("on cluster <u>c-hz</u>" in page) == (version == "v3")
    assert "Error fetching" not in page


def test_productpage_ratings_down(bookinfo: dict[str, tuple[str, int]], wiring: Wiring) -> None:
    wiring.routes["reviews"] = bookinfo["reviews-v2"]
    wiring.routes["ratings"] = ("127.0.0.1", free_port())  # refused
    status, _h, page = get(bookinfo["productpage"], "/productpage")
    assert status == 200
    assert not FULL_STARS.search(page)
    assert page.count("<p><i>Ratings service is currently unavailable</i></p>") == 2
    assert "Reviews served by:" in page


def test_productpage_reviews_down_tried_twice(bookinfo: dict[str, tuple[str, int]], wiring: Wiring) -> None:
    wiring.routes["reviews"] = None
    status, _h, page = get(bookinfo["productpage"], "/productpage")
    assert status == 200
    assert not FULL_STARS.search(page)
    assert "Error fetching product reviews!" in page
    assert "<p>Sorry, product reviews are currently unavailable for this book.</p>" in page
    assert "Reviews served by:" not in page and "<dt>Type:</dt>paperback" in page
    assert [call[1] for call in wiring.calls] == ["details", "reviews", "reviews"]
    assert {call[0] for call in wiring.calls} == {spec("productpage").key}


def test_productpage_retries_reviews_once_and_details_never(host: AppHost, wiring: Wiring, recorder: Recorder) -> None:
    recorder.reply("/details/0", 503, {"error": "x"})
    recorder.reply("/reviews/0", 503, b"upstream connect error")
    reviews_v1 = json.loads(get(host.start(spec("reviews")), "/reviews/0")[2])
    recorder.reply("/reviews/0", 200, reviews_v1)
    wiring.routes.update(details=recorder.address, reviews=recorder.address)
    status, _h, page = get(host.start(spec("productpage")), "/productpage")
    assert status == 200
    assert len(recorder.seen("/details/0")) == 1 and len(recorder.seen("/reviews/0")) == 2
    assert "Error fetching product details!" in page
    assert "<p>Sorry, product details are currently unavailable for this book.</p>" in page
    assert "Reviews served by:" in page and "Error fetching product reviews!" not in page


def test_productpage_reviews_timeout(host: AppHost, wiring: Wiring, recorder: Recorder, monkeypatch) -> None:
    monkeypatch.setattr(apps, "PRODUCTPAGE_TIMEOUT_S", 0.2)
    recorder.reply("/details/0", 200, DETAILS)
    recorder.reply("/reviews/0", 200, {"reviews": []}, delay=0.5)
    wiring.routes.update(details=recorder.address, reviews=recorder.address)
    started = time.monotonic()
    status, _h, page = get(host.start(spec("productpage")), "/productpage")
    elapsed = time.monotonic() - started
    assert status == 200 and "Error fetching product reviews!" in page
    assert len(recorder.seen("/reviews/0")) == 2
    assert 0.35 < elapsed < 1.0


def test_productpage_backend_200_without_json_is_500(host: AppHost, wiring: Wiring, recorder: Recorder) -> None:
    recorder.reply("/details/0", 200, b"<html>not json</html>")
    wiring.routes["details"] = recorder.address
    assert get(host.start(spec("productpage")), "/productpage")[0] == 500


def test_header_forwarding(bookinfo: dict[str, tuple[str, int]], wiring: Wiring, recorder: Recorder) -> None:
    recorder.reply("/details/0", 200, DETAILS)
    recorder.reply("/ratings/0", 200, {"id": 0, "ratings": {"Reviewer1": 5, "Reviewer2": 4}})
    wiring.routes.update(details=recorder.address, ratings=recorder.address, reviews=bookinfo["reviews-v3"])
    productpage = bookinfo["productpage"]
    conn = http.client.HTTPConnection(*productpage, timeout=10)
    conn.request(
        "POST",
        "/login",
        body="username=jason&passwd=x",
        headers={"Content-Type": "application/x-www-form-urlencoded", "Referer": "http://bookinfo/productpage"},
    )
    resp = conn.getresponse()
    resp.read()
    assert (resp.status, resp.getheader("Location")) == (302, "http://bookinfo/productpage")
    session = resp.getheader("Set-Cookie").split(";")[0]
    assert session.startswith("session=")
    sent = {
        "x-request-id": "7c1e3f4a-req",
        "x-b3-traceid": "80f198ee56343ba864fe8b2a57d3eff7",
        "x-b3-spanid": "e457b5a2e4d86bd1",
        "x-b3-sampled": "1",
        "traceparent": "00-80f198ee56343ba864fe8b2a57d3eff7-e457b5a2e4d86bd1-01",
        "user-agent": "curl/8.5.0",
        "authorization": "Bearer abc",
        "cookie": f"{session}; theme=dark",
        "x-not-forwarded": "1",
    }
    status, _h, page = get(productpage, "/productpage", sent)
    assert status == 200 and page.count("<!-- full stars: -->") == 2
    assert "jason ( <a" in page
    (details,) = recorder.seen("/details/0")
    (ratings,) = recorder.seen("/ratings/0")
    assert details["host"] == "details:9080" and ratings["host"] == "ratings:9080"
    assert ratings["accept"] == "application/json"
    for got in (details, ratings):  # ratings: productpage -> reviews -> ratings
        assert {name: got.get(name) for name in sent if name != "x-not-forwarded"} == {
            name: value for name, value in sent.items() if name != "x-not-forwarded"
        }
        assert got["end-user"] == "jason"
        assert "x-not-forwarded" not in got
    assert wiring.calls == [
        (spec("productpage").key, "details", 9080),
        (spec("productpage").key, "reviews", 9080),
        (spec("reviews", "v3").key, "ratings", 9080),
    ]
    # productpage takes end-user from its session only, never from the request.
    get(productpage, "/productpage", {"end-user": "bob"})
    assert "end-user" not in recorder.seen("/details/0")[1]
    # logout clears the session cookie
    conn.request("GET", "/logout", headers={"Cookie": session, "Referer": "/productpage"})
    resp = conn.getresponse()
    resp.read()
    conn.close()
    assert resp.status == 302 and resp.getheader("Set-Cookie").startswith("session=;")


def test_productpage_api_and_health(bookinfo: dict[str, tuple[str, int]], wiring: Wiring) -> None:
    addr = bookinfo["productpage"]
    assert get(addr, "/health")[:3:2] == (200, "Product page is healthy")
    assert json.loads(get(addr, "/api/v1/products")[2])[0]["title"] == "The Comedy of Errors"
    assert json.loads(get(addr, "/api/v1/products/0")[2]) == DETAILS
    assert json.loads(get(addr, "/api/v1/products/0/ratings")[2])["ratings"] == {"Reviewer1": 5, "Reviewer2": 4}
    status, _h, body = get(addr, "/api/v1/products/0/reviews")  # reviews not wired: fails
    assert (status, json.loads(body)) == (
        500,
        {"error": "Sorry, product reviews are currently unavailable for this book."},
    )
    wiring.routes["reviews"] = bookinfo["reviews-v1"]
    assert json.loads(get(addr, "/api/v1/products/0/reviews")[2])["podname"] == spec("reviews").pod
    assert get(addr, "/")[0] == 200 and get(addr, "/static/x.css")[0] == 404
    assert get(addr, "/login")[0] == 405


# -- faults, lifecycle ----------------------------------------------------------------------------
def test_fault_answers_every_request(bookinfo: dict[str, tuple[str, int]], host: AppHost, wiring: Wiring) -> None:
    wiring.routes["reviews"] = bookinfo["reviews-v2"]
    reviews = spec("reviews", "v2")
    host.set_fault(reviews.key, 503)
    assert get(bookinfo["reviews-v2"], "/health")[0] == 503
    status, _h, body = get(bookinfo["reviews-v2"], "/reviews/0")
    assert status == 503 and "Service Unavailable" in body
    assert host.running()[reviews.key]["fault"] == 503
    page = get(bookinfo["productpage"], "/productpage")[2]
    assert "Error fetching product reviews!" in page and not FULL_STARS.search(page)
    host.set_fault(reviews.key, None)
    assert (
        sum(1 for line in get(bookinfo["productpage"], "/productpage")[2].splitlines() if FULL_STARS.search(line)) == 2
    )
    # a fault may be set before the Pod starts
    later = spec("details", "v2")
    host.set_fault(later.key, 500)
    assert get(host.start(later), "/details/0")[0] == 500


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_stop_frees_port_and_ends_keepalive(host: AppHost) -> None:
    details = spec("details")
    addr = host.start(details)
    conn = http.client.HTTPConnection(*addr, timeout=5)
    conn.request("GET", "/health")
    assert conn.getresponse().read() and conn.sock is not None  # idle keep-alive connection
    started = time.monotonic()
    host.stop(details.key)
    assert time.monotonic() - started < 1.0
    assert details.key not in host.running()
    assert conn.sock.recv(1) == b""  # the server ended the open connection
    conn.close()
    with pytest.raises(ConnectionRefusedError):
        socket.create_connection(addr, timeout=2).close()
    with socket.socket() as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(addr)  # the port is free
    host.stop(details.key)  # unknown keys are ignored


def test_start_is_idempotent_and_a_changed_spec_restarts(host: AppHost) -> None:
    reviews = spec("reviews", "v1")
    addr = host.start(reviews)
    assert host.start(reviews) == addr
    changed = AppSpec(reviews.key, "reviews", "v1", reviews.pod, cluster_name="c-bj")
    new_addr = host.start(changed)
    assert new_addr != addr
    assert json.loads(get(new_addr, "/reviews/0")[2])["clustername"] == "c-bj"
    with pytest.raises(ConnectionRefusedError):
        socket.create_connection(addr, timeout=2).close()
    info = host.running()[reviews.key]
    assert (info["address"], info["service"], info["version"], info["requests"]) == (
        f"{new_addr[0]}:{new_addr[1]}",
        "reviews",
        "v1",
        1,
    )
    with pytest.raises(ValueError):
        host.start(AppSpec("x", "mongodb", "v1", "mongodb-v1"))
    with pytest.raises(ValueError):
        host.start(AppSpec("x", "reviews", "v4", "reviews-v4"))
    host.stop_all()
    assert host.running() == {}


def test_pooled_connection_closed_by_peer_is_not_an_error(host: AppHost, wiring: Wiring, recorder: Recorder) -> None:
    recorder.close_after_reply = True  # keep-alive announced, then closed
    recorder.reply("/details/0", 200, DETAILS)
    recorder.reply("/reviews/0", 200, {"podname": "p", "clustername": "null", "reviews": []})
    wiring.routes.update(details=recorder.address, reviews=recorder.address)
    productpage = host.start(spec("productpage"))
    for _i in range(3):
        page = get(productpage, "/productpage")[2]
        assert "Error fetching" not in page
    assert len(recorder.seen("/details/0")) == 3 and len(recorder.seen("/reviews/0")) == 3


def test_throughput_and_concurrency(bookinfo: dict[str, tuple[str, int]], wiring: Wiring) -> None:
    wiring.routes["reviews"] = bookinfo["reviews-v2"]
    conn = http.client.HTTPConnection(*bookinfo["productpage"], timeout=10)
    count = 400
    started = time.perf_counter()
    for _i in range(count):
        conn.request("GET", "/productpage")
        assert conn.getresponse().read().count(b"<!-- full stars: -->") == 2
    per_request = (time.perf_counter() - started) / count
    conn.close()
    print(f"productpage through direct upstreams: {per_request * 1000:.2f} ms per request")
    assert per_request < 0.02
    failures: list[str] = []

    def client() -> None:
        local = http.client.HTTPConnection(*bookinfo["productpage"], timeout=10)
        for _j in range(50):
            local.request("GET", "/productpage")
            if local.getresponse().read().count(b"<!-- full stars: -->") != 2:
                failures.append("missing stars")
        local.close()

    threads = [threading.Thread(target=client) for _k in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert failures == [] and not any(thread.is_alive() for thread in threads)
