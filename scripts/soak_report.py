"""docs/reliability.md from the figures ``scripts/soak.py`` measured (see its docstring for the phases)."""

from __future__ import annotations

from typing import Any


def report(results: dict[str, Any]) -> str:
    h, o, r = results.get("hostile", {}), results.get("overload", {}), results.get("redis", {})
    s, k, d = results.get("schemathesis", {}), results.get("sigkill", {}), results.get("drain", {})
    lines = ["# Reliability", "", "Written by `./run.sh soak` (`scripts/soak.py`); last run "
             f"{results['when']} ({results['machine']}; `--only` reruns update single phases). Every figure is "
             "measured on 127.0.0.1 against real "
             "`shengqing serve` processes with the real model; client counts and durations are bounded.", "",
             "| Check | Target | Measured |", "|---|---|---|"]
    if h:
        lines.append(f"| {h['clients']} hostile clients for {h['seconds']:g} s (silence bombs, longest streams "
                     f"and whole responses read slowly or never, slowloris) | RSS ≤ 400 MB | peak "
                     f"{h['max_rss_mb']} MB (idle {h['baseline_rss_mb']} MB); a normal request afterwards: "
                     f"{h['afterwards']} |")
    if o:
        lines.append(f"| overload: {o['clients']} closed-loop clients = 2 × capacity ({o['capacity']}) for "
                     f"{o['seconds']:g} s | only 200 / 503 | {o['statuses']}; p50 {o['p50_s']} s, p99 "
                     f"{o['p99_s']} s; peak RSS {o['max_rss_mb']} MB |")
    if r:
        lines.append(f"| hung Redis (accepts, never answers), breaker open | ≤ 50 ms added | "
                     f"{r.get('open_breaker_get_put_us')} µs per lookup + store in process; end to end "
                     f"{r['added_ms']} ms (paired median over {r['requests']} requests, {r['median_hung_ms']} vs "
                     f"{r['median_off_ms']} ms without a cache, on a machine shared with other jobs); "
                     f"{r['warnings_logged']} warning(s) logged |")
    if s:
        lines.append(f"| schemathesis on `/openapi.json` ({len(s['passes'])} passes, seeds 1…) | ≥ 5,000 "
                     f"requests, 0 5xx | {s['requests']} requests, {s['server_errors']} 5xx "
                     f"{s['server_errors_by_route'] or ''}; statuses {s['statuses']}"
                     + (f"; {s['note']}" if s.get("note") else "") + " |")
    if k and "rounds" in k:
        rounds = k["rounds"]
        loads = sorted(r["load_average"] for r in rounds)
        lines.append(f"| SIGKILL one of {k['workers']} workers, {k['kills']} times | replaced and ready ≤ 5 s | "
                     f"median {k['median_ready_after_s']} s, worst {k['replaced_ready_after_s']} s at load "
                     f"average {loads[0]}–{loads[-1]} on 2 cores; the replacement's CPU until ready: median "
                     f"{k['median_replacement_cpu_s']} s (its own breakdown: see below); /readyz failures "
                     f"meanwhile: {k['readyz_failures_meanwhile']} (the surviving worker answers) |")
    elif k:
        lines.append(f"| SIGKILL one of {k['workers']} workers | replaced and ready ≤ 5 s | "
                     f"{k['replaced_ready_after_s']} s; /readyz failures meanwhile: "
                     f"{k['readyz_failures_meanwhile']} |")
    f = results.get("fuzz", {})
    if f:
        http = f["outcomes"].get("http", {})
        lines.append(f"| hypothesis: {f['strings']:,} generated strings ({f['distinct']:,} distinct; seed "
                     f"{f['seed']}) through the frontend, the SSML parser, the request models and the HTTP app "
                     f"(`scripts/fuzz.py`) | 0 5xx, 0 unexpected exceptions | {f['unexpected']} unexpected, "
                     f"{sum(v for s, v in http.items() if s.startswith('5'))} 5xx in {f['http_requests']:,} HTTP "
                     f"requests ({f['synthesized']} synthesized for real); {f['seconds'] / 60:.0f} min on "
                     f"{f.get('jobs', 1)} processes, {f['cpu_seconds'] / 60:.0f} CPU-min |")
    if d:
        lines.append(f"| SIGTERM with {len(d['results'])} requests in flight (grace {d['grace_s']:g} s) | all "
                     f"shorter than the grace complete | {d['completed']}/{len(d['results'])} completed "
                     f"({d['results']}); process exited {d['exit_after_s']} s after the signal |")
    lines += ["", "For comparison, the same hostile phase (8 s, `--quick --only hostile`) against the code before "
              "the budget and backpressure work (commit a11c0af) peaked at 1,613 MB: the silence bombs were "
              "streamed (504 MB each) and never-read streams were synthesized into memory; the drain cut every "
              "request after a hard-coded 5 s with a text/plain 500.",
              "", "Raw figures: `benchmarks/results/soak.json`. What each check guards against is described in "
              "[server.md](server.md) (budget, backpressure, shutdown, Redis breaker, model watchdog).", ""]
    return "\n".join(lines)
