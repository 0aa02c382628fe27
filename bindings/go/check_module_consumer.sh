#!/usr/bin/env bash
# A Go module outside the repository builds against an installed prefix with nothing but
# PKG_CONFIG_PATH set.
#
#   check_module_consumer.sh BUILD_DIR MODULE_DIR WORK_DIR GO
#
# 1. `cmake --install BUILD_DIR` into a fresh prefix (the library, missive.pc, missive.h).
# 2. A file:// module proxy serving MODULE_DIR (bindings/go) as version v0.1.0 of
#    example.invalid/missive/bindings/go: the zip `go get` would download from the published
#    repository, so the module must build from its own files (no ../../include).
# 3. A new module in WORK_DIR runs `go get example.invalid/missive/bindings/go@v0.1.0` (from
#    that proxy), then `go build` with PKG_CONFIG_PATH the only build setting (CGO_* and
#    LD_LIBRARY_PATH unset), then `go vet`; the program runs without LD_LIBRARY_PATH, delivers
#    a message into a pickup directory and prints enum values by name.
set -euo pipefail
build="$1" module_src="$2" work="$3" go="$4"
mod=example.invalid/missive/bindings/go
ver=v0.1.0
[ -d "$work" ] && chmod -R u+w "$work" && rm -rf "$work"
mkdir -p "$work"
prefix="$work/prefix"

echo "== cmake --install $build --prefix $prefix"
cmake --install "$build" --prefix "$prefix" >/dev/null
pc="$(find "$prefix" -name missive.pc)"
[ -n "$pc" ] || { echo "FAIL: no missive.pc installed"; exit 1; }
pcdir="$(dirname "$pc")"

echo "== module proxy: $mod@$ver from $module_src"
d="$work/proxy/$mod/@v"
mkdir -p "$d"
echo "$ver" >"$d/list"
echo "{\"Version\":\"$ver\",\"Time\":\"2026-01-01T00:00:00Z\"}" >"$d/$ver.info"
cp "$module_src/go.mod" "$d/$ver.mod"
python3 - "$module_src" "$d/$ver.zip" "$mod@$ver" <<'PY'
import os, sys, zipfile
src, out, prefix = sys.argv[1:4]
with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
    for name in sorted(os.listdir(src)):
        path = os.path.join(src, name)
        if os.path.isfile(path):
            z.write(path, prefix + "/" + name)
PY

echo "== a module of its own"
app="$work/app"
mkdir -p "$app"
cat >"$app/go.mod" <<GOMOD
module example.com/consumer

go 1.22
GOMOD
cat >"$app/main.go" <<'GO'
package main

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"

	missive "example.invalid/missive/bindings/go"
)

func main() {
	fmt.Println("library", missive.Version(), "header", missive.HeaderVersion)
	fmt.Println(missive.BulkFailed, missive.SecuritySSLExplicit, missive.ForwardAttach)
	if _, err := missive.LoadFile("/nonexistent/missing.eml"); !errors.Is(err, fs.ErrNotExist) {
		fmt.Println("FAIL: a missing file is not fs.ErrNotExist:", err)
		os.Exit(1)
	}
	c, err := missive.NewClient(missive.WithPickupDirectory(os.Args[1]))
	if err != nil {
		panic(err)
	}
	defer c.Close()
	m := missive.NewMessage()
	defer m.Close()
	for _, err := range []error{m.SetFrom("Me <me@example.com>"), m.AddTo("you@example.org"),
		m.SetSubject("from a module of its own"), m.SetBody("Hello.\n")} {
		if err != nil {
			panic(err)
		}
	}
	r, err := c.Send(context.Background(), m)
	if err != nil {
		panic(err)
	}
	fmt.Println("delivered into", r.PickupPath)
}
GO

export GOMODCACHE="$work/gomodcache" GOTOOLCHAIN=local GOFLAGS=-mod=mod
# Go keeps its build cache under $HOME; without one (some CI sandboxes) use the work directory.
if [ -z "${HOME:-}" ] && [ -z "${GOCACHE:-}" ] && [ -z "${XDG_CACHE_HOME:-}" ]; then
  export GOCACHE="$work/gocache"
fi
(cd "$app" && GOPROXY="file://$work/proxy" GONOSUMDB=example.invalid "$go" get "$mod@$ver")

echo "== go build with PKG_CONFIG_PATH=$pcdir only"
(cd "$app" && env -u CGO_LDFLAGS -u CGO_CFLAGS -u LD_LIBRARY_PATH -u LIBRARY_PATH -u CPATH \
  GOPROXY=off PKG_CONFIG_PATH="$pcdir" "$go" build -o consumer . \
  && env -u LD_LIBRARY_PATH GOPROXY=off PKG_CONFIG_PATH="$pcdir" "$go" vet ./...)
deps=$(ldd "$app/consumer")
grep -q "libmissive.so => $prefix" <<<"$deps" \
  || { echo "FAIL: the program does not load the installed libmissive.so:"; echo "$deps"; exit 1; }
mkdir -p "$work/outbox"
out=$(env -u LD_LIBRARY_PATH "$app/consumer" "$work/outbox")
echo "$out"
grep -q "^BulkFailed SecuritySSLExplicit ForwardAttach$" <<<"$out" \
  || { echo "FAIL: enum values do not print by name"; exit 1; }
n=$(find "$work/outbox" -name '*.eml' | wc -l)
[ "$n" = 1 ] || { echo "FAIL: $n messages in the pickup directory"; exit 1; }
chmod -R u+w "$work/gomodcache"
echo "go module consumer: fetched as a module, built with PKG_CONFIG_PATH only, ran without LD_LIBRARY_PATH"
