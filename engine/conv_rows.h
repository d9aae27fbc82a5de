// Row planning for the Highway kernels (no SIMD types here): which padded input rows a band of
// output rows needs, and how one padded row is built from an input row. A padded row holds every
// column the kernels read, border values included, so their inner loops never test coordinates.
//
// Forward conv:  padded column c is input column c - pad_left (border_source maps it); a band
//                row r is input row r - pad_top.
// Transposed:    viewed as stride-phase sub-convolutions: output o = q*stride + r - before reads
//                input q - m_k through each tap k with (k*dilation) % stride == r, where
//                m_k = floor(k*dilation / stride). Padded column c is input column c - lead, with
//                lead = max m_k, and zeros outside the input.
#pragma once
#include <algorithm>
#include <cstdint>
#include <cstring>
#include <vector>

#include "engine/border.h"
#include "engine/shape.h"

namespace convscope {
namespace conv_rows {

// One axis in padded coordinates.
struct PaddedAxis {
  int64_t lead = 0;   // padded coordinate of input index 0
  int64_t size = 0;   // padded length the kernels may read
};

inline int64_t floor_div(int64_t a, int64_t b) { return a >= 0 ? a / b : -((-a + b - 1) / b); }

inline PaddedAxis forward_axis(const AxisPlan& a) {
  return {a.pad_before, (a.out - 1) * a.stride + a.extent};
}

// Transposed: q runs over [0, floor((out - 1 + before) / stride)] for every phase.
inline PaddedAxis transposed_axis(const AxisPlan& a) {
  const int64_t lead = (int64_t{a.kernel - 1} * a.dilation) / a.stride;
  const int64_t q_max = floor_div(a.out - 1 + a.pad_before, a.stride);
  return {lead, std::max(q_max + lead + 1, lead + a.in)};
}

// Builds padded rows of `channels * expand` floats per column: each input channel is repeated
// `expand` times (a depthwise multiplier turns into a plain per-channel filter that way).
class RowPadder {
 public:
  RowPadder(const PaddedAxis& axis, int64_t in_w, int64_t channels, int64_t expand, BorderMode mode,
            float constant, bool transposed)
      : channels_(channels), expand_(expand), constant_(constant) {
    source_.resize(static_cast<size_t>(axis.size));
    for (int64_t c = 0; c < axis.size; ++c) {
      const int64_t ix = c - axis.lead;
      source_[static_cast<size_t>(c)] =
          transposed ? (ix >= 0 && ix < in_w ? ix : -1) : border_source(ix, in_w, mode);
    }
    run_.assign(source_.size(), 1);
    for (size_t c = source_.size(); c-- > 1;)
      if (source_[c - 1] >= 0 && source_[c] == source_[c - 1] + 1) run_[c - 1] = run_[c] + 1;
  }

  int64_t width() const { return static_cast<int64_t>(source_.size()); }
  int64_t floats() const { return width() * channels_ * expand_; }

  // Padded columns [c0, c1) only, into dst[0, (c1 - c0) * channels * expand). Runs of columns that
  // map to consecutive input columns are one memcpy when expand == 1 (the interior of a row, and
  // the short pieces at its ends that the flat kernels copy for every row).
  void build_range(const float* src_row, float* dst, int64_t c0, int64_t c1) const {
    const int64_t cw = channels_ * expand_;
    for (int64_t c = c0; c < c1;) {
      const int64_t ix = src_row ? source_[static_cast<size_t>(c)] : -1;
      float* d = dst + (c - c0) * cw;
      if (ix < 0) {
        std::fill(d, d + cw, constant_);
        ++c;
        continue;
      }
      const float* s = src_row + ix * channels_;
      if (expand_ == 1) {
        const int64_t run = std::min(run_[static_cast<size_t>(c)], c1 - c);
        std::memcpy(d, s, static_cast<size_t>(run * cw) * sizeof(float));
        c += run;
        continue;
      }
      for (int64_t ch = 0; ch < channels_; ++ch)
        for (int64_t m = 0; m < expand_; ++m) d[ch * expand_ + m] = s[ch];
      ++c;
    }
  }

  // src_row: the input row (in_w * channels floats), or null for a row of the constant.
  void build(const float* src_row, float* dst) const {
    if (!src_row) {
      std::fill(dst, dst + floats(), constant_);
      return;
    }
    build_range(src_row, dst, 0, width());
  }

 private:
  int64_t channels_, expand_;
  float constant_;
  std::vector<int64_t> source_;
  std::vector<int64_t> run_;  // columns from c on that map to consecutive input columns (>= 1)
};

}  // namespace conv_rows
}  // namespace convscope
