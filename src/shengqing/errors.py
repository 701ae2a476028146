"""One exception tree for the whole package.

Every error a user can cause or meet derives from :class:`ShengqingError`. Each class carries the HTTP
status it maps to (the server reads ``http_status`` in exactly one place) and, where it applies, the name
of the offending field and a hint telling the user how to fix it.
"""

from __future__ import annotations

from typing import Any


class ShengqingError(Exception):
    """Base class of every error raised on purpose by shengqing."""

    http_status: int = 500
    code: str = "internal_error"

    def __init__(self, message: str, *, field: str | None = None, hint: str | None = None,
                 value: Any = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field
        self.hint = hint
        self.value = value

    def to_dict(self) -> dict[str, Any]:
        """JSON-serialisable description used by the HTTP API and the CLI."""
        body: dict[str, Any] = {"code": self.code, "message": self.message}
        if self.field is not None:
            body["field"] = self.field
        if self.value is not None:
            body["value"] = self.value if isinstance(self.value, int | float | str | bool) else repr(self.value)
        if self.hint is not None:
            body["hint"] = self.hint
        return body

    def __str__(self) -> str:
        text = self.message
        if self.hint:
            text += f" ({self.hint})"
        return text


class InvalidOptionError(ShengqingError, ValueError):
    """A synthesis option or setting has a value outside what is allowed."""

    http_status = 422
    code = "invalid_option"


class NothingToSayError(ShengqingError, ValueError):
    """The text contains nothing that can be spoken (empty, whitespace, punctuation or emoji only)."""

    http_status = 422
    code = "nothing_to_say"


class TextTooLongError(ShengqingError, ValueError):
    """The text exceeds the configured limit of a non-streaming request."""

    http_status = 413
    code = "text_too_long"


class SSMLError(ShengqingError, ValueError):
    """The SSML document is malformed or uses an attribute value that is not allowed."""

    http_status = 422
    code = "invalid_ssml"


class LexiconError(ShengqingError, ValueError):
    """A user lexicon entry is malformed (unknown pinyin syllable, wrong tone, …)."""

    http_status = 422
    code = "invalid_lexicon"


class UnsupportedFormatError(ShengqingError, ValueError):
    """The requested audio format cannot be produced by this installation."""

    http_status = 415
    code = "unsupported_format"


class ModelError(ShengqingError, RuntimeError):
    """The model is missing, corrupt or cannot be installed."""

    http_status = 503
    code = "model_unavailable"


class ModelNotInstalledError(ModelError):
    """No model was found in the model home."""

    code = "model_not_installed"


class ModelCorruptError(ModelError):
    """A model file does not match the checksum recorded in the manifest."""

    code = "model_corrupt"


class OverloadedError(ShengqingError, RuntimeError):
    """The server's queue is full; retry after ``retry_after`` seconds."""

    http_status = 503
    code = "overloaded"

    def __init__(self, message: str, *, retry_after: int = 1, hint: str | None = None) -> None:
        super().__init__(message, hint=hint)
        self.retry_after = retry_after


class SynthesisTimeoutError(ShengqingError, RuntimeError):
    """A request took longer than the configured per-request timeout."""

    http_status = 504
    code = "timeout"


class AuthError(ShengqingError, PermissionError):
    """Missing or wrong API key."""

    http_status = 401
    code = "unauthorized"


class ConfigError(ShengqingError, ValueError):
    """A server or engine setting (argument or ``SHENGQING_*`` variable) is invalid."""

    http_status = 500
    code = "invalid_config"


# -- HTTP-only errors (raised by the server before a request reaches the engine) ---------------------------


class InvalidRequestError(ShengqingError, ValueError):
    """The body is not a JSON object, or not JSON at all."""

    http_status = 422
    code = "invalid_request"


class BodyTooLargeError(ShengqingError, ValueError):
    """The request body is larger than ``max_body``."""

    http_status = 413
    code = "body_too_large"


class NotFoundError(ShengqingError, LookupError):
    """No such endpoint."""

    http_status = 404
    code = "not_found"


class MethodNotAllowedError(ShengqingError):
    """The endpoint exists but not for this HTTP method."""

    http_status = 405
    code = "method_not_allowed"
