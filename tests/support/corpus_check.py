#!/usr/bin/env python3
"""Checks the corpus test's results (tests/corpus.rs) with Python's `email` package.

Usage: corpus_check.py MANIFEST.jsonl RESULTS.jsonl

Each manifest line describes one corpus message:
  {"id": str, "input": path, "loaded": bool, "view": {...} | null, "edited": path | null,
   "marker": str, "added_to": str}
where `view` is the library's reading of the input (lists of lowercased addr-specs for
from/sender/to/cc/bcc/reply_to, subject, date as epoch seconds, date_offset in minutes,
message_id without angle brackets) and `edited` the message saved after adding the `added_to`
recipient and replacing the text body with a text containing `marker`.

A message is parseable when Python reads it without raising and finds a header field in it.

Each result line:
  {"id": str, "parseable": bool, "note": str | null, "field_diffs": [str],
   "edit_checked": bool, "edit_problems": [str]}

(i)  field_diffs: each field where the library's view disagrees with Python's reading of the
     input (addresses by email.utils.getaddresses on the raw values, subject by policy.default /
     email.header.decode_header, date by email.utils.parsedate_to_datetime, Message-ID without <>).
(ii) edit_problems: what the edited output lost or broke compared with the input: MIME tree of
     content types, decoded payloads of the leaf parts but the edited text body, attachments
     (iter_attachments) by SHA-256, defects per part, the text body with the new text, From,
     the HTML body, the To addresses plus the added one.

Standard library only.
"""

import collections
import datetime
import email
import email.policy
import hashlib
import json
import re
import sys
from email.header import decode_header, make_header
from email.utils import getaddresses, parsedate_to_datetime

ADDRESS_FIELDS = [
    ("from", "From"),
    ("sender", "Sender"),
    ("to", "To"),
    ("cc", "Cc"),
    ("bcc", "Bcc"),
    ("reply_to", "Reply-To"),
]

FOLD = re.compile(r"\r?\n(?=[ \t])|\r(?=[ \t])")


def short(value, limit=120):
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def raw_text(value):
    """A raw header value (str with surrogate escapes for 8-bit bytes) as text, unfolded."""
    if not isinstance(value, str):
        value = str(value)
    # 8-bit bytes: UTF-8 where they are, U+FFFD where not (what policy.default shows too).
    text = value.encode("ascii", "surrogateescape").decode("utf-8", "replace")
    return FOLD.sub("", text)


def norm_ws(text):
    return " ".join(text.split())


def raw_headers(msg):
    """name (lowercased) -> list of unfolded raw values, in order."""
    out = collections.defaultdict(list)
    for name, value in msg.raw_items():
        out[name.strip().lower()].append(raw_text(value))
    return out


def addr_list(values):
    found = []
    for _name, addr in getaddresses(values):
        addr = addr.strip().lower()
        if addr:
            found.append(addr)
    return found


def python_view(raw):
    """Python's reading of the fields, or None for a field the message does not have."""
    view = {}
    for key, name in ADDRESS_FIELDS:
        # Every field of that name, as in getaddresses(msg.get_all(name)).
        values = raw.get(name.lower())
        view[key] = addr_list(values) if values else None
    subjects = raw.get("subject")
    view["subject"] = subjects[0] if subjects else None
    dates = raw.get("date")
    view["date"] = None
    view["date_offset"] = None
    if dates:
        try:
            dt = parsedate_to_datetime(dates[0])
        except (TypeError, ValueError, IndexError, OverflowError):
            dt = None
        if dt is not None:
            if dt.tzinfo is None:
                # -0000 and unknown zones (RFC 5322: military zones mean -0000): UTC.
                view["date"] = int(dt.replace(tzinfo=datetime.timezone.utc).timestamp())
                view["date_offset"] = 0
            else:
                view["date"] = int(dt.timestamp())
                view["date_offset"] = int(dt.utcoffset().total_seconds() // 60)
    ids = raw.get("message-id")
    view["message_id"] = None
    if ids:
        mid = ids[0].strip()
        m = re.search(r"<([^>]*)>", mid)
        view["message_id"] = (m.group(1) if m else mid).strip()
    return view


def subject_candidates(default_msg, raw_subject):
    """Python's decodings of the Subject: policy.default, and decode_header on the raw value."""
    cands = []
    try:
        value = default_msg["subject"]
        if value is not None:
            cands.append(str(value))
    except Exception:  # noqa: BLE001 - a header Python cannot parse has no candidate
        pass
    try:
        cands.append(str(make_header(decode_header(raw_subject))))
    except Exception:  # noqa: BLE001
        pass
    return [norm_ws(c) for c in cands]


def compare_fields(lib, default_msg, compat_msg, partial):
    """Each disagreement between the library's view and Python's, as a string."""
    raw = raw_headers(compat_msg)
    py = python_view(raw)
    diffs = []
    for key, name in ADDRESS_FIELDS:
        mine = lib.get(key) or []
        theirs = py[key]
        if theirs is None and partial:
            continue
        if mine != (theirs or []):
            odd = [a for a in theirs or [] if "@" not in a]
            why = f" (python's {odd} lack a domain)" if odd else ""
            diffs.append(f"{name}: library={mine} python={theirs or []}{why}")
    # Subject
    mine = norm_ws(lib.get("subject") or "")
    if py["subject"] is None:
        if mine and not partial:
            diffs.append(f"Subject: library={short(mine)} python=(none)")
    else:
        cands = subject_candidates(default_msg, py["subject"])
        if cands and mine not in cands:
            diffs.append(f"Subject: library={short(mine)} python={short(cands[0])}")
    # Date
    if not (partial and py["date"] is None and "date" not in raw):
        if lib.get("date") != py["date"]:
            diffs.append(
                f"Date: library={lib.get('date')} python={py['date']}"
                f" (raw {short((raw.get('date') or [None])[0])})"
            )
        elif py["date"] is not None and lib.get("date_offset") != py["date_offset"]:
            diffs.append(
                f"Date offset: library={lib.get('date_offset')} python={py['date_offset']}"
                f" (raw {short(raw['date'][0])})"
            )
    # Message-ID
    if not (partial and py["message_id"] is None):
        if (lib.get("message_id") or None) != (py["message_id"] or None):
            diffs.append(
                f"Message-ID: library={short(lib.get('message_id'))} python={short(py['message_id'])}"
            )
    return diffs


# ---- MIME structure ----


def children(part):
    if part.is_multipart():
        payload = part.get_payload()
        if isinstance(payload, list):
            return payload
    return []


def walk_paths(msg, path=()):
    yield path, msg
    for i, child in enumerate(children(msg)):
        yield from walk_paths(child, path + (i,))


def tree(part):
    kids = children(part)
    ctype = part.get_content_type()
    return (ctype, tuple(tree(k) for k in kids)) if kids or part.is_multipart() else ctype


def tree_without(part, skip):
    """tree(), leaving out the part `skip`."""
    kids = [k for k in children(part) if k is not skip]
    ctype = part.get_content_type()
    if kids or part.is_multipart():
        return (ctype, tuple(tree_without(k, skip) for k in kids))
    return ctype


def tree_text(t):
    if isinstance(t, str):
        return t
    return f"{t[0]}[{', '.join(tree_text(k) for k in t[1])}]"


def payload_digest(part):
    data = part.get_payload(decode=True)
    if data is None:
        data = b""
    if isinstance(data, str):
        data = data.encode("utf-8", "surrogateescape")
    if part.get_content_maintype() in ("text", "message", "multipart"):
        # Line breaks are transport form (CRLF on the wire, LF in many stored files), and a
        # writer may end the last line: neither loses content. (A multipart without parts, e.g.
        # one with no boundary, is read as text: Python keeps the line break before the next
        # delimiter in its payload when it is the last part.)
        data = data.replace(b"\r\n", b"\n").replace(b"\r", b"\n").rstrip(b"\n")
    return hashlib.sha256(data).hexdigest()[:16]


def part_digest(part, skip=None):
    """Leaf: hash of the decoded payload; container: hash of its leaves' hashes, leaving out the
    part `skip` (the edited body, when a container attachment holds it)."""
    if not children(part):
        return payload_digest(part)
    h = hashlib.sha256()
    for _p, sub in walk_paths(part):
        if not children(sub) and sub is not skip:
            h.update(f"{sub.get_content_type()}:{payload_digest(sub)};".encode())
    return h.hexdigest()[:16]


def leaves(msg):
    """path -> (content type, digest) of every part without children."""
    return {
        path: (part.get_content_type(), payload_digest(part))
        for path, part in walk_paths(msg)
        if not children(part)
    }


def part_at(msg, path):
    for p, part in walk_paths(msg):
        if p == path:
            return part
    return None


def how_changed(before, after):
    """Why two leaves with the same type differ, when it is only the charset or the encoding."""
    detail = []
    for what, get in (
        ("charset", lambda p: p.get_param("charset")),
        ("encoding", lambda p: p.get("content-transfer-encoding")),
    ):
        x, y = (norm_ws(str(v)).lower() if v is not None else None for v in (get(before), get(after)))
        if x != y:
            detail.append(f"{what} {x} -> {y}")
    if before.get_content_maintype() == "text":
        same = norm_ws(text_of(before)) == norm_ws(text_of(after))
        detail.append("same text" if same else "different text")
    return f" ({', '.join(detail)})" if detail else ""


def attachments(msg, skip_path):
    """(content type, digest) of every part iter_attachments() yields, on every multipart."""
    by_id = {id(part): path for path, part in walk_paths(msg)}
    skip = part_at(msg, skip_path) if skip_path is not None else None
    found = collections.Counter()
    for _path, part in walk_paths(msg):
        if not part.is_multipart() or part.get_content_maintype() == "message":
            continue
        try:
            atts = list(part.iter_attachments())
        except Exception:  # noqa: BLE001
            continue
        for att in atts:
            if by_id.get(id(att)) == skip_path:
                continue
            found[(att.get_content_type(), part_digest(att, skip))] += 1
    return found


def defects(msg):
    """path -> set of defect class names (the part's and its header fields')."""
    out = {}
    for path, part in walk_paths(msg):
        names = {type(d).__name__ for d in getattr(part, "defects", [])}
        try:
            for _name, value in part.items():
                names.update(type(d).__name__ for d in getattr(value, "defects", ()))
        except Exception as exc:  # noqa: BLE001
            names.add(f"raised:{type(exc).__name__}")
        out[path] = names
    return out


def path_text(path):
    return "root" if not path else ".".join(str(i + 1) for i in path)


def text_of(part):
    try:
        content = part.get_content()
        if isinstance(content, str):
            return content
    except Exception:  # noqa: BLE001
        pass
    data = part.get_payload(decode=True) or b""
    return data.decode("utf-8", "replace")


def find_path(msg, target):
    for path, part in walk_paths(msg):
        if part is target:
            return path
    return None


def get_body(msg, kinds):
    try:
        return msg.get_body(preferencelist=kinds)
    except Exception:  # noqa: BLE001
        return None


def check_edit(inp, out, marker, added_to):
    problems = []
    in_plain = get_body(inp, ("plain",))
    in_html = get_body(inp, ("html",))
    out_plain = get_body(out, ("plain",))
    out_html = get_body(out, ("html",))

    # The text body, with the new text. An input with an HTML body only: the body set is that one.
    in_edit = out_edit = None
    if out_plain is not None and marker in text_of(out_plain):
        in_edit, out_edit = in_plain, out_plain
    elif in_plain is None and out_html is not None and marker in text_of(out_html):
        in_edit, out_edit = in_html, out_html
    else:
        where = "no text/plain body" if out_plain is None else "the text/plain body lacks it"
        problems.append(f"the new text body is missing ({where})")
    in_path = find_path(inp, in_edit) if in_edit is not None else None
    out_path = find_path(out, out_edit) if out_edit is not None else None

    in_tree, out_tree = tree(inp), tree(out)
    in_leaves, out_leaves = leaves(inp), leaves(out)
    in_def, out_def = defects(inp), defects(out)
    # The new body may have been put beside the whole input, in a new multipart/mixed (a
    # message whose root cannot hold it: a signed, report, rfc822 or single-part root). Then the
    # input is a subtree of the output, and no input leaf was edited.
    wrapped = (
        out_edit is not None
        and out_path is not None
        and len(out_path) == 1
        and out.get_content_type() == "multipart/mixed"
        and any(tree(child) == in_tree for child in children(out))
    )
    # Or beside the input's body part in its multipart/mixed root, when that body cannot be
    # rewritten (it is signed or encrypted): the output less the new part is the input.
    inserted = (
        not wrapped
        and out_edit is not None
        and in_tree != out_tree
        and tree_without(out, out_edit) == in_tree
    )
    wrapped = wrapped or inserted
    if wrapped:
        in_path = None
    same_shape = in_edit is not None and out_edit is not None and not wrapped
    if same_shape:
        if in_tree != out_tree:
            problems.append(f"MIME tree changed: {tree_text(in_tree)} -> {tree_text(out_tree)}")
        elif in_path != out_path:
            problems.append(
                f"the text body moved from part {path_text(in_path)} to {path_text(out_path)}"
            )
        else:
            for path, (ctype, digest) in sorted(in_leaves.items()):
                if path == in_path:
                    continue
                got = out_leaves.get(path)
                if got is None:
                    problems.append(f"part {path_text(path)} ({ctype}) lost")
                elif got[0] != ctype:
                    problems.append(f"part {path_text(path)} changed type: {ctype} -> {got[0]}")
                elif got[1] != digest:
                    why = how_changed(part_at(inp, path), part_at(out, path))
                    problems.append(f"part {path_text(path)} ({ctype}) content changed{why}")
            for path, names in sorted(out_def.items()):
                new = names - in_def.get(path, set())
                if new:
                    problems.append(f"new defects in part {path_text(path)}: {sorted(new)}")
    else:
        # No text body in the input (or it went missing): the tree may gain the new body part;
        # every other leaf must still be there.
        # Leaves of the input missing from the output, each shown against an unmatched output
        # leaf of the same type when there is one.
        unmatched_out = collections.Counter(out_leaves.values()) - collections.Counter(
            v for p, v in in_leaves.items() if p != in_path
        )
        spare = [p for p, v in sorted(out_leaves.items()) if p != out_path and unmatched_out[v] > 0]
        matched_out = collections.Counter(out_leaves.values())
        for path, value in sorted(in_leaves.items()):
            if path == in_path:
                continue
            if matched_out[value] > 0:
                matched_out[value] -= 1
                continue
            ctype = value[0]
            twin = next((p for p in spare if out_leaves[p][0] == ctype), None)
            if twin is None:
                problems.append(f"part {path_text(path)} ({ctype}) lost")
            else:
                spare.remove(twin)
                why = how_changed(part_at(inp, path), part_at(out, twin))
                problems.append(
                    f"part {path_text(path)} ({ctype}) changed, now part {path_text(twin)}{why}"
                )
        all_in = set().union(*in_def.values()) if in_def else set()
        all_out = set().union(*out_def.values()) if out_def else set()
        if all_out - all_in:
            problems.append(f"new defects: {sorted(all_out - all_in)}")

    in_atts = attachments(inp, in_path)
    out_atts = attachments(out, out_path)
    lost = in_atts - out_atts
    extra = out_atts - in_atts
    for ctype, _d in sorted(lost):
        problems.append(f"attachment lost or changed: {ctype}")
    for ctype, _d in sorted(extra):
        if not wrapped:
            # When wrapped, the old root is now a part of the new multipart/mixed, and Python's
            # iter_attachments() lists it: that is the wrapping, not a new attachment.
            problems.append(f"attachment appeared: {ctype}")

    if in_html is not None and in_html is not in_edit and out_html is None:
        problems.append("the HTML body is gone")

    in_raw, out_raw = raw_headers(inp), raw_headers(out)
    if addr_list(in_raw.get("from", [])) and not addr_list(out_raw.get("from", [])):
        problems.append("From is gone")
    in_to = addr_list(in_raw.get("to", []))
    out_to = addr_list(out_raw.get("to", []))
    if added_to not in out_to:
        problems.append(f"To lacks the added {added_to}: {out_to}")
    gone = [a for a in in_to if a not in out_to]
    if gone:
        problems.append(f"To lost {gone}")
    return problems


def parse(data, policy):
    return email.message_from_bytes(data, policy=policy)


def check(entry):
    result = {
        "id": entry["id"],
        "parseable": False,
        "note": None,
        "field_diffs": [],
        "edit_checked": False,
        "edit_problems": [],
    }
    with open(entry["input"], "rb") as f:
        data = f.read()
    try:
        default_in = parse(data, email.policy.default)
        compat_in = parse(data, email.policy.compat32)
        keys = compat_in.keys()
        for _path, part in walk_paths(default_in):
            part.get_content_type()
    except Exception as exc:  # noqa: BLE001
        result["note"] = f"python cannot parse: {type(exc).__name__}: {exc}"
        return result
    if not keys:
        result["note"] = "python finds no header field"
        return result
    result["parseable"] = True
    root_defects = {type(d).__name__ for d in compat_in.defects}
    partial = "MissingHeaderBodySeparatorDefect" in root_defects
    if partial:
        result["note"] = (
            "python stops reading header fields at a line that is not one"
            " (MissingHeaderBodySeparatorDefect): only the fields it read are compared"
        )
    if entry.get("loaded") and entry.get("view") is not None:
        try:
            result["field_diffs"] = compare_fields(entry["view"], default_in, compat_in, partial)
        except Exception as exc:  # noqa: BLE001
            result["field_diffs"] = [f"checker raised {type(exc).__name__}: {exc}"]
    if entry.get("edited"):
        result["edit_checked"] = True
        with open(entry["edited"], "rb") as f:
            out_data = f.read()
        try:
            default_out = parse(out_data, email.policy.default)
            result["edit_problems"] = check_edit(
                default_in, default_out, entry["marker"], entry["added_to"].lower()
            )
        except Exception as exc:  # noqa: BLE001
            result["edit_problems"] = [
                f"python raised on the edited output: {type(exc).__name__}: {exc}"
            ]
    return result


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    with open(sys.argv[1], encoding="utf-8") as src, open(sys.argv[2], "w", encoding="utf-8") as dst:
        for line in src:
            if line.strip():
                dst.write(json.dumps(check(json.loads(line))) + "\n")


if __name__ == "__main__":
    main()
