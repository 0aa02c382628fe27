# cmake -DHINT=... -P fail_with_hint.cmake: fails, printing the hint (a missing tool).
message(FATAL_ERROR "${HINT}")
