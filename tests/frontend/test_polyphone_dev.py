"""Polyphones on the held-out half of dev: a floor, and every component and rule paying for itself.

Dev (9,893 CPP sentences) is split by a hash of each line (:func:`evaluate.held_out`); floors are asserted on
the held-out half only. The frontend runs once over that half, recording a :class:`Trace` per item; the
ablations re-decide those traces with one part removed (:func:`polydecide.decide`), so they cost nothing.
"""

from __future__ import annotations

import pytest

from shared_helpers import data_file
from shengqing.frontend.evaluate import Row, accuracy, load, predict_char, split_items, trace_items
from shengqing.frontend.polydecide import Components, Trace, decide
from shengqing.frontend.rules import CONTEXT_RULES, WORD_READINGS

DEV = data_file("polyphone")
#: Measured 98.07 % (4,915 items, see docs/frontend.md); the floor leaves ~8 items of margin.
FLOOR = 0.979


@pytest.fixture(scope="module")
def held_out() -> list[Row]:
    items = load(DEV / "dev.sent", DEV / "dev.lb")
    half = split_items(items, "heldout")
    assert 0.45 < len(half) / len(items) < 0.55
    return trace_items(half)


def test_held_out_floor(held_out: list[Row]) -> None:
    assert accuracy(held_out) >= FLOOR


@pytest.mark.parametrize("parts", [
    Components(rules=False), Components(dictionary=False), Components(ngrams=False), Components(model=False),
], ids=["context-rules", "dictionary", "ngrams", "g2pM"])
def test_each_component_pays_on_held_out(held_out: list[Row], parts: Components) -> None:
    full = accuracy(held_out)
    assert accuracy(held_out, parts) <= full - 3 / len(held_out)  # at least 3 items worse without it


def _net(rows: list[Row], parts: Components) -> tuple[int, int]:
    wins = losses = 0
    for trace, _, gold in rows:
        if trace is not None:
            with_it, without = decide(trace) == gold, decide(trace, parts) == gold
            wins += with_it and not without
            losses += without and not with_it
    return wins, losses


@pytest.mark.parametrize(("char", "index"), [(ch, k) for ch, rules in CONTEXT_RULES.items()
                                             for k in range(len(rules))])
def test_each_context_rule_pays_on_held_out(held_out: list[Row], char: str, index: int) -> None:
    wins, losses = _net(held_out, Components(dropped_rules=frozenset({(char, index)})))
    assert wins > 0 and losses == 0, (char, CONTEXT_RULES[char][index], wins, losses)


def _trace(sentence: str, index: int) -> Trace:
    found: dict[int, Trace] = {}
    predict_char(sentence, index, found)
    return found[index]


@pytest.mark.parametrize("word", sorted(WORD_READINGS))
def test_each_curated_word_pays(word: str) -> None:
    """No curated word changes a dev decision, so each must fix its own reading alone or in a short sentence
    (standard-dictionary readings: 了解 liao3, 目的 di4, 对不起 bu5 …) — and be needed for it."""
    reading = WORD_READINGS[word]
    fixes = 0
    for left, right in (("", ""), ("他说", "了")):
        sentence = left + word + right
        traces = [_trace(sentence, len(left) + i) for i in range(len(word))]
        assert [decide(t) for t in traces] == reading
        dropped = Components(dropped_words=frozenset({word}))
        fixes += [decide(t, dropped) for t in traces] != reading
    assert fixes > 0, f"{word}: the dictionary and the model already read it {reading}"
