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
        seeds = "within their runs" if f.get("note") else f"seed {f['seed']}"
        lines.append(f"| hypothesis: {f['strings']:,} generated strings ({f['distinct']:,} distinct {seeds}) through "
                     "the frontend, the SSML parser, the request models and the HTTP app "
                     f"(`scripts/fuzz.py`) | 0 5xx, 0 unexpected exceptions | {f['unexpected']} unexpected, "
                     f"{sum(v for s, v in http.items() if s.startswith('5'))} 5xx in {f['http_requests']:,} HTTP "
                     f"requests ({f['synthesized']} synthesized for real); "
                     + (f"{f['cpu_seconds'] / 60:.0f} CPU-min in {f['note']}" if f.get("note") else
                        f"{f['seconds'] / 60:.0f} min on {f.get('jobs', 1)} processes, "
                        f"{f['cpu_seconds'] / 60:.0f} CPU-min") + " |")
    if d:
        lines.append(f"| SIGTERM with {len(d['results'])} requests in flight (grace {d['grace_s']:g} s) | all "
                     f"shorter than the grace complete | {d['completed']}/{len(d['results'])} completed "
                     f"({d['results']}); process exited {d['exit_after_s']} s after the signal |")
    lines += _restart_details(k, results.get("sigkill_before", {})) + _loaded(results) + _fuzz_details(f)
    lines += ["", "For comparison, the same hostile phase (8 s, `--quick --only hostile`) against the code before "
              "the budget and backpressure work (commit a11c0af) peaked at 1,613 MB: the silence bombs were "
              "streamed (504 MB each) and never-read streams were synthesized into memory; the drain cut every "
              "request after a hard-coded 5 s with a text/plain 500.",
              "", "Raw figures: `benchmarks/results/soak.json`. What each check guards against is described in "
              "[server.md](server.md) (budget, backpressure, shutdown, Redis breaker, model watchdog).", ""]
    return "\n".join(lines)


def _restart_details(k: dict[str, Any], before: dict[str, Any]) -> list[str]:
    """Where a replacement worker's time goes, per kill, and the same measured on the code before."""
    if "rounds" not in k:
        return []
    lines = ["", "## A killed worker's replacement", "",
             "Per kill: seconds from SIGKILL until the replacement logs \"ready\" (uvicorn's supervisor notices "
             "the death within 0.5 s), the load average at the kill, the replacement's CPU time until ready "
             "(user + system, all threads, from `/proc`), and its own breakdown from its \"ready\" log line. On "
             "a machine this loaded, wall-clock time is mostly waiting for a core: the CPU time is the figure "
             "that carries over.", "",
             "| kill | ready after | load average | CPU until ready | process start → app | model load | warm-up |",
             "|---|---|---|---|---|---|---|"]
    for n, r in enumerate(k["rounds"], 1):
        lines.append(f"| {n} | {r['ready_after_s']} s | {r['load_average']} | {r['replacement_cpu_s']} s | "
                     f"{r['process_start_to_app_s']} s | {r['model_load_s']} s | {r['warm_up_s']} s |")
    if before.get("rounds"):
        b = before["rounds"]
        lines += ["", f"The same {len(b)} kills against the code before this change (workers spawned, importing "
                  "everything and loading the frontend's dictionaries again, and a warm-up that synthesized a "
                  f"sentence): CPU until ready {', '.join(str(r['replacement_cpu_s']) for r in b)} s (median "
                  f"{before['median_replacement_cpu_s']} s; where a replacement was not ready after 60 s the CPU "
                  "was read then, so a lower bound), ready after "
                  f"{', '.join(str(r['ready_after_s']) if r['ready_after_s'] else '> 60' for r in b)} s at load "
                  f"average {min(r['load_average'] for r in b)}–{max(r['load_average'] for r in b)}."]
    return lines


def _loaded(results: dict[str, Any]) -> list[str]:
    """The same comparison on a machine at load average ≈ 30 (wall time there is mostly waiting for a core)."""
    after, before = results.get("sigkill_loaded", {}), results.get("sigkill_before_loaded", {})
    if not after.get("rounds") or not before.get("rounds"):
        return []
    return ["", f"At load average {min(r['load_average'] for r in after['rounds'])}–"
            f"{max(r['load_average'] for r in after['rounds'])} (the machine shared with other jobs): ready after "
            f"median {after['median_ready_after_s']} s with CPU median {after['median_replacement_cpu_s']} s, "
            f"against median {before['median_ready_after_s']} s (3 of 5 not ready within 60 s) and CPU median "
            f"{before['median_replacement_cpu_s']} s (a lower bound) before."]


def _fuzz_details(f: dict[str, Any]) -> list[str]:
    if not f:
        return []
    lines = ["", "## Generated strings (`scripts/fuzz.py`)", "",
             f"{f['strings']:,} strings generated by hypothesis ("
             + (f"{f['note']}. The strings: " if f.get("note") else f"seed {f['seed']}, {f.get('jobs', 1)} processes; ")
             + "Chinese text, numbers of every shape up to 400 digits, dates, phone numbers, full-width digits, "
             "punctuation, valid and broken SSML fragments, entities and DTDs, lone surrogates, control and "
             "format characters, emoji, any Unicode), each fed to every layer. Outcomes per layer (a result, "
             "or an error of shengqing's own; \"UNEXPECTED\" would be anything else):", "",
             "| layer | calls | CPU s | outcomes |", "|---|---|---|---|"]
    for layer, outcomes in f["outcomes"].items():
        top = sorted(outcomes.items(), key=lambda kv: -kv[1])[:6]
        lines.append(f"| {layer} | {f['calls'][layer]:,} | {f['layer_cpu_seconds'].get(layer, '?')} | "
                     + ", ".join(f"{name}: {count:,}" for name, count in top) + " |")
    lines += ["", f"Unexpected outcomes: {f['unexpected']}."
              + "".join(f" {x['layer']}: {x['failure']} ({x['inputs']} inputs), minimal repro {x['minimal']!r}."
                        for x in f["failures"]),
              "", "Found by the harness while it was being built and fixed, with a regression test: a lone "
              "surrogate in an SSML document made `ssml.parse` raise a bare `UnicodeEncodeError` (minimal repro "
              "`'\\udd2e'`; reached from `Synthesizer.synthesize`, `silence_ms` and the server's budget check) — "
              "now an `SSMLError` naming `text` (`tests/test_ssml.py::"
              "test_a_lone_surrogate_is_an_ssml_error_not_a_unicode_crash`). During the run above a process "
              "printed a NumPy `RuntimeWarning` that the harness did not count then: a `<prosody pitch>` of "
              "hundreds of digits in Hz or % overflowed to inf and gave the phrase a NaN pitch — now an "
              "`SSMLError` (`tests/test_ssml.py::test_a_pitch_too_large_for_a_float_is_an_ssml_error_not_nan`), "
              "and the harness treats a `RuntimeWarning` as a failure, as the test suite does. A 504 seen once "
              "in a 4,000-string "
              "trial was a real synthesis of a 1,700-character text of 400-digit numbers that outran a 120 s "
              "timeout at load average 14; the run now synthesizes for real only request bodies of at most 600 "
              "bytes, with a 600 s timeout."]
    return lines
