"""The four layers ``scripts/fuzz.py`` feeds (see its docstring): each a method of one string that returns a
label for the outcome and raises only on an outcome that must never happen."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable, Iterator
from typing import Any

import numpy as np

MAX_SYNTHESIZED_BYTES = 600  # request bodies longer than this are never picked for real synthesis


class Unexpected(Exception):
    """A layer answered in a way it must never answer (not an exception of its own: a wrong result)."""


class Layers:
    """The four layers, each a function of one string that raises only on an unexpected outcome."""

    def __init__(self, synthesize_every: int) -> None:
        from fastapi.testclient import TestClient

        from shengqing.engine import Synthesizer
        from shengqing.server.app import create_app
        from shengqing.server.settings import Settings

        self.synthesize_every = synthesize_every
        self.engine = Synthesizer(threads=2)
        self.frontend = MemoFrontend()
        self.engine.frontend = self.frontend
        self.settings = Settings(cache_url="memory", cache_bytes=8 << 20, warm_up=False, model_watch=0,
                                 log_level="critical", timeout=600)
        self.planning = PlanningEngine(self.engine)
        app = create_app(self.settings, engine_factory=lambda _settings: self.planning)
        self.client = TestClient(app, raise_server_exceptions=False)
        self.client.__enter__()
        self.http_requests = 0
        self.synthesized = 0

    def close(self) -> None:
        self.client.__exit__(None, None, None)
        self.engine.close()

    # -- layers -------------------------------------------------------------------------------------
    def frontend_layer(self, text: str) -> str:
        from shengqing.errors import ShengqingError

        try:
            trace = self.frontend.analyze(text)  # normalisation included; the phrases are memoised
        except ShengqingError as exc:
            return f"refused: {exc.code}"
        if trace.error:
            return "nothing to say"
        unknown = {p for phrase in trace.phrases for p in phrase.phones} - set(self.engine._symbol_to_id)
        if unknown:
            raise Unexpected(f"phones the model does not know: {sorted(unknown)}")
        return "analysed"

    def ssml_layer(self, text: str) -> str:
        from shengqing.errors import ShengqingError
        from shengqing.options import SynthesisOptions
        from shengqing.ssml import parse, plan_ssml, silence_ms

        labels = []
        for doc in (text, f"<speak>{text}</speak>"):
            try:
                parse(doc)
                silence_ms(doc)
                phrases = list(plan_ssml(doc, SynthesisOptions(), self.frontend))
            except ShengqingError as exc:
                labels.append(f"refused: {exc.code}")
                continue
            labels.append(f"planned ({'speech' if any(p.phones for p, _ in phrases) else 'silence'})")
        return " / ".join(labels)

    def models_layer(self, text: str) -> str:
        from pydantic import ValidationError

        from shengqing.errors import ShengqingError
        from shengqing.server.budget import check_budget
        from shengqing.server.openai_compat import SpeechRequest, job_from_speech
        from shengqing.server.schemas import TTSRequest, job_from_tts

        labels = Counter[str]()
        docs: list[tuple[Any, Callable[[Any], Any], dict[str, Any]]] = [
            (TTSRequest, job_from_tts, {"text": text}),
            (SpeechRequest, job_from_speech, {"input": text}),
        ]
        for name in ("voice", "emotion", "format"):
            docs.append((TTSRequest, job_from_tts, {"text": "你好", name: text}))
        for name in ("model", "voice", "response_format", "stream_format", "instructions", text):
            docs.append((SpeechRequest, job_from_speech, {"input": "你好", name: text}))
        for model, to_job, doc in docs:
            try:
                check_budget(self.settings, to_job(model.model_validate(doc)))
            except ValidationError:
                labels["422 (schema)"] += 1
                continue
            except ShengqingError as exc:
                labels[f"refused: {exc.code}"] += 1
                continue
            labels["accepted"] += 1
        return "accepted" if labels["accepted"] == len(docs) else "some refused"

    def http_layer(self, text: str, index: int) -> str:
        shape = index % len(HTTP_SHAPES)
        path, body = HTTP_SHAPES[shape](text)
        # real synthesis on a sample of the shorter strings (a 2,000-character text of 400-digit numbers
        # takes minutes on a loaded 2-core machine, and its limits are what the other requests test)
        self.planning.real = index % self.synthesize_every == 0 and len(body) <= MAX_SYNTHESIZED_BYTES
        self.synthesized += self.planning.real
        headers = {"Content-Type": "application/json", "Cache-Control": "no-store" if index % 2 else "no-cache"}
        self.http_requests += 1
        response = self.client.post(path, content=body, headers=headers)
        status = response.status_code
        if status >= 500:
            raise Unexpected(f"{path} answered {status}: {response.text[:300]}")
        if status >= 400:
            try:
                error = response.json()["error"]
                assert isinstance(error["type"], str) and isinstance(error["message"], str)
            except Exception as exc:
                raise Unexpected(f"{path} answered {status} without a JSON error body: {response.text[:200]}") \
                    from exc
            return f"{status} {error['type']}"
        if not response.content:
            raise Unexpected(f"{path} answered {status} with no audio")
        return f"{status}{' (synthesized)' if self.planning.real else ''}"


def _memo_frontend() -> Any:
    from shengqing.frontend import Frontend, FrontendTrace, Phrase

    class MemoFrontend(Frontend):
        """The real frontend; ``phrases`` of a text already analysed in this run is taken from that analysis,
        so the SSML and HTTP layers do not pay again for text the frontend layer has just checked (the
        result is the same: the frontend is deterministic)."""

        def __init__(self) -> None:
            super().__init__()
            self._seen: dict[str, list[Phrase]] = {}

        def analyze(self, text: str) -> FrontendTrace:
            trace = super().analyze(text)
            if not trace.error:
                if len(self._seen) > 256:
                    self._seen.clear()
                self._seen[text] = list(trace.phrases)
            return trace

        def phrases(self, text: str) -> list[Phrase]:
            known = self._seen.get(text)
            return list(known) if known is not None else super().phrases(text)

    return MemoFrontend()


def MemoFrontend() -> Any:
    return _memo_frontend()


def _json(doc: dict[str, Any]) -> bytes:
    return json.dumps(doc).encode()  # ensure_ascii: lone surrogates travel as \\ud800 escapes, as clients send them


HTTP_SHAPES: list[Callable[[str], tuple[str, bytes]]] = [
    lambda t: ("/tts", _json({"text": t, "format": "pcm"})),
    lambda t: ("/v1/audio/speech", _json({"input": t, "response_format": "pcm"})),
    lambda t: ("/tts", _json({"text": t, "format": "wav", "emotion": "happy", "speed": 1.3, "pitch": 2})),
    lambda t: ("/tts", _json({"text": "你好", "emotion": t, "format": "pcm"})),
    lambda t: ("/tts", _json({"text": f"<speak>{t}</speak>", "format": "pcm"})),
    lambda t: ("/v1/audio/speech", _json({"input": "你好", "voice": t, "model": t, "response_format": "pcm"})),
    lambda t: ("/tts", _json({"text": "你好", "format": t})),
    lambda t: ("/tts", _json({"text": "你好", t: 1, "format": "pcm"})),
    lambda t: ("/v1/audio/speech", _json({"input": t, "stream": True, "response_format": "pcm"})),
    lambda t: ("/tts", t.encode("utf-8", "surrogatepass")),  # not JSON at all (often): 422, never 500
]


class PlanningEngine:
    """The server's engine in the fuzz run: the real Synthesizer's planning (frontend/SSML → phone ids,
    the same code and errors as a real synthesis) followed by 10 ms of silence, or — when ``real`` is set —
    the real synthesis."""

    def __init__(self, engine: Any) -> None:
        self.engine = engine
        self.kernels = engine.kernels
        self.model = engine.model
        self.real = False

    def stream(self, text: str, *, ssml: bool | None = None, options: Any = None, **kwargs: Any) -> Iterator[Any]:
        if self.real:
            return self.engine.stream(text, ssml=ssml, options=options, **kwargs)
        from shengqing.audio import SAMPLE_RATE, AudioChunk
        from shengqing.errors import NothingToSayError

        phrases = list(self.engine._plan(text, options, ssml))
        if not phrases:
            raise NothingToSayError("the text contains nothing to say", field="text")
        return iter([AudioChunk(samples=np.zeros(SAMPLE_RATE // 100, np.int16), index=0, text=text, is_last=True)])

    def info(self) -> dict[str, Any]:
        return dict(self.engine.info())

    def warm_up(self) -> None:
        pass

    def close(self) -> None:
        pass
