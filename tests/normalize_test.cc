// Display normalisation of raw filter output and the histogram of raw values (engine/normalize.h).
#include <doctest/doctest.h>

#include <cmath>
#include <limits>
#include <vector>

#include "engine/error.h"
#include "engine/kernel_library.h"
#include "engine/normalize.h"

namespace convscope {
namespace {

std::vector<float> apply(const std::vector<float>& in, NormalizeMode mode) {
  std::vector<float> out(in.size(), -99.0f);  // poison
  normalize_for_display(in.data(), out.data(), in.size(), mode);
  return out;
}

void check_near(const std::vector<float>& got, const std::vector<float>& want) {
  REQUIRE(got.size() == want.size());
  for (size_t i = 0; i < want.size(); ++i) CHECK_MESSAGE(got[i] == doctest::Approx(want[i]), "index " << i);
}

const float kNaN = std::numeric_limits<float>::quiet_NaN();
const float kInf = std::numeric_limits<float>::infinity();

TEST_CASE("normalize: clip, abs, offset and minmax map raw values to 0..1 as documented") {
  const std::vector<float> v = {-2.0f, -0.5f, 0.0f, 0.25f, 1.0f, 3.0f};
  check_near(apply(v, NormalizeMode::Clip), {0, 0, 0, 0.25f, 1, 1});
  check_near(apply(v, NormalizeMode::Auto), {0, 0, 0, 0.25f, 1, 1});  // unresolved auto = clip
  check_near(apply(v, NormalizeMode::Abs), {1, 0.5f, 0, 0.25f, 1, 1});
  check_near(apply(v, NormalizeMode::Offset), {0, 0.25f, 0.5f, 0.625f, 1, 1});
  check_near(apply(v, NormalizeMode::MinMax), {0, 0.3f, 0.4f, 0.45f, 0.6f, 1});
}

TEST_CASE("normalize: minmax of a constant tensor is all 0, non-finite values show as 0, outside minmax's range") {
  check_near(apply({0.7f, 0.7f, 0.7f}, NormalizeMode::MinMax), {0, 0, 0});
  check_near(apply({kNaN, 1.0f, kInf, 3.0f, -kInf}, NormalizeMode::MinMax), {0, 0, 0, 1, 0});
  for (NormalizeMode m : all_normalize_modes()) check_near(apply({kNaN, kInf}, m), {0, 0});
  const std::vector<float> empty;
  normalize_for_display(empty.data(), nullptr, 0, NormalizeMode::MinMax);
}

TEST_CASE("normalize: the Tensor form keeps the shape and matches the pointer form") {
  Tensor t({2, 1, 3});
  t.data = {-1, 0, 1, 2, 3, 4};
  const Tensor out = normalize_for_display(t, NormalizeMode::MinMax);
  CHECK(out.shape == t.shape);
  check_near(out.data, {0, 0.2f, 0.4f, 0.6f, 0.8f, 1});
}

TEST_CASE("normalize: names parse, unknown names are a UserError, auto resolves by zero sum") {
  for (NormalizeMode m : all_normalize_modes()) CHECK(parse_normalize_mode(to_string(m)) == m);
  CHECK_THROWS_AS(parse_normalize_mode("stretch"), UserError);
  CHECK(resolve_normalize_mode(NormalizeMode::Auto, true) == NormalizeMode::Offset);
  CHECK(resolve_normalize_mode(NormalizeMode::Auto, false) == NormalizeMode::Clip);
  CHECK(resolve_normalize_mode(NormalizeMode::Abs, true) == NormalizeMode::Abs);
  const Kernel edge = parse_kernel_json(R"({"name": "e", "size": [1, 3], "weights": [-1, 0, 1]})", "e");
  const Kernel blur = parse_kernel_json(R"({"name": "b", "size": [1, 3], "weights": [1, 1, 1], "divisor": 3})", "b");
  Kernel mag;
  mag.combine = "magnitude";
  CHECK(resolve_normalize_mode(NormalizeMode::Auto, edge) == NormalizeMode::Offset);
  CHECK(resolve_normalize_mode(NormalizeMode::Auto, blur) == NormalizeMode::Clip);
  CHECK(resolve_normalize_mode(NormalizeMode::Auto, mag) == NormalizeMode::Clip);
}

TEST_CASE("normalize: the histogram spans the finite range and counts clipped and non-finite values") {
  const std::vector<float> v = {-1.0f, 0.0f, 0.5f, 0.99f, 1.0f, 2.0f, 3.0f, kNaN, kInf};
  const Histogram h = compute_histogram(v.data(), v.size(), 4);
  CHECK(h.lo == -1.0f);
  CHECK(h.hi == 3.0f);
  CHECK(h.total == 9);
  CHECK(h.non_finite == 2);
  CHECK(h.below_zero == 1);
  CHECK(h.above_one == 2);
  // Bins [-1,0) [0,1) [1,2) [2,3]: the maximum goes in the last bin.
  CHECK(h.counts == std::vector<int64_t>{1, 3, 1, 2});
  CHECK(h.bin_start(1) == doctest::Approx(0.0));
  CHECK(h.bin_start(3) == doctest::Approx(2.0));

  const std::vector<float> same = {0.5f, 0.5f};
  const Histogram s = compute_histogram(same.data(), same.size(), 8);
  CHECK(s.counts[0] == 2);
  CHECK(s.lo == 0.5f);
  const Histogram none = compute_histogram(nullptr, 0, 0);
  CHECK(none.counts.size() == 1);
  CHECK(none.counts[0] == 0);
}

}  // namespace
}  // namespace convscope
