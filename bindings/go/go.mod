module missive.dev/missive

go 1.22
