"""Optional API keys: ``Authorization: Bearer <key>`` on the synthesis and info endpoints.

Open without a key (so load balancers, Prometheus and browsers can reach them): ``/``, ``/static/*``,
``/healthz``, ``/readyz``, ``/metrics``, ``/docs``, ``/openapi.json``, ``/v1/voices``, ``/v1/emotions``,
``/v1/models`` and ``/v1/ui-config``.
"""

from __future__ import annotations

import hmac

from fastapi import Request

from ..errors import AuthError


class KeyChecker:
    """A FastAPI dependency that accepts any configured key (constant-time comparison)."""

    def __init__(self, keys: tuple[str, ...]) -> None:
        self._keys = tuple(k.encode("utf-8") for k in keys)

    @property
    def enabled(self) -> bool:
        return bool(self._keys)

    def check(self, header: str | None) -> None:
        """Raise :class:`AuthError` unless ``header`` is ``Bearer <a configured key>``."""
        if not self._keys:
            return
        if not header:
            raise AuthError("this server requires an API key", field="Authorization",
                            hint="send the header 'Authorization: Bearer <key>'")
        scheme, _, token = header.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise AuthError("the Authorization header must be 'Bearer <key>'", field="Authorization")
        given = token.strip().encode("utf-8")
        if not any(hmac.compare_digest(given, key) for key in self._keys):
            raise AuthError("wrong API key", field="Authorization")

    async def __call__(self, request: Request) -> None:
        self.check(request.headers.get("authorization"))
