#!/usr/bin/env python3
"""The package as a user installs it: `pip wheel` builds libmissive with cargo and puts it in a
platform wheel; the wheel installs into a fresh virtual environment (no source tree, no
PYTHONPATH, no MISSIVE_LIBRARY) and an example sends a message from there.

  wheel_check.py WORK_DIR

Environment: MISSIVE_CARGO_PROFILE and CARGO_TARGET_DIR (CTest passes its own, so the cargo
build reuses what CMake compiled).
"""
import glob
import os
import shutil
import subprocess
import sys
import zipfile

HERE = os.path.dirname(os.path.abspath(__file__))
PKG = os.path.dirname(HERE)
ROOT = os.path.dirname(os.path.dirname(PKG))


def run(cmd, **kw):
    print("+ " + " ".join(cmd), flush=True)
    subprocess.check_call(cmd, **kw)


def main():
    work = os.path.abspath(sys.argv[1])
    shutil.rmtree(work, ignore_errors=True)
    os.makedirs(work)
    env = dict(os.environ)
    env.pop("PYTHONPATH", None)
    env.pop("MISSIVE_LIBRARY", None)
    # --no-build-isolation: setuptools and wheel from this Python (scripts/install-deps.sh),
    # so that nothing is downloaded; a user's plain `pip wheel` fetches them itself.
    run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation",
         "--disable-pip-version-check", "-w", os.path.join(work, "dist"), PKG], env=env)
    wheels = glob.glob(os.path.join(work, "dist", "missive-*.whl"))
    assert len(wheels) == 1, wheels
    name = os.path.basename(wheels[0])
    assert "none-any" not in name and name.endswith(".whl"), "not a platform wheel: " + name
    with zipfile.ZipFile(wheels[0]) as z:
        names = z.namelist()
    assert "missive/libmissive.so" in names and "missive/py.typed" in names, names
    print("ok: %s holds missive/libmissive.so" % name)

    venv = os.path.join(work, "venv")
    run([sys.executable, "-m", "venv", venv])
    py = os.path.join(venv, "bin", "python")
    run([py, "-m", "pip", "install", "--no-index", "--no-deps", "--disable-pip-version-check",
         "--quiet", wheels[0]], env=env)
    out = subprocess.check_output([py, "-c", "import missive, os; print(missive.__file__); "
                                   "print(missive.library_version())"], cwd=work, env=env,
                                  text=True)
    where, version = out.split()
    assert where.startswith(venv), "imported from %s, not the venv" % where
    print("ok: installed in the venv (%s), library %s" % (where, version))
    run([sys.executable, os.path.join(ROOT, "cmake", "missive_check_python_example.py"),
         os.path.join(ROOT, "examples", "python", "send_email_synchronously.py"),
         "--python", py, "--rcpt", "to@gmail.com", "--expect", "This is text body."], env=env)
    shutil.rmtree(work, ignore_errors=True)
    print("ok: the installed wheel sent a message")


if __name__ == "__main__":
    main()
