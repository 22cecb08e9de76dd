# Writes OUT from IN (examples/build_info.cpp.in) with the source tree's git commit; run at every
# build by the target cnnbench_example_build_info. configure_file() rewrites OUT only when the text
# changes, so an unchanged commit recompiles nothing.
#   cmake -DGIT=<git or empty> -DSOURCE_DIR=<tree> -DIN=<template> -DOUT=<file> -P build_info.cmake
set(CNNBENCH_GIT_COMMIT "unknown")
if(GIT AND EXISTS "${SOURCE_DIR}/.git")
  execute_process(COMMAND "${GIT}" describe --always --dirty --abbrev=12 WORKING_DIRECTORY "${SOURCE_DIR}"
                  OUTPUT_VARIABLE commit OUTPUT_STRIP_TRAILING_WHITESPACE ERROR_QUIET RESULT_VARIABLE rc)
  if(rc EQUAL 0 AND commit MATCHES "^[A-Za-z0-9._/+-]+$")
    set(CNNBENCH_GIT_COMMIT "${commit}")
  endif()
endif()
configure_file("${IN}" "${OUT}" @ONLY)
