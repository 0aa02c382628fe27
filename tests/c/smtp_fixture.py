#!/usr/bin/env python3
"""CTest fixture for test_smtp: a real SMTP server (tests/support/smtp/aiosmtpd_server.py).

  smtp_fixture.py start STATE_DIR SERVER_SCRIPT [server options...]
      stops a server left over in STATE_DIR (an interrupted run), empties STATE_DIR, starts
      the server in the background with `--dir STATE_DIR/mail` and the options, waits for its
      "PORT n" line and writes STATE_DIR/pid, STATE_DIR/port and STATE_DIR/maildir; exits 0
      once the server listens (nonzero, with the server's stderr, if it does not).

  smtp_fixture.py stop STATE_DIR
      stops the server whose pid STATE_DIR/pid holds (SIGTERM, then SIGKILL) and removes the
      pid file. A missing pid file or an already finished server is not an error.

  smtp_fixture.py run LIFETIME SERVER_SCRIPT [server options...]
      (internal) runs the server in this process, killed by SIGALRM after LIFETIME seconds:
      a backstop so that an interrupted ctest (no cleanup fixture) cannot leave it running.

The server's stdin is /dev/null and its stdout/stderr go to files in STATE_DIR, so that it
holds none of CTest's pipes (CTest would otherwise wait for it to exit).
"""
import os
import runpy
import shutil
import signal
import subprocess
import sys
import time

MARKER = "smtp_fixture.py"
LIFETIME_SECONDS = 600
START_TIMEOUT_SECONDS = 20


def _is_our_server(pid):
    """True when `pid` is alive (not a zombie) and is a server this script started."""
    try:
        with open("/proc/%d/cmdline" % pid, "rb") as f:
            argv = f.read().split(b"\0")
        with open("/proc/%d/stat" % pid, "rb") as f:
            state = f.read().rsplit(b")", 1)[1].split()[0]
    except OSError:
        return False
    if state == b"Z":
        return False
    return any(a.endswith(MARKER.encode()) for a in argv) and b"run" in argv


def _stop(state_dir):
    pid_file = os.path.join(state_dir, "pid")
    try:
        with open(pid_file) as f:
            pid = int(f.read().strip())
    except (OSError, ValueError):
        return 0
    if _is_our_server(pid):
        for sig, wait in ((signal.SIGTERM, 5.0), (signal.SIGKILL, 5.0)):
            try:
                os.kill(pid, sig)
            except ProcessLookupError:
                break
            deadline = time.monotonic() + wait
            while _is_our_server(pid) and time.monotonic() < deadline:
                time.sleep(0.05)
            if not _is_our_server(pid):
                break
        if _is_our_server(pid):
            print("smtp_fixture: could not stop server pid %d" % pid, file=sys.stderr)
            return 1
        print("smtp_fixture: stopped server pid %d" % pid)
    os.unlink(pid_file)
    return 0


def _start(state_dir, server_script, server_args):
    _stop(state_dir)
    shutil.rmtree(state_dir, ignore_errors=True)
    mail_dir = os.path.join(state_dir, "mail")
    os.makedirs(mail_dir)
    out_path = os.path.join(state_dir, "server.out")
    err_path = os.path.join(state_dir, "server.err")
    with open(out_path, "wb") as out, open(err_path, "wb") as err:
        proc = subprocess.Popen(
            [sys.executable, os.path.abspath(__file__), "run", str(LIFETIME_SECONDS),
             server_script, "--dir", mail_dir] + server_args,
            stdin=subprocess.DEVNULL, stdout=out, stderr=err, close_fds=True)
    # Written first, so that `stop` can end the server even if the start fails below.
    with open(os.path.join(state_dir, "pid"), "w") as f:
        f.write("%d\n" % proc.pid)
    port = None
    deadline = time.monotonic() + START_TIMEOUT_SECONDS
    while port is None and time.monotonic() < deadline and proc.poll() is None:
        with open(out_path) as f:
            for line in f:
                if line.startswith("PORT "):
                    port = int(line.split()[1])
        if port is None:
            time.sleep(0.05)
    if port is None:
        with open(err_path) as f:
            sys.stderr.write(f.read())
        print("smtp_fixture: the server did not report its port (exit status %s)"
              % proc.poll(), file=sys.stderr)
        _stop(state_dir)
        return 1
    with open(os.path.join(state_dir, "maildir"), "w") as f:
        f.write(mail_dir + "\n")
    with open(os.path.join(state_dir, "port.tmp"), "w") as f:
        f.write("%d\n" % port)
    os.rename(os.path.join(state_dir, "port.tmp"), os.path.join(state_dir, "port"))
    print("smtp_fixture: server pid %d listening on 127.0.0.1:%d, messages in %s"
          % (proc.pid, port, mail_dir))
    # Popen's object would otherwise warn that the child still runs; it is meant to.
    proc.returncode = 0
    return 0


def _run(lifetime, server_script, server_args):
    signal.alarm(int(lifetime))  # default SIGALRM action: terminate
    sys.argv = [server_script] + server_args
    runpy.run_path(server_script, run_name="__main__")
    return 0


def main(argv):
    if len(argv) >= 3 and argv[1] == "start":
        if len(argv) < 4:
            raise SystemExit("usage: smtp_fixture.py start STATE_DIR SERVER_SCRIPT [options]")
        return _start(argv[2], argv[3], argv[4:])
    if len(argv) == 3 and argv[1] == "stop":
        return _stop(argv[2])
    if len(argv) >= 4 and argv[1] == "run":
        return _run(argv[2], argv[3], argv[4:])
    raise SystemExit(__doc__)


if __name__ == "__main__":
    sys.exit(main(sys.argv))
