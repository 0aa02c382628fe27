#!/usr/bin/env python3
"""Checks MIME messages written by missive with Python's standard `email` package.

Usage: check_mime.py [--envelope] FILE.eml...

For every FILE.eml, FILE.json (when present) holds what the Rust test built: the tree of
content types, addresses, subject, headers, and the expected leaves (text bodies inline,
binary parts as `.bin` files beside the .eml). Checks applied to every file:

  * parses with email.policy.default and no defect on the message or any part;
  * CRLF line endings only (no bare LF or CR anywhere in the raw bytes);
  * no line longer than 998 octets (without its CRLF);
  * no Bcc header; MIME-Version present.

With --envelope, each file is a pickup-directory file: it must start with one `X-Sender:` line
and one or more `X-Receiver:` lines, which are removed (and compared with the expectation's
"envelope" when there is one) before the message is checked.

Exits 1 listing every failure, 0 when all files pass. Standard library only.
"""

import email
import email.policy
import email.utils
import hashlib
import json
import os
import sys


ADDRESS_HEADERS = {"from", "sender", "to", "cc", "reply-to"}


class Checker:
    def __init__(self):
        self.failures = []
        self.checked = 0

    def fail(self, name, what):
        self.failures.append(f"{name}: {what}")


def norm_text(s):
    """CRLF and LF are the same; a single trailing newline does not count."""
    s = s.replace("\r\n", "\n").replace("\r", "\n")  # the writer makes every line break CRLF
    if s.endswith("\n"):
        s = s[:-1]
    return s


def short(v, n=160):
    r = repr(v)
    return r if len(r) <= n else r[:n] + f"...(+{len(r) - n} chars)"


def tree(part):
    ct = part.get_content_type()
    if part.is_multipart():
        return ct + "[" + ",".join(tree(p) for p in part.get_payload()) + "]"
    return ct


def raw_checks(c, name, raw):
    lines = raw.split(b"\r\n")
    for i, line in enumerate(lines):
        if b"\n" in line:
            c.fail(name, f"bare LF in line {i + 1}: {short(line[:80])}")
            break
    for i, line in enumerate(lines):
        if b"\r" in line:
            c.fail(name, f"bare CR in line {i + 1}: {short(line[:80])}")
            break
    for i, line in enumerate(lines):
        if len(line) > 998:
            c.fail(name, f"line {i + 1} is {len(line)} octets long (limit 998): {short(line[:60])}")
            break
    # RFC 5322's body may end without a final CRLF, so that is not checked.


def strip_envelope(c, name, raw):
    sender, receivers, pos = None, [], 0
    while True:
        end = raw.find(b"\r\n", pos)
        if end < 0:
            break
        line = raw[pos:end]
        if pos == 0:
            if not line.startswith(b"X-Sender: "):
                c.fail(name, f"pickup file does not start with 'X-Sender: ': {short(line[:80])}")
                return None, [], raw
            sender = line[len(b"X-Sender: "):].decode("utf-8", "replace")
        elif line.startswith(b"X-Receiver: "):
            receivers.append(line[len(b"X-Receiver: "):].decode("utf-8", "replace"))
        else:
            break
        pos = end + 2
    if not receivers:
        c.fail(name, "pickup file has no X-Receiver line")
    return sender, receivers, raw[pos:]


def addresses(msg, header):
    h = msg[header]
    if h is None:
        return []
    out = []
    for a in h.addresses:
        out.append([a.display_name or None, a.addr_spec])
    return out


def check_leaf(c, name, i, part, want, base_dir):
    label = f"leaf {i + 1} ({want.get('ct')})"
    ct = part.get_content_type()
    if ct != want["ct"].lower():
        c.fail(name, f"{label}: content type is {ct}")
    for k, v in want.get("params", []):
        got = part.get_param(k)
        if isinstance(got, tuple):
            got = email.utils.collapse_rfc2231_value(got)
        if got is None or (got.lower() if k.lower() == "charset" else got) != (
            v.lower() if k.lower() == "charset" else v
        ):
            c.fail(name, f"{label}: parameter {k} is {short(got)}, expected {short(v)}")
    for k in want.get("absent_params", []):
        if part.get_param(k) is not None:
            c.fail(name, f"{label}: unexpected parameter {k}={short(part.get_param(k))} (binary content)")
    if "text" in want:
        try:
            got = part.get_content()
        except Exception as e:  # noqa: BLE001 - reported as a failure
            c.fail(name, f"{label}: cannot decode the text: {e!r}")
            return
        if not isinstance(got, str):
            c.fail(name, f"{label}: content is not text but {type(got).__name__}")
        elif norm_text(got) != norm_text(want["text"]):
            g, w = norm_text(got), norm_text(want["text"])
            at = next((j for j in range(min(len(g), len(w))) if g[j] != w[j]), min(len(g), len(w)))
            c.fail(
                name,
                f"{label}: text differs at char {at} (got {len(g)} chars, expected {len(w)}): "
                f"got {short(g[max(0, at - 20):at + 40])}, expected {short(w[max(0, at - 20):at + 40])}",
            )
    if "file" in want:
        with open(os.path.join(base_dir, want["file"]), "rb") as f:
            expected = f.read()
        got = part.get_payload(decode=True) or b""
        if hashlib.sha256(got).hexdigest() != hashlib.sha256(expected).hexdigest():
            c.fail(
                name,
                f"{label}: bytes differ (sha256 mismatch; got {len(got)} bytes, expected {len(expected)})",
            )
        cte = (part.get("Content-Transfer-Encoding") or "").strip().lower()
        if cte not in ("base64", "quoted-printable", "7bit") and expected and any(b > 127 for b in expected):
            c.fail(name, f"{label}: 8-bit bytes with Content-Transfer-Encoding {cte!r}")
    if "filename" in want:
        got = part.get_filename()
        if got != want["filename"]:
            c.fail(name, f"{label}: filename is {short(got)}, expected {short(want['filename'])}")
    if "cid" in want:
        got = part.get("Content-ID")
        got = None if got is None else str(got).strip()
        exp = None if want["cid"] is None else f"<{want['cid']}>"
        if got != exp:
            c.fail(name, f"{label}: Content-ID is {short(got)}, expected {short(exp)}")
    if "disposition" in want:
        got = part.get_content_disposition()
        if got != want["disposition"]:
            c.fail(name, f"{label}: disposition is {got}, expected {want['disposition']}")


def check_expectation(c, name, msg, raw, want, base_dir):
    got_tree = tree(msg)
    if got_tree != want["tree"]:
        c.fail(name, f"tree is {got_tree}, expected {want['tree']}")
    subj = msg["Subject"]
    subj = "" if subj is None else str(subj)
    if subj != want["subject"]:
        c.fail(name, f"subject is {short(subj)}, expected {short(want['subject'])}")
    for key, header in [("from", "From"), ("sender", "Sender"), ("to", "To"), ("cc", "Cc"),
                        ("reply_to", "Reply-To")]:
        try:
            got = addresses(msg, header)
        except Exception as e:  # noqa: BLE001
            c.fail(name, f"{header}: cannot parse the addresses: {e!r}")
            continue
        exp = [list(a) for a in want[key]]
        if got != exp:
            if len(got) != len(exp):
                c.fail(name, f"{header}: {len(got)} addresses, expected {len(exp)}: {short(got)}")
            else:
                for g, e in zip(got, exp):
                    if g != e:
                        c.fail(name, f"{header}: got {short(g)}, expected {short(e)}")
    for _, a in want.get("bcc", []):
        if a.encode("utf-8") in raw:
            c.fail(name, f"the Bcc address {a} appears in the message")
    for hname, value in want.get("headers", []):
        got = [str(v) for v in msg.get_all(hname, [])]
        if value not in got:
            c.fail(name, f"header {hname}: got {short(got)}, expected {short(value)}")
    for hname in want.get("absent_headers", []):
        if msg[hname] is not None:
            c.fail(name, f"header {hname} must not be present, got {short(str(msg[hname]))}")
    for s in want.get("raw_contains", []):
        if s.encode("utf-8") not in raw:
            c.fail(name, f"the raw message does not contain {short(s)}")
    for s in want.get("raw_absent", []):
        if s.encode("utf-8") in raw:
            c.fail(name, f"the raw message contains {short(s)}")
    if "date" in want:
        ts, off = want["date"]
        d = msg["Date"]
        dt = getattr(d, "datetime", None) if d is not None else None
        if dt is None:
            c.fail(name, f"no parseable Date header: {short(d)}")
        else:
            if int(dt.timestamp()) != ts:
                c.fail(name, f"Date is {dt.isoformat()} ({int(dt.timestamp())}), expected {ts}")
            got_off = dt.utcoffset()
            got_off = None if got_off is None else int(got_off.total_seconds() // 60)
            if got_off != off:
                c.fail(name, f"Date offset is {got_off} minutes, expected {off}")
    mid = msg["Message-ID"]
    if mid is None:
        c.fail(name, "no Message-ID header")
    else:
        mid = str(mid).strip()
        if want.get("message_id") is not None and mid != f"<{want['message_id']}>":
            c.fail(name, f"Message-ID is {short(mid)}, expected <{want['message_id']}>")
        if not (mid.startswith("<") and mid.endswith(">") and "@" in mid):
            c.fail(name, f"Message-ID {short(mid)} is not <left@right>")
    leaves = [p for p in msg.walk() if not p.is_multipart()]
    wl = want.get("leaves", [])
    if len(leaves) != len(wl):
        c.fail(name, f"{len(leaves)} leaf parts, expected {len(wl)}")
    for i, (part, w) in enumerate(zip(leaves, wl)):
        check_leaf(c, name, i, part, w, base_dir)
    env = want.get("envelope")
    return env


def check_file(c, path, envelope_mode):
    name = os.path.basename(path)
    with open(path, "rb") as f:
        raw = f.read()
    sender, receivers = None, []
    if envelope_mode:
        sender, receivers, raw = strip_envelope(c, name, raw)
    raw_checks(c, name, raw)
    want_path = os.path.splitext(path)[0] + ".json"
    want = None
    if os.path.exists(want_path):
        with open(want_path, encoding="utf-8") as f:
            want = json.load(f)
    # RFC 6532 messages (a non-ASCII local part, SMTPUTF8) carry UTF-8 in address headers.
    # BytesParser would turn those bytes into surrogates, so such messages are parsed from text,
    # and the one defect the email package always reports for them is tolerated.
    smtputf8 = bool(want and want.get("smtputf8"))
    tolerated = {"NonASCIILocalPartDefect"} if smtputf8 else set()
    try:
        if smtputf8:
            msg = email.message_from_string(raw.decode("utf-8"), policy=email.policy.default)
        else:
            msg = email.message_from_bytes(raw, policy=email.policy.default)
    except Exception as e:  # noqa: BLE001
        c.fail(name, f"the email package cannot parse the message: {e!r}")
        return
    for i, part in enumerate(msg.walk()):
        if part.defects:
            c.fail(name, f"part {i} ({part.get_content_type()}) has defects: {part.defects!r}")
        # Header values are parsed lazily: force every header, collecting their defects too.
        for k, v in part.items():
            for d in getattr(v, "defects", ()):
                if type(d).__name__ in tolerated and k.lower() in ADDRESS_HEADERS:
                    continue
                c.fail(name, f"part {i} header {k}: defect {d!r}")
    if msg["Bcc"] is not None:
        c.fail(name, f"a Bcc header is present: {short(str(msg['Bcc']))}")
    if msg["MIME-Version"] is None:
        c.fail(name, "no MIME-Version header")
    if want is not None:
        check_expectation(c, name, msg, raw, want, os.path.dirname(path))
        env = want.get("envelope")
        if envelope_mode and env is not None:
            if sender != env["sender"]:
                c.fail(name, f"X-Sender is {short(sender)}, expected {short(env['sender'])}")
            if receivers != env["receivers"]:
                c.fail(name, f"X-Receiver lines are {short(receivers)}, expected {short(env['receivers'])}")
    c.checked += 1


def main(argv):
    envelope_mode = False
    files = []
    for a in argv[1:]:
        if a == "--envelope":
            envelope_mode = True
        else:
            files.append(a)
    if not files:
        print("usage: check_mime.py [--envelope] FILE.eml...", file=sys.stderr)
        return 2
    c = Checker()
    for path in files:
        try:
            check_file(c, path, envelope_mode)
        except Exception as e:  # noqa: BLE001 - a crash of the checker is a failure too
            c.fail(os.path.basename(path), f"checker crashed: {e!r}")
    if c.failures:
        print(f"FAILED: {len(c.failures)} problem(s) in {len(files)} file(s):")
        for f in c.failures:
            print("  " + f)
        return 1
    print(f"OK: {c.checked} message(s) passed")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
