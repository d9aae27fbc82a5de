// libFuzzer entry point; the body is shared with the regression test (fuzz_session_body.h).
#include "tests/fuzz/fuzz_session_body.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  convscope::fuzz::session(data, size);
  return 0;
}
