"""Sending to real servers on loopback (aiosmtpd, Postfix's smtp-sink) and checking what
arrived."""
import io
import os

import pytest

import missive as ae
from missive import MailMessage, MailMessageCollection, SmtpException, SmtpFailedRecipientsException
from missive.clients import SecurityOptions, SmtpClient
from missive.clients.smtp import ForwardMode, SmtpDeliveryMethod

from conftest import free_port


def test_send_message_arrives_with_reply_and_queue_id(smtpd, client_for):
    client = client_for(smtpd)
    m = MailMessage("Ann <ann@example.com>", "bob@example.com", "Hello over SMTP", "Body.")
    r = client.send(m)
    assert r.ok and r.delivered and r.reply_code == 250
    assert r.queue_id == "Q1"
    assert r.accepted == ["bob@example.com"]
    got = smtpd.messages(1)
    assert len(got) == 1
    assert got[0].mail_from == "ann@example.com" and got[0].rcpts == ["bob@example.com"]
    assert got[0].message["Subject"] == "Hello over SMTP"
    assert got[0].message.get_content().strip() == "Body."


def test_constructor_variants(smtpd):
    with SmtpClient() as c:
        assert c.host is None and c.port == 25
    with SmtpClient("127.0.0.1") as c:
        assert c.host == "127.0.0.1"
    with SmtpClient("127.0.0.1", smtpd.port) as c:
        assert c.port == smtpd.port
    with SmtpClient("127.0.0.1", "user", "pw") as c:
        assert (c.username, c.password, c.port) == ("user", "pw", 25)
    with SmtpClient("127.0.0.1", 587, "user", "pw") as c:
        assert (c.port, c.username) == (587, "user")
    with SmtpClient("127.0.0.1", 465, "user", "pw", SecurityOptions.SSL_IMPLICIT) as c:
        assert c.security_options == SecurityOptions.SSL_IMPLICIT
    with SmtpClient("127.0.0.1", smtpd.port, SecurityOptions.NONE) as c:
        c.send("a@example.com", "variants@example.com", "four-argument send", "body")
    assert smtpd.messages(1)[0].rcpts == ["variants@example.com"]
    with pytest.raises(ValueError):
        SmtpClient("127.0.0.1", 70000)


def test_partly_refused_recipients_raise_with_each_one(smtpd, client_for):
    client = client_for(smtpd)
    m = MailMessage("a@example.com", ["ok@example.com", "reject-1@example.com",
                                      "reject-2@example.com"], "partial", "b")
    with pytest.raises(SmtpFailedRecipientsException) as e:
        client.send(m)
    exc = e.value
    assert exc.code_name == "SOME_RECIPIENTS_REJECTED"
    assert exc.delivered
    refused = {x.failed_recipient: x for x in exc.failed_recipients}
    assert set(refused) == {"reject-1@example.com", "reject-2@example.com"}
    assert refused["reject-1@example.com"].reply_code == 550
    assert "Recipient address rejected" in refused["reject-1@example.com"].server_reply
    assert exc.result.accepted == ["ok@example.com"]
    assert smtpd.messages(1)[0].rcpts == ["ok@example.com"]


def test_all_refused_is_an_smtp_exception_with_the_reply(smtpd, client_for):
    client = client_for(smtpd)
    m = MailMessage("a@example.com", "reject-all@example.com", "nobody", "b")
    with pytest.raises(SmtpFailedRecipientsException) as e:
        client.send(m)
    assert isinstance(e.value, SmtpException)
    assert e.value.code_name == "ALL_RECIPIENTS_REJECTED"
    assert not e.value.delivered
    assert e.value.failed_recipients[0].reply_code == 550
    assert smtpd.messages() == []


def test_connection_refused_and_missing_sender():
    port = free_port()  # nothing listens there
    with SmtpClient("127.0.0.1", port, security_options=SecurityOptions.NONE) as c:
        c.timeout = 3000
        with pytest.raises(SmtpException) as e:
            c.send(MailMessage("a@example.com", "b@example.com", "s", "b"))
        assert e.value.code_name == "CONNECT_FAILED"
        assert str(port) in e.value.detail
        with pytest.raises(ValueError) as e2:
            c.send(MailMessage(None, "b@example.com", "s", "b"))
        assert e2.value.code_name == "NO_SENDER"


def test_collection_gives_one_result_per_message(smtpd, client_for):
    client = client_for(smtpd)
    c = MailMessageCollection()
    for i in range(5):
        c.append(MailMessage("a@example.com", "bulk%d@example.com" % i, "Bulk %d" % i, "b"))
    bulk = client.send(c)
    assert bulk.ok and len(bulk) == 5 and bulk.sent == 5
    assert all(r.reply_code == 250 and r.queue_id for r in bulk)
    got = smtpd.messages(5)
    assert sorted(m.rcpts[0] for m in got) == ["bulk%d@example.com" % i for i in range(5)]
    bad = MailMessageCollection([MailMessage("a@example.com", "fine@example.com", "ok", "b"),
                                 MailMessage("a@example.com", "reject@example.com", "no", "b")])
    with pytest.raises(SmtpException) as e:
        client.send(bad)
    results = e.value.results
    assert [r.status.name for r in results] == ["SENT", "FAILED"]
    assert results[1].code_name == "ALL_RECIPIENTS_REJECTED"


def test_multi_connection_collection_uses_several_connections(smtpd, client_for):
    client = client_for(smtpd)
    client.use_multi_connection = ae.clients.MultiConnectionMode.ENABLE
    client.connections_quantity = 3
    seen = []
    client.set_progress_callback(lambda p: seen.append((p.done, p.total)))
    log = []
    client.set_protocol_log(lambda d, line: log.append(d + " " + line), connection_numbers=True)
    c = MailMessageCollection(MailMessage("a@example.com", "mc%d@example.com" % i, "MC", "b")
                              for i in range(9))
    assert client.send(c).sent == 9
    got = smtpd.messages(9)
    # Each of the 3 connections asked for is opened and used (the protocol log names them).
    greeted = {line.split()[1] for line in log if line.startswith("R [") and " 220" in line}
    assert len(greeted) == 3, log
    assert len({m.peer for m in got}) == 3, ([m.peer for m in got], log)
    assert seen and seen[-1] == (9, 9)


def test_forward_message_modes(smtpd, client_for):
    client = client_for(smtpd)
    raw = (b"From: Orig <orig@example.org>\r\nTo: first@example.org\r\nSubject: original\r\n"
           b"Message-ID: <fwd@example.org>\r\nDate: Wed, 6 Mar 2024 09:00:01 +0000\r\n"
           b"MIME-Version: 1.0\r\nContent-Type: text/plain\r\n\r\nthe body\r\n")
    m = MailMessage.load(raw)
    client.forward("desk@example.com", "redirect@example.com", m)
    client.forward("desk@example.com", ["resend1@example.com", "resend2@example.com"], m,
                   ForwardMode.RESEND)
    client.forward(ae.MailAddress("desk@example.com", "Desk"), "attach@example.com", m,
                   ForwardMode.ATTACH)
    got = {x.rcpts[0]: x for x in smtpd.messages(3)}
    assert got["redirect@example.com"].data == raw
    assert got["redirect@example.com"].mail_from == "desk@example.com"
    assert got["resend1@example.com"].rcpts == ["resend1@example.com", "resend2@example.com"]
    assert got["resend1@example.com"].message["Resent-From"] is not None
    att = got["attach@example.com"].message
    assert any(p.get_content_type() == "message/rfc822" for p in att.walk())


def test_forward_streams_a_file_object_and_a_path(smtpd, client_for, tmp_path):
    client = client_for(smtpd)
    raw = b"From: o@example.org\r\nTo: t@example.org\r\nSubject: streamed\r\n\r\n.dot line\r\n"
    p = tmp_path / "m.eml"
    p.write_bytes(raw)
    with open(p, "rb") as f:
        client.forward("s@example.com", "fd@example.com", f)
    client.forward("s@example.com", "bytesio@example.com", io.BytesIO(raw))
    client.forward("s@example.com", "path@example.com", str(p))
    got = {x.rcpts[0]: x for x in smtpd.messages(3)}
    for r in ("fd@example.com", "bytesio@example.com", "path@example.com"):
        assert got[r].data == raw, r
    with pytest.raises(FileNotFoundError):
        client.forward("s@example.com", "x@example.com", str(tmp_path / "missing.eml"))

    class Broken(io.RawIOBase):
        def readable(self):
            return True

        def read(self, n=-1):
            raise OSError("disk went away")

    with pytest.raises(OSError, match="disk went away"):
        client.forward("s@example.com", "broken@example.com", Broken())
    assert "broken@example.com" not in [m.rcpts[0] for m in smtpd.messages()]


def test_pickup_directory_and_queue(tmp_path, smtpd):
    with SmtpClient() as client:
        client.delivery_method = SmtpDeliveryMethod.SPECIFIED_PICKUP_DIRECTORY
        client.pickup_directory_location = str(tmp_path / "pickup")
        r = client.send(MailMessage("a@example.com", "p@example.com", "picked", "b"))
        assert os.path.exists(r.pickup_path)
        back = MailMessage.load_pickup_file(r.pickup_path)
        assert back.subject == "picked" and back.envelope_recipients == ["p@example.com"]
        with pytest.raises(ValueError):
            client.delivery_method = SmtpDeliveryMethod.PICKUP_DIRECTORY_FROM_IIS
    with SmtpClient("127.0.0.1", smtpd.port, security_options=SecurityOptions.NONE) as client:
        client.queue_directory = str(tmp_path / "queue")
        client.send_to_queue(MailMessage("a@example.com", "q@example.com", "queued", "b"))
        assert client.queue_state().queued == 1
        assert len(client.queue_list()) == 1
        assert client.drain_queue().delivered == 1
        assert smtpd.messages(1)[0].rcpts == ["q@example.com"]


def test_drain_with_the_server_down_raises_with_the_counts(tmp_path):
    port = free_port()  # nothing listens there
    with SmtpClient("127.0.0.1", port, security_options=SecurityOptions.NONE) as client:
        client.queue_directory = str(tmp_path / "queue")
        client.send_to_queue(MailMessage("a@example.com", "q@example.com", "queued", "b"))
        with pytest.raises(SmtpException) as e:
            client.drain_queue()
        assert e.value.code_name == "QUEUE_SERVER_UNAVAILABLE"
        assert e.value.counts.remaining == 1
        assert e.value.counts.delivered == 0 and e.value.counts.dead_lettered == 0
        assert client.queue_state().queued == 1  # the message stays queued


def test_protocol_log_capabilities_noop_background(smtpd, client_for):
    client = client_for(smtpd)
    lines = []
    client.set_protocol_log(lambda d, line: lines.append((d, line)))
    client.noop()
    caps = client.get_capabilities()
    assert any(c.startswith("SIZE") for c in caps)
    op = client.send_in_background(MailMessage("a@example.com", "bg@example.com", "bg", "b"))
    r = op.wait(30)
    assert r.reply_code == 250 and op.done()
    op.close()
    assert ("S", "NOOP") in [(d, l.strip()) for d, l in lines]
    r = client.send_raw("a@example.com", ["raw@example.com"], b"Subject: raw\r\n\r\nraw body\r\n")
    assert r.ok
    assert smtpd.messages(2)[-1].data.startswith(b"Subject: raw")
    client.set_protocol_log(None)


def test_validate_credentials_and_authenticated_send():
    from conftest import AioSmtpd
    srv = AioSmtpd("--user", "alice:wonderland")
    try:
        with SmtpClient("127.0.0.1", srv.port, "alice", "wonderland",
                        SecurityOptions.NONE) as c:
            assert c.validate_credentials() is True
            c.send(MailMessage("a@example.com", "authed@example.com", "authed", "b"))
        with SmtpClient("127.0.0.1", srv.port, "alice", "wrong", SecurityOptions.NONE) as c:
            assert c.validate_credentials() is False
            with pytest.raises(SmtpException) as e:
                c.send(MailMessage("a@example.com", "nope@example.com", "s", "b"))
            assert e.value.code_name == "AUTH_FAILED"
            assert e.value.reply_code == 535
        got = srv.messages(1)
        assert [m.rcpts for m in got] == [["authed@example.com"]]
        with open(os.path.join(srv.dir, got[0].name)) as f:
            assert "AUTH alice" in f.read()
    finally:
        srv.stop()


def test_postfix_smtp_sink_receives_it(smtp_sink):
    with SmtpClient("127.0.0.1", smtp_sink.port, security_options=SecurityOptions.NONE) as c:
        c.send(MailMessage("a@example.com", "sink@example.com", "to postfix", "hello sink"))
        c.send(MailMessage("a@example.com", "sink2@example.com", "to postfix 2", "again"))
    dumps = b"".join(smtp_sink.dumps(2))
    assert b"Subject: to postfix" in dumps and b"Subject: to postfix 2" in dumps
    assert b"hello sink" in dumps


def test_starttls_with_a_private_ca(tmp_path):
    """STARTTLS to aiosmtpd with a certificate from a test CA: trusted through set_ca_file, and
    through SSL_CERT_FILE (an unchanged seed block in a child process); refused without."""
    import subprocess
    import sys
    from conftest import AioSmtpd, SERVER
    subprocess.check_call([sys.executable, SERVER, "--gen-certs", str(tmp_path)])
    srv = AioSmtpd("--starttls", str(tmp_path / "server.pem"), str(tmp_path / "server.key"),
                   "--require-starttls", "--user", "alice:wonderland")
    try:
        with SmtpClient("localhost", srv.port, "alice", "wonderland",
                        SecurityOptions.SSL_EXPLICIT) as c:
            with pytest.raises(SmtpException) as e:
                c.send(MailMessage("a@example.com", "untrusted@example.com", "s", "b"))
            assert e.value.code_name == "CERTIFICATE_INVALID"
            c.set_ca_file(str(tmp_path / "ca.pem"))
            c.send(MailMessage("a@example.com", "tls@example.com", "over TLS", "b"))
        block = ("import missive as ae\n"
                 "from missive.clients import SmtpClient, SecurityOptions\n"
                 "eml = ae.MailMessage()\n"
                 "eml.subject = 'Message with Plain Text Body'\n"
                 "eml.body = 'This is text body.'\n"
                 "eml.from_address = 'from@gmail.com'\n"
                 "eml.to.append(ae.MailAddress('to@gmail.com', 'Recipient 1'))\n"
                 "client = SmtpClient('localhost', %d, 'alice', 'wonderland')\n"
                 "client.security_options = SecurityOptions.AUTO\n"
                 "client.send(eml)\n" % srv.port)
        env = dict(os.environ, SSL_CERT_FILE=str(tmp_path / "ca.pem"),
                   PYTHONPATH=os.path.join(os.path.dirname(__file__), "..", "src"))
        subprocess.check_call([sys.executable, "-c", block], env=env, timeout=60)
        got = {m.rcpts[0]: m for m in srv.messages(2)}
        assert set(got) == {"tls@example.com", "to@gmail.com"}
        for m in got.values():
            with open(os.path.join(srv.dir, m.name)) as f:
                env_text = f.read()
            assert "TLS yes" in env_text and "AUTH alice" in env_text, env_text
    finally:
        srv.stop()


def test_settings_on_the_class_itself_are_refused():
    """The seed's multi-connection block sets properties on the class; that must not silently
    replace them for every client."""
    client = ae.clients.smtp.SmtpClient
    with pytest.raises(TypeError, match="client = SmtpClient()"):
        client.host = "<HOST>"
    c = SmtpClient()
    c.host = "127.0.0.1"
    assert c.host == "127.0.0.1" and isinstance(SmtpClient.__dict__["host"], property)


def test_queue_url_file_and_invalid(tmp_path, smtpd):
    with SmtpClient("127.0.0.1", smtpd.port, security_options=SecurityOptions.NONE) as client:
        client.queue_url = "file://" + str(tmp_path / "q")
        client.set_queue_idempotent(True)
        m = MailMessage("a@example.com", "url@example.com", "by url", "b")
        client.send_to_queue(m)
        client.send_to_queue(m)  # the same Message-ID: not queued twice
        assert client.queue_state().queued == 1
        counts = client.drain_queue()
        assert counts.delivered == 1
        assert [x.rcpts for x in smtpd.messages()].count(["url@example.com"]) == 1
        with pytest.raises(ValueError) as e:
            client.queue_url = "ftp://example.com/q"
        assert e.value.code == ae.Result.QUEUE_URL_INVALID


def test_token_provider_refreshes_once_and_proxy_errors():
    from conftest import AioSmtpd
    server = AioSmtpd("--token", "carol:fresh-token-42", "--mechs", "XOAUTH2,OAUTHBEARER")
    try:
        asked = []

        def provider(refresh):
            asked.append(refresh)
            return "fresh-token-42" if refresh else "stale-token-1"

        with SmtpClient("127.0.0.1", server.port, security_options=SecurityOptions.NONE) as c:
            c.username = "carol"
            c.token_provider = provider
            c.send(MailMessage("a@example.com", "oauth@example.com", "oauth", "b"))
            assert asked == [False, True]
            assert "oauth@example.com" in [r for m in server.messages() for r in m.rcpts]

            def offline(refresh):
                raise RuntimeError("offline")
            c.close_connections()
            c.token_provider = offline
            with pytest.raises(SmtpException) as e:
                c.send(MailMessage("a@example.com", "oauth2@example.com", "oauth", "b"))
            assert e.value.code == ae.Result.TOKEN_PROVIDER_FAILED
            assert "offline" in str(e.value)
            c.token_provider = None

            c.proxy = "socks5://127.0.0.1:%d" % free_port()  # nobody listens there
            c.close_connections()
            with pytest.raises(SmtpException) as e:
                c.send(MailMessage("a@example.com", "p@example.com", "proxy", "b"))
            assert e.value.code == ae.Result.PROXY_FAILED
            with pytest.raises(ValueError):
                c.proxy = "gopher://127.0.0.1:1"
    finally:
        server.stop()
