"""How a streamed reply reaches the socket: the first delta at once, then at most one
`agent:stream` per pacing interval, with nothing lost or reordered.

The pacer's rule is tested with a fake clock, so no test depends on how fast this
machine runs. How many frames a real reply takes over a real socket is a measurement,
not a pass/fail: `make bench` reports it (bench/run.py, scenario `pacing`).
"""

from __future__ import annotations

from itertools import pairwise

from hypothesis import given
from hypothesis import strategies as st

from agents_backend.chat.pacing import StreamPacer
from tests.conftest import Connect
from tests.support.fake_openai import FakeOpenAI, Reply
from tests.support.servers import ServerProcess

# Times and intervals are binary fractions (1/8 s steps), so the clock's arithmetic is
# exact and a delta arriving exactly one interval after the last frame is unambiguous.
START = 1000.0
INTERVAL = 0.5


class FakeClock:
    def __init__(self, now: float = START) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


def timed_frames(
    pacer: StreamPacer, clock: FakeClock, timeline: list[tuple[float, str]]
) -> list[tuple[float | None, str]]:
    """Feeds (seconds since the previous delta, delta), then ends the stream: each frame
    sent, with the clock's time for those sent by take() and None for the final rest()."""
    frames: list[tuple[float | None, str]] = []
    for gap, delta in timeline:
        clock.advance(gap)
        if frame := pacer.take(delta):
            frames.append((clock.now, frame))
    if rest := pacer.rest():
        frames.append((None, rest))
    return frames


def paced(pacer: StreamPacer, clock: FakeClock, timeline: list[tuple[float, str]]) -> list[str]:
    return [frame for _at, frame in timed_frames(pacer, clock, timeline)]


def test_the_first_delta_goes_out_at_once() -> None:
    clock = FakeClock()
    pacer = StreamPacer(INTERVAL, clock=clock)

    assert pacer.take("Olá") == "Olá"


def test_deltas_within_the_interval_are_joined_into_the_next_frame() -> None:
    clock = FakeClock()
    pacer = StreamPacer(INTERVAL, clock=clock)

    assert pacer.take("Olá") == "Olá"
    for delta in (",", " tudo", " bem"):
        clock.advance(0.125)  # 0.125, 0.25, 0.375 after the first frame: held
        assert pacer.take(delta) == ""
    clock.advance(0.125)  # exactly one interval after the first frame: goes out
    assert pacer.take("?") == ", tudo bem?"
    clock.advance(0.125)
    assert pacer.take(" Sim") == ""
    assert pacer.rest() == " Sim"  # the end of the stream sends what was held


def test_the_interval_counts_from_the_last_frame_sent_not_the_last_delta() -> None:
    clock = FakeClock()
    pacer = StreamPacer(INTERVAL, clock=clock)
    # A delta every 0.375 s: each is within the interval of the previous delta, but the
    # interval since the last *frame* decides.
    timeline = [(0.0, "a"), (0.375, "b"), (0.375, "c"), (0.375, "d"), (0.375, "e")]

    assert paced(pacer, clock, timeline) == ["a", "bc", "de"]


def test_a_slow_model_gets_one_frame_per_delta() -> None:
    clock = FakeClock()
    pacer = StreamPacer(INTERVAL, clock=clock)
    timeline = [(0.0, "a"), (0.5, "b"), (0.75, "c"), (2.0, "d")]

    assert paced(pacer, clock, timeline) == ["a", "b", "c", "d"]


def test_a_burst_then_silence_is_sent_when_the_stream_ends() -> None:
    clock = FakeClock()
    pacer = StreamPacer(INTERVAL, clock=clock)

    assert pacer.take("first") == "first"
    assert [pacer.take(d) for d in (" a", " b", " c")] == ["", "", ""]  # same instant
    assert pacer.rest() == " a b c"
    assert pacer.rest() == ""  # nothing held: no empty frame


def test_no_interval_sends_every_delta_as_it_comes() -> None:
    clock = FakeClock()
    pacer = StreamPacer(0, clock=clock)

    assert [pacer.take(d) for d in ("a", "b", "c")] == ["a", "b", "c"]
    assert pacer.rest() == ""


def test_the_default_clock_is_the_monotonic_one() -> None:
    # Production passes no clock; two deltas in the same instant are joined.
    pacer = StreamPacer(3600)
    assert pacer.take("a") == "a"
    assert pacer.take("b") == ""
    assert pacer.rest() == "b"


@given(
    timeline=st.lists(
        st.tuples(
            st.integers(min_value=0, max_value=16).map(lambda eighths: eighths / 8),
            st.text(min_size=1, max_size=5),
        ),
        min_size=1,
        max_size=40,
    ),
    interval_eighths=st.integers(min_value=0, max_value=8),
)
def test_whatever_the_timing_nothing_is_lost_reordered_or_split(
    timeline: list[tuple[float, str]], interval_eighths: int
) -> None:
    interval = interval_eighths / 8
    clock = FakeClock()
    pacer = StreamPacer(interval, clock=clock)

    timed = timed_frames(pacer, clock, timeline)

    frames = [frame for _at, frame in timed]
    deltas = [delta for _gap, delta in timeline]
    assert "".join(frames) == "".join(deltas)
    assert frames[0] == deltas[0]  # the first token is never held back
    assert len(frames) <= len(deltas)  # frames join deltas, never split them
    # Frames sent during the stream are at least one interval apart on the clock.
    sent_at = [at for at, _frame in timed if at is not None]
    assert all(later - earlier >= interval for earlier, later in pairwise(sent_at))


async def test_a_streamed_reply_arrives_whole_in_order_and_before_the_stored_reply(
    online_server: ServerProcess, fake_llm: FakeOpenAI, connect_user: Connect
) -> None:
    # Over a real socket: the content of the frames, never their number (a measurement
    # that depends on the machine's pace; `make bench` reports it).
    text = "Claro! Podemos conversar sobre os planos, os preços e a implantação."
    chunks = -(-len(text) // 3)
    fake_llm.script("stream", Reply(text, chunk_size=3, chunk_delay=0.002))
    _account, client = await connect_user(online_server)

    ack = await client.emit(
        "agent:send", {"agentKey": "sdr", "contactId": "c", "message": "Oi, quais planos?"}
    )
    reply = (
        await client.wait_for("agent:message", lambda d: d.get("replyTo") == ack["messageId"])
    )[0]

    deltas = [d["delta"] for d in client.of("agent:stream") if d["id"] == reply["id"]]
    assert "".join(deltas) == text == reply["text"]
    assert deltas[0] == text[:3]  # the first token was not held back
    assert 1 <= len(deltas) <= chunks  # deltas are joined, never split
    names = [name for name, data in client.events if data.get("id") == reply["id"]]
    assert names[-1] == "agent:message"  # every delta came before the reply itself
