# Fails unless every function declared in include/missive.h is called in test_null.c.
#   cmake -DHEADER=include/missive.h -DSOURCE=tests/c/test_null.c -P check_null_sweep.cmake
#
# A declaration is a non-comment line of the header with `missive_<name>(`; a function counts as
# covered when `missive_<name>(` (a call) appears in the test source.

if(NOT HEADER OR NOT SOURCE)
  message(FATAL_ERROR "usage: cmake -DHEADER=<missive.h> -DSOURCE=<test_null.c> -P ${CMAKE_CURRENT_LIST_FILE}")
endif()

file(STRINGS "${HEADER}" header_lines)
set(functions "")
foreach(line IN LISTS header_lines)
  # Skip comment lines (cbindgen writes doc comments as /** ... * ... */ blocks and // ...).
  if(line MATCHES "^[ \t]*(/\\*|\\*|//)")
    continue()
  endif()
  string(REGEX MATCHALL "missive_[A-Za-z0-9_]+\\(" calls "${line}")
  foreach(c IN LISTS calls)
    string(REGEX REPLACE "\\($" "" name "${c}")
    list(APPEND functions "${name}")
  endforeach()
endforeach()
list(REMOVE_DUPLICATES functions)
list(LENGTH functions n_functions)
if(n_functions LESS 10)
  message(FATAL_ERROR "found only ${n_functions} functions in ${HEADER}: is the parser broken?")
endif()

file(READ "${SOURCE}" source)
set(missing "")
foreach(name IN LISTS functions)
  string(FIND "${source}" "${name}(" at)
  if(at EQUAL -1)
    list(APPEND missing "${name}")
  endif()
endforeach()

if(missing)
  list(LENGTH missing n_missing)
  list(JOIN missing "\n  " missing_text)
  message(FATAL_ERROR
    "${n_missing} of ${n_functions} functions of ${HEADER} are not called in ${SOURCE}:\n  ${missing_text}")
endif()
message(STATUS "all ${n_functions} functions of ${HEADER} are called in ${SOURCE}")
