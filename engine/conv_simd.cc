// Highway implementation of the convolution: weights packed per group as
// [ky][kx][ci_local][co_local padded to whole vectors], output pixels computed with the output
// channels in vector lanes. Forward and transposed share the inner kernel; they differ only in
// which (input pixel, tap) pairs feed an output pixel.
#include <algorithm>
#include <vector>

#include "engine/activation.h"
#include "engine/border.h"
#include "engine/conv_simd.h"
#include "engine/error.h"
#include "engine/thread_pool.h"

#undef HWY_TARGET_INCLUDE
#define HWY_TARGET_INCLUDE "engine/conv_simd.cc"
#include "hwy/foreach_target.h"  // IWYU pragma: keep
#include "hwy/highway.h"
#include "hwy/aligned_allocator.h"

HWY_BEFORE_NAMESPACE();
namespace convscope {
namespace HWY_NAMESPACE {
namespace hn = hwy::HWY_NAMESPACE;
using DF = hn::ScalableTag<float>;

struct Tap {
  int64_t offset;  // element offset of x[iy, ix, group's first channel] within the image
  int64_t w_index; // offset of the tap's [ci_local][co_padded] weight block
};

const char* TargetName() { return hwy::TargetName(HWY_TARGET); }

void Conv(const ConvPlan& p, const Layer& layer, const float* x, const float* kernel, const float* bias,
          float* y, const ExecContext& ctx) {
  const DF df;
  const int64_t N = static_cast<int64_t>(hn::Lanes(df));
  const int64_t cin_g = p.cin_per_group, cout_g = p.cout_per_group;
  const int64_t co_pad = (cout_g + N - 1) / N * N;
  const int64_t KH = p.y.kernel, KW = p.x.kernel;
  const int64_t taps = KH * KW;

  // Pack: packed[g][tap][ci_local][co_local], zero beyond cout_g.
  hwy::AlignedFreeUniquePtr<float[]> packed =
      hwy::AllocateAligned<float>(static_cast<size_t>(p.groups * taps * cin_g * co_pad));
  std::fill(packed.get(), packed.get() + p.groups * taps * cin_g * co_pad, 0.0f);
  for (int64_t g = 0; g < p.groups; ++g)
    for (int64_t t = 0; t < taps; ++t)
      for (int64_t cl = 0; cl < cin_g; ++cl)
        for (int64_t ol = 0; ol < cout_g; ++ol) {
          float w;
          if (p.transpose)  // (KH, KW, C_out/groups, C_in): "input" of the tap is the layer input
            w = kernel[(t * cout_g + ol) * p.in_c + g * cin_g + cl];
          else  // (KH, KW, C_in/groups, C_out)
            w = kernel[(t * cin_g + cl) * p.out_c + g * cout_g + ol];
          packed[((g * taps + t) * cin_g + cl) * co_pad + ol] = w;
        }

  const float border_value = border_constant(layer.border, layer.border_value);
  const int64_t rows = p.batch * p.out_h;
  ThreadPool& pool = ctx.pool ? *ctx.pool : ThreadPool::shared();
  pool.parallel_for(rows, ctx.threads, [&](int64_t row) {
    const int64_t n = row / p.out_h, oy = row % p.out_h;
    const float* image = x + n * p.in_h * p.in_w * p.in_c;
    std::vector<Tap> list;
    list.reserve(static_cast<size_t>(taps));
    std::vector<float> acc(static_cast<size_t>(co_pad));
    std::vector<float> constant_px(static_cast<size_t>(p.in_c), border_value);
    for (int64_t ox = 0; ox < p.out_w; ++ox) {
      // Which input pixels feed (oy, ox), as offsets; -1 offsets read the border constant.
      list.clear();
      for (int64_t ky = 0; ky < KH; ++ky)
        for (int64_t kx = 0; kx < KW; ++kx) {
          int64_t iy, ix;
          if (p.transpose) {  // o = i*s + k*d - before  =>  i = (o + before - k*d) / s when exact
            const int64_t ny = oy + p.y.pad_before - ky * p.y.dilation;
            const int64_t nx = ox + p.x.pad_before - kx * p.x.dilation;
            if (ny < 0 || nx < 0 || ny % p.y.stride || nx % p.x.stride) continue;
            iy = ny / p.y.stride;
            ix = nx / p.x.stride;
            if (iy >= p.in_h || ix >= p.in_w) continue;
          } else {
            iy = border_source(oy * p.y.stride + ky * p.y.dilation - p.y.pad_before, p.in_h, layer.border);
            ix = border_source(ox * p.x.stride + kx * p.x.dilation - p.x.pad_before, p.in_w, layer.border);
            if ((iy < 0 || ix < 0) && border_value == 0.0f) continue;  // zero padding adds nothing
          }
          const int64_t off = (iy < 0 || ix < 0) ? -1 : (iy * p.in_w + ix) * p.in_c;
          list.push_back({off, (ky * KW + kx) * cin_g * co_pad});
        }
      float* out = y + ((n * p.out_h + oy) * p.out_w + ox) * p.out_c;
      for (int64_t g = 0; g < p.groups; ++g) {
        const float* wg = packed.get() + g * taps * cin_g * co_pad;
        for (int64_t c0 = 0; c0 < co_pad; c0 += N) {
          auto sum = hn::Zero(df);
          for (const Tap& tap : list) {
            const float* px = tap.offset < 0 ? constant_px.data() : image + tap.offset;
            px += g * cin_g;
            const float* w = wg + tap.w_index + c0;
            for (int64_t cl = 0; cl < cin_g; ++cl)
              sum = hn::MulAdd(hn::Set(df, px[cl]), hn::Load(df, w + cl * co_pad), sum);  // += x * w[co..co+N)
          }
          hn::StoreU(sum, df, acc.data() + c0);
        }
        for (int64_t ol = 0; ol < cout_g; ++ol) {
          const int64_t co = g * cout_g + ol;
          out[co] = activate(layer.activation, acc[static_cast<size_t>(ol)] + (bias ? bias[co] : 0.0f));
        }
      }
    }
    if (ctx.cancel && ctx.cancel->load(std::memory_order_relaxed)) throw Cancelled();
  }, ctx.cancel);
  if (ctx.cancel && ctx.cancel->load()) throw Cancelled();
}

}  // namespace HWY_NAMESPACE
}  // namespace convscope
HWY_AFTER_NAMESPACE();

#if HWY_ONCE
namespace convscope {

HWY_EXPORT(Conv);
HWY_EXPORT(TargetName);

void simd_conv(const ConvPlan& plan, const Layer& layer, const float* x, const float* kernel,
               const float* bias, float* y, const ExecContext& ctx) {
  HWY_DYNAMIC_DISPATCH(Conv)(plan, layer, x, kernel, bias, y, ctx);
}

const char* simd_target_name() { return HWY_DYNAMIC_DISPATCH(TargetName)(); }

}  // namespace convscope
#endif
