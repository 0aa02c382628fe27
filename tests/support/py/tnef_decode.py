"""Decodes a winmail.dat with PyPI tnefparse (an independent TNEF reader) for missive's tests.

Usage: tnef_decode.py MESSAGE.EML|WINMAIL.DAT OUTDIR
Python's email package finds the application/ms-tnef part and checks the outer MIME (multipart/
mixed, text/plain first, base64 winmail.dat, X-MS-TNEF-Correlator); the part is saved as
OUTDIR/winmail.dat. tnefparse then decodes it; what it found is written as one file per fact
(OUTDIR/subject, body, html, correlation_key, ..., att/<i>.data, att/<i>.name, outer_*), so
that the Rust test needs no JSON parser.
"""
import email
import os
import email.policy
import sys

try:
    from tnefparse import TNEF
    from tnefparse import properties as P
except ImportError:
    sys.exit("tnefparse is missing: pip install tnefparse")

raw = open(sys.argv[1], "rb").read()
outdir = sys.argv[2]
if raw[:4] == b"\x78\x9f\x3e\x22":
    # A bare TNEF stream (a fixture), not a message.
    with open(f"{outdir}/winmail.dat", "wb") as f:
        f.write(raw)
    raw = b"Content-Type: application/ms-tnef\r\n\r\n"
msg = email.message_from_bytes(raw, policy=email.policy.default)
parts = list(msg.iter_parts()) if msg.is_multipart() else []
tnef_parts = [p for p in msg.walk() if p.get_content_type() == "application/ms-tnef"]
if len(tnef_parts) != 1:
    sys.exit(f"expected one application/ms-tnef part, found {len(tnef_parts)}")
tp = tnef_parts[0]
outer = {
    "content_type": msg.get_content_type(),
    "part_types": [p.get_content_type() for p in parts],
    "tnef_name_param": tp.get_param("name"),
    "tnef_filename": tp.get_filename(),
    "tnef_cte": str(tp.get("Content-Transfer-Encoding", "")).lower(),
    "correlator": str(msg.get("X-MS-TNEF-Correlator", "")),
    "message_id": str(msg.get("Message-ID", "")),
    "subject_header": str(msg.get("Subject", "")),
    "text_part": parts[0].get_content() if parts and parts[0].get_content_type() == "text/plain" else None,
}
if os.path.exists(f"{outdir}/winmail.dat"):
    data = open(f"{outdir}/winmail.dat", "rb").read()
else:
    data = tp.get_payload(decode=True)
    with open(f"{outdir}/winmail.dat", "wb") as f:
        f.write(data)
t = TNEF(data, do_checksum=True)
bad = [o.name for o in t.objects if not o.good_checksum]
subject = None
for o in t.msgprops:
    if o.name == TNEF.ATTSUBJECT:
        subject = o.data
mapi_subject = None
for p in t.mapiprops:
    if p.name == P.MAPI_SUBJECT:
        mapi_subject = p.data

def put(name, value):
    if value is None:
        return
    if isinstance(value, str):
        value = value.encode("utf-8")
    with open(os.path.join(outdir, name), "wb") as f:
        f.write(value)

put("subject", subject)
put("mapi_subject", mapi_subject)
body = t.body
put("body", body)
html = t.htmlbody
put("html", html)
put("bad_checksums", str(len(bad)))
put("codepage", str(t.codepage))
for p in t.mapiprops:
    if p.name == P.MAPI_TNEF_CORRELATION_KEY:
        put("correlation_key", p.data)
    if p.name == P.MAPI_SMTP_MESSAGE_ID:
        put("internet_message_id", p.data)
    if p.name == P.MAPI_IMPORTANCE:
        put("importance", str(p.data))
    if p.name == P.MAPI_SENDER_EMAIL_ADDRESS:
        put("sender_email", p.data)
    if p.name == P.MAPI_DISPLAY_TO:
        put("display_to", p.data)
for o in t.msgprops:
    if o.name == TNEF.ATTRECIPTABLE:
        addrs = []
        for row in o.data:
            for a in row:
                if a.name == P.MAPI_EMAIL_ADDRESS:
                    addrs.append(a.data)
        put("recipients", "\n".join(addrs))
os.makedirs(os.path.join(outdir, "att"), exist_ok=True)
put("att_count", str(len(t.attachments)))
for i, a in enumerate(t.attachments):
    put(f"att/{i}.data", a.data)
    put(f"att/{i}.name", a.long_filename())
    for m in a.mapi_attrs:
        if m.name == P.MAPI_ATTACH_MIME_TAG:
            put(f"att/{i}.mime", m.data)
        if m.name == P.MAPI_ATTACH_CONTENT_ID:
            put(f"att/{i}.cid", m.data)
for k, v in outer.items():
    if isinstance(v, list):
        v = ",".join(v)
    put("outer_" + k, v)
