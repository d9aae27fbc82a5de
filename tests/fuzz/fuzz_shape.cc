// Layer-parameter validation and shape inference on arbitrary integers (no overflow, no crash);
// when the plan is valid and small, both implementations run on it and must agree.
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstring>

#include "engine/conv.h"
#include "engine/error.h"
#include "engine/limits.h"

namespace {
struct Reader {
  const uint8_t* p;
  size_t n;
  int32_t next() {
    int32_t v = 0;
    const size_t k = n < 4 ? n : 4;
    std::memcpy(&v, p, k);
    p += k;
    n -= k;
    return v;
  }
  // Mostly small values, sometimes anything.
  int32_t param() {
    const int32_t v = next();
    return (v & 0x70000000) ? (v % 9) : v;
  }
};
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace convscope;
  set_max_tensor_elements(1 << 20);
  Reader r{data, size};
  Layer l;
  l.transpose = r.next() & 1;
  l.filters = r.param();
  l.kernel_h = r.param();
  l.kernel_w = r.param();
  l.stride_h = r.param();
  l.stride_w = r.param();
  l.dilation_h = r.param();
  l.dilation_w = r.param();
  l.padding.kind = static_cast<PaddingKind>((r.next() & 0x7fffffff) % 4);
  l.padding.top = r.param();
  l.padding.bottom = r.param();
  l.padding.left = r.param();
  l.padding.right = r.param();
  l.output_padding_h = r.param();
  l.output_padding_w = r.param();
  l.groups = r.param();
  l.activation = static_cast<Activation>((r.next() & 0x7fffffff) % 13);
  if (!l.transpose) l.border = static_cast<BorderMode>((r.next() & 0x7fffffff) % 6);
  const int64_t n = r.param(), h = r.param(), w = r.param(), c = r.param();
  try {
    const ConvPlan p = plan_conv(l, n, h, w, c);
    if (p.out_h < 1 || p.out_w < 1) __builtin_trap();
    if (p.macs() > 200000 || p.batch * p.in_h * p.in_w * p.in_c > 100000) return 0;
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
      if (!(std::fabs(a.data[i] - b.data[i]) <= tol) && !(std::isinf(a.data[i]) && a.data[i] == b.data[i])) __builtin_trap();
    }
  } catch (const UserError&) {
  }
  return 0;
}
