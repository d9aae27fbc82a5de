#include "engine/reference_conv.h"

#include <vector>

#include "engine/activation.h"
#include "engine/border.h"

namespace convscope {
namespace {

// y[n, oy, ox, co] = bias[co] + sum over ky, kx, ci in co's group of
//   x[n, oy*sh + ky*dh - top, ox*sw + kx*dw - left, ci] * w[ky, kx, ci_local, co]
void forward(const ConvPlan& p, const Layer& layer, const float* x, const float* w, const float* bias, float* y) {
  const int64_t cin_g = p.cin_per_group, cout_g = p.cout_per_group;
  for (int64_t n = 0; n < p.batch; ++n)
    for (int64_t oy = 0; oy < p.out_h; ++oy)
      for (int64_t ox = 0; ox < p.out_w; ++ox)
        for (int64_t co = 0; co < p.out_c; ++co) {
          const int64_t g = co / cout_g;
          double sum = bias ? bias[co] : 0.0;
          for (int64_t ky = 0; ky < p.y.kernel; ++ky)
            for (int64_t kx = 0; kx < p.x.kernel; ++kx) {
              const int64_t iy = border_source(oy * p.y.stride + ky * p.y.dilation - p.y.pad_before, p.in_h, layer.border);
              const int64_t ix = border_source(ox * p.x.stride + kx * p.x.dilation - p.x.pad_before, p.in_w, layer.border);
              for (int64_t cl = 0; cl < cin_g; ++cl) {
                const int64_t ci = g * cin_g + cl;
                const float xv = (iy < 0 || ix < 0) ? border_constant(layer.border, layer.border_value)
                                                    : x[((n * p.in_h + iy) * p.in_w + ix) * p.in_c + ci];
                const float wv = w[((ky * p.x.kernel + kx) * cin_g + cl) * p.out_c + co];
                sum += double{xv} * wv;
              }
            }
          y[((n * p.out_h + oy) * p.out_w + ox) * p.out_c + co] = activate(layer.activation, static_cast<float>(sum));
        }
}

// The transposed convolution as a scatter: every input value stamps value x kernel onto the output,
// o = i*stride + k*dilation - pad_before, and what falls outside [0, out) is cropped.
void transposed(const ConvPlan& p, const Layer& layer, const float* x, const float* w, const float* bias, float* y) {
  const int64_t cin_g = p.cin_per_group, cout_g = p.cout_per_group;
  const int64_t out_count = p.batch * p.out_h * p.out_w * p.out_c;
  std::vector<double> acc(static_cast<size_t>(out_count), 0.0);
  for (int64_t n = 0; n < p.batch; ++n)
    for (int64_t iy = 0; iy < p.in_h; ++iy)
      for (int64_t ix = 0; ix < p.in_w; ++ix)
        for (int64_t ci = 0; ci < p.in_c; ++ci) {
          const int64_t g = ci / cin_g;
          const double xv = x[((n * p.in_h + iy) * p.in_w + ix) * p.in_c + ci];
          for (int64_t ky = 0; ky < p.y.kernel; ++ky) {
            const int64_t oy = iy * p.y.stride + ky * p.y.dilation - p.y.pad_before;
            if (oy < 0 || oy >= p.out_h) continue;
            for (int64_t kx = 0; kx < p.x.kernel; ++kx) {
              const int64_t ox = ix * p.x.stride + kx * p.x.dilation - p.x.pad_before;
              if (ox < 0 || ox >= p.out_w) continue;
              for (int64_t cl = 0; cl < cout_g; ++cl) {
                const int64_t co = g * cout_g + cl;
                // Keras layout (KH, KW, C_out/groups, C_in).
                const float wv = w[((ky * p.x.kernel + kx) * cout_g + cl) * p.in_c + ci];
                acc[((n * p.out_h + oy) * p.out_w + ox) * p.out_c + co] += xv * wv;
              }
            }
          }
        }
  for (int64_t i = 0; i < out_count; ++i) {
    const double b = bias ? bias[i % p.out_c] : 0.0;
    y[i] = activate(layer.activation, static_cast<float>(acc[i] + b));
  }
}

}  // namespace

void reference_conv(const ConvPlan& plan, const Layer& layer, const float* x, const float* kernel,
                    const float* bias, float* y) {
  if (plan.transpose)
    transposed(plan, layer, x, kernel, bias, y);
  else
    forward(plan, layer, x, kernel, bias, y);
}

}  // namespace convscope
