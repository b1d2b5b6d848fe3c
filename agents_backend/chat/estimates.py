"""The tokens of a reply the model never reported: a stream cut before its usage chunk.

The provider sends usage only at the end of a stream (`stream_options.include_usage`);
a reply the person stopped, or a teammate cut, has none, yet the provider billed the
prompt and what it generated until the connection closed. No tokenizer ships with the
SDK (and the model may be any OpenAI-compatible one), so the counts follow OpenAI's
published rules of thumb: about four characters per token of text, plus a few tokens
of framing per chat message (role and separators) and for priming the reply.
"""

from __future__ import annotations

from collections.abc import Sequence

from agents_backend.integrations.openai_client import PromptMessage, TokenUsage

CHARS_PER_TOKEN = 4
TOKENS_PER_MESSAGE = 3  # role and separators of each chat message
REPLY_PRIMING_TOKENS = 3  # every reply is primed with <|start|>assistant<|message|>


def text_tokens(text: str) -> int:
    """At least one token for any text; about one per four characters."""
    return -(-len(text) // CHARS_PER_TOKEN) if text else 0


def estimate_usage(prompt: Sequence[PromptMessage], completion: str, *, pieces: int) -> TokenUsage:
    """`pieces`: how many content deltas arrived; each carries at least one token, so
    it is a floor for the completion (a model writing short tokens beats 4 chars each)."""
    prompt_tokens = REPLY_PRIMING_TOKENS + sum(
        TOKENS_PER_MESSAGE + text_tokens(m.content) for m in prompt
    )
    return TokenUsage(
        prompt_tokens=prompt_tokens,
        completion_tokens=max(text_tokens(completion), pieces),
    )
