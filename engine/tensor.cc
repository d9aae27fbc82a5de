#include "engine/tensor.h"

#include "engine/error.h"
#include "engine/limits.h"

namespace convscope {

int64_t element_count(const std::vector<int64_t>& shape, const std::string& what) {
  int64_t n = 1;
  for (int64_t d : shape) {
    if (d < 0) throw UserError(what + " has a negative dimension " + std::to_string(d));
    n = checked_mul(n, d, what);
  }
  check_element_count(n, what);
  return n;
}

Tensor::Tensor(std::vector<int64_t> shape_, const std::string& what) : shape(std::move(shape_)) {
  data.assign(static_cast<size_t>(element_count(shape, what)), 0.0f);
}

std::string shape_to_string(const std::vector<int64_t>& shape) {
  std::string s = "(";
  for (size_t i = 0; i < shape.size(); ++i) {
    if (i) s += ", ";
    s += std::to_string(shape[i]);
  }
  if (shape.size() == 1) s += ",";
  return s + ")";
}

namespace {
// Moves axis 1 of a (N, A, B, C) tensor to the end or the end to axis 1. Rank 3 is treated as N=1.
Tensor permute(const Tensor& t, bool channels_to_last) {
  if (t.rank() != 3 && t.rank() != 4) throw UserError("expected a rank 3 or 4 tensor, got rank " + std::to_string(t.rank()));
  const bool r3 = t.rank() == 3;
  const int64_t n = r3 ? 1 : t.shape[0];
  const int64_t a = t.shape[r3 ? 0 : 1], b = t.shape[r3 ? 1 : 2], c = t.shape[r3 ? 2 : 3];
  Tensor out;
  out.data.resize(t.data.size());
  if (channels_to_last) {  // (n, a=C, b=H, c=W) -> (n, H, W, C)
    out.shape = r3 ? std::vector<int64_t>{b, c, a} : std::vector<int64_t>{n, b, c, a};
    for (int64_t i = 0; i < n; ++i)
      for (int64_t ch = 0; ch < a; ++ch)
        for (int64_t y = 0; y < b; ++y)
          for (int64_t x = 0; x < c; ++x)
            out.data[((i * b + y) * c + x) * a + ch] = t.data[((i * a + ch) * b + y) * c + x];
  } else {  // (n, a=H, b=W, c=C) -> (n, C, H, W)
    out.shape = r3 ? std::vector<int64_t>{c, a, b} : std::vector<int64_t>{n, c, a, b};
    for (int64_t i = 0; i < n; ++i)
      for (int64_t y = 0; y < a; ++y)
        for (int64_t x = 0; x < b; ++x)
          for (int64_t ch = 0; ch < c; ++ch)
            out.data[((i * c + ch) * a + y) * b + x] = t.data[((i * a + y) * b + x) * c + ch];
  }
  return out;
}
}  // namespace

Tensor to_channels_last(const Tensor& nchw) { return permute(nchw, true); }
Tensor to_channels_first(const Tensor& nhwc) { return permute(nhwc, false); }

}  // namespace convscope
