//go:build !missive_no_pkgconfig

package missive

// The native library's flags come from pkg-config (missive.pc from `cmake --install`, or
// <build>/pkgconfig/missive.pc of a checkout's CMake build): set PKG_CONFIG_PATH.

// #cgo pkg-config: missive
import "C"
