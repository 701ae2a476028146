"""Book throughput vs plain ``synthesize`` on the same text, and a long book killed and resumed.

    python benchmarks/book_throughput.py throughput --chars 3000 [--kernels fast] [--rounds 2]
    python benchmarks/book_throughput.py novel --chars 100000 --out DIR [--kernels fast]

``throughput``: one engine; per round, ``synthesize`` of the whole text, then ``run_book`` of the same text
cut into chapters (a fresh output directory each time, wav files, journal and manifest included). CPU
seconds of the process (all threads) and wall seconds are measured around each; the ratio
chars/s(book) / chars/s(synthesize) is printed for both. The text is the polyphone benchmark's sentences
(tests/data/polyphone/dev.sent, markers removed), 20 sentences per chapter.

``novel``: writes a .txt of ``--chars`` characters in chapters of ~``--chapter-chars`` (5,000) and runs
``shengqing book`` on it two ways: uninterrupted into OUT/ref, and killed with SIGKILL twice (after 1/3 and
2/3 of the chapters) then resumed into OUT/killed; prints whether every file is byte-identical.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def sentences(chars: int) -> list[str]:
    out: list[str] = []
    total = 0
    for line in (ROOT / "tests/data/polyphone/dev.sent").read_text(encoding="utf-8").splitlines():
        text = line.replace("▁", "").strip()
        if not text:
            continue
        if text[-1] not in "。！？":
            text += "。"
        out.append(text)
        total += len(text)
        if total >= chars:
            break
    return out


def throughput(args: argparse.Namespace) -> None:
    from shengqing import Synthesizer
    from shengqing.book import BookJob, Item, run_book

    parts = sentences(args.chars)
    text = "".join(parts)
    items = [Item(id=f"{n:04d}", title="", text="".join(parts[i:i + 20]))
             for n, i in enumerate(range(0, len(parts), 20), 1)]
    with Synthesizer(kernels=args.kernels, threads=args.threads) as engine:
        engine.warm_up()
        info = {"kernels": str(engine.kernels), "model": engine.model.fingerprint}
        results: dict[str, list[tuple[float, float]]] = {"synthesize": [], "book": []}
        for _ in range(args.rounds):
            cpu, wall = time.process_time(), time.perf_counter()
            audio = engine.synthesize(text)
            results["synthesize"].append((time.process_time() - cpu, time.perf_counter() - wall))
            with tempfile.TemporaryDirectory() as out:
                cpu, wall = time.process_time(), time.perf_counter()
                manifest = run_book(BookJob(items=items, outdir=Path(out), engine_info=info), engine, quiet=True)
                results["book"].append((time.process_time() - cpu, time.perf_counter() - wall))
    best = {k: (min(c for c, _ in v), min(w for _, w in v)) for k, v in results.items()}
    report = {"chars": len(text), "chapters": len(items), "kernels": args.kernels, "threads": engine.threads,
              "audio_s_synthesize": round(audio.duration, 2), "audio_s_book": manifest["total_duration"],
              "rounds": {k: [[round(c, 2), round(w, 2)] for c, w in v] for k, v in results.items()},
              "book_vs_synthesize_cpu": round(best["synthesize"][0] / best["book"][0], 3),
              "book_vs_synthesize_wall": round(best["synthesize"][1] / best["book"][1], 3)}
    print(json.dumps(report, indent=2))


def novel(args: argparse.Namespace) -> None:
    parts = sentences(args.chars)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    chapters: list[str] = []
    for part in parts:
        if not chapters or len(chapters[-1]) >= args.chapter_chars:
            chapters.append("")
        chapters[-1] += part
    book = out / "novel.txt"
    book.write_text("".join(f"第{n}章\n{c}\n\n" for n, c in enumerate(chapters, 1)), encoding="utf-8")
    cli = [sys.executable, "-m", "shengqing.cli", "book", str(book), "--kernels", args.kernels, "--quiet"]
    timings = {}
    start = time.perf_counter()
    subprocess.run([*cli, "-o", str(out / "ref")], check=True)
    timings["uninterrupted_s"] = round(time.perf_counter() - start, 1)
    journal = out / "killed" / ".shengqing-book" / "journal.jsonl"
    start = time.perf_counter()
    kills = []
    for fraction in (1 / 3, 2 / 3):
        process = subprocess.Popen([*cli, "-o", str(out / "killed")])
        target = int(len(chapters) * fraction)
        while process.poll() is None:
            done = journal.read_bytes().count(b"\n") if journal.exists() else 0
            if done >= target:
                time.sleep(2.0)  # mid-chapter, not just after a commit
                os.kill(process.pid, signal.SIGKILL)
                break
            time.sleep(0.2)
        process.wait()
        kills.append({"after_chapters": target, "returncode": process.returncode})
    subprocess.run([*cli, "-o", str(out / "killed")], check=True)
    timings["killed_twice_total_s"] = round(time.perf_counter() - start, 1)
    ref = {p.name: p.read_bytes() for p in (out / "ref").iterdir() if p.is_file()}
    got = {p.name: p.read_bytes() for p in (out / "killed").iterdir() if p.is_file()}
    manifest = json.loads((out / "ref" / "manifest.json").read_text(encoding="utf-8"))
    print(json.dumps({"chars": sum(map(len, chapters)), "chapters": len(chapters), "kernels": args.kernels,
                      "audio_s": manifest["total_duration"], "kills": kills, **timings,
                      "files": len(ref), "byte_identical": ref == got,
                      # one line per finished chapter: more lines than chapters = a chapter was redone
                      "journal_lines": journal.read_bytes().count(b"\n")}, indent=2))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="what", required=True)
    t = sub.add_parser("throughput")
    t.add_argument("--chars", type=int, default=3000)
    t.add_argument("--rounds", type=int, default=2)
    t.add_argument("--kernels", default="portable")
    t.add_argument("--threads", type=int, default=None)
    n = sub.add_parser("novel")
    n.add_argument("--chars", type=int, default=100_000)
    n.add_argument("--out", required=True)
    n.add_argument("--kernels", default="fast")
    n.add_argument("--chapter-chars", type=int, default=5000)
    args = parser.parse_args()
    throughput(args) if args.what == "throughput" else novel(args)


if __name__ == "__main__":
    main()
