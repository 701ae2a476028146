"""Presenting verification results: a text table, JUnit XML, and a stderr progress bar."""

from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import TextIO
from xml.etree import ElementTree as ET

from .compare import DIFFERENT, EQUIVALENT, ERROR, IDENTICAL
from .manifest import TargetReport

_MARK = {IDENTICAL: "=", EQUIVALENT: "~", DIFFERENT: "≠", ERROR: "!"}


def _fmt(value: float | None, spec: str) -> str:
    if value is None:
        return "-"
    if value == float("inf"):
        return "inf"
    return format(value, spec)


def table(report: TargetReport, *, limit_reason: int = 70) -> str:
    """A fixed-width table of one target's verdicts, with counts and the environment explanation."""
    width = max([len(v.id) for v in report.verdicts] + [4])
    lines = [f"target {report.target}",
             f"  {'item':<{width}}  {'result':<10} {'dur Δs':>7} {'mel dB':>6} {'F0 ¢':>5} {'band dB':>7}  note"]
    for v in report.verdicts:
        m = v.metrics
        note = "; ".join(v.reasons)
        if len(note) > limit_reason:
            note = note[:limit_reason - 1] + "…"
        lines.append(f"{_MARK.get(v.status, '?')} {v.id:<{width}}  {v.status:<10} "
                     f"{_fmt(m.get('duration_diff_s'), '+.3f'):>7} {_fmt(m.get('logmel_db'), '.2f'):>6} "
                     f"{_fmt(m.get('f0_diff_cents'), '+.0f'):>5} {_fmt(m.get('band_max_diff_db'), '.2f'):>7}  "
                     f"{note}".rstrip())
    counts = report.counts()
    summary = ", ".join(f"{counts[s]} {s}" for s in (IDENTICAL, EQUIVALENT, DIFFERENT, ERROR) if s in counts)
    lines.append(f"  {len(report.verdicts)} items: {summary or 'none'} ({report.seconds:.1f} s rendering)")
    for explanation in report.explanations:
        lines.append(f"  why: {explanation}")
    return "\n".join(lines)


def junit_xml(reports: list[TargetReport], tolerant: bool) -> bytes:
    """JUnit XML: one ``testsuite`` per target, one ``testcase`` per item; failures for mismatches."""
    root = ET.Element("testsuites", name="shengqing verify")
    for report in reports:
        failures = sum(1 for v in report.verdicts if v.status == DIFFERENT or (v.status == EQUIVALENT and not tolerant))
        errors = sum(1 for v in report.verdicts if v.status == ERROR)
        suite = ET.SubElement(root, "testsuite", name=report.target, tests=str(len(report.verdicts)),
                              failures=str(failures), errors=str(errors), time=f"{report.seconds:.3f}")
        if report.explanations:
            props = ET.SubElement(suite, "properties")
            for index, line in enumerate(report.explanations):
                ET.SubElement(props, "property", name=f"explanation.{index}", value=line)
        for v in report.verdicts:
            case = ET.SubElement(suite, "testcase", classname=f"verify.{report.target}", name=v.id)
            message = "; ".join(v.reasons)
            if v.status == ERROR:
                ET.SubElement(case, "error", message=message, type="render-error").text = message
            elif v.status == DIFFERENT or (v.status == EQUIVALENT and not tolerant):
                detail = "\n".join([message, *report.explanations])
                ET.SubElement(case, "failure", message=f"{v.status}: {message}", type=v.status).text = detail
            ET.SubElement(case, "system-out").text = f"{v.status} {v.metrics}"
    ET.indent(root)
    data: bytes = ET.tostring(root, encoding="utf-8", xml_declaration=True)
    return data


def write_junit(path: Path, reports: list[TargetReport], tolerant: bool) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(junit_xml(reports, tolerant))


class ProgressBar:
    """``[#####.....] 12/40 item`` on stderr; redrawn in place on a terminal, one line per update elsewhere."""

    def __init__(self, total: int, label: str = "", *, stream: TextIO | None = None, enabled: bool = True,
                 width: int = 30) -> None:
        self.total = max(total, 1)
        self.done = 0
        self.label = label
        self.stream = stream if stream is not None else sys.stderr
        self.enabled = enabled
        self.width = width
        self.start = time.perf_counter()
        self._tty = bool(getattr(self.stream, "isatty", lambda: False)())

    def __call__(self, item: str) -> None:
        self.advance(item)

    def advance(self, item: str = "") -> None:
        self.done = min(self.done + 1, self.total)
        if not self.enabled:
            return
        filled = self.width * self.done // self.total
        bar = "#" * filled + "." * (self.width - filled)
        elapsed = time.perf_counter() - self.start
        text = f"{self.label}[{bar}] {self.done}/{self.total} {elapsed:5.1f}s {item}"
        if self._tty:
            self.stream.write("\r\x1b[K" + text[:120])
            if self.done == self.total:
                self.stream.write("\n")
        else:
            self.stream.write(text + "\n")
        self.stream.flush()
