"""Threads really send in parallel: ctypes releases the GIL during each library call, and the
client opens one connection per concurrent send.

This is a test of concurrency, not a benchmark: against a server that waits 250 ms before each
final reply, 8 threads sending as many messages each as one thread alone would take 8 x as
long if they were serialised; the assertion allows 4 x (a generous margin for a loaded
machine), and also checks the structural fact behind it: the server saw 8 connections."""
import threading
import time

from missive import MailMessage


def _send_all(client, messages):
    for m in messages:
        client.send(m)


def test_eight_threads_share_one_client_in_parallel(slow_smtpd, client_for):
    client = client_for(slow_smtpd)
    per_thread = 4
    one = [MailMessage("a@example.com", "solo%d@example.com" % i, "solo", "b")
           for i in range(per_thread)]
    t = time.monotonic()
    _send_all(client, one)
    single = time.monotonic() - t

    work = [[MailMessage("a@example.com", "t%d-%d@example.com" % (k, i), "thread", "b")
             for i in range(per_thread)] for k in range(8)]
    threads = [threading.Thread(target=_send_all, args=(client, w)) for w in work]
    t = time.monotonic()
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    eight = time.monotonic() - t

    got = slow_smtpd.messages(per_thread * 9)
    assert len(got) == per_thread * 9
    peers = {m.peer for m in got}
    print("one thread: %.2f s for %d; eight threads: %.2f s for %d (%.2f x); %d connections"
          % (single, per_thread, eight, 8 * per_thread, eight / single, len(peers)))
    assert len(peers) >= 8, "the 8 threads did not get their own connections: %s" % peers
    assert eight < 4 * single, "8 threads took %.2f s, one thread %.2f s" % (eight, single)


def test_dispose_waits_for_sends_in_progress(slow_smtpd, client_for):
    client = client_for(slow_smtpd)
    results = []

    def send():
        results.append(client.send(MailMessage("a@example.com", "late@example.com", "l", "b")))

    th = threading.Thread(target=send)
    th.start()
    time.sleep(0.05)  # the send is inside the library, waiting for the 250 ms reply
    client.dispose()  # must not free the client under it
    th.join()
    assert results and results[0].reply_code == 250
    try:
        client.send(MailMessage("a@example.com", "x@example.com", "s", "b"))
    except ValueError as e:
        assert "closed" in str(e)
    else:
        raise AssertionError("a disposed client sent a message")


def test_concurrent_failures_on_one_client_each_raise_their_own_detail(smtpd, client_for):
    """Two threads fail on ONE client at the same time in different ways: one sends to
    recipients the server refuses (a new address each time), the other, for as long as the
    first runs, messages without recipients. Each exception's text names its own failure,
    because it comes from the send's own result, not from the client's error text (which holds
    whichever failure came last: read after the send, it is often the other thread's)."""
    from typing import cast

    from missive import SmtpException, SmtpFailedRecipientsException
    from missive._errors import MissiveError
    client = client_for(smtpd)
    rounds = 40
    start = threading.Barrier(2)
    refusing = threading.Event()
    wrong = []
    counts = {"refused": 0, "empty": 0}

    def refused():
        start.wait()
        try:
            for i in range(rounds):
                to = "reject-py%d@example.com" % i
                try:
                    client.send(MailMessage("a@example.com", to, "race", "b"))
                    wrong.append((to, "no exception"))
                except SmtpFailedRecipientsException as e:
                    counts["refused"] += 1
                    if (e.code_name != "ALL_RECIPIENTS_REJECTED" or to not in e.detail
                            or e.detail != e.result.error):
                        wrong.append((to, e.code_name, e.detail))
        finally:
            refusing.set()

    def empty():
        start.wait()
        while not refusing.is_set() or counts["empty"] < rounds:
            try:
                client.send(MailMessage("a@example.com", None, "no recipients", "b"))
                wrong.append(("empty", "no exception"))
            except (SmtpException, ValueError) as e:  # NO_RECIPIENTS is a ValueError
                e = cast(MissiveError, e)
                counts["empty"] += 1
                if e.code_name != "NO_RECIPIENTS" or "reject-py" in e.detail:
                    wrong.append(("empty", e.code_name, e.detail))

    threads = [threading.Thread(target=refused), threading.Thread(target=empty)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    print("%d refused sends against %d sends without recipients"
          % (counts["refused"], counts["empty"]))
    assert counts["refused"] == rounds and counts["empty"] >= rounds
    assert not wrong, "%d exceptions did not describe their own send, first: %r" % (
        len(wrong), wrong[0])
