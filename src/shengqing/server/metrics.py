"""Prometheus metrics (one registry per app) and the ASGI middleware that counts every request.

With ``--workers N`` each process keeps its own counters; ``/metrics`` shows the process that answered.
"""

from __future__ import annotations

import time

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from starlette.types import ASGIApp, Message, Receive, Scope, Send

_LATENCY_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60)
_RTF_BUCKETS = (0.005, 0.01, 0.02, 0.03, 0.05, 0.1, 0.2, 0.5, 1, 2)


class Metrics:
    """Every metric the server exports, prefixed ``shengqing_``."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        r = self.registry
        self.requests = Counter("shengqing_http_requests", "HTTP requests by route, method and status",
                                ["route", "method", "status"], registry=r)
        self.latency = Histogram("shengqing_http_request_seconds", "Time to the end of the response by route",
                                 ["route"], buckets=_LATENCY_BUCKETS, registry=r)
        self.first_chunk = Histogram("shengqing_first_chunk_seconds",
                                     "Request start to the first audio bytes of a streamed response",
                                     ["format"], buckets=_LATENCY_BUCKETS, registry=r)
        self.audio_seconds = Counter("shengqing_audio_seconds", "Seconds of audio synthesized", registry=r)
        self.rtf = Histogram("shengqing_rtf", "Synthesis seconds per audio second",
                             buckets=_RTF_BUCKETS, registry=r)
        self.queue_depth = Gauge("shengqing_queue_depth", "Requests waiting for a synthesis slot", registry=r)
        self.in_flight = Gauge("shengqing_in_flight", "Requests synthesizing now", registry=r)
        self.cache = Counter("shengqing_cache_requests", "Cache lookups by result", ["result"], registry=r)
        self.rejected = Counter("shengqing_rejected_requests", "Requests refused by the limits",
                                ["reason"], registry=r)
        self.stream_errors = Counter("shengqing_stream_errors", "Streams that ended early on an error",
                                     registry=r)
        self.ready = Gauge("shengqing_ready", "1 once the model is loaded and warm", registry=r)
        self.self_check = Gauge("shengqing_self_check", "1 for the outcome of the start-up self-check: does this "
                                "machine reproduce the reference bytes", ["status"], registry=r)
        for result in ("hit", "miss"):
            self.cache.labels(result)
        for reason in ("overloaded", "timeout"):
            self.rejected.labels(reason)

    def set_self_check(self, status: str) -> None:
        for each in ("identical", "different", "skipped", "error"):
            self.self_check.labels(each).set(1 if each == status else 0)

    def render(self) -> bytes:
        return bytes(generate_latest(self.registry))


class MetricsMiddleware:
    """Counts requests by route template (not raw path: bounded label values) and times whole responses."""

    def __init__(self, app: ASGIApp, metrics: Metrics) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        start = time.perf_counter()
        status = 500

        async def send_wrapper(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
            await send(message)

        try:
            await self.app(scope, receive, send_wrapper)
        finally:
            route = _route_label(scope)
            method = str(scope.get("method", ""))
            self.metrics.requests.labels(route, method if method in _METHODS else "other", str(status)).inc()
            self.metrics.latency.labels(route).observe(time.perf_counter() - start)


#: method label values (any other name a client sends is "other": label series stay bounded)
_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "DELETE", "OPTIONS", "PATCH"})


def _route_label(scope: Scope) -> str:
    route = scope.get("route")
    path = getattr(route, "path", None)
    if isinstance(path, str):
        return path
    return "/static" if str(scope.get("path", "")).startswith("/static/") else "unmatched"
