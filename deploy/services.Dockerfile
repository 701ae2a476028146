# The stack's helpers from Debian packages on the same bookworm base: Redis (shared cache) and HAProxy.
#   docker build -f deploy/services.Dockerfile --target redis deploy/     (compose.yaml builds both)
ARG BASE=debian:bookworm-slim

FROM ${BASE} AS redis
RUN apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
      redis-server && rm -rf /var/lib/apt/lists/*
USER redis
# a cache: no persistence, bounded memory, least-recently-used eviction
ENTRYPOINT ["redis-server", "--save", "", "--appendonly", "no", "--maxmemory-policy", "allkeys-lru"]

FROM ${BASE} AS haproxy
RUN apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
      haproxy && rm -rf /var/lib/apt/lists/*
COPY haproxy.cfg /etc/haproxy/haproxy.cfg
USER haproxy
STOPSIGNAL SIGUSR1
ENTRYPOINT ["haproxy", "-W", "-db", "-f", "/etc/haproxy/haproxy.cfg"]
