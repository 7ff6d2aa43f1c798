"""bot.turn_queue: at most N messages at once, the others in arrival order, nothing lost or reordered."""

import asyncio

import pytest

import bot  # noqa: F401  (installs the speedups, as every Rasa process of the project does)
from bot import speedups, turn_queue
from bot.turn_queue import Turn, TurnQueue

QUESTION = "租金补贴怎么算"  # answered by a custom action (actions/measures.py)
needs_speedups = pytest.mark.skipif(not speedups.installed(), reason="bot.speedups not installed in this process")


async def _holders_over_time(queue: TurnQueue, jobs: int, hold: float = 0.01):
    """``jobs`` tasks started one after the other take a place, hold it, give it back; returns the order in which
    they got in and the most holders seen at once."""
    entered: list[int] = []
    most = 0

    async def job(i: int) -> None:
        nonlocal most
        async with Turn(queue):
            entered.append(i)
            most = max(most, queue.holders)
            await asyncio.sleep(hold)

    tasks = []
    for i in range(jobs):
        tasks.append(asyncio.create_task(job(i)))
        await asyncio.sleep(0)  # each task reaches the queue before the next is made: arrival order is i
    await asyncio.gather(*tasks)
    return entered, most


def test_no_more_than_its_places_at_once_and_in_arrival_order():
    queue = TurnQueue(3)
    entered, most = asyncio.run(_holders_over_time(queue, 12))
    assert most == 3
    assert entered == list(range(12))
    assert queue.free == 3 and not queue.line


def test_a_place_given_back_goes_to_the_first_in_line_not_to_a_newcomer():
    """A newcomer that arrives the moment a place is given back waits behind the line (a Semaphore may let it in)."""

    async def scenario():
        queue = TurnQueue(1)
        order: list[str] = []
        release = asyncio.Event()

        async def holder():
            async with Turn(queue):
                await release.wait()
            order.append("holder out")

        async def waiter(name):
            async with Turn(queue):
                order.append(name)

        h = asyncio.create_task(holder())
        await asyncio.sleep(0)
        first = asyncio.create_task(waiter("first in line"))
        await asyncio.sleep(0)
        release.set()
        await asyncio.sleep(0)  # the holder gives its place back to the waiter, which has not run yet
        late = asyncio.create_task(waiter("newcomer"))
        await asyncio.gather(h, first, late)
        return order, queue

    order, queue = asyncio.run(scenario())
    assert order.index("first in line") < order.index("newcomer")
    assert queue.free == 1 and not queue.line


def test_a_waiter_cancelled_in_line_leaves_it_and_loses_no_place():
    async def scenario():
        queue = TurnQueue(1)
        release = asyncio.Event()

        async def holder():
            async with Turn(queue):
                await release.wait()

        h = asyncio.create_task(holder())
        await asyncio.sleep(0)
        waiting = asyncio.create_task(Turn(queue).__aenter__())
        await asyncio.sleep(0)
        assert len(queue.line) == 1
        waiting.cancel()
        with pytest.raises(asyncio.CancelledError):
            await waiting
        assert not queue.line
        release.set()
        await h
        return queue

    queue = asyncio.run(scenario())
    assert queue.free == 1


def test_a_waiter_cancelled_after_it_was_handed_a_place_gives_it_on():
    async def scenario():
        queue = TurnQueue(1)
        release = asyncio.Event()
        got_in: list[str] = []

        async def holder():
            async with Turn(queue):
                await release.wait()

        async def next_one():
            async with Turn(queue):
                got_in.append("next")

        h = asyncio.create_task(holder())
        await asyncio.sleep(0)
        handed = asyncio.create_task(Turn(queue).__aenter__())
        await asyncio.sleep(0)
        after = asyncio.create_task(next_one())
        await asyncio.sleep(0)
        release.set()
        await asyncio.sleep(0)  # the holder runs: its place is handed to ``handed``'s future …
        assert queue.free == 0 and len(queue.line) == 1  # … ``after`` still in line
        handed.cancel()  # … and its task is cancelled before it runs
        with pytest.raises(asyncio.CancelledError):
            await handed
        await asyncio.wait_for(after, 2)
        await h
        return queue, got_in

    queue, got_in = asyncio.run(scenario())
    assert got_in == ["next"]
    assert queue.free == 1 and not queue.line


def test_a_message_waiting_for_another_process_lets_the_next_in_and_comes_back_first():
    """While the holder waits for the action server its place serves the line; when it is back it goes before
    the messages that have not started."""

    async def scenario():
        queue = TurnQueue(1)
        order: list[str] = []
        answer = asyncio.Event()

        async def message_with_action():
            async with Turn(queue) as turn:
                order.append("A starts")
                async with turn.stepped_out():
                    await answer.wait()  # the action server's reply
                order.append("A back")

        finish = asyncio.Event()

        async def plain(name):
            async with Turn(queue):
                order.append(name)
                await finish.wait()

        a = asyncio.create_task(message_with_action())
        await asyncio.sleep(0)
        b = asyncio.create_task(plain("B"))  # in line behind A, gets A's place while A waits
        await asyncio.sleep(0)
        c = asyncio.create_task(plain("C"))
        await asyncio.sleep(0)
        answer.set()  # A's reply comes while B holds the place and C waits
        await asyncio.sleep(0)
        assert len(queue.back) == 1 and len(queue.line) == 1  # A waits to come back, C to start
        finish.set()
        await asyncio.gather(a, b, c)
        return order, queue

    order, queue = asyncio.run(scenario())
    assert order == ["A starts", "B", "A back", "C"]
    assert queue.free == 1 and not queue.line and not queue.back


def test_two_waits_of_one_message_side_by_side_step_out_once():
    async def scenario():
        queue = TurnQueue(2)
        async with Turn(queue) as turn:
            assert queue.holders == 1

            async def wait():
                async with turn.stepped_out():
                    await asyncio.sleep(0.01)

            async def look():
                await asyncio.sleep(0.005)
                return queue.holders

            seen = await asyncio.gather(wait(), wait(), look())
            assert seen[2] == 0  # out once, not twice (that would give back a place it does not hold)
            assert queue.holders == 1
        return queue

    queue = asyncio.run(scenario())
    assert queue.free == 2


def test_a_message_cancelled_while_it_waits_to_come_back_gives_back_nothing():
    async def scenario():
        queue = TurnQueue(1)
        reply, go_on = asyncio.Event(), asyncio.Event()

        async def with_action():
            async with Turn(queue) as turn, turn.stepped_out():
                await reply.wait()

        async def other():
            async with Turn(queue):
                await go_on.wait()

        a = asyncio.create_task(with_action())
        await asyncio.sleep(0)
        b = asyncio.create_task(other())  # takes A's place while A is out
        await asyncio.sleep(0)
        reply.set()
        await asyncio.sleep(0)
        assert len(queue.back) == 1  # A waits to come back
        a.cancel()
        with pytest.raises(asyncio.CancelledError):
            await a
        assert not queue.back and queue.free == 0  # B still holds the only place
        go_on.set()
        await b
        return queue

    queue = asyncio.run(scenario())
    assert queue.free == 1


@pytest.mark.parametrize("raw, size", [("", 4), ("0", 0), ("1", 1), ("12", 12), ("-3", 4), ("vier", 4)])
def test_size_from_the_environment(monkeypatch, raw, size):
    monkeypatch.setenv(turn_queue.ENV_SIZE, raw)
    assert turn_queue.queue_size() == size


def test_a_queue_needs_a_place():
    with pytest.raises(ValueError):
        TurnQueue(0)


@needs_speedups
def test_rasa_handles_messages_through_the_queue():
    from rasa.core.processor import MessageProcessor
    from rasa.utils.endpoints import EndpointConfig

    assert MessageProcessor.handle_message is turn_queue.handle_message
    assert EndpointConfig.request is turn_queue.endpoint_request
    assert turn_queue.RASA_HANDLE is not None and turn_queue.RASA_HANDLE is not turn_queue.handle_message


@pytest.fixture(scope="module")
def agent(tmp_path_factory):
    """Rasa's Agent on the trained model, its custom actions run by a real action server."""
    from rasa.core.agent import Agent
    from rasa.utils.endpoints import EndpointConfig

    from tests.e2e.servers import Servers, current_model

    servers = Servers(tmp_path_factory.mktemp("turn-queue"))
    servers.start_action_server()
    try:
        yield Agent.load(str(current_model()), action_endpoint=EndpointConfig(servers.env["ACTION_ENDPOINT_URL"]))
    finally:
        servers.stop()


@needs_speedups
def test_twelve_conversations_at_once_on_the_real_agent(agent):
    """Twelve questions at once through Rasa's Agent (each waits for the action server): never more than the queue's
    places inside the processor, all twelve answered as the question alone is, and the queue empty afterwards."""
    from rasa.core.channels.channel import CollectingOutputChannel, UserMessage

    async def scenario():
        alone = await agent.handle_message(UserMessage(QUESTION, CollectingOutputChannel(), "tq-alone"))
        queue = turn_queue.turn_queue(agent.processor)
        most, waited, done = 0, 0, False

        async def watch():
            nonlocal most, waited
            while not done:
                most, waited = max(most, queue.holders), max(waited, len(queue.line) + len(queue.back))
                await asyncio.sleep(0)

        watcher = asyncio.create_task(watch())
        replies = await asyncio.gather(
            *(agent.handle_message(UserMessage(QUESTION, CollectingOutputChannel(), f"tq-{i}")) for i in range(12))
        )
        done = True
        await watcher
        return alone, replies, most, waited, queue

    alone, replies, most, waited, queue = asyncio.run(scenario())

    def said(reply):  # what was said, not to whom
        return [{k: v for k, v in m.items() if k != "recipient_id"} for m in reply]

    assert "《办法》三、2" in "".join(m.get("text", "") for m in alone)  # the clause's answer, not an error
    assert all(said(r) == said(alone) for r in replies)
    assert 1 <= most <= queue.size == turn_queue.DEFAULT_SIZE
    assert waited > 0  # some of the twelve waited in line: the queue was in their way
    assert queue.free == queue.size and not queue.line


async def _server(delay: float, status: int = 200):
    """A real HTTP server that answers every POST after ``delay`` seconds (a slow or a fast action server)."""
    from aiohttp import web

    async def answer(request):
        await asyncio.sleep(delay)
        return web.json_response({"events": [], "responses": []}, status=status)

    app = web.Application()
    app.router.add_post("/webhook", answer)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]
    return runner, f"http://127.0.0.1:{port}/webhook"


async def _call_while_another_waits(delay: float, status: int = 200):
    """Message A calls the server inside a one-place queue; message B arrives just after. Returns the order of
    what happened and the queue."""
    from rasa.utils.endpoints import EndpointConfig

    runner, url = await _server(delay, status)
    queue, order = TurnQueue(1), []

    async def a():
        async with Turn(queue) as turn:
            token = turn_queue.HELD.set(turn)
            try:
                await EndpointConfig(url).request("post", json={"next_action": "x"})
                order.append("A replied")
            except Exception as error:  # what the caller sees is part of the check
                order.append(f"A failed: {type(error).__name__}")
            finally:
                turn_queue.HELD.reset(token)
            order.append(f"A holds {queue.holders}")

    async def b():
        async with Turn(queue):
            order.append("B in")

    try:
        first = asyncio.create_task(a())
        await asyncio.sleep(0)
        await asyncio.gather(first, b())
    finally:
        await runner.cleanup()
    return order, queue


@needs_speedups
def test_a_fast_action_server_reply_keeps_the_place():
    order, queue = asyncio.run(_call_while_another_waits(0.01))
    assert order == ["A replied", "A holds 1", "B in"]
    assert queue.free == 1 and not queue.line and not queue.back


@needs_speedups
def test_a_slow_action_server_reply_is_waited_for_out_of_the_queue():
    order, queue = asyncio.run(_call_while_another_waits(turn_queue.SLOW_REPLY_S + 0.3))
    assert order == ["B in", "A replied", "A holds 1"]  # B used A's place; A came back into it
    assert queue.free == 1 and not queue.line and not queue.back


@needs_speedups
def test_a_slow_call_that_fails_comes_back_into_the_queue_and_reports_the_failure():
    order, queue = asyncio.run(_call_while_another_waits(turn_queue.SLOW_REPLY_S + 0.3, status=500))
    assert order[0] == "B in" and order[1].startswith("A failed") and order[2] == "A holds 1"
    assert queue.free == 1


@needs_speedups
def test_a_message_cancelled_during_a_slow_call_leaves_without_a_place():
    from rasa.utils.endpoints import EndpointConfig

    async def scenario():
        runner, url = await _server(5.0)
        queue = TurnQueue(1)

        async def a():
            async with Turn(queue) as turn:
                turn_queue.HELD.set(turn)
                await EndpointConfig(url).request("post", json={})

        try:
            task = asyncio.create_task(a())
            await asyncio.sleep(turn_queue.SLOW_REPLY_S + 0.2)
            assert queue.free == 1  # out while the reply takes long
            task.cancel()
            with pytest.raises(asyncio.CancelledError):
                await task
        finally:
            await runner.cleanup()
        return queue

    queue = asyncio.run(scenario())
    assert queue.free == 1 and not queue.line and not queue.back
