"""An in-process webhook target on 127.0.0.1 that records what sluice POSTs to it.

WebhookReceiver runs a ThreadingHTTPServer (one thread per connection) on a port the kernel
picks. Each request is recorded with its path, headers, parsed JSON body, arrival time and the
status we answered. Faults make chosen requests fail (HTTP 500) or hang past sluice's timeout
until recover() or their deadline. With keep_messages=False only on_message sees delivered
messages (for million-row tests that must not hold every body in memory).

Thread-safety: every public method may be called from the test thread while handler threads
run; one lock guards the records and the fault list.
"""
import json
import threading
import time
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass
class Request:
    path: str
    headers: dict
    body: object          # parsed JSON (None when not JSON)
    messages: list        # body["data"] for batched webhooks, else [body]
    arrived: float        # time.monotonic()
    status: int           # what we answered; 0 = hung (no answer before sluice gave up)


@dataclass
class Fault:
    """Makes requests fail. `match(messages) -> bool` selects requests; None means all."""
    path: str = None
    match: object = None
    status: int = 500
    hang_seconds: float = 0
    until: float = None   # time.monotonic() deadline; None = until recover()
    hits: int = 0

    def applies(self, path, messages, now):
        if self.until is not None and now >= self.until:
            return False
        if self.path is not None and self.path != path:
            return False
        return self.match is None or self.match(messages)


def _split_messages(body):
    if isinstance(body, dict) and isinstance(body.get("data"), list) and "record" not in body:
        return body["data"]
    return [body]


class WebhookReceiver:
    def __init__(self, keep_messages=True, on_message=None):
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._requests = []
        self._faults = []
        self._keep = keep_messages
        self._on_message = on_message
        self.delivered_count = 0
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"  # keep-alive, and 100-continue for big bodies
            # Headers and body go out in two writes; with Nagle on, the client's delayed ACK
            # would add ~40 ms to every request and make the receiver the bottleneck.
            disable_nagle_algorithm = True

            def log_message(self, *args):  # keep pytest output clean
                pass

            def do_POST(self):
                receiver._handle(self)

            do_PUT = do_POST

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self.port = self._server.server_address[1]
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    def url(self, path="/"):
        return f"http://127.0.0.1:{self.port}{path}"

    def close(self):
        self._stop.set()
        self._server.shutdown()
        self._server.server_close()

    # --- fault control -------------------------------------------------------------------
    def fail(self, path=None, match=None, status=500, hang_seconds=0, duration=None):
        """Starts failing matching requests (500, or hang then 503); returns the Fault."""
        fault = Fault(path=path, match=match, status=status, hang_seconds=hang_seconds,
                      until=None if duration is None else time.monotonic() + duration)
        with self._lock:
            self._faults.append(fault)
        return fault

    def recover(self, fault=None):
        """Removes one fault, or all of them."""
        with self._lock:
            self._faults = [] if fault is None else [f for f in self._faults if f is not fault]

    # --- records ---------------------------------------------------------------------------
    def requests(self, path=None):
        with self._lock:
            return [r for r in self._requests if path is None or r.path == path]

    def messages(self, path=None):
        """Messages of 2xx-answered requests, in arrival order (duplicates kept)."""
        return [m for r in self.requests(path) if 200 <= r.status < 300 for m in r.messages]

    def failed_requests(self, path=None):
        return [r for r in self.requests(path) if not 200 <= r.status < 300]

    # --- handler ---------------------------------------------------------------------------
    def _read_body(self, handler):
        if handler.headers.get("Transfer-Encoding", "").lower() == "chunked":
            chunks = []
            while True:
                size = int(handler.rfile.readline().strip().split(b";")[0], 16)
                if size == 0:
                    handler.rfile.readline()
                    return b"".join(chunks)
                chunks.append(handler.rfile.read(size))
                handler.rfile.readline()
        return handler.rfile.read(int(handler.headers.get("Content-Length", 0)))

    def _answer(self, handler, status):
        payload = b"{}"
        handler.send_response(status)
        handler.send_header("Content-Type", "application/json")
        handler.send_header("Content-Length", str(len(payload)))
        handler.end_headers()
        handler.wfile.write(payload)

    def _handle(self, handler):
        raw = self._read_body(handler)
        arrived = time.monotonic()
        try:
            body = json.loads(raw)
        except ValueError:
            body = None
        messages = _split_messages(body) if body is not None else []
        with self._lock:
            fault = next((f for f in self._faults
                          if f.applies(handler.path, messages, arrived)), None)
            if fault:
                fault.hits += 1
        status = 200
        if fault and fault.hang_seconds:
            # Hang, bounded and interruptible; sluice times out and retries meanwhile.
            self._stop.wait(fault.hang_seconds)
            status = 0
        elif fault:
            status = fault.status
        record = Request(path=handler.path, headers=dict(handler.headers),
                         body=body if self._keep else None,
                         messages=messages if self._keep else [], arrived=arrived,
                         status=status)
        with self._lock:
            self._requests.append(record)
            if status == 200:
                self.delivered_count += len(messages)
                # Under the lock, so on_message needs no locking of its own.
                for m in messages if self._on_message else ():
                    self._on_message(handler.path, m)
        try:
            self._answer(handler, status or 503)
        except OSError:
            pass  # sluice closed the connection after its timeout
