"""``shengqing verify``: golden manifests, and checks that builds and servers reproduce them.

* :mod:`.suite` — the requests of a suite (``default`` or a file);
* :mod:`.targets` — where they are rendered (in-process engine or a live server);
* :mod:`.acoustics` — acoustic fingerprints and the aligned log-mel distance;
* :mod:`.compare` — identical / equivalent / different, and explanations from environment fingerprints;
* :mod:`.manifest` — running suites, manifests, checking; :mod:`.report` — table, JUnit XML, progress bar;
* :mod:`.selfcheck` — this machine against the reference bytes of the portable mode (server start-up).

The contract these tools prove is written in ``docs/consistency.md``.
"""

from __future__ import annotations

from .compare import DIFFERENT, EQUIVALENT, ERROR, IDENTICAL, Tolerance, Verdict, classify
from .manifest import SuiteRun, TargetReport, build_manifest, compare_runs, load_manifest, run_suite
from .selfcheck import SelfCheck, run_self_check
from .suite import Suite, SuiteItem, default_suite, load_suite
from .targets import HttpTarget, LocalTarget, Rendering, TargetError, open_target

__all__ = [
    "DIFFERENT", "EQUIVALENT", "ERROR", "IDENTICAL", "HttpTarget", "LocalTarget", "Rendering", "SelfCheck",
    "Suite", "SuiteItem", "SuiteRun", "TargetError", "TargetReport", "Tolerance", "Verdict", "build_manifest",
    "classify", "compare_runs", "default_suite", "load_manifest", "load_suite", "open_target",
    "run_self_check", "run_suite",
]
