"""Build hook: compiles libmissive with cargo and ships it inside the `missive` package.

  pip install ./bindings/python     builds the library (cargo build --release --lib) and installs
  pip wheel ./bindings/python       makes a platform wheel (py3-none-<platform>) that installs
                                    without Rust

Environment:
  MISSIVE_SOURCE_DIR      the repository (default: the nearest parent directory whose
                          Cargo.toml is missive's)
  MISSIVE_PREBUILT_LIB    a libmissive.so to ship instead of building one
  MISSIVE_CARGO_PROFILE   cargo profile to build (default release; CTest uses its own, so that
                          the build reuses what CMake compiled)
  CARGO_TARGET_DIR, CARGO honoured as cargo honours them
"""
import os
import shutil
import subprocess
import sys

from setuptools import setup
from setuptools.command.build_py import build_py
from setuptools.dist import Distribution

try:  # setuptools >= 70.1 has its own
    from setuptools.command.bdist_wheel import bdist_wheel
except ImportError:  # pragma: no cover
    from wheel.bdist_wheel import bdist_wheel

HERE = os.path.dirname(os.path.abspath(__file__))
LIB_NAME = {"darwin": "libmissive.dylib", "win32": "missive.dll"}.get(sys.platform,
                                                                      "libmissive.so")


def source_dir():
    env = os.environ.get("MISSIVE_SOURCE_DIR")
    if env:
        return os.path.abspath(env)
    d = HERE
    while True:
        toml = os.path.join(d, "Cargo.toml")
        if os.path.isfile(toml):
            with open(toml, encoding="utf-8") as f:
                if 'name = "missive"' in f.read():
                    return d
        parent = os.path.dirname(d)
        if parent == d:
            sys.exit("missive: cannot find the missive repository (Cargo.toml) above %s; build "
                     "from a clone of it, or set MISSIVE_SOURCE_DIR or MISSIVE_PREBUILT_LIB" % HERE)
        d = parent


def cargo():
    exe = os.environ.get("CARGO") or shutil.which("cargo")
    if not exe:
        home = os.path.join(os.path.expanduser("~"), ".cargo", "bin", "cargo")
        exe = home if os.path.exists(home) else None
    if not exe:
        sys.exit("missive: cargo not found: install Rust (https://rustup.rs) to build the "
                 "library, or install a prebuilt wheel")
    return exe


def build_library():
    prebuilt = os.environ.get("MISSIVE_PREBUILT_LIB")
    if prebuilt:
        return os.path.abspath(prebuilt)
    root = source_dir()
    target = os.environ.get("CARGO_TARGET_DIR") or os.path.join(root, "target")
    profile = os.environ.get("MISSIVE_CARGO_PROFILE") or "release"
    cmd = [cargo(), "build", "--profile", profile, "--lib", "--manifest-path",
           os.path.join(root, "Cargo.toml")]
    print("missive: " + " ".join(cmd), flush=True)
    subprocess.check_call(cmd, cwd=root, env=dict(os.environ, CARGO_TARGET_DIR=target))
    out_dir = "debug" if profile in ("dev", "debug") else profile
    return os.path.join(target, out_dir, LIB_NAME)


class BuildPyWithLibrary(build_py):
    def run(self):
        super().run()
        lib = build_library()
        dest = os.path.join(self.build_lib, "missive", LIB_NAME)
        os.makedirs(os.path.dirname(dest), exist_ok=True)
        shutil.copyfile(lib, dest)
        print("missive: shipped %s as %s" % (lib, dest), flush=True)


class PlatformWheel(bdist_wheel):
    def finalize_options(self):
        super().finalize_options()
        self.root_is_pure = False

    def get_tag(self):
        # Native code, but no Python C extension: any Python 3 on this platform.
        _, _, plat = super().get_tag()
        return "py3", "none", plat


class BinaryDistribution(Distribution):
    def has_ext_modules(self):
        return True


setup(cmdclass={"build_py": BuildPyWithLibrary, "bdist_wheel": PlatformWheel},
      distclass=BinaryDistribution)
