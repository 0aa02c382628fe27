module example.invalid/missive/bindings/go

go 1.22
