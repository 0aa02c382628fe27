#!/usr/bin/env python3
"""Verifies the DKIM signatures of messages with two verifiers missive did not write:
dkimpy (PyPI `dkimpy`, its DNS lookup replaced by a stub that answers from the key file) and
OpenDKIM (Debian's `opendkim` in test mode, `opendkim -t`, with `TestPublicKeys`).

  dkim_verify.py KEYS FILE...

KEYS has one line per public key: `<selector>._domainkey.<domain> v=DKIM1; k=...; p=...`.
Each FILE is a message as delivered (a pickup file's X-Sender / X-Receiver envelope lines
first are skipped: they are not part of the message). Every DKIM-Signature field of a message
is checked on its own: dkimpy by index, OpenDKIM on a copy that holds only that signature
(each signer signs the message without the other signatures, so that copy must verify).

Prints one JSON object per FILE: {"file", "signatures": [{"d", "s", "a", "dkimpy",
"opendkim", "opendkim_text"}]}.
"""
import json
import os
import re
import subprocess
import sys
import tempfile

import dkim


def load_keys(path):
    keys = {}
    for line in open(path, encoding="ascii"):
        line = line.strip()
        if line:
            name, record = line.split(None, 1)
            keys[name.lower().rstrip(".")] = record
    return keys


def message_bytes(raw):
    # A pickup file starts with the envelope lines; the message follows.
    lines = raw.split(b"\n")
    i = 0
    while i < len(lines) and re.match(rb"(?i)^x-(sender|receiver):", lines[i]):
        i += 1
    return b"\n".join(lines[i:])


def split_header(msg):
    """The header section (ending with its last line break) and the rest (from the empty line)."""
    m = re.search(rb"\r?\n(\r?\n)", msg)
    if not m:
        return msg, b""
    return msg[: m.start(1)], msg[m.start(1) :]


def fields(header):
    """Splits a header section into whole fields (with their folded lines)."""
    out = []
    for line in re.split(rb"(?<=\n)", header):
        if not line:
            continue
        if line[:1] in (b" ", b"\t") and out:
            out[-1] += line
        else:
            out.append(line)
    return out


def tags(field):
    value = field.split(b":", 1)[1]
    value = re.sub(rb"\s+", b"", value).decode("ascii", "replace")
    return dict(t.split("=", 1) for t in value.split(";") if "=" in t)


def main():
    keys = load_keys(sys.argv[1])

    def dnsfunc(name, timeout=5):
        if isinstance(name, bytes):
            name = name.decode()
        return keys.get(name.lower().rstrip("."), "").encode()

    tmp = tempfile.mkdtemp(prefix="dkim-verify-")
    conf = os.path.join(tmp, "opendkim.conf")
    with open(conf, "w") as f:
        f.write("Mode v\nSyslog no\nTestPublicKeys %s\n" % os.path.abspath(sys.argv[1]))
    for path in sys.argv[2:]:
        msg = message_bytes(open(path, "rb").read())
        header, body = split_header(msg)
        all_fields = fields(header)
        sig_fields = [f for f in all_fields if f.lower().startswith(b"dkim-signature:")]
        d = dkim.DKIM(msg)
        results = []
        for i, sf in enumerate(sig_fields):
            t = tags(sf)
            try:
                ok_py = bool(d.verify(idx=i, dnsfunc=dnsfunc))
            except Exception as e:  # a verifier error is a failure, reported
                ok_py = False
            # OpenDKIM: a copy with only this signature.
            others = [f for f in sig_fields if f is not sf]
            only = b"".join(f for f in all_fields if not any(f is o for o in others)) + body
            one = os.path.join(tmp, "one.eml")
            with open(one, "wb") as f:
                f.write(only)
            p = subprocess.run(
                ["opendkim", "-x", conf, "-t", one], capture_output=True, text=True
            )
            text = (p.stdout + p.stderr).strip()
            ok_od = "verification" in text and "succeeded" in text and "failed" not in text
            results.append(
                {
                    "d": t.get("d"),
                    "s": t.get("s"),
                    "a": t.get("a"),
                    "h": t.get("h"),
                    "dkimpy": ok_py,
                    "opendkim": ok_od,
                    "opendkim_text": text,
                }
            )
        print(json.dumps({"file": path, "signatures": results}), flush=True)


if __name__ == "__main__":
    main()
