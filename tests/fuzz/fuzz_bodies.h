// What each fuzz target does with one input. Shared by the libFuzzer targets (fuzz_*.cc) and by
// tests/fuzz_regression_test.cc, which replays the seed corpus and every input that once crashed
// (tests/fuzz/regressions/<target>/) in the normal test suite. Each body may refuse the input
// (UserError) but must not crash; a broken invariant traps.
#pragma once
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>

#include "engine/conv.h"
#include "engine/error.h"
#include "engine/image_io.h"
#include "engine/kernel_library.h"
#include "engine/limits.h"
#include "engine/npy.h"

namespace convscope::fuzz {

// The .npy reader: a successful parse must round-trip.
inline void npy(const uint8_t* data, size_t size) {
  set_max_tensor_elements(1 << 20);
  try {
    const Tensor t = parse_npy(std::string(reinterpret_cast<const char*>(data), size), "fuzz");
    const Tensor u = parse_npy(serialize_npy(t), "again");
    if (u.shape != t.shape || u.data.size() != t.data.size()) __builtin_trap();
  } catch (const UserError&) {
  }
}

// Image decoding through stb_image, colour or gray, with downscaling.
inline void image(const uint8_t* data, size_t size) {
  set_max_tensor_elements(1 << 22);
  try {
    decode_image(std::string(reinterpret_cast<const char*>(data), size), "fuzz", size % 2 == 0, 64);
  } catch (const UserError&) {
  }
}

// Kernel JSON: a parsed kernel must serialise and parse back to the same size.
inline void kernel_json(const uint8_t* data, size_t size) {
  try {
    const Kernel k = parse_kernel_json(std::string(reinterpret_cast<const char*>(data), size), "fuzz");
    const Kernel again = parse_kernel_json(kernel_to_json(k), "again");
    if (again.weights.size() != k.weights.size() || again.height != k.height || again.width != k.width)
      __builtin_trap();
  } catch (const UserError&) {
  }
}

namespace detail {
struct Reader {
  const uint8_t* p;
  size_t n;
  int32_t next() {
    int32_t v = 0;
    const size_t k = n < 4 ? n : 4;
    if (k) std::memcpy(&v, p, k);
    p += k;
    n -= k;
    return v;
  }
  int32_t param() {  // mostly small values, sometimes anything
    const int32_t v = next();
    return (v & 0x70000000) ? (v % 9) : v;
  }
  int32_t choice(int n) { return static_cast<int32_t>((static_cast<uint32_t>(next()) & 0x7fffffff) % n); }
};
}  // namespace detail

// Layer validation and shape inference on arbitrary integers; when the plan is valid and small,
// the SIMD engine and the scalar reference run it and must agree.
inline void shape(const uint8_t* data, size_t size) {
  set_max_tensor_elements(1 << 20);
  detail::Reader r{data, size};
  Layer l;
  l.transpose = r.next() & 1;
  l.filters = r.param();
  l.kernel_h = r.param();
  l.kernel_w = r.param();
  l.stride_h = r.param();
  l.stride_w = r.param();
  l.dilation_h = r.param();
  l.dilation_w = r.param();
  l.padding.kind = static_cast<PaddingKind>(r.choice(4));
  l.padding.top = r.param();
  l.padding.bottom = r.param();
  l.padding.left = r.param();
  l.padding.right = r.param();
  l.output_padding_h = r.param();
  l.output_padding_w = r.param();
  l.groups = r.param();
  l.activation = static_cast<Activation>(r.choice(13));
  l.border = l.transpose ? BorderMode::Zero : static_cast<BorderMode>(r.choice(6));
  const int64_t n = r.param(), h = r.param(), w = r.param(), c = r.param();
  try {
    const ConvPlan p = plan_conv(l, n, h, w, c);
    if (p.out_h < 1 || p.out_w < 1) __builtin_trap();
    if (p.macs() > 200000 || p.batch * p.in_h * p.in_w * p.in_c > 100000) return;
    Tensor x(p.input_shape(l.data_format));
    for (size_t i = 0; i < x.data.size(); ++i) x.data[i] = static_cast<float>(i % 7) - 3.0f;
    Tensor k(p.kernel_shape());
    for (size_t i = 0; i < k.data.size(); ++i) k.data[i] = static_cast<float>(i % 5) * 0.25f - 0.5f;
    RunOptions ref;
    ref.impl = Implementation::Reference;
    const Tensor a = run_layer(l, x, k, nullptr, ref);
    const Tensor b = run_layer(l, x, k, nullptr);
    for (size_t i = 0; i < a.data.size(); ++i) {
      const float tol = 1e-3f * (1.0f + std::fabs(a.data[i]));
      if (!(std::fabs(a.data[i] - b.data[i]) <= tol) && !(std::isinf(a.data[i]) && a.data[i] == b.data[i]))
        __builtin_trap();
    }
  } catch (const UserError&) {
  }
}

}  // namespace convscope::fuzz
