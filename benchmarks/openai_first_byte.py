"""First audio byte of a long input through the official ``openai`` client (issue #16's target: ≤ 150 ms).

    python benchmarks/openai_first_byte.py http://127.0.0.1:8000 [--chars 1200] [--runs 7]

Each run sends a different text (no cache hit) with ``with_streaming_response``, takes the first bytes, closes
the stream (the server stops that synthesis) and waits a second so that the next run finds an idle server.
Prints the client-side times, the server's ``X-First-Chunk-Seconds`` and the load average: wall-clock
figures on a shared machine grow with its load.
"""

from __future__ import annotations

import argparse
import os
import statistics
import time

import openai

TEXT = "今天的阳光真灿烂，心情特别愉快！我们一起去公园散步吧。" * 400


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("url")
    parser.add_argument("--chars", type=int, default=1200)
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--pid", type=int, help="the server's PID: also report its CPU time to the first byte")
    args = parser.parse_args()
    client = openai.OpenAI(base_url=args.url.rstrip("/") + "/v1", api_key="not-needed", max_retries=0)
    client_times: list[float] = []
    server_times: list[float] = []
    cpu_times: list[float] = []
    for run in range(args.runs):
        text = TEXT[run:run + args.chars]
        cpu = _cpu_seconds(args.pid)
        start = time.perf_counter()
        with client.audio.speech.with_streaming_response.create(model="tts-1", voice="alloy", input=text) as r:
            next(r.iter_bytes())
            client_times.append(time.perf_counter() - start)
            cpu_times.append(_cpu_seconds(args.pid) - cpu)
            server_times.append(float(r.headers["x-first-chunk-seconds"]))
        time.sleep(1.0)
    print(f"{args.chars} characters, {args.runs} runs, load average {os.getloadavg()[0]:.1f}")
    print("client first byte (s):", [round(t, 3) for t in client_times],
          f"median {statistics.median(client_times):.3f}")
    print("server X-First-Chunk-Seconds:", [round(t, 3) for t in server_times],
          f"median {statistics.median(server_times):.3f}")
    if args.pid:
        print("server CPU-seconds to the first byte:", [round(t, 3) for t in cpu_times],
              f"median {statistics.median(cpu_times):.3f}")


def _cpu_seconds(pid: int | None) -> float:
    """User + system CPU time of process ``pid`` (all its threads), from /proc; 0 without a pid."""
    if not pid:
        return 0.0
    with open(f"/proc/{pid}/stat", encoding="ascii") as stat:
        fields = stat.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


if __name__ == "__main__":
    main()
