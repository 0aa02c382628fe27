#!/usr/bin/env python3
"""Parity check: every function declared in include/missive.h is reached by each wrapper.

  check_parity.py HEADER REPO_ROOT [ALLOWLIST]

"Reached" means the wrapper's code (comments removed) calls or references the function:
  cpp     bindings/cpp/missive.hpp              ::missive_x
  dotnet  bindings/dotnet/src/*.cs              Native.missive_x (a use, not only the [DllImport])
  go      bindings/go/*.go (not _test.go)       missive_x in Go code or a cgo preamble
  python  bindings/python/src/missive/**/*.py   lib.missive_x (a call through the ctypes library;
          (not _native.py, which declares all)   _native.py's declaration table does not count)
Functions in the allowlist (tests/parity/allowlist.txt) are exempt, each with its reason.
Exits 1 and lists, per wrapper, exactly the functions it lacks.
"""
import glob
import os
import re
import sys


def header_functions(path):
    text = open(path, encoding="utf-8").read()
    text = re.sub(r"/\*.*?\*/", " ", text, flags=re.S)
    text = re.sub(r"//[^\n]*", " ", text)
    text = re.sub(r"#[^\n]*", " ", text)
    return sorted(set(re.findall(r"\b(missive_[a-z0-9_]+)\s*\(", text)))


def strip_c_comments(text):
    # Drops /* */ and // comments, keeping string literals intact enough for a word search.
    text = re.sub(r"/\*.*?\*/", " ", text, flags=re.S)
    return re.sub(r"(?<![:\"])//[^\n]*", " ", text)


def strip_line_comments(text):
    return re.sub(r"(?m)^\s*//[^\n]*", " ", text)


def strip_python_comments(text):
    # Drops # comments (the wrappers' docstrings do not spell `lib.missive_x`).
    return re.sub(r"(?m)#[^\n]*", " ", text)


# Each wrapper: (source files, comment stripper, what counts as reaching function {name}).
# To add a wrapper, add an entry here and to WRAPPERS.
WRAPPERS = ["cpp", "dotnet", "go", "python"]


def wrapper_sources(root):
    cpp = [os.path.join(root, "bindings/cpp/missive.hpp")]
    dotnet = sorted(glob.glob(os.path.join(root, "bindings/dotnet/src/*.cs")))
    go = sorted(p for p in glob.glob(os.path.join(root, "bindings/go/*.go"))
                if not p.endswith("_test.go"))
    python = sorted(p for p in glob.glob(os.path.join(root, "bindings/python/src/missive/**/*.py"),
                                         recursive=True)
                    if os.path.basename(p) != "_native.py")
    return {
        "cpp": (cpp, strip_c_comments, r"::{name}\b"),
        "dotnet": (dotnet, strip_c_comments, r"\bNative\.{name}\b"),
        # Go doc comments are // lines; cgo preambles are /* */ blocks and count as code.
        "go": (go, strip_line_comments, r"\b{name}\b"),
        "python": (python, strip_python_comments, r"\blib\.{name}\b"),
    }


def read_allowlist(path):
    allowed = {}  # (wrapper, function) -> reason
    if not path or not os.path.exists(path):
        return allowed
    for n, line in enumerate(open(path, encoding="utf-8"), 1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        parts = line.split(None, 2)
        if len(parts) < 3:
            sys.exit("%s:%d: needs WRAPPER FUNCTION REASON" % (path, n))
        wrappers = WRAPPERS if parts[0] == "*" else [parts[0]]
        for w in wrappers:
            allowed[(w, parts[1])] = parts[2]
    return allowed


def main(argv):
    if len(argv) < 3:
        sys.exit(__doc__)
    header, root = argv[1], argv[2]
    allow = read_allowlist(argv[3] if len(argv) > 3 else None)
    functions = header_functions(header)
    if len(functions) < 10:
        sys.exit("FAIL: found only %d functions in %s" % (len(functions), header))
    failed = False
    stale = sorted({f for (_, f) in allow} - set(functions))
    if stale:
        failed = True
        print("FAIL: the allowlist names functions the header lacks: " + ", ".join(stale))
    print("%s declares %d functions" % (header, len(functions)))
    for wrapper, (files, strip, pattern) in wrapper_sources(root).items():
        missing = [p for p in files if not os.path.exists(p)]
        if not files or missing:
            failed = True
            print("FAIL: %s: sources missing: %s" % (wrapper, missing or "none found"))
            continue
        code = "\n".join(strip(open(p, encoding="utf-8").read()) for p in files)
        lacks, exempt = [], []
        for f in functions:
            if re.search(pattern.format(name=re.escape(f)), code):
                continue
            if (wrapper, f) in allow:
                exempt.append(f)
            else:
                lacks.append(f)
        reached = len(functions) - len(lacks) - len(exempt)
        print("%-6s reaches %d of %d (%d allowlisted: %s)"
              % (wrapper, reached, len(functions), len(exempt),
                 ", ".join("%s [%s]" % (f, allow[(wrapper, f)]) for f in exempt) or "-"))
        if lacks:
            failed = True
            print("FAIL: %s lacks %d: %s" % (wrapper, len(lacks), " ".join(lacks)))
    if failed:
        print("parity check FAILED: wrap the functions listed above (or allowlist them with a reason "
              "in tests/parity/allowlist.txt)")
        return 1
    print("parity check passed")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
