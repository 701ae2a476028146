"""HTTP measurements against a running ``shengqing serve``: warm latency, cache hits and throughput with N
concurrent clients (unique texts, cache bypassed, bounded in time and count)."""

from __future__ import annotations

import sys
import threading
import time
from collections.abc import Callable
from typing import Any

from procs import summary

NO_CACHE = {"Cache-Control": "no-cache, no-store"}


def _timed_request(client: Any, path: str, body: dict[str, Any], headers: dict[str, str]) -> dict[str, Any]:
    """POST and read the whole body: time to the first body bytes, to the end, and the useful headers."""
    start = time.perf_counter()
    first: float | None = None
    size = 0
    with client.stream("POST", path, json=body, headers=headers) as response:
        for part in response.iter_raw():
            if part and first is None:
                first = time.perf_counter() - start
            size += len(part)
        full = time.perf_counter() - start
        h = response.headers
        return {"status": response.status_code, "first_byte_s": first if first is not None else full, "full_s": full,
                "bytes": size, "cache": h.get("x-cache"), "audio_s": float(h.get("x-audio-duration") or 0.0),
                "server_timing": h.get("server-timing"), "first_chunk_header_s": h.get("x-first-chunk-seconds"),
                "kernels": h.get("x-shengqing-kernels")}


def _server_ms(header: str | None) -> float | None:
    """``app;dur=1.23`` → 1.23 (milliseconds)."""
    if not header:
        return None
    for item in header.split(","):
        for param in item.split(";")[1:]:
            key, _, value = param.strip().partition("=")
            if key == "dur":
                try:
                    return float(value)
                except ValueError:
                    return None
    return None


def http_latency(base: str, texts: dict[str, Any], reps: int, long_reps: int) -> dict[str, Any]:
    import httpx

    out: dict[str, Any] = {}
    with httpx.Client(base_url=base, timeout=300.0) as client:
        for size, text in texts["sizes"].items():
            n = long_reps if len(text) >= 500 else reps
            streamed = [_timed_request(client, "/tts", {"text": text, "format": "wav", "stream": True}, NO_CACHE)
                        for _ in range(n)]
            whole = [_timed_request(client, "/tts", {"text": text, "format": "wav", "stream": False}, NO_CACHE)
                     for _ in range(n)]
            bad = [r["status"] for r in streamed + whole if r["status"] != 200]
            hits = sum(1 for r in streamed + whole if r["cache"] == "hit")
            out[size] = {"chars": len(text), "errors": len(bad), "cache_hits": hits,
                         "stream_first_byte": summary([r["first_byte_s"] for r in streamed]),
                         "stream_full": summary([r["full_s"] for r in streamed]),
                         "whole_full": summary([r["full_s"] for r in whole]),
                         "audio_s": max((r["audio_s"] for r in whole), default=0.0)}
        medium = texts["sizes"]["medium"]
        openai = [_timed_request(client, "/v1/audio/speech",
                                 {"model": "tts-1", "input": medium, "voice": "alloy", "response_format": "wav",
                                  "stream": True}, NO_CACHE) for _ in range(max(1, reps // 2))]
        out["openai_medium_stream"] = {"chars": len(medium), "errors": sum(r["status"] != 200 for r in openai),
                                       "first_byte": summary([r["first_byte_s"] for r in openai]),
                                       "full": summary([r["full_s"] for r in openai])}
    return out


def cache_hits(base: str, texts: dict[str, Any], repeats: int) -> dict[str, Any]:
    import httpx

    out: dict[str, Any] = {}
    with httpx.Client(base_url=base, timeout=300.0) as client:
        for size in ("short", "medium"):
            body = {"text": texts["sizes"][size] + "（缓存）", "format": "wav"}
            miss = _timed_request(client, "/tts", body, {})
            hits = [_timed_request(client, "/tts", body, {}) for _ in range(repeats)]
            server_ms = [v for r in hits if (v := _server_ms(r["server_timing"])) is not None]
            out[size] = {"miss_full_s": miss["full_s"], "miss_cache": miss["cache"],
                         "hit_fraction": sum(r["cache"] == "hit" for r in hits) / max(len(hits), 1),
                         "bytes": miss["bytes"],
                         "client_ms": summary([r["full_s"] * 1000 for r in hits]),
                         "server_ms": summary(server_ms) if server_ms else None,
                         "miss_server_ms": _server_ms(miss["server_timing"])}
        metrics = client.get("/metrics")
        names = sorted({line.split("{")[0].split(" ")[0] for line in metrics.text.splitlines()
                        if line and not line.startswith("#")})
        out["metrics"] = {"status": metrics.status_code, "series": len(names)}
    return out


def throughput(base: str, texts: dict[str, Any], client_levels: tuple[int, ...], seconds: float, max_requests: int,
               cpu_seconds: Callable[[], float] | None = None) -> list[dict[str, Any]]:
    """N client threads, each one request at a time, unique texts, cache bypassed; bounded by time and count.

    ``cpu_seconds`` (the server's CPU time so far) gives each level's CPU cost per audio second: a server's
    capacity is bounded by CPU, not by the wall RTF of one request."""
    import httpx

    lines = [x for x in texts["standard"] if 10 <= len(x) <= 80] or texts["standard"]
    counter = iter(range(10**9))
    lock = threading.Lock()
    levels = []
    for clients in client_levels:
        records: list[dict[str, Any]] = []
        issued = [0]
        cpu0 = cpu_seconds() if cpu_seconds else None
        start = time.perf_counter()
        deadline = start + seconds

        def worker(deadline: float = deadline, records: list[dict[str, Any]] = records,
                   issued: list[int] = issued) -> None:
            with httpx.Client(base_url=base, timeout=120.0) as client:
                while time.perf_counter() < deadline:
                    with lock:
                        if issued[0] >= max_requests:
                            return
                        issued[0] += 1
                        n = next(counter)
                    text = f"第{n}条。{lines[n % len(lines)]}"
                    began = time.perf_counter()
                    try:
                        r = _timed_request(client, "/tts", {"text": text, "format": "wav"}, NO_CACHE)
                    except httpx.HTTPError as exc:
                        r = {"status": 0, "error": type(exc).__name__, "full_s": time.perf_counter() - began,
                             "audio_s": 0.0, "cache": None}
                    r["end"] = time.perf_counter()
                    with lock:
                        records.append(r)

        threads = [threading.Thread(target=worker, daemon=True) for _ in range(clients)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(seconds + 180)
        cpu = cpu_seconds() - cpu0 if cpu_seconds and cpu0 is not None else None
        ok = [r for r in records if r["status"] == 200]
        end = max((r["end"] for r in records), default=time.perf_counter())
        wall = end - start
        audio = sum(r["audio_s"] for r in ok)
        levels.append({"clients": clients, "requests": len(records), "ok": len(ok),
                       "errors": len(records) - len(ok), "cache_hits": sum(r["cache"] == "hit" for r in ok),
                       "wall_s": wall, "audio_s": audio, "audio_s_per_s": audio / wall if wall else 0.0,
                       "requests_per_s": len(ok) / wall if wall else 0.0,
                       "latency": summary([r["full_s"] for r in ok]) if ok else None,
                       "statuses": sorted({r["status"] for r in records}),
                       "kernels": sorted({r["kernels"] for r in ok if r.get("kernels")}),
                       "server_cpu_s": cpu, "cpu_s_per_audio_s": cpu / audio if cpu is not None and audio else None})
        print(f"[bench]   {clients} clients: {levels[-1]['audio_s_per_s']:.1f} audio-s/s, "
              f"{len(ok)} ok, {len(records) - len(ok)} errors", file=sys.stderr, flush=True)
    return levels

