// libFuzzer entry point; the body is shared with the regression test (fuzz_bodies.h).
#include "tests/fuzz/fuzz_bodies.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  convscope::fuzz::shape(data, size);
  return 0;
}
