# Fails unless `nm` shows __asan_init in every given program (i.e. ASan really instrumented it).
#   cmake -DNM=nm "-DBINARIES=a|b|c" -P check_asan_symbols.cmake

if(NOT NM OR NOT BINARIES)
  message(FATAL_ERROR "usage: cmake -DNM=<nm> -DBINARIES=<a|b|...> -P ${CMAKE_CURRENT_LIST_FILE}")
endif()
string(REPLACE "|" ";" binaries "${BINARIES}")
set(bad "")
foreach(bin IN LISTS binaries)
  execute_process(COMMAND "${NM}" "${bin}"
    OUTPUT_VARIABLE symbols ERROR_VARIABLE err RESULT_VARIABLE rc)
  if(NOT rc EQUAL 0)
    list(APPEND bad "${bin} (nm failed: ${err})")
  elseif(NOT symbols MATCHES "__asan_init")
    list(APPEND bad "${bin} (no __asan_init)")
  else()
    message(STATUS "${bin}: __asan_init found")
  endif()
endforeach()
if(bad)
  list(JOIN bad "\n  " bad_text)
  message(FATAL_ERROR "not instrumented with AddressSanitizer:\n  ${bad_text}")
endif()
