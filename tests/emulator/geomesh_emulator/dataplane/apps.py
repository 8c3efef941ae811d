"""Bookinfo-like backends for the data plane: one small HTTP server per Pod on ``127.0.0.1:<port 0>``.

They answer like the Bookinfo images up to 1.19.1 (the last productpage image whose page has the
``<!-- full stars: -->`` lines; reference: shared/reference/bookinfo.md sections 2-4):

- productpage: ``/productpage`` (HTML, product 0; details/0 once, then reviews/0 up to twice, 3 s
  each; 200 even when the backends fail), ``/``, ``/index.html``, ``/health``, ``POST /login``,
  ``GET /logout``, ``/api/v1/products``, ``/api/v1/products/<id>`` (``/reviews``, ``/ratings``);
- reviews: ``/reviews/<int>`` (v1 no ratings; v2 black stars, ratings timeout 10 s; v3 red stars,
  2.5 s), ``/health``;
- details: ``/details/<int>``, ``/health``; ratings: ``/ratings/<int>``, ``/health``.

Every outbound call asks ``upstream(caller_key, service, 9080)`` where to connect (the caller's
sidecar outbound listener, or a Pod address) and sends ``Host: <service>:9080``; ``None`` fails the
call like a DNS or connect failure. The apps forward the headers the real ones do (x-request-id,
x-b3-*, end-user, user-agent, cookie, authorization, ...).

Not emulated: ``/static/*`` and ``/metrics`` of productpage (404), ratings' POST and its
v2 (database), v-faulty and v-delayed variants, details' external book service.
"""

from __future__ import annotations

import base64
import binascii
import http.client
import json
import re
import socket
import socketserver
import sys
import threading
import time
import traceback
from dataclasses import dataclass
from http import HTTPStatus
from http.client import RemoteDisconnected
from http.cookies import CookieError, SimpleCookie
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Callable, Mapping
from urllib.parse import parse_qs, quote, unquote, urlsplit

HOST = "127.0.0.1"
SERVICE_PORT = 9080
SERVICES = ("productpage", "details", "reviews", "ratings")
REVIEWS_VERSIONS = ("v1", "v2", "v3")

# productpage.py (image <= 1.19.1): requests.get(..., timeout=3.0): the connect and every read may
# take 3 s each (not a total); details and ratings once, reviews twice ("Bug introduced explicitly
# for illustration in fault injection task").
PRODUCTPAGE_TIMEOUT_S = 3.0
REVIEWS_TRIES = 2
# reviews (LibertyRestEndpoint.java): connect and receive timeouts 10000 ms when the star colour is
# black (v2), 2500 ms otherwise (v3).
RATINGS_TIMEOUT_S = {"black": 10.0, "red": 2.5}
STAR_COLOR = {"v2": "black", "v3": "red"}

Upstream = Callable[[str, str, int], "tuple[str, int] | None"]

PRODUCTS = [
    {
        "id": 0,
        "title": "The Comedy of Errors",
        "descriptionHtml": '<a href="https://en.wikipedia.org/wiki/The_Comedy_of_Errors">Wikipedia Summary</a>: '
        "The Comedy of Errors is one of <b>William Shakespeare's</b> early plays. It is his shortest and one of "
        "his most farcical comedies, with a major part of the humour coming from slapstick and mistaken "
        "identity, in addition to puns and word play.",
    }
]
REVIEWS = (
    ("Reviewer1", "An extremely entertaining play by Shakespeare. The slapstick humour is refreshing!"),
    (
        "Reviewer2",
        "Absolutely fun and entertaining. The play lacks thematic depth when compared to other plays by Shakespeare.",
    ),
)
RATINGS = {"Reviewer1": 5, "Reviewer2": 4}
RATINGS_UNAVAILABLE = "Ratings service is currently unavailable"

# productpage's getForwardHeaders list; the B3 headers come from its tracer. UNCONFIRMED
# simplification: x-b3-* are forwarded as received, where the real tracer (productpage) and
# Liberty (reviews) start a child span (new x-b3-spanid, x-b3-parentspanid = the incoming span).
_B3 = ("x-b3-traceid", "x-b3-spanid", "x-b3-parentspanid", "x-b3-sampled", "x-b3-flags", "b3")
_FORWARDED = (
    "x-request-id",
    "x-ot-span-context",
    "x-datadog-trace-id",
    "x-datadog-parent-id",
    "x-datadog-sampling-priority",
    "traceparent",
    "tracestate",
    "x-cloud-trace-context",
    "grpc-trace-bin",
    "sw8",
    "user-agent",
    "cookie",
    "authorization",
    "jwt",
)
# productpage sets end-user from its session; reviews copies the incoming end-user header.
_PRODUCTPAGE_FORWARDED = _B3 + _FORWARDED
_REVIEWS_FORWARDED = _B3 + _FORWARDED + ("end-user",)

_PRODUCT_API = re.compile(r"/api/v1/products/([^/]+)(/reviews|/ratings)?")
_JSON = "application/json"
_HTML = "text/html; charset=utf-8"


@dataclass(frozen=True)
class AppSpec:
    key: str  # Endpoint.key of the Pod
    service: str  # "productpage" | "details" | "reviews" | "ratings"
    version: str  # "v1" | "v2" | "v3"
    pod: str  # the Pod's HOSTNAME (reviews answers it as podname)
    cluster_name: str | None = None  # CLUSTER_NAME env (reviews' clustername; "null" when None)


@dataclass(frozen=True)
class _Reply:
    status: int
    body: bytes
    content_type: str = _JSON
    extra: tuple[tuple[str, str], ...] = ()


class _InternalError(Exception):
    """The real app would fail with a 500 here (e.g. a backend's 200 that is not JSON)."""


def _esc(value: Any) -> str:
    """Jinja2/markupsafe autoescape of ``{{ value }}`` (None renders as "None", as in Jinja)."""
    text = str(value)
    return (
        text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&#34;").replace("'", "&#39;")
    )


def _field(doc: Any, name: str) -> str:
    """``{{ doc.name }}``: a missing key renders empty (Jinja's Undefined)."""
    if isinstance(doc, dict) and name in doc:
        return _esc(doc[name])
    return ""


def _error_page(status: int) -> _Reply:
    """A small Flask/werkzeug-like error page."""
    try:
        phrase, description = HTTPStatus(status).phrase, HTTPStatus(status).description
    except ValueError:
        phrase, description = "Unknown Error", ""
    body = (
        f"<!doctype html>\n<html lang=en>\n<title>{status} {phrase}</title>\n<h1>{phrase}</h1>\n<p>{description}</p>\n"
    )
    return _Reply(status, body.encode(), _HTML)


def _json_reply(status: int, doc: Any, compact: bool = True) -> _Reply:
    separators = (",", ":") if compact else (", ", ": ")
    return _Reply(status, json.dumps(doc, separators=separators).encode())


def _js_parse_int(text: str) -> int | None:
    """JavaScript parseInt(text) (ratings.js); None for NaN."""
    match = re.match(r"\s*([+-]?\d+)", text)
    return int(match.group(1)) if match else None


def _session_user(headers: Mapping[str, str]) -> str | None:
    """The ``user`` of productpage's Flask session cookie.

    UNCONFIRMED format: Flask signs its ``session`` cookie (itsdangerous, SECRET_KEY); the emulated
    cookie carries the same base64url JSON payload (``{"user":"jason"}``) without a signature,
    and any payload is trusted.
    """
    cookie = SimpleCookie()
    try:
        cookie.load(headers.get("cookie") or "")
    except CookieError:
        return None
    morsel = cookie.get("session")
    if morsel is None:
        return None
    payload = morsel.value.split(".")[0]
    try:
        doc = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    except (ValueError, binascii.Error):
        return None
    user = doc.get("user") if isinstance(doc, dict) else None
    return str(user) if user is not None else None


def _redirect(location: str, cookie: str) -> _Reply:
    body = (
        "<!doctype html>\n<html lang=en>\n<title>Redirecting...</title>\n<h1>Redirecting...</h1>\n"
        f'<p>You should be redirected automatically to the target URL: <a href="{_esc(location)}">'
        f"{_esc(location)}</a>. If not, click the link.\n"
    )
    return _Reply(302, body.encode(), _HTML, (("Location", location), ("Set-Cookie", cookie)))


_INDEX = """<!DOCTYPE html>
<html>
  <head>
    <title>Simple Bookstore App</title>
    <meta charset="utf-8">
  </head>
  <body>
<div class="container">
  <div class="row">
    <div class="col-md-12">
      <h3>Hello! This is a simple bookstore application consisting of three services as shown below</h3>
    </div>
    <div class="col-md-12">
      <p>Click on one of the links below to auto generate a request to the backend as a real user or a tester</p>
    </div>
    <div class="col-md-12">
      <p><a href="/productpage?u=normal">Normal user</a></p>
      <p><a href="/productpage?u=test">Test user</a></p>
    </div>
  </div>
</div>
  </body>
</html>
"""


def render_productpage(user: str | None, details_status: int, details: Any, reviews_status: int, reviews: Any) -> str:
    """The parts of the old productpage.html (images <= 1.19.1) that matter: one line
    ``<!-- full stars: -->`` per rated review, one glyphicon-star span line per star, the error
    texts and ``Reviews served by:``."""
    out = [
        "<!DOCTYPE html>",
        "<html>",
        "  <head>",
        "    <title>Simple Bookstore App</title>",
        '    <meta charset="utf-8">',
        '    <link rel="stylesheet" href="static/bootstrap/css/bootstrap.min.css">',
        "  </head>",
        "  <body>",
        '<nav class="navbar navbar-inverse navbar-static-top">',
        '  <div class="container">',
        '    <div class="navbar-header">',
        '      <a class="navbar-brand" href="#">BookInfo Sample</a>',
        "    </div>",
    ]
    if user:
        out += [
            '    <p class="navbar-text navbar-right">',
            '      <i class="glyphicon glyphicon-user" aria-hidden="true"></i>',
            f'      <span style="padding-left: 5px;">{_esc(user)} ( <a href="logout">sign out</a> )</span>',
            "    </p>",
        ]
    else:
        out.append(
            '    <button type="button" class="btn btn-default navbar-btn navbar-right" data-toggle="modal"'
            ' href="#login-modal">Sign in</button>'
        )
    product = PRODUCTS[0]
    out += [
        "  </div>",
        "</nav>",
        "",
        '<div class="container-fluid">',
        '  <div class="row">',
        '    <div class="col-md-12">',
        f'      <h3 class="text-center text-primary">{_esc(product["title"])}</h3>',
        f"      <p>Summary: {product['descriptionHtml']}</p>",
        "    </div>",
        "  </div>",
        "",
        '  <div class="row">',
        '    <div class="col-md-6">',
    ]
    if details_status == 200:
        out += [
            '      <h4 class="text-center text-primary">Book Details</h4>',
            "      <dl>",
            f"        <dt>Type:</dt>{_field(details, 'type')}",
            f"        <dt>Pages:</dt>{_field(details, 'pages')}",
            f"        <dt>Publisher:</dt>{_field(details, 'publisher')}",
            f"        <dt>Language:</dt>{_field(details, 'language')}",
            f"        <dt>ISBN-10:</dt>{_field(details, 'ISBN-10')}",
            f"        <dt>ISBN-13:</dt>{_field(details, 'ISBN-13')}",
            "      </dl>",
        ]
    else:
        out.append('      <h4 class="text-center text-primary">Error fetching product details!</h4>')
        if details:
            out.append(f"      <p>{_field(details, 'error')}</p>")
    out += ["    </div>", "", '    <div class="col-md-6">']
    if reviews_status == 200:
        out.append('      <h4 class="text-center text-primary">Book Reviews</h4>')
        items = reviews.get("reviews") if isinstance(reviews, dict) else None
        for review in items if isinstance(items, list) else []:
            review = review if isinstance(review, dict) else {}
            out += [
                "      <blockquote>",
                f"        <p>{_field(review, 'text')}</p>",
                f"        <small>{_field(review, 'reviewer')}</small>",
            ]
            rating = review.get("rating")
            if isinstance(rating, dict) and rating:
                stars = rating.get("stars")
                if stars:
                    if not isinstance(stars, int):
                        raise _InternalError("rating.stars is not a number")
                    out.append(f'        <font color="{_field(rating, "color")}">')
                    out.append("          <!-- full stars: -->")
                    out += ['          <span class="glyphicon glyphicon-star"></span>'] * max(stars, 0)
                    out.append("          <!-- empty stars: -->")
                    out += ['          <span class="glyphicon glyphicon-star-empty"></span>'] * max(5 - stars, 0)
                    out.append("        </font>")
                elif rating.get("error"):
                    out.append(f"        <p><i>{_field(rating, 'error')}</i></p>")
            out.append("      </blockquote>")
        out += [
            "      <dl>",
            "        <dt>Reviews served by:</dt>",
            f"        <u>{_field(reviews, 'podname')}</u>",
        ]
        # Jinja: a missing clustername is Undefined, which is != "null" too.
        if not isinstance(reviews, dict) or reviews.get("clustername") != "null":
            out.append(f"        on cluster <u>{_field(reviews, 'clustername')}</u>")
        out.append("      </dl>")
    else:
        out.append('      <h4 class="text-center text-primary">Error fetching product reviews!</h4>')
        if reviews:
            out.append(f"      <p>{_field(reviews, 'error')}</p>")
    out += ["    </div>", "  </div>", "</div>", "  </body>", "</html>", ""]
    return "\n".join(out)


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 128

    def __init__(self, app: _App) -> None:
        self.app = app
        self.closing = False
        self.conns: set[socket.socket] = set()
        self.conns_lock = threading.Lock()
        super().__init__((HOST, 0), _Handler)

    def server_bind(self) -> None:
        # HTTPServer.server_bind also resolves the host name (socket.getfqdn), a lookup that can stall.
        socketserver.TCPServer.server_bind(self)
        self.server_name, self.server_port = HOST, int(self.server_address[1])

    def track(self, conn: socket.socket) -> bool:
        with self.conns_lock:
            if self.closing:
                return False
            self.conns.add(conn)
            return True

    def untrack(self, conn: socket.socket) -> None:
        with self.conns_lock:
            self.conns.discard(conn)

    def close_all(self) -> None:
        """Stop accepting, close the listening socket (the port is free) and end every open
        connection, idle keep-alive ones included (their threads are blocked reading)."""
        with self.conns_lock:
            self.closing = True
            conns = list(self.conns)
        try:
            # Wakes the accept() blocked in the accept loop (Linux: it fails with EINVAL).
            self.socket.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        self.server_close()
        for conn in conns:
            try:
                conn.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

    def handle_error(self, request: Any, client_address: Any) -> None:
        if isinstance(sys.exc_info()[1], (OSError, ValueError)):
            return  # the client went away
        super().handle_error(request, client_address)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True
    server: _Server

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002  pylint: disable=redefined-builtin
        return

    def setup(self) -> None:
        super().setup()
        if not self.server.track(self.connection):
            self.connection.shutdown(socket.SHUT_RDWR)

    def finish(self) -> None:
        self.server.untrack(self.connection)
        try:
            super().finish()
        except (OSError, ValueError):
            pass

    def _serve(self) -> None:
        try:
            length = int(self.headers.get("Content-Length") or 0)
        except ValueError:
            length = -1
        if length < 0 or "chunked" in (self.headers.get("Transfer-Encoding") or "").lower():
            self.close_connection = True
            reply = _error_page(400)
        else:
            body = self.rfile.read(length) if length else b""
            reply = self.server.app.dispatch(self.command, self.path, self.headers, body)
        self.send_response(reply.status)
        self.send_header("Content-Type", reply.content_type)
        self.send_header("Content-Length", str(len(reply.body)))
        for name, value in reply.extra:
            self.send_header(name, value)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(reply.body)

    do_GET = do_POST = do_HEAD = do_PUT = do_DELETE = do_PATCH = do_OPTIONS = _serve


class _Pool:
    """Idle keep-alive connections of one app's outbound calls, per address.

    The real apps open a connection per call (requests.get without a Session, a JAX-RS client per
    call); reusing them changes nothing the proxies decide per request (Envoy balances requests,
    not downstream connections) and halves the cost of a call here.
    """

    MAX_IDLE = 8  # per address
    MAX_ADDRESSES = 8

    def __init__(self) -> None:
        self.idle: dict[tuple[str, int], list[http.client.HTTPConnection]] = {}
        self.lock = threading.Lock()
        self.closed = False

    def take(self, addr: tuple[str, int], timeout: float) -> http.client.HTTPConnection | None:
        while True:
            with self.lock:
                conns = self.idle.get(addr)
                conn = conns.pop() if conns else None
            if conn is None:
                return None
            if conn.sock is not None and _idle_alive(conn.sock):
                conn.sock.settimeout(timeout)
                conn.timeout = timeout
                return conn
            conn.close()

    def give(self, addr: tuple[str, int], conn: http.client.HTTPConnection) -> None:
        if conn.sock is None:  # the response said Connection: close
            return
        dropped: list[http.client.HTTPConnection] = []
        with self.lock:
            if addr not in self.idle and len(self.idle) >= self.MAX_ADDRESSES:
                # Addresses change (a restarted sidecar listens on a new port): forget the oldest.
                dropped = self.idle.pop(next(iter(self.idle)))
            conns = self.idle.setdefault(addr, [])
            if not self.closed and len(conns) < self.MAX_IDLE:
                conns.append(conn)
            else:
                dropped.append(conn)
        for old in dropped:
            old.close()

    def close(self) -> None:
        with self.lock:
            self.closed = True
            conns = [conn for group in self.idle.values() for conn in group]
            self.idle.clear()
        for conn in conns:
            conn.close()


def _idle_alive(sock: socket.socket) -> bool:
    """An idle keep-alive connection is usable when nothing is readable on it (readable means
    closed by the peer, or stray bytes)."""
    try:
        sock.settimeout(0)
        sock.recv(1, socket.MSG_PEEK)
    except BlockingIOError:
        return True
    except OSError:
        return False
    return False


class _App:
    """One Pod's backend."""

    def __init__(self, host: AppHost, spec: AppSpec) -> None:
        self.host = host
        self.spec = spec
        self.requests = 0
        self.count_lock = threading.Lock()
        self.pool = _Pool()
        self.server = _Server(self)
        self.address: tuple[str, int] = (HOST, int(self.server.server_address[1]))
        self.thread = threading.Thread(target=self._accept_loop, name=f"app {spec.key}", daemon=True)
        self.thread.start()

    def _accept_loop(self) -> None:
        # Not serve_forever(): its shutdown() waits for a poll interval; a blocking accept() ends at
        # once when close_all() shuts the listening socket down.
        srv = self.server
        while not srv.closing:
            try:
                conn, peer = srv.get_request()
            except OSError:
                if not srv.closing:
                    time.sleep(0.01)  # e.g. EMFILE: do not spin
                continue
            if srv.closing:
                conn.close()
                break
            srv.process_request(conn, peer)  # one daemon thread per connection

    def stop(self) -> None:
        self.server.close_all()
        self.pool.close()
        self.thread.join(timeout=5)

    # -- requests ----------------------------------------------------------------------------------
    def dispatch(self, method: str, target: str, headers: Mapping[str, str], body: bytes) -> _Reply:
        with self.count_lock:
            self.requests += 1
        fault = self.host.fault(self.spec.key)
        if fault is not None:
            return _error_page(fault)
        path = urlsplit(target).path
        try:
            if self.spec.service == "productpage":
                return self._productpage(method, path, headers, body)
            if self.spec.service == "reviews":
                return self._reviews(method, path, headers)
            if self.spec.service == "ratings":
                return self._ratings(method, target, path)
            return self._details(method, path)
        except _InternalError:
            return _error_page(500)
        except Exception:  # pylint: disable=broad-except
            traceback.print_exc(file=sys.stderr)
            return _error_page(500)

    def fetch(self, service: str, path: str, headers: Mapping[str, str], timeout: float) -> tuple[int, bytes] | None:
        """GET ``http://<service>:9080<path>`` through ``upstream``; None when it fails (no address,
        refused, reset, timeout). ``timeout`` bounds the connect and each read, like requests' and
        JAX-RS' timeouts."""
        target = self.host.upstream(self.spec.key, service, SERVICE_PORT)
        if target is None:
            return None
        addr = (str(target[0]), int(target[1]))
        request_headers = {"Host": f"{service}:{SERVICE_PORT}", **headers}
        conn = self.pool.take(addr, timeout)
        if conn is not None:
            try:
                return self._exchange(addr, conn, path, request_headers)
            except (RemoteDisconnected, ConnectionResetError, BrokenPipeError, ConnectionAbortedError):
                # The peer closed the pooled connection as we reused it (nothing was answered):
                # send again on a new connection, as a fresh-connection client would have.
                pass
            except (OSError, http.client.HTTPException):
                return None
        try:
            return self._exchange(addr, http.client.HTTPConnection(*addr, timeout=timeout), path, request_headers)
        except (OSError, http.client.HTTPException):
            return None

    def _exchange(
        self, addr: tuple[str, int], conn: http.client.HTTPConnection, path: str, headers: Mapping[str, str]
    ) -> tuple[int, bytes]:
        try:
            conn.request("GET", path, headers=dict(headers))
            resp = conn.getresponse()
            body = resp.read()
        except BaseException:
            conn.close()
            raise
        self.pool.give(addr, conn)
        return resp.status, body

    # -- productpage -------------------------------------------------------------------------------
    def _productpage(self, method: str, path: str, headers: Mapping[str, str], body: bytes) -> _Reply:
        readonly = method in ("GET", "HEAD")
        if path == "/login":
            return self._login(headers, body) if method == "POST" else _error_page(405)
        if path in ("/", "/index.html", "/health", "/logout", "/productpage", "/api/v1/products"):
            if not readonly:
                return _error_page(405)
            if path == "/health":
                return _Reply(200, b"Product page is healthy", _HTML)
            if path == "/logout":
                # Flask drops the emptied session cookie; redirects to the Referer.
                cookie = "session=; Expires=Thu, 01 Jan 1970 00:00:00 GMT; Max-Age=0; HttpOnly; Path=/"
                return _redirect(headers.get("referer") or "/productpage", cookie)
            if path == "/productpage":
                return self._front(headers)
            if path == "/api/v1/products":
                return _json_reply(200, PRODUCTS, compact=False)
            return _Reply(200, _INDEX.encode(), _HTML)
        match = _PRODUCT_API.fullmatch(path)
        if match is None:
            return _error_page(404)
        if not readonly:
            return _error_page(405)
        product_id = quote(unquote(match.group(1)), safe="")
        fwd = self._forwarded(headers, _PRODUCTPAGE_FORWARDED, _session_user(headers))
        if match.group(2) == "/reviews":
            status, doc = self._get_json("reviews", f"/reviews/{product_id}", fwd, REVIEWS_TRIES)
        elif match.group(2) == "/ratings":
            status, doc = self._get_json("ratings", f"/ratings/{product_id}", fwd, 1)
        else:
            status, doc = self._get_json("details", f"/details/{product_id}", fwd, 1)
        return _json_reply(status, doc, compact=False)

    def _login(self, headers: Mapping[str, str], body: bytes) -> _Reply:
        form = parse_qs(body.decode("latin-1"))
        user = (form.get("username") or [""])[0]
        payload = base64.urlsafe_b64encode(json.dumps({"user": user}, separators=(",", ":")).encode())
        cookie = f"session={payload.decode().rstrip('=')}; HttpOnly; Path=/"
        # UNCONFIRMED: without a Referer the real app fails (Flask redirect(None)); here /productpage.
        return _redirect(headers.get("referer") or "/productpage", cookie)

    def _front(self, headers: Mapping[str, str]) -> _Reply:
        user = _session_user(headers)
        fwd = self._forwarded(headers, _PRODUCTPAGE_FORWARDED, user)
        details_status, details = self._get_json("details", "/details/0", fwd, 1)
        reviews_status, reviews = self._get_json("reviews", "/reviews/0", fwd, REVIEWS_TRIES)
        page = render_productpage(user, details_status, details, reviews_status, reviews)
        return _Reply(200, page.encode(), _HTML)

    def _get_json(self, service: str, path: str, fwd: Mapping[str, str], tries: int) -> tuple[int, Any]:
        """productpage's getProductDetails / getProductReviews / getProductRatings."""
        result = None
        for _i in range(tries):
            result = self.fetch(service, path, fwd, PRODUCTPAGE_TIMEOUT_S)
            if result is not None and result[0] == 200:
                try:
                    return 200, json.loads(result[1])
                except ValueError as exc:
                    raise _InternalError(f"{service} answered 200 without JSON") from exc
        status = result[0] if result is not None and result[0] else 500
        return status, {"error": f"Sorry, product {service} are currently unavailable for this book."}

    @staticmethod
    def _forwarded(headers: Mapping[str, str], names: tuple[str, ...], end_user: str | None) -> dict[str, str]:
        out = {name: value for name in names if (value := headers.get(name)) is not None}
        if end_user is not None:
            out["end-user"] = end_user
        return out

    # -- reviews -----------------------------------------------------------------------------------
    def _reviews(self, method: str, path: str, headers: Mapping[str, str]) -> _Reply:
        if method not in ("GET", "HEAD"):
            return _error_page(405)
        if path == "/health":
            return _Reply(200, b'{"status": "Reviews is healthy"}')
        match = re.fullmatch(r"/reviews/([+-]?\d+)", path)
        # UNCONFIRMED: a non-int (or out of int32 range) path parameter of JAX-RS is a 404.
        if match is None or not -(2**31) <= int(match.group(1)) < 2**31:
            return _error_page(404)
        product_id = str(int(match.group(1)))
        color = STAR_COLOR.get(self.spec.version)
        ratings: dict[str, Any] = {}
        if color is not None:
            fwd = self._forwarded(headers, _REVIEWS_FORWARDED, None)
            fwd["Accept"] = _JSON
            result = self.fetch("ratings", f"/ratings/{product_id}", fwd, RATINGS_TIMEOUT_S[color])
            if result is not None and result[0] == 200:
                try:
                    doc = json.loads(result[1])
                except ValueError:
                    # UNCONFIRMED: Liberty's JSON reader would throw (a 500); treated as unavailable.
                    doc = {}
                found = doc.get("ratings") if isinstance(doc, dict) else None
                ratings = found if isinstance(found, dict) else {}
        entries = []
        for reviewer, text in REVIEWS:
            entry = f'{{"reviewer": {json.dumps(reviewer)},"text": {json.dumps(text)}'
            if color is not None:
                stars = ratings.get(reviewer)
                if isinstance(stars, int) and not isinstance(stars, bool):
                    entry += f', "rating": {{"stars": {stars}, "color": "{color}"}}'
                else:
                    entry += f', "rating": {{"error": "{RATINGS_UNAVAILABLE}"}}'
            entries.append(entry + "}")
        cluster = self.spec.cluster_name if self.spec.cluster_name is not None else "null"
        doc_text = (
            f'{{"id": "{product_id}","podname": {json.dumps(self.spec.pod)},"clustername": {json.dumps(cluster)},'
            f'"reviews": [{",".join(entries)}]}}'
        )
        return _Reply(200, doc_text.encode())

    # -- ratings / details -------------------------------------------------------------------------
    @staticmethod
    def _ratings(method: str, target: str, path: str) -> _Reply:
        if method in ("GET", "HEAD") and path == "/health":
            return _json_reply(200, {"status": "Ratings is healthy"})
        if method in ("GET", "HEAD") and re.match(r"/ratings/[0-9]*", target):
            # ratings.js: parseInt of the last "/" part of the URL (query string included).
            product_id = _js_parse_int(target.split("/")[-1])
            if product_id is None:
                return _json_reply(400, {"error": "please provide numeric product ID"})
            return _json_reply(200, {"id": product_id, "ratings": RATINGS})
        return _error_page(404)

    @staticmethod
    def _details(method: str, path: str) -> _Reply:
        if method not in ("GET", "HEAD"):
            return _error_page(405)
        if path == "/health":
            return _json_reply(200, {"status": "Details is healthy"})
        if path == "/details" or path.startswith("/details/"):
            parts = [part for part in path.split("/") if part]
            # Ruby Integer(): decimal with an optional sign (UNCONFIRMED: 0x / 0b / 1_000 forms not taken).
            if not re.fullmatch(r"[+-]?\d+", parts[-1]):
                return _json_reply(400, {"error": "please provide numeric product id"})
            doc = {
                "id": int(parts[-1]),
                "author": "William Shakespeare",
                "year": 1595,
                "type": "paperback",
                "pages": 200,
                "publisher": "PublisherA",
                "language": "English",
                "ISBN-10": "1234567890",
                "ISBN-13": "123-1234567890",
            }
            return _json_reply(200, doc)
        return _error_page(404)


class AppHost:
    """The Bookinfo-like backends of every Pod, each on its own ``127.0.0.1:<ephemeral port>``.

    ``upstream`` is called from request threads (concurrently) and must be thread-safe.
    """

    def __init__(self, upstream: Upstream) -> None:
        self.upstream = upstream
        self._apps: dict[str, _App] = {}
        self._faults: dict[str, int] = {}
        self._lock = threading.Lock()

    def start(self, spec: AppSpec) -> tuple[str, int]:
        """Start the Pod's backend (idempotent for the same spec; a changed spec restarts it on
        a new port) and return its address."""
        if spec.service not in SERVICES:
            raise ValueError(f"unknown Bookinfo service {spec.service!r} (one of {', '.join(SERVICES)})")
        if spec.service == "reviews" and spec.version not in REVIEWS_VERSIONS:
            raise ValueError(f"unknown reviews version {spec.version!r} (one of {', '.join(REVIEWS_VERSIONS)})")
        with self._lock:
            old = self._apps.get(spec.key)
            if old is not None and old.spec == spec:
                return old.address
            app = _App(self, spec)
            self._apps[spec.key] = app
        if old is not None:
            old.stop()
        return app.address

    def stop(self, key: str) -> None:
        """Stop the Pod's backend: its port is free and its open connections are closed when this
        returns. Unknown keys are ignored. A fault set for the key stays until cleared."""
        with self._lock:
            app = self._apps.pop(key, None)
        if app is not None:
            app.stop()

    def stop_all(self) -> None:
        with self._lock:
            apps = list(self._apps.values())
            self._apps.clear()
        for app in apps:
            app.stop()

    def set_fault(self, key: str, status: int | None) -> None:
        """Answer ``status`` (e.g. 503) with a small error page to every request of the Pod, health
        checks included, until set to None. May be set before the Pod starts."""
        with self._lock:
            if status is None:
                self._faults.pop(key, None)
            else:
                self._faults[key] = int(status)

    def fault(self, key: str) -> int | None:
        return self._faults.get(key)

    def running(self) -> dict[str, dict]:
        with self._lock:
            apps = dict(self._apps)
        return {
            key: {
                "service": app.spec.service,
                "version": app.spec.version,
                "pod": app.spec.pod,
                "cluster_name": app.spec.cluster_name,
                "host": app.address[0],
                "port": app.address[1],
                "address": f"{app.address[0]}:{app.address[1]}",
                "fault": self._faults.get(key),
                "requests": app.requests,
            }
            for key, app in sorted(apps.items())
        }
