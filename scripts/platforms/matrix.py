"""Cross-platform matrix: render a verify suite on emulated CPUs and arm64, per kernel mode, and classify.

Each (platform, mode) runs ``shengqing verify snapshot`` in its own process, on that platform, with
``SHENGQING_KERNELS=mode``; the driver then classifies every snapshot with shengqing's own verify code
(identical / equivalent / different / error, per item): against the golden manifest when the mode is the
golden's, and against the baseline platform (the first one listed, normally ``native``) for every mode.
Kernel modes are plain strings handed to the engine, so a mode this driver has never heard of works as soon
as the build under test knows it.

    python scripts/platforms/matrix.py [--modes fast,reference] [--platforms native,nehalem,haswell,max,arm64]
                                       [--suite tiny|subset|features|full|FILE] [--out DIR] [--jobs N]

Platforms: ``native`` (this CPU), ``native-avx2`` / ``native-sse4`` (this CPU with numpy's SIMD loops and
OpenBLAS's kernels held to a Haswell's or a Nehalem's: those software paths at native speed), ``nehalem`` /
``sandybridge`` / ``haswell`` / ``max`` (``qemu-x86_64-static -cpu MODEL`` running this venv's Python; qemu's TCG
has no AVX-512, so ``max`` is AVX2+FMA like Haswell and AVX-512 is only covered by a native run on an AVX-512
host), ``haswell-avxblas`` (Haswell with OpenBLAS held to its AVX kernels: qemu runs FMA kernels ~6x slower),
``arm64`` (a Debian bookworm arm64 root under ``qemu-aarch64-static``, built and cached by
``scripts/platforms/arm64-root.sh``; qemu's default CPU, Armv9 with SVE2 and SME) and the same root as
``arm64-n1`` (Neoverse N1), ``arm64-a76`` (Cortex-A76) and ``arm64-a64fx`` (A64FX, SVE). Writes ``matrix.json``
and ``matrix.md`` to ``--out`` and prints the table.
See docs/platforms.md.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
REPO = HERE.parent.parent
CACHE = Path(os.environ.get("SHENGQING_PLATFORMS_CACHE", "/var/cache/shengqing-platforms"))
GOLDEN = REPO / "golden" / "default-reference.json"
SEVERITY = ("identical", "equivalent", "different", "error")


@dataclass(frozen=True)
class Platform:
    name: str
    description: str
    qemu_cpu: str | None = None  # x86-64 CPU model for qemu-x86_64-static; None = run natively
    arm64: bool = False
    env: tuple[tuple[str, str], ...] = ()  # extra environment: QEMU_CPU for arm64 models, OPENBLAS_CORETYPE


# qemu's TCG runs fused multiply-add kernels (x86 FMA3, Arm SVE/SME) 6-15x slower than multiply-then-add ones
# (scripts/platforms/emulation_speed.py). The portable mode's products are exact, so both kinds give the same
# bits, and the fast platforms below carry the long suites.


#: numpy 2's dispatch groups above AVX2 (x86-64-v3); disabling a group the CPU lacks is a no-op.
_ABOVE_AVX2 = "X86_V4 AVX512_ICL AVX512_SPR"

PLATFORMS = {p.name: p for p in (
    Platform("native", "this machine's CPU, no emulation"),
    # This CPU, its software held to an older CPU's code paths: numpy's SIMD loops (NPY_DISABLE_CPU_FEATURES,
    # numpy 2's dispatch groups) and OpenBLAS's kernels (OPENBLAS_CORETYPE). Native speed, so the whole suite
    # runs in minutes on the paths that emulation makes slowest (Haswell's FMA3 kernels); the qemu platforms
    # check that the instructions themselves compute the same on those CPUs.
    Platform("native-avx2", "this CPU with numpy held to its AVX2/FMA3 loops and OpenBLAS to its Haswell "
             "(FMA3) kernels: a Haswell's software paths at native speed",
             env=(("NPY_DISABLE_CPU_FEATURES", _ABOVE_AVX2), ("OPENBLAS_CORETYPE", "Haswell"))),
    Platform("native-sse4", "this CPU with numpy held to its SSE4.2 baseline and OpenBLAS to its Nehalem "
             "kernels: a Nehalem's software paths at native speed",
             env=(("NPY_DISABLE_CPU_FEATURES", f"X86_V3 {_ABOVE_AVX2}"), ("OPENBLAS_CORETYPE", "Nehalem"))),
    # OpenBLAS is told the emulated model's kernels: under qemu-user on an AMD EPYC host its own detection
    # chose Haswell kernels for -cpu Nehalem, and numpy's import died on an AVX2 instruction (2026-12-02).
    Platform("nehalem", "qemu-x86_64 -cpu Nehalem (SSE4.2)", qemu_cpu="Nehalem",
             env=(("OPENBLAS_CORETYPE", "Nehalem"),)),
    Platform("haswell", "qemu-x86_64 -cpu Haswell (AVX2, FMA)", qemu_cpu="Haswell",
             env=(("OPENBLAS_CORETYPE", "Haswell"),)),
    Platform("max", "qemu-x86_64 -cpu max (everything TCG emulates: AVX2, FMA; no AVX-512)", qemu_cpu="max",
             env=(("OPENBLAS_CORETYPE", "Haswell"),)),
    Platform("haswell-avxblas", "qemu-x86_64 -cpu Haswell (AVX2, FMA), OpenBLAS held to its Sandy Bridge (AVX, "
             "no FMA) kernels", qemu_cpu="Haswell", env=(("OPENBLAS_CORETYPE", "Sandybridge"),)),
    Platform("sandybridge", "qemu-x86_64 -cpu SandyBridge (AVX, no AVX2 or FMA)", qemu_cpu="SandyBridge",
             env=(("OPENBLAS_CORETYPE", "Sandybridge"),)),
    Platform("arm64", "Debian bookworm arm64 root, qemu-aarch64 -cpu max (Armv9 with SVE2 and SME; OpenBLAS's "
             "own detection: armv9sme on an Intel host, its generic armv8 kernels on an AMD EPYC one)", arm64=True),
    Platform("arm64-sme", "Debian bookworm arm64 root, qemu-aarch64 -cpu max (Armv9 with SVE2 and SME), OpenBLAS "
             "held to its armv9sme kernels", arm64=True, env=(("OPENBLAS_CORETYPE", "ARMV9SME"),)),
    Platform("arm64-n1", "Debian bookworm arm64 root, qemu-aarch64 -cpu neoverse-n1 (AWS Graviton2, Ampere "
             "Altra; NEON, OpenBLAS NEOVERSEN1 kernels)", arm64=True,
             # named, as on x86: on an AMD EPYC host OpenBLAS's detection gave its generic armv8 kernels here
             env=(("QEMU_CPU", "neoverse-n1"), ("OPENBLAS_CORETYPE", "NEOVERSEN1"))),
    Platform("arm64-a76", "Debian bookworm arm64 root, qemu-aarch64 -cpu cortex-a76 (Raspberry Pi 5; OpenBLAS "
             "falls back to its generic ARMV8 kernels)", arm64=True, env=(("QEMU_CPU", "cortex-a76"),)),
    Platform("arm64-a64fx", "Debian bookworm arm64 root, qemu-aarch64 -cpu a64fx (Fujitsu A64FX: 512-bit SVE; "
             "OpenBLAS A64FX kernels)", arm64=True,
             # named: OpenBLAS's detection under qemu-aarch64 on an AMD EPYC host gave its generic armv8 kernels
             env=(("QEMU_CPU", "a64fx"), ("OPENBLAS_CORETYPE", "A64FX"))),
)}

# Items of the default suite, picked by request: the first standard sentence (the issue's) in every encoded
# format, so one short sentence checks PCM and wav/flac/mp3/opus bytes. Each item costs ~30-60 s emulated.
FIRST_LINE = "你好，欢迎使用语音合成服务。"
SUITES: dict[str, tuple[dict[str, Any], ...] | None] = {
    "tiny": ({"text": FIRST_LINE, "format": "wav"},),
    "tiny-opus": tuple({"text": FIRST_LINE, "format": f} for f in ("wav", "opus")),
    "subset": tuple({"text": FIRST_LINE, "format": f} for f in ("wav", "flac", "mp3", "opus")),
    # subset + every item of the default suite that is not plain neutral (every emotion, pitch up and down,
    # speed below and above 1, intensity, volume, pcm): the full suite's code paths at half its cost
    "features": None,
    "full": None,  # every item of the default suite (hours under emulation)
}


def _wanted(spec: str, item: Any) -> bool:
    if spec == "full":
        return True
    if spec == "features":
        return item.text == FIRST_LINE or not _plain(item) or item.intensity != 1.0
    return any(all(getattr(item, k) == v for k, v in w.items()) and _plain(item) for w in SUITES[spec] or ())


def suite_file(spec: str, out: Path) -> Path:
    """Write the chosen suite as a suite file (ids as in the golden manifest) and return its path."""
    if spec not in SUITES:  # a suite file: copied next to the snapshots, where the arm64 root sees it
        path = out / f"suite-{Path(spec).name}"
        shutil.copyfile(spec, path)
        return path
    from shengqing.verify.suite import Suite, default_suite

    suite = default_suite()
    items = tuple(i for i in suite.items if _wanted(spec, i))
    path = out / f"suite-{spec}.json"
    path.write_text(json.dumps(Suite(spec, items).to_dict(), ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    return path


def _plain(item: Any) -> bool:
    return bool(item.emotion == "neutral" and item.speed == 1.0 and item.pitch == 0.0 and item.volume == 1.0)


def prepare(platform: Platform) -> str | None:
    """Make the platform runnable; a one-line reason when it cannot be."""
    if platform.qemu_cpu and shutil.which("qemu-x86_64-static") is None:
        return "qemu-x86_64-static missing (apt-get install qemu-user-static)"
    if platform.arm64:
        done = subprocess.run(["bash", str(HERE / "arm64-root.sh"), str(REPO)], check=False)
        if done.returncode != 0:
            return f"building the arm64 root failed (exit {done.returncode}; see the log above)"
    return None


def command(platform: Platform, suite: Path, output: Path, home: Path, nice: int) -> list[str]:
    snapshot = ["-m", "shengqing.cli", "verify", "snapshot", "-q"]
    if platform.arm64:
        inside = [*snapshot, "--suite", f"/mnt/out/{suite.name}", "-o", f"/mnt/out/{output.name}"]
        base = ["bash", str(HERE / "arm64-run.sh"), str(REPO), str(home), str(output.parent), "--", *inside]
    else:
        base = [sys.executable, *snapshot, "--suite", str(suite), "-o", str(output)]
        if platform.qemu_cpu:
            base = ["qemu-x86_64-static", "-cpu", platform.qemu_cpu, *base]
    return ["nice", "-n", str(nice), *base] if nice else base


def run_one(platform: Platform, mode: str, suite: Path, out: Path, home: Path,
            args: argparse.Namespace) -> dict[str, Any]:
    output = out / f"{platform.name}-{mode}.json"
    if args.reuse and output.is_file():
        return describe(output, mode, {"seconds": 0.0, "exit": 0, "reused": True})
    output.unlink(missing_ok=True)
    env = {**os.environ, "SHENGQING_KERNELS": mode, "PYTHONPATH": str(REPO / "src"), **dict(platform.env)}
    if args.threads:
        env["SHENGQING_THREADS"] = str(args.threads)
    start = time.monotonic()
    try:
        done = subprocess.run(command(platform, suite, output, home, args.nice), env=env, capture_output=True,
                              text=True, timeout=args.timeout, check=False)
        code, stderr = done.returncode, done.stderr
    except subprocess.TimeoutExpired:
        code, stderr = -1, f"timed out after {args.timeout:.0f} s"
    result: dict[str, Any] = {"seconds": round(time.monotonic() - start, 1), "exit": code}
    if not output.is_file():
        lines = [ln for ln in stderr.splitlines() if ln.strip() and "TCG doesn't support" not in ln]
        result["error"] = lines[-1] if lines else f"exit {code}, no snapshot"
        return result
    return describe(output, mode, result)


def describe(output: Path, mode: str, result: dict[str, Any]) -> dict[str, Any]:
    """``result`` plus what a snapshot says: kernels served, machine, numpy's SIMD, hashes per item."""
    manifest = json.loads(output.read_text(encoding="utf-8"))
    env_seen = manifest.get("environment", {})
    result.update(snapshot=str(output), kernels=env_seen.get("kernels"),
                  machine=env_seen.get("platform", {}).get("machine"),
                  numpy_simd=env_seen.get("runtime", {}).get("numpy_simd"),
                  numpy_dispatch=env_seen.get("runtime", {}).get("numpy_dispatch"),
                  blas_core=env_seen.get("runtime", {}).get("blas_core"),
                  sha256={i["id"]: f"{i.get('pcm_sha256', 'error')[:12]}/{i.get('encoded_sha256', 'error')[:12]}"
                          for i in manifest["items"]})
    if env_seen.get("kernels") != mode:
        result["error"] = f"the build served kernels {env_seen.get('kernels')!r}, not {mode!r}"
    return result


def classify(expected: dict[str, Any], actual: dict[str, Any]) -> dict[str, Any]:
    """Worst verdict of ``actual``'s items against ``expected`` (two manifests), with per-item detail."""
    from shengqing.verify.compare import Tolerance
    from shengqing.verify.manifest import SuiteRun, compare_runs

    ids = {str(i["id"]) for i in actual["items"]}
    scoped = {**expected, "items": [i for i in expected["items"] if str(i["id"]) in ids]}
    run = SuiteRun(target="", environment=actual.get("environment", {}), records=actual["items"])
    report = compare_runs(scoped, run, Tolerance.from_dict(expected.get("tolerance", {})))
    worst = max((v.status for v in report.verdicts), key=SEVERITY.index, default="error")
    return {"status": worst, "counts": report.counts(),
            "items": {v.id: v.to_dict() for v in report.verdicts}}


def build_matrix(runs: dict[str, dict[str, dict[str, Any]]], platforms: list[str], modes: list[str],
                 golden: dict[str, Any] | None) -> dict[str, Any]:
    baseline = platforms[0]
    golden_mode = golden.get("environment", {}).get("kernels") if golden else None
    cells: dict[str, dict[str, Any]] = {}
    for name in platforms:
        for mode in modes:
            run = runs[name][mode]
            cell: dict[str, Any] = {"seconds": run["seconds"]}
            if "error" in run:
                cell.update(status="error", error=run["error"])
            else:
                snapshot = json.loads(Path(run["snapshot"]).read_text(encoding="utf-8"))
                if golden is not None and mode == golden_mode:
                    cell["vs_golden"] = classify(golden, snapshot)
                base = runs[baseline][mode]
                if name != baseline and "error" not in base:
                    cell["vs_" + baseline] = classify(json.loads(Path(base["snapshot"]).read_text("utf-8")), snapshot)
                verdicts = [v["status"] for k, v in cell.items() if k.startswith("vs_")]
                cell["status"] = max(verdicts, key=SEVERITY.index) if verdicts else "identical"
            cells.setdefault(name, {})[mode] = cell
    identical = {}  # the golden is not consulted here: it may come from another machine or build
    for mode in modes:
        hashes = {json.dumps(runs[p][mode].get("sha256"), sort_keys=True) for p in platforms}
        identical[mode] = all("error" not in runs[p][mode] for p in platforms) and len(hashes) == 1
    return {"baseline": baseline, "golden_kernels": golden_mode, "platforms": platforms, "modes": modes,
            "cells": cells, "identical_across_platforms": identical, "runs": runs}


def markdown(matrix: dict[str, Any]) -> str:
    modes, baseline = matrix["modes"], matrix["baseline"]
    lines = [f"| platform | {' | '.join(modes)} | wall time |", "|---" * (len(modes) + 2) + "|"]
    for name in matrix["platforms"]:
        row = []
        for mode in modes:
            cell = matrix["cells"][name][mode]
            if cell["status"] == "error":
                row.append(f"error: {cell['error'][:60]}")
                continue
            parts = [f"{cell['vs_golden']['status']} to golden"] if "vs_golden" in cell else []
            if f"vs_{baseline}" in cell:
                parts.append(f"{cell['vs_' + baseline]['status']} to {baseline}")
            sha = next(iter(matrix["runs"][name][mode]["sha256"].values()), "")[:8]
            row.append(f"{', '.join(parts) or 'baseline'} (`{sha}`)")
        seconds = sum(matrix["cells"][name][m]["seconds"] for m in modes)
        reused = all(matrix["runs"][name][m].get("reused") for m in modes)
        lines.append(f"| {name} | {' | '.join(row)} | {'(reused)' if reused else f'{seconds:.0f} s'} |")
    same = ", ".join(f"{m}: {'yes' if v else 'no'}" for m, v in matrix["identical_across_platforms"].items())
    lines.append(f"\nIdentical bytes on every platform — {same}. (`sha` = first item's PCM sha256; identity is "
                 "judged on the PCM and encoded sha256 of every item, platform against platform.)")
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--modes", default="fast,reference", help="kernel modes, comma-separated")
    parser.add_argument("--platforms", default="native,nehalem,haswell,max,arm64",
                        help=f"comma-separated, the first is the baseline; known: {', '.join(PLATFORMS)}")
    parser.add_argument("--suite", default="subset", help=f"{', '.join(SUITES)} or a suite file")
    parser.add_argument("--golden", type=Path, default=GOLDEN, help="golden manifest ('' = none)")
    parser.add_argument("--out", type=Path, default=CACHE / "runs" / "latest", help="where snapshots go")
    parser.add_argument("--jobs", type=int, default=1, help="platforms rendered at once (default 1)")
    parser.add_argument("--threads", type=int, default=None, help="SHENGQING_THREADS for every run")
    parser.add_argument("--nice", type=int, default=10, help="niceness of the renders (default 10)")
    parser.add_argument("--timeout", type=float, default=7200.0, help="seconds per platform and mode")
    parser.add_argument("--markdown", type=Path, default=None, help="also write the table here")
    parser.add_argument("--reuse", action="store_true", help="classify snapshots already in --out again")
    parser.add_argument("--expect-identical", default="", metavar="MODES",
                        help="exit 1 unless these modes give identical bytes on every platform")
    args = parser.parse_args(argv)
    platforms = [p.strip() for p in args.platforms.split(",") if p.strip()]
    modes = [m.strip() for m in args.modes.split(",") if m.strip()]
    unknown = [p for p in platforms if p not in PLATFORMS]
    if unknown or not platforms or not modes:
        parser.error(f"unknown platform {unknown[0]!r}" if unknown else "no platforms or modes given")
    args.out.mkdir(parents=True, exist_ok=True)
    suite = suite_file(args.suite, args.out)
    from shengqing.models.store import ModelStore

    store = ModelStore()
    store.ensure(quiet=True)  # installed once on the host; the arm64 root mounts this home read-only
    home = store.home
    golden = json.loads(args.golden.read_text(encoding="utf-8")) if str(args.golden) not in ("", ".") else None

    def platform_runs(name: str) -> dict[str, dict[str, Any]]:
        platform = PLATFORMS[name]
        reused = args.reuse and all((args.out / f"{name}-{m}.json").is_file() for m in modes)
        problem = None if reused else prepare(platform)
        results = {}
        for mode in modes:
            results[mode] = ({"seconds": 0.0, "exit": -1, "error": problem} if problem else
                             run_one(platform, mode, suite, args.out, home, args))
            state = results[mode].get("error") or ("reused" if results[mode].get("reused") else "rendered")
            print(f"[matrix] {name}/{mode}: {state} "
                  f"({results[mode]['seconds']:.0f} s)", file=sys.stderr, flush=True)
        return results

    with ThreadPoolExecutor(max_workers=max(1, args.jobs)) as pool:
        runs = dict(zip(platforms, pool.map(platform_runs, platforms), strict=True))
    matrix = build_matrix(runs, platforms, modes, golden)
    matrix["suite"] = {"name": args.suite, "file": str(suite)}
    (args.out / "matrix.json").write_text(json.dumps(matrix, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    table = markdown(matrix)
    (args.out / "matrix.md").write_text(table, encoding="utf-8")
    if args.markdown is not None:
        args.markdown.write_text(table, encoding="utf-8")
    print(table)
    print(f"snapshots and matrix.json in {args.out}", file=sys.stderr)
    expected = [m.strip() for m in args.expect_identical.split(",") if m.strip()]
    failed = [m for m in expected if not matrix["identical_across_platforms"].get(m, False)]
    if failed:
        print(f"[matrix] FAIL: not identical on every platform: {', '.join(failed)}", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
