# The independent Keras/TensorFlow cross-check (tests/audit/): a numpy reference derived from the
# Keras and TF sources, compared with `convscope conv` / `shape --json` on random and edge cases.
# Registered only where Debian's python3 has numpy (scripts/test installs python3-numpy).
find_program(SYSTEM_PYTHON3 python3 PATHS /usr/bin NO_DEFAULT_PATH)
if(SYSTEM_PYTHON3)
  execute_process(COMMAND ${SYSTEM_PYTHON3} -c "import numpy" RESULT_VARIABLE NUMPY_MISSING OUTPUT_QUIET ERROR_QUIET)
  if(NUMPY_MISSING EQUAL 0)
    add_test(NAME keras_audit_random
             COMMAND ${SYSTEM_PYTHON3} ${CMAKE_CURRENT_SOURCE_DIR}/audit/compare.py
                     --bin $<TARGET_FILE:convscope> --cases 150 --seed 5)
  else()
    message(STATUS "numpy not found for ${SYSTEM_PYTHON3}: Keras audit tests not registered")
  endif()
endif()
