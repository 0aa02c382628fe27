"""10,000 create/free cycles of every handle the package makes, without memory growth
(resident set size read from /proc/self/statm after a warm-up and at the end)."""
import gc
import io
import os

from missive import Attachment, AlternateView, MailMessage, MailMessageCollection
from missive.clients import SmtpClient


def rss_kib():
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") // 1024


def cycle(i):
    m = MailMessage("a@example.com", "b%d@example.com" % i, "cycle %d" % i, "body " * 20)
    m.cc.append("c@example.com")
    m.headers.add("X-Cycle", str(i))
    m.alternate_views.append(AlternateView.create_alternate_view_from_string("<p>x</p>",
                                                                            "text/html"))
    m.attachments.append(Attachment(io.BytesIO(b"x" * 512), "a.bin"))
    data = m.to_bytes()
    back = MailMessage.load(data)
    c = MailMessageCollection([m, back])
    native = c._native()
    native.close()
    client = SmtpClient("127.0.0.1", 2525, "u", "p")
    client.dispose()
    assert len(back.to) == 1
    m.close()


def test_ten_thousand_cycles_do_not_grow_memory():
    for i in range(1000):
        cycle(i)
    gc.collect()
    before = rss_kib()
    for i in range(10000):
        cycle(i)
    gc.collect()
    after = rss_kib()
    print("RSS after 1,000 warm-up cycles: %d KiB; after 10,000 more: %d KiB (%+d KiB)"
          % (before, after, after - before))
    # A leak of one small allocation per cycle is >= 10,000 x 32 bytes; a message's is KiBs.
    assert after - before < 2048, "grew %d KiB over 10,000 cycles" % (after - before)
