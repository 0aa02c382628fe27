module example.invalid/missive/examples/go

go 1.22

require example.invalid/missive/bindings/go v0.0.0

// The binding from this checkout (a program of your own needs no replace once the repository
// is published: go get example.invalid/missive/bindings/go).
replace example.invalid/missive/bindings/go => ../../bindings/go
