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
    """Two threads fail on ONE client at the same time in different ways (550 for one's
    recipients, 450 for the other's): each exception's text names its own recipient, because it
    comes from the send's own result, not from the client's error text (which holds whichever
    failure came last)."""
    from missive import SmtpFailedRecipientsException
    client = client_for(smtpd)
    rounds = 25
    start = threading.Barrier(2)
    wrong = []
    seen = {"reject": 0, "defer": 0}

    def fail_many(prefix, other):
        start.wait()
        for i in range(rounds):
            to = "%s-py%d@example.com" % (prefix, i)
            try:
                client.send(MailMessage("a@example.com", to, "race", "b"))
            except SmtpFailedRecipientsException as e:
                seen[prefix] += 1
                own = (to in e.detail and other not in e.detail
                       and e.detail == e.result.error and e.transient == (prefix == "defer"))
                if not own:
                    wrong.append((to, e.detail, e.result.error))
            else:
                wrong.append((to, "no exception", ""))

    threads = [threading.Thread(target=fail_many, args=("reject", "defer-py")),
               threading.Thread(target=fail_many, args=("defer", "reject-py"))]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    assert seen == {"reject": rounds, "defer": rounds}
    assert not wrong, "%d exceptions did not describe their own send, first: %r" % (
        len(wrong), wrong[0])
