// Replays the fuzz seed corpus and every input that once crashed a fuzz target through the same
// bodies the fuzzers run (tests/fuzz/fuzz_bodies.h), so a fixed crash stays fixed.
#include <doctest/doctest.h>

#include <filesystem>
#include <functional>

#include "engine/json_text.h"
#include "engine/limits.h"
#include "tests/fuzz/fuzz_bodies.h"
#if CONVSCOPE_HAVE_GUI
#include "tests/fuzz/fuzz_session_body.h"
#endif
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
#if CONVSCOPE_HAVE_GUI
  CHECK(replay("session", convscope::fuzz::session) >= 3);
#endif
  convscope::set_max_tensor_elements(cap);  // the bodies lower the cap
}

TEST_CASE("json: nesting deeper than the limit is refused before the recursive parser sees it") {
  const std::string deep = std::string(200000, '[') + std::string(200000, ']');
  CHECK_THROWS_WITH_AS(convscope::parse_json_text(deep, "deep.json"), doctest::Contains("deep.json: JSON nested deeper"),
                       convscope::UserError);
  CHECK_THROWS_WITH_AS(convscope::parse_kernel_json(deep, "k.json"), doctest::Contains("nested deeper"),
                       convscope::UserError);
  // Brackets inside strings do not count; ordinary files parse.
  CHECK(convscope::parse_json_text("{\"a\": \"[[[[[[[[\", \"b\": [[1], [2]]}", "ok.json")["b"][1][0] == 2);
  CHECK_THROWS_WITH_AS(convscope::parse_json_text("{\"a\": ", "cut.json"), doctest::Contains("cut.json: invalid JSON"),
                       convscope::UserError);
}
