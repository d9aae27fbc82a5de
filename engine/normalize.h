// Turning raw filter output (any real numbers; pixels were read as value/255, so 0..1 in) into
// display values 0..1, and a histogram of the raw values. Shared by `convscope filter --normalize`
// and the app's compare view.
//
//   clip    v clamped to 0..1 (blurs, sharpening: the result is an image again)
//   abs     |v| clamped to 0..1 (edge strength whatever its sign)
//   offset  0.5 + v/2 clamped to 0..1: 0 is mid-grey, -1 black, +1 white (signed derivatives)
//   minmax  (v - min) / (max - min) over the whole tensor, all channels together (keeps the colour
//           balance); all values 0 when max == min
//   auto    offset for zero-sum kernels (edge, Laplacian: signed output), clip otherwise
// Non-finite values display as 0 and are left out of minmax's range.
#pragma once
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "engine/tensor.h"

namespace convscope {

struct Kernel;

enum class NormalizeMode { Auto, Clip, Abs, Offset, MinMax };

const char* to_string(NormalizeMode);  // "auto", "clip", "abs", "offset", "minmax"
const std::vector<NormalizeMode>& all_normalize_modes();
NormalizeMode parse_normalize_mode(const std::string&);  // throws UserError listing the names

// Auto -> Offset when zero_sum, else Clip; other modes unchanged.
NormalizeMode resolve_normalize_mode(NormalizeMode mode, bool zero_sum);
// For a kernel: zero_sum is Kernel::zero_sum() (false for magnitude combinations: never negative).
NormalizeMode resolve_normalize_mode(NormalizeMode mode, const Kernel& k);

// out[i] from in[i] (n values; out may equal in). Auto is treated as Clip: resolve it first.
void normalize_for_display(const float* in, float* out, size_t n, NormalizeMode mode);
Tensor normalize_for_display(const Tensor& values, NormalizeMode mode);  // same shape

struct Histogram {
  float lo = 0, hi = 0;           // range of the finite values (the bins span [lo, hi])
  std::vector<int64_t> counts;    // `bins` equal-width bins; the last includes hi
  int64_t below_zero = 0;         // finite values < 0 (black under clip)
  int64_t above_one = 0;          // finite values > 1 (white under clip)
  int64_t non_finite = 0;         // NaN and infinities, not in any bin
  int64_t total = 0;              // n
  // Left edge of bin i: lo + i * (hi - lo) / bins.
  float bin_start(size_t i) const;
};

// bins >= 1. When all finite values are equal every one lands in bin 0.
Histogram compute_histogram(const float* values, size_t n, int bins);

}  // namespace convscope
