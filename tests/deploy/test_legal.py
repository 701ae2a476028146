"""LICENSE, THIRD_PARTY_NOTICES.md (generated from the lock) and the Baker terms where users see them."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==([^\s;\\]+)", re.MULTILINE)


def _normal(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def test_notices_cover_every_locked_runtime_package_at_its_version() -> None:
    locked = {_normal(n): v for n, v in PIN.findall((ROOT / "requirements/runtime.lock.txt").read_text())}
    notices = (ROOT / "THIRD_PARTY_NOTICES.md").read_text(encoding="utf-8")
    listed = {_normal(m[0]): m[1] for m in re.findall(r"^\| (\S+) \| (\S+)[^|]*\| (?!Licence)", notices, re.M)}
    assert locked and listed == locked, "regenerate: python scripts/third_party_notices.py"
    assert "UNKNOWN" not in notices.split("## Licence texts")[0]


def test_baker_terms_are_in_the_readme_notices_image_and_license_files() -> None:
    assert "MIT License" in (ROOT / "LICENSE").read_text() and "shengqing developers" in (ROOT / "LICENSE").read_text()
    for path in ("README.md", "THIRD_PARTY_NOTICES.md", "Dockerfile"):
        assert "non-commercial" in (ROOT / path).read_text(encoding="utf-8").lower(), path
