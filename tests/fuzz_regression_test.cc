// Replays the fuzz seed corpus and every input that once crashed a fuzz target through the same
// bodies the fuzzers run (tests/fuzz/fuzz_bodies.h), so a fixed crash stays fixed.
#include <doctest/doctest.h>

#include <filesystem>
#include <functional>

#include "engine/limits.h"
#include "tests/fuzz/fuzz_bodies.h"
#include "tests/test_util.h"

namespace fs = std::filesystem;

namespace {
int replay(const std::string& target, const std::function<void(const uint8_t*, size_t)>& body) {
  int count = 0;
  for (const char* kind : {"corpus", "regressions"}) {
    const fs::path dir = fs::path(CONVSCOPE_SOURCE_DIR) / "tests/fuzz" / kind / target;
    if (!fs::is_directory(dir)) continue;
    for (const auto& entry : fs::directory_iterator(dir)) {
      const std::string bytes = convscope::test::slurp(entry.path().string());
      INFO(entry.path().string());
      body(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size());
      ++count;
    }
  }
  return count;
}
}  // namespace

TEST_CASE("fuzz regressions: every saved input runs through its target without crashing") {
  const int64_t cap = convscope::max_tensor_elements();
  CHECK(replay("npy", convscope::fuzz::npy) >= 4);
  CHECK(replay("image", convscope::fuzz::image) >= 3);
  CHECK(replay("shape", convscope::fuzz::shape) >= 3);
  CHECK(replay("kernel_json", convscope::fuzz::kernel_json) >= 4);
  convscope::set_max_tensor_elements(cap);  // the bodies lower the cap
}
