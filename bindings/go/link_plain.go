//go:build missive_no_pkgconfig

package missive

// Built with -tags missive_no_pkgconfig: links -lmissive, with the directory given by the
// caller, e.g. CGO_LDFLAGS="-L/opt/missive/lib -Wl,-rpath,/opt/missive/lib".

// #cgo LDFLAGS: -lmissive
import "C"
