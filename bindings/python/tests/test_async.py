"""asyncio: send_async on the library's operations, resolved on the event loop's thread."""
import asyncio
import threading
import time

import pytest

from missive import MailMessage, MailMessageCollection, SmtpException


def test_thousand_messages_with_gather_all_arrive(smtpd, client_for):
    client = client_for(smtpd)
    n = 1000
    messages = [MailMessage("a@example.com", "g%04d@example.com" % i, "gather %d" % i, "b")
                for i in range(n)]

    async def main():
        return await asyncio.gather(*(client.send_async(m) for m in messages))

    t = time.monotonic()
    results = asyncio.run(main())
    elapsed = time.monotonic() - t
    assert len(results) == n and all(r.reply_code == 250 for r in results)
    got = smtpd.messages(n, timeout=30)
    assert sorted(r for m in got for r in m.rcpts) == ["g%04d@example.com" % i for i in range(n)]
    conns = smtpd.connections()
    print("1000 send_async via gather: %.2f s, %d connections" % (elapsed, conns))
    # At most max_async_sends operations run at once, each on its own connection; finished
    # ones leave theirs in the client's pool for the next.
    assert conns <= client.max_async_sends, conns


def test_results_resolve_on_the_loop_thread_and_loop_stays_responsive(slow_smtpd, client_for):
    client = client_for(slow_smtpd)
    m = MailMessage("a@example.com", "loop@example.com", "loop", "b")
    ticks = []

    async def ticker():
        while True:
            ticks.append(time.monotonic())
            await asyncio.sleep(0.01)

    async def main():
        loop_thread = threading.get_ident()
        t = asyncio.ensure_future(ticker())
        fut = client.send_async(m)
        r = await fut
        t.cancel()
        return r, loop_thread, threading.get_ident()

    r, a, b = asyncio.run(main())
    assert r.reply_code == 250 and a == b
    assert len(ticks) >= 10  # the loop ran while the 250 ms reply was awaited


def test_collection_async_results_and_errors(smtpd, client_for):
    client = client_for(smtpd)
    c = MailMessageCollection(MailMessage("a@example.com", "c%d@example.com" % i, "c", "b")
                              for i in range(4))
    bulk = asyncio.run(client.send_async(c))
    assert bulk.ok and [r.status.name for r in bulk] == ["SENT"] * 4

    async def refused():
        return await client.send_async(MailMessage("a@example.com", "reject@example.com",
                                                   "no", "b"))

    with pytest.raises(SmtpException) as e:
        asyncio.run(refused())
    assert e.value.code_name == "ALL_RECIPIENTS_REJECTED"
    assert e.value.failed_recipients[0].reply_code == 550


def test_cancelling_the_task_cancels_the_native_operation(slow_smtpd, client_for):
    client = client_for(slow_smtpd)  # one connection, 250 ms per message
    n = 40
    c = MailMessageCollection(MailMessage("a@example.com", "x%d@example.com" % i, "x", "b")
                              for i in range(n))

    async def main():
        task = asyncio.ensure_future(client.send_async(c))
        for _ in range(400):  # until the first message has arrived (at most 20 s)
            await asyncio.sleep(0.05)
            if slow_smtpd.messages():
                break
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task

    asyncio.run(main())
    time.sleep(1.0)  # batches already being sent finish; the rest must not be attempted
    got = len(slow_smtpd.messages())
    assert 0 < got < n / 2, "%d of %d arrived after cancelling" % (got, n)
