#!/usr/bin/env python3
"""Compiles every C code block of README.md, so that the README cannot rot.

  check_readme.py README INCLUDE_DIR LIB_DIR CC WORK_DIR

Each ```c block is one translation unit. A block with a main() is a program: the README must
give its compile line in the next code block (a ```sh block with a line starting "cc "), and
that line is run as written, with the README's paths mapped to this build (the block's file
name, -Iinclude, target/release/) and -Wall -Wextra -Werror added. A program that delivers into
a pickup directory is also run, and the .eml it wrote is checked. A block without main() is
compiled on its own (-c) with the same warnings.
"""
import glob
import os
import shlex
import shutil
import subprocess
import sys


def blocks(text):
    out, lang, buf = [], None, []
    for line in text.splitlines():
        if lang is None and line.startswith("```"):
            lang, buf = line[3:].strip(), []
        elif lang is not None and line.startswith("```"):
            out.append((lang, "\n".join(buf) + "\n"))
            lang = None
        elif lang is not None:
            buf.append(line)
    return out


def compile_line(sh):
    """The first `cc ...` command of a shell block (continuation lines joined)."""
    lines = sh.splitlines()
    for i, line in enumerate(lines):
        if line.startswith("cc "):
            cmd = line
            while cmd.endswith("\\") and i + 1 < len(lines):
                i += 1
                cmd = cmd[:-1] + " " + lines[i].strip()
            return cmd
    return None


def main():
    readme, include, libdir, cc, work = sys.argv[1:6]
    os.makedirs(work, exist_ok=True)
    found = blocks(open(readme, encoding="utf-8").read())
    c_blocks = [(i, b) for i, (lang, b) in enumerate(found) if lang == "c"]
    programs = 0
    for n, (i, code) in enumerate(c_blocks, 1):
        is_program = "int main" in code
        if not is_program:
            src = os.path.join(work, "fragment%d.c" % n)
            open(src, "w").write(code)
            cmd = [cc, "-std=c11", "-Wall", "-Wextra", "-Werror", "-I" + include, "-c", src,
                   "-o", src + ".o"]
            print("== README C block %d (fragment): %s" % (n, " ".join(cmd)), flush=True)
            subprocess.run(cmd, check=True)
            continue
        programs += 1
        following = found[i + 1] if i + 1 < len(found) else ("", "")
        line = compile_line(following[1]) if following[0] == "sh" else None
        if line is None:
            sys.exit("FAIL: README C program %d has no compile line (a ```sh block with `cc ...`) "
                     "right after it" % n)
        args = shlex.split(line)
        out = []
        name = None
        skip = False
        for k, a in enumerate(args):
            if skip:
                skip = False
                continue
            if k == 0:
                out.append(cc)
            elif a.endswith(".c"):
                src = os.path.join(work, a)
                open(src, "w").write(code)
                out.append(src)
            elif a == "-Iinclude":
                out.append("-I" + include)
            elif a.startswith("target/release/"):
                out.append(os.path.join(libdir, a[len("target/release/"):]))
            elif a == "-o":
                name = args[k + 1]
                out += ["-o", os.path.join(work, name)]
                skip = True
            else:
                out.append(a)
        out += ["-Wall", "-Wextra", "-Werror"]
        print("== README C block %d (program): %s" % (n, " ".join(out)), flush=True)
        subprocess.run(out, check=True)
        if "MISSIVE_DELIVERY_METHOD_PICKUP_DIRECTORY" in code:
            run_dir = os.path.join(work, "run%d" % n)
            shutil.rmtree(run_dir, ignore_errors=True)
            os.makedirs(run_dir)
            subprocess.run([os.path.join(work, name)], cwd=run_dir, check=True)
            emls = glob.glob(os.path.join(run_dir, "outbox", "*.eml"))
            if len(emls) != 1:
                sys.exit("FAIL: the pickup program wrote %d .eml files" % len(emls))
            data = open(emls[0], "rb").read()
            if b"Subject: Hello" not in data or b"X-Receiver: you@example.org" not in data:
                sys.exit("FAIL: unexpected pickup file:\n" + data.decode("utf-8", "replace"))
            print("   ran it: %s" % emls[0])
    if programs < 2:
        sys.exit("FAIL: README.md has %d C programs (expected the first program and its pickup "
                 "variant)" % programs)
    print("README: %d C blocks compiled (%d programs)" % (len(c_blocks), programs))


if __name__ == "__main__":
    main()
