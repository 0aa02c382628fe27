module missive.dev/examples

go 1.22

require missive.dev/missive v0.0.0

replace missive.dev/missive => ../../bindings/go
