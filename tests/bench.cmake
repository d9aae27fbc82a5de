# convscope-bench: the engine next to OpenCV and oneDNN (tests/bench/). Built by default when Google
# Benchmark is installed (libbenchmark-dev); never registered as a test. Baselines are linked only
# when found (libopencv-dev, libdnnl-dev).
option(CONVSCOPE_BUILD_BENCH "Build convscope-bench (needs libbenchmark-dev)" ON)
if(NOT CONVSCOPE_BUILD_BENCH)
  return()
endif()
find_package(benchmark QUIET)
if(NOT benchmark_FOUND)
  message(STATUS "convscope-bench: Google Benchmark not found (libbenchmark-dev), not built")
  return()
endif()

add_executable(convscope-bench ${CMAKE_CURRENT_LIST_DIR}/bench/convscope_bench.cc)
target_link_libraries(convscope-bench PRIVATE convscope_engine benchmark::benchmark)

find_package(OpenCV QUIET COMPONENTS core imgproc)
if(OpenCV_FOUND)
  target_include_directories(convscope-bench PRIVATE ${OpenCV_INCLUDE_DIRS})
  target_link_libraries(convscope-bench PRIVATE ${OpenCV_LIBS})
  target_compile_definitions(convscope-bench PRIVATE CONVSCOPE_HAVE_OPENCV=1)
  message(STATUS "convscope-bench: OpenCV ${OpenCV_VERSION} baseline")
endif()

# Not find_package(dnnl): Debian's dnnl-config.cmake requires OpenCL and fails the configure.
find_path(CONVSCOPE_DNNL_INCLUDE oneapi/dnnl/dnnl.hpp)
find_library(CONVSCOPE_DNNL_LIBRARY dnnl)
find_package(OpenMP QUIET COMPONENTS CXX)
if(CONVSCOPE_DNNL_INCLUDE AND CONVSCOPE_DNNL_LIBRARY AND OpenMP_CXX_FOUND)
  target_include_directories(convscope-bench PRIVATE ${CONVSCOPE_DNNL_INCLUDE})
  target_link_libraries(convscope-bench PRIVATE ${CONVSCOPE_DNNL_LIBRARY} OpenMP::OpenMP_CXX)
  target_compile_definitions(convscope-bench PRIVATE CONVSCOPE_HAVE_DNNL=1)
  message(STATUS "convscope-bench: oneDNN baseline (${CONVSCOPE_DNNL_LIBRARY})")
endif()
