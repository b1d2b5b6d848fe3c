"""The model's tool calls as servers stream them (chat/completions SSE `data:` lines):
OpenAI's fragments, a whole call in one chunk, several calls in one chunk without an
index, a name repeated in every fragment, and calls only in the closing chunk."""

from __future__ import annotations

from typing import Any

import orjson

from agents_backend.integrations.openai_client import ToolCall, _SSEParser


def calls_of(*chunks: dict[str, Any]) -> list[ToolCall]:
    parser = _SSEParser()
    for chunk in chunks:
        parser.feed(b"data: " + orjson.dumps(chunk) + b"\n\n")
    parser.feed(b"data: [DONE]\n\n")
    return parser.tool_calls.calls()


def chunk(delta: dict[str, Any], finish: str | None = None, **choice: Any) -> dict[str, Any]:
    return {"choices": [{"index": 0, "delta": delta, "finish_reason": finish, **choice}]}


def call(index: int | None, id_: str | None, name: str | None, args: str) -> dict[str, Any]:
    fragment: dict[str, Any] = {"function": {"arguments": args}}
    if name is not None:
        fragment["function"]["name"] = name
    if index is not None:
        fragment["index"] = index
    if id_ is not None:
        fragment["id"] = id_
    return fragment


def test_openai_fragments_join_into_one_call() -> None:
    assert calls_of(
        chunk({"tool_calls": [call(0, "call_a", "book_meeting", "")]}),
        chunk({"tool_calls": [call(0, None, None, '{"date"')]}),
        chunk({"tool_calls": [call(0, None, None, ': "2030-01-02"}')]}),
        chunk({}, "tool_calls"),
    ) == [ToolCall("call_a", "book_meeting", '{"date": "2030-01-02"}')]


def test_a_whole_call_in_the_closing_chunk() -> None:
    assert calls_of(
        chunk({"tool_calls": [call(0, "call_a", "check_availability", "{}")]}, "tool_calls")
    ) == [ToolCall("call_a", "check_availability", "{}")]


def test_two_whole_calls_without_an_index_stay_two() -> None:
    assert calls_of(
        chunk(
            {
                "tool_calls": [
                    call(None, "a", "check_availability", "{}"),
                    call(None, "b", "x", "{}"),
                ]
            },
            "tool_calls",
        )
    ) == [ToolCall("a", "check_availability", "{}"), ToolCall("b", "x", "{}")]


def test_calls_that_all_say_index_zero_but_have_their_own_ids_stay_apart() -> None:
    assert calls_of(
        chunk({"tool_calls": [call(0, "a", "check_availability", "{}")]}),
        chunk({"tool_calls": [call(0, "b", "book_meeting", "{}")]}),
        chunk({}, "tool_calls"),
    ) == [ToolCall("a", "check_availability", "{}"), ToolCall("b", "book_meeting", "{}")]


def test_a_name_repeated_in_every_fragment_is_one_name() -> None:
    assert calls_of(
        chunk({"tool_calls": [call(0, "a", "book_meeting", '{"time":')]}),
        chunk({"tool_calls": [call(0, None, "book_meeting", '"10:00"}')]}),
    ) == [ToolCall("a", "book_meeting", '{"time":"10:00"}')]


def test_calls_only_in_the_closing_chunks_message() -> None:
    whole = {
        "tool_calls": [
            {"id": "z", "type": "function", "function": {"name": "f", "arguments": "{}"}}
        ]
    }
    assert calls_of(chunk({}, "tool_calls", message=whole)) == [ToolCall("z", "f", "{}")]


def test_a_call_without_an_id_gets_one_its_result_can_answer() -> None:
    assert calls_of(chunk({"tool_calls": [call(0, None, "f", "{}")]})) == [
        ToolCall("call_0", "f", "{}")
    ]
