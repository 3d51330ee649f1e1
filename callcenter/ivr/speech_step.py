"""The speech node: the caller's spoken answer recognised against phrases, keys as fallback."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from callcenter.ivr.model import Ref, SpeechNode
from callcenter.ivr.speech import SpeechError

if TYPE_CHECKING:
    from callcenter.ivr.runner import FlowRunner

__all__ = ["speech_step"]


def speech_step(runner: FlowRunner, node: SpeechNode) -> Ref:
    """Prompt, record the answer, recognise it against the phrases; keys count too.

    Each try: the prompt (a key over it is a DTMF answer), then a recording that ends on
    silence, then recognition off the event loop. A phrase -> ``speech:<phrase>``; nothing
    matched -> ``speech:nomatch`` and, while tries remain, ``invalid_prompt`` and again.
    When the speech tries are used up and the node has ``digits``, one last DTMF-only try
    (the prompt again, then a key); then ``default`` (absent: hang up).
    """
    if runner.speech is None:
        key = runner.choice(
            node, node.digits, node.timeout, node.retries, node.invalid_prompt, None
        )
        return node.digits[key] if key is not None else runner.exhausted(node, node.default)
    for attempt in range(1 + node.retries):
        answer = _listen(runner, node, attempt)
        if answer is not None:
            return answer
        if runner.speech is None:  # the recogniser failed: keys only from here
            break
        if attempt < node.retries:
            runner.play(node.invalid_prompt, node)
            runner.typed = ""
    if node.digits:
        key = runner.choice(node, node.digits, node.timeout, 0, None, None)
        if key is not None:
            return node.digits[key]
    return runner.exhausted(node, node.default)


def _listen(runner: FlowRunner, node: SpeechNode, attempt: int) -> Ref | None:
    """One speech try: the branch, or None when nothing matched."""
    typed, runner.typed = runner.typed, ""
    if not typed:
        typed = runner.io.play(runner.render(node.prompt), language=runner.language(node))
    if typed:
        return _speech_key(runner, node, typed[0])
    path = runner.speech_dir / (
        f"{runner.variables.get('call_uuid') or 'call'}-{node.id}-{runner.steps}-{attempt}.wav"
    )
    recorded = runner.io.record(
        str(path),
        max_seconds=max(int(node.timeout), 1),
        silence_seconds=runner.speech_silence_seconds,
        silence_threshold=runner.speech_threshold,
    )
    if recorded.digits:
        return _speech_key(runner, node, recorded.digits[0])
    assert runner.speech is not None
    try:
        heard = runner.speech.recognize(
            recorded.path or str(path), list(node.phrases), language=runner.language(node)
        )
    except SpeechError as exc:
        runner.log.error("speech recognition failed; using DTMF", node=node.id, error=str(exc))
        runner.speech = None
        runner.visit(node, "speech:error")
        return None
    finally:
        Path(recorded.path or path).unlink(missing_ok=True)
    if heard.phrase is None or heard.phrase not in node.phrases:
        runner.log.info("speech not matched", node=node.id, heard=heard.text)
        runner.visit(node, "speech:nomatch")
        return None
    runner.variables[node.into] = heard.text
    runner.visit(node, f"speech:{heard.phrase}")
    return node.phrases[heard.phrase]


def _speech_key(runner: FlowRunner, node: SpeechNode, key: str) -> Ref | None:
    if key in node.digits:
        runner.visit(node, key)
        return node.digits[key]
    runner.visit(node, f"invalid:{key}")
    return None
