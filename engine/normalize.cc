#include "engine/normalize.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "engine/error.h"
#include "engine/kernel_library.h"

namespace convscope {

const char* to_string(NormalizeMode m) {
  switch (m) {
    case NormalizeMode::Auto: return "auto";
    case NormalizeMode::Clip: return "clip";
    case NormalizeMode::Abs: return "abs";
    case NormalizeMode::Offset: return "offset";
    case NormalizeMode::MinMax: return "minmax";
  }
  return "?";
}

const std::vector<NormalizeMode>& all_normalize_modes() {
  static const std::vector<NormalizeMode> modes = {NormalizeMode::Auto, NormalizeMode::Clip, NormalizeMode::Abs,
                                                   NormalizeMode::Offset, NormalizeMode::MinMax};
  return modes;
}

NormalizeMode parse_normalize_mode(const std::string& text) {
  for (NormalizeMode m : all_normalize_modes())
    if (text == to_string(m)) return m;
  throw UserError("--normalize: unknown mode '" + text + "' (expected auto, abs, clip, minmax or offset)");
}

NormalizeMode resolve_normalize_mode(NormalizeMode mode, bool zero_sum) {
  if (mode != NormalizeMode::Auto) return mode;
  return zero_sum ? NormalizeMode::Offset : NormalizeMode::Clip;
}

NormalizeMode resolve_normalize_mode(NormalizeMode mode, const Kernel& k) {
  return resolve_normalize_mode(mode, k.zero_sum());
}

void normalize_for_display(const float* in, float* out, size_t n, NormalizeMode mode) {
  auto clamp01 = [](float v) { return std::isfinite(v) ? std::clamp(v, 0.0f, 1.0f) : 0.0f; };
  switch (mode) {
    case NormalizeMode::Auto:
    case NormalizeMode::Clip:
      for (size_t i = 0; i < n; ++i) out[i] = clamp01(in[i]);
      return;
    case NormalizeMode::Abs:
      for (size_t i = 0; i < n; ++i) out[i] = clamp01(std::fabs(in[i]));
      return;
    case NormalizeMode::Offset:
      for (size_t i = 0; i < n; ++i) out[i] = std::isfinite(in[i]) ? clamp01(0.5f + 0.5f * in[i]) : 0.0f;
      return;
    case NormalizeMode::MinMax: {
      float lo = std::numeric_limits<float>::infinity(), hi = -lo;
      for (size_t i = 0; i < n; ++i)
        if (std::isfinite(in[i])) {
          lo = std::min(lo, in[i]);
          hi = std::max(hi, in[i]);
        }
      const double range = static_cast<double>(hi) - static_cast<double>(lo);
      for (size_t i = 0; i < n; ++i) {
        if (!std::isfinite(in[i]) || !(range > 0)) {
          out[i] = 0.0f;
        } else {
          out[i] = clamp01(static_cast<float>((static_cast<double>(in[i]) - lo) / range));
        }
      }
      return;
    }
  }
}

Tensor normalize_for_display(const Tensor& values, NormalizeMode mode) {
  Tensor out;
  out.shape = values.shape;
  out.data.resize(values.data.size());
  normalize_for_display(values.data.data(), out.data.data(), values.data.size(), mode);
  return out;
}

float Histogram::bin_start(size_t i) const {
  if (counts.empty()) return lo;
  return static_cast<float>(lo + static_cast<double>(i) * (static_cast<double>(hi) - lo) / counts.size());
}

Histogram compute_histogram(const float* values, size_t n, int bins) {
  Histogram h;
  h.counts.assign(static_cast<size_t>(std::max(bins, 1)), 0);
  h.total = static_cast<int64_t>(n);
  float lo = std::numeric_limits<float>::infinity(), hi = -lo;
  for (size_t i = 0; i < n; ++i) {
    const float v = values[i];
    if (!std::isfinite(v)) {
      ++h.non_finite;
      continue;
    }
    lo = std::min(lo, v);
    hi = std::max(hi, v);
    if (v < 0) ++h.below_zero;
    if (v > 1) ++h.above_one;
  }
  if (h.non_finite == h.total) return h;  // nothing finite: lo = hi = 0, empty bins
  h.lo = lo;
  h.hi = hi;
  const double range = static_cast<double>(hi) - lo;
  const size_t nb = h.counts.size();
  for (size_t i = 0; i < n; ++i) {
    const float v = values[i];
    if (!std::isfinite(v)) continue;
    size_t b = 0;
    if (range > 0) b = std::min(nb - 1, static_cast<size_t>((static_cast<double>(v) - lo) / range * nb));
    ++h.counts[b];
  }
  return h;
}

}  // namespace convscope
