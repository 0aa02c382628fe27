# Runs doxygen on docs/Doxyfile with the output in OUT (not the source tree):
#   cmake -DDOXYGEN=... -DSOURCE=... -DOUT=... -P run_doxygen.cmake
file(READ "${SOURCE}/docs/Doxyfile" _conf)
file(MAKE_DIRECTORY "${OUT}")
file(WRITE "${OUT}/Doxyfile" "${_conf}\nOUTPUT_DIRECTORY = ${OUT}\n")
execute_process(COMMAND "${DOXYGEN}" "${OUT}/Doxyfile" WORKING_DIRECTORY "${SOURCE}"
  RESULT_VARIABLE _rc)
if(NOT _rc EQUAL 0)
  message(FATAL_ERROR "doxygen failed (${_rc})")
endif()
