// Where a coordinate outside [0, n) reads from, for each border mode (numpy.pad's names).
// Shared by the scalar reference, the SIMD row padding and the step model, so all agree.
#pragma once
#include <cstdint>

#include "engine/layer.h"

namespace convscope {

// Returns the in-range index that coordinate i takes its value from, or -1 when it takes the
// constant (zero for BorderMode::Zero, the layer's border_value for Constant).
inline int64_t border_source(int64_t i, int64_t n, BorderMode mode) {
  if (i >= 0 && i < n) return i;
  switch (mode) {
    case BorderMode::Zero:
    case BorderMode::Constant:
      return -1;
    case BorderMode::Replicate:
      return i < 0 ? 0 : n - 1;
    case BorderMode::Wrap: {
      const int64_t m = i % n;
      return m < 0 ? m + n : m;
    }
    case BorderMode::Reflect: {  // d c b | a b c d | c b a: period 2(n-1), edge not repeated
      if (n == 1) return 0;
      const int64_t period = 2 * (n - 1);
      int64_t m = i % period;
      if (m < 0) m += period;
      return m < n ? m : period - m;
    }
    case BorderMode::Symmetric: {  // c b a | a b c d | d c b: period 2n, edge repeated
      const int64_t period = 2 * n;
      int64_t m = i % period;
      if (m < 0) m += period;
      return m < n ? m : period - 1 - m;
    }
  }
  return -1;
}

inline float border_constant(BorderMode mode, float value) {
  return mode == BorderMode::Constant ? value : 0.0f;
}

}  // namespace convscope
