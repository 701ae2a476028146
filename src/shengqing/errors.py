"""One exception tree for the whole package.

Every error a user can cause or meet derives from :class:`ShengqingError`. Each class carries a stable
``code`` and, where it applies, the name of the offending field and a hint telling the user how to fix it.
Nothing here knows about HTTP: the server maps these classes to status codes in one table
(:mod:`shengqing.server.errors`), the CLI prints them on one line with exit code 2 for bad input
(``ValueError`` subclasses) and 1 for a failure (docs/cli.md).
"""

from __future__ import annotations

from typing import Any


class ShengqingError(Exception):
    """Base class of every error raised on purpose by shengqing."""

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

    code = "invalid_option"


class NothingToSayError(ShengqingError, ValueError):
    """The text contains nothing that can be spoken (empty, whitespace, punctuation or emoji only)."""

    code = "nothing_to_say"


class TextTooLongError(ShengqingError, ValueError):
    """The text exceeds the configured limit of a non-streaming request."""

    code = "text_too_long"


class SSMLError(ShengqingError, ValueError):
    """The SSML document is malformed or uses an attribute value that is not allowed."""

    code = "invalid_ssml"


class LexiconError(ShengqingError, ValueError):
    """A user lexicon entry is malformed (unknown pinyin syllable, wrong tone, …)."""

    code = "invalid_lexicon"


class UnsupportedFormatError(ShengqingError, ValueError):
    """The requested audio format cannot be produced by this installation."""

    code = "unsupported_format"


class EncoderUnavailableError(ShengqingError, RuntimeError):
    """An audio encoder could not be loaded or failed (e.g. the opus module's WebAssembly runtime)."""

    code = "encoder_unavailable"


class ModelError(ShengqingError, RuntimeError):
    """The model is missing, corrupt or cannot be installed."""

    code = "model_unavailable"


class ModelNotInstalledError(ModelError):
    """No model was found in the model home."""

    code = "model_not_installed"


class ModelCorruptError(ModelError):
    """A model file does not match the checksum recorded in the manifest."""

    code = "model_corrupt"


class NotReproducibleError(ModelError):
    """This machine renders other bytes than the reference in the portable mode (its self-check failed)."""

    code = "not_reproducible"


class EngineClosedError(ShengqingError, RuntimeError):
    """A :class:`~shengqing.engine.Synthesizer` was used after :meth:`close`."""

    code = "engine_closed"


class OverloadedError(ShengqingError, RuntimeError):
    """The server's queue is full; retry after ``retry_after`` seconds."""

    code = "overloaded"

    def __init__(self, message: str, *, retry_after: int = 1, hint: str | None = None) -> None:
        super().__init__(message, hint=hint)
        self.retry_after = retry_after


class SynthesisTimeoutError(ShengqingError, RuntimeError):
    """A request took longer than the configured per-request timeout."""

    code = "timeout"


class AuthError(ShengqingError, PermissionError):
    """Missing or wrong API key."""

    code = "unauthorized"


class ConfigError(ShengqingError, ValueError):
    """A server or engine setting (argument or ``SHENGQING_*`` variable) is invalid."""

    code = "invalid_config"
