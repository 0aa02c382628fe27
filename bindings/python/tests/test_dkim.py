"""DKIM signing and one-click unsubscribe from Python: what the client delivers verifies in
dkimpy (PyPI, its DNS lookup answered from the test keys), and a changed body byte fails."""
import os

import dkim
import pytest

from missive import MailMessage, Result
from missive._native import DkimAlgorithm
from missive.clients import SmtpClient, SecurityOptions
from missive.clients.smtp import SmtpDeliveryMethod

from conftest import ROOT

KEYS = os.path.join(ROOT, "tests", "fixtures", "dkim")


def _dnsfunc():
    records = {}
    for line in open(os.path.join(KEYS, "keys.txt"), encoding="ascii"):
        if line.strip():
            name, record = line.split(None, 1)
            records[name.lower()] = record.strip().encode()

    def dnsfunc(name, timeout=5):
        if isinstance(name, bytes):
            name = name.decode()
        return records.get(name.lower().rstrip("."), b"")
    return dnsfunc


def _message_bytes(path):
    raw = open(path, "rb").read()
    lines = raw.split(b"\n")
    i = 0
    while i < len(lines) and lines[i].lower().startswith((b"x-sender:", b"x-receiver:")):
        i += 1
    return b"\n".join(lines[i:])


def test_signed_pickup_file_verifies_and_tampering_fails(tmp_path):
    with SmtpClient() as client:
        client.delivery_method = SmtpDeliveryMethod.SPECIFIED_PICKUP_DIRECTORY
        client.pickup_directory_location = str(tmp_path)
        client.add_dkim_signer_file("example.com", "rsa8", os.path.join(KEYS, "rsa-pkcs8.pem"))
        with open(os.path.join(KEYS, "ed25519.pem"), "rb") as f:
            client.add_dkim_signer("example.com", "ed", f.read(), DkimAlgorithm.ED25519_SHA256)
        assert client.dkim_signer_count == 2
        m = MailMessage("news@example.com", "reader@example.org", "Weekly", "Hello,\nnews.\n")
        m.set_list_unsubscribe("https://example.com/unsub?u=1", "unsub@example.com")
        r = client.send(m)
    data = _message_bytes(r.pickup_path)
    assert b"List-Unsubscribe-Post: List-Unsubscribe=One-Click" in data
    assert data.count(b"DKIM-Signature:") == 2
    for idx in (0, 1):
        assert dkim.DKIM(data).verify(idx=idx, dnsfunc=_dnsfunc()), "signature %d fails" % idx
    # The one-click fields are covered by each signature's h= list.
    header = data.split(b"\r\n\r\n", 1)[0].replace(b"\r\n\t", b"").replace(b"\r\n ", b"")
    for line in header.split(b"\r\n"):
        if line.lower().startswith(b"dkim-signature:"):
            tags = dict(t.strip().split(b"=", 1) for t in line.split(b":", 1)[1].split(b";")
                        if b"=" in t)
            signed = [h.strip().lower() for h in tags[b"h"].replace(b" ", b"").split(b":")]
            assert b"list-unsubscribe" in signed and b"list-unsubscribe-post" in signed
    tampered = data.replace(b"news.", b"newz.")
    assert tampered != data
    for idx in (0, 1):
        try:
            ok = dkim.DKIM(tampered).verify(idx=idx, dnsfunc=_dnsfunc())
        except dkim.ValidationError:
            ok = False
        assert not ok, "a changed body byte still verifies (signature %d)" % idx


def test_bad_key_and_missing_key_file(tmp_path):
    with SmtpClient() as client:
        with pytest.raises(ValueError) as e:
            client.add_dkim_signer("example.com", "s", b"not a key")
        assert e.value.code == Result.DKIM_KEY_INVALID
        with pytest.raises(FileNotFoundError):
            client.add_dkim_signer_file("example.com", "s", str(tmp_path / "missing.pem"))
        assert client.dkim_signer_count == 0
    m = MailMessage("a@example.com", "b@example.org", "s", "b")
    with pytest.raises(ValueError) as e:
        m.set_list_unsubscribe("ftp://example.com/x")
    assert e.value.code == Result.LIST_UNSUBSCRIBE_INVALID
