// The Highway kernels against the scalar reference, on every compiled target, through the
// dispatched public function (simd_conv); plus thread-count determinism and cancellation.
#include <doctest/doctest.h>

#include <atomic>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <thread>
#include <stdexcept>
#include <chrono>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "engine/activation.h"
#include "engine/border.h"
#include "engine/conv_simd.h"
#include "engine/cpu_tuning.h"
#include "engine/error.h"
#include "engine/layer.h"
#include "engine/reference_conv.h"
#include "engine/shape.h"
#include "engine/thread_pool.h"
#include "hwy/targets.h"

namespace convscope {
namespace {

constexpr float kPoison = 1234567.0f;

std::string describe(const Layer& l, int64_t h, int64_t w, int64_t c) {
  std::ostringstream s;
  s << (l.transpose ? "Conv2DTranspose" : "Conv2D") << " input " << h << "x" << w << "x" << c << " filters "
    << l.filters << " kernel " << l.kernel_h << "x" << l.kernel_w << " strides " << l.stride_h << "," << l.stride_w
    << " dilation " << l.dilation_h << "," << l.dilation_w << " padding " << to_string(l.padding.kind);
  if (l.padding.kind == PaddingKind::Explicit)
    s << "(" << l.padding.top << "," << l.padding.bottom << "," << l.padding.left << "," << l.padding.right << ")";
  s << " output_padding " << l.output_padding_h << "," << l.output_padding_w << " groups " << l.groups << " bias "
    << l.use_bias << " activation " << to_string(l.activation) << " border " << to_string(l.border);
  if (l.border == BorderMode::Constant) s << ":" << l.border_value;
  return s.str();
}

struct Case {
  Layer layer;
  int64_t batch = 1, h = 1, w = 1, c = 1;
};

// Tolerance: float accumulation vs the reference's double, relative to the sum of |terms| bound.
bool close(float got, float want, float scale) {
  if (std::isnan(want)) return std::isnan(got);
  return std::fabs(got - want) <= 2e-5f * (scale + std::fabs(want)) + 1e-6f;
}

// Runs one case on the current target and checks it; returns false (after printing) on a mismatch.
bool check_case(const Case& cs, std::mt19937& rng, int threads, ThreadPool& pool) {
  const ConvPlan plan = plan_conv(cs.layer, cs.batch, cs.h, cs.w, cs.c);
  std::uniform_real_distribution<float> u(-1.0f, 1.0f);
  const auto ks = plan.kernel_shape();
  std::vector<float> x(static_cast<size_t>(cs.batch * cs.h * cs.w * cs.c));
  std::vector<float> k(static_cast<size_t>(ks[0] * ks[1] * ks[2] * ks[3]));
  std::vector<float> b(static_cast<size_t>(plan.out_c));
  for (float& v : x) v = u(rng);
  for (float& v : k) v = u(rng);
  for (float& v : b) v = u(rng);
  const size_t out_n = static_cast<size_t>(plan.batch * plan.out_h * plan.out_w * plan.out_c);
  std::vector<float> want(out_n, kPoison), got(out_n, kPoison);
  const float* bias = cs.layer.use_bias ? b.data() : nullptr;
  reference_conv(plan, cs.layer, x.data(), k.data(), bias, want.data());
  ExecContext ctx;
  ctx.pool = &pool;
  ctx.threads = threads;
  simd_conv(plan, cs.layer, x.data(), k.data(), bias, got.data(), ctx);
  // Scale: a bound on the magnitude of the terms summed (|x|,|w| <= 1, plus bias and border value).
  const float scale = static_cast<float>(plan.y.kernel * plan.x.kernel * plan.cin_per_group *
                                         std::max(1.0f, std::fabs(cs.layer.border_value))) + 1.0f;
  for (size_t i = 0; i < out_n; ++i) {
    if (!close(got[i], want[i], scale) || got[i] == kPoison) {
      const int64_t co = static_cast<int64_t>(i) % plan.out_c;
      const int64_t pix = static_cast<int64_t>(i) / plan.out_c;
      const int64_t ox = pix % plan.out_w, oy = (pix / plan.out_w) % plan.out_h, n = pix / (plan.out_w * plan.out_h);
      MESSAGE("target " << std::string(simd_target_name()) << ": " << describe(cs.layer, cs.h, cs.w, cs.c) << " batch "
                        << cs.batch << " threads " << threads << ": mismatch at n=" << n << " oy=" << oy
                        << " ox=" << ox << " co=" << co << " got " << got[i] << " want " << want[i]);
      return false;
    }
  }
  return true;
}

template <class T>
T pick(std::mt19937& rng, const std::vector<T>& v) {
  return v[std::uniform_int_distribution<size_t>(0, v.size() - 1)(rng)];
}

int rnd(std::mt19937& rng, int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng); }

// A random valid case; `family` steers towards the kernels' special paths.
Case random_case(std::mt19937& rng, int family) {
  for (;;) {
    Case cs;
    Layer& l = cs.layer;
    l.transpose = family == 3 || (family == 0 && rnd(rng, 0, 3) == 0);
    const int lanes_ish = pick<int>(rng, {1, 2, 3, 4, 5, 7, 8, 9, 15, 16, 17, 24, 31, 32, 33});
    cs.h = rnd(rng, 1, 40) > 30 ? 1 : rnd(rng, 1, 24);
    cs.w = rnd(rng, 1, 40);
    cs.batch = rnd(rng, 1, 4) == 1 ? 2 : 1;
    l.kernel_h = pick<int>(rng, {1, 1, 2, 3, 3, 4, 5, 7});
    l.kernel_w = rnd(rng, 0, 3) == 0 ? pick<int>(rng, {1, 2, 3, 5, 7}) : l.kernel_h;
    l.stride_h = pick<int>(rng, {1, 1, 1, 2, 3});
    l.stride_w = rnd(rng, 0, 2) == 0 ? pick<int>(rng, {1, 2, 3}) : l.stride_h;
    l.dilation_h = pick<int>(rng, {1, 1, 1, 2, 3});
    l.dilation_w = rnd(rng, 0, 2) == 0 ? pick<int>(rng, {1, 2}) : l.dilation_h;
    if (family == 1 || family == 2) {  // depthwise / image filter
      cs.c = family == 2 ? pick<int>(rng, {1, 3, 4}) : lanes_ish;
      const int mult = rnd(rng, 0, 3) == 0 ? pick<int>(rng, {2, 3}) : 1;
      l.groups = static_cast<int>(cs.c);
      l.filters = static_cast<int>(cs.c) * mult;
      if (family == 2) l.stride_w = 1;
      if (family == 2 && rnd(rng, 0, 1)) l.dilation_w = 1;
    } else {
      const int groups = rnd(rng, 0, 3) == 0 ? pick<int>(rng, {2, 3}) : 1;
      cs.c = groups * pick<int>(rng, {1, 2, 3, 5, 8, 16, 17});
      l.groups = groups;
      l.filters = groups * pick<int>(rng, {1, 2, 3, 4, 7, 8, 15, 16, 17, 24, 32, 33, 48, 64, 65});
      if (rnd(rng, 0, 5) == 0) {  // depthwise through the dense-path sizes
        l.groups = static_cast<int>(cs.c);
        l.filters = static_cast<int>(cs.c) * rnd(rng, 1, 2);
      }
    }
    l.padding.kind = pick<PaddingKind>(rng, {PaddingKind::Valid, PaddingKind::Same, PaddingKind::Full,
                                             PaddingKind::Explicit});
    if (l.padding.kind == PaddingKind::Explicit) {
      l.padding.top = rnd(rng, 0, 3);
      l.padding.bottom = rnd(rng, 0, 3);
      l.padding.left = rnd(rng, 0, 3);
      l.padding.right = rnd(rng, 0, 3);
    }
    if (l.transpose) {
      if (rnd(rng, 0, 1)) {
        l.output_padding_h = rnd(rng, 0, l.stride_h - 1);
        l.output_padding_w = rnd(rng, 0, l.stride_w - 1);
      }
    } else {
      l.border = pick<BorderMode>(rng, {BorderMode::Zero, BorderMode::Zero, BorderMode::Reflect,
                                        BorderMode::Symmetric, BorderMode::Replicate, BorderMode::Wrap,
                                        BorderMode::Constant});
      l.border_value = l.border == BorderMode::Constant ? pick<float>(rng, {0.5f, -2.0f, 0.0f}) : 0.0f;
    }
    l.use_bias = rnd(rng, 0, 2) != 0;
    const auto& acts = all_activations();
    l.activation = rnd(rng, 0, 1) ? Activation::Linear : pick(rng, acts);
    try {
      const ConvPlan p = plan_conv(l, cs.batch, cs.h, cs.w, cs.c);
      if (p.out_h * p.out_w * p.out_c * p.batch > 60000 || p.macs() > 4000000) continue;
      return cs;
    } catch (const UserError&) {
      continue;  // an impossible configuration: draw again
    }
  }
}

// Runs fn once per compiled target that this processor supports, through the dispatcher.
template <class Fn>
void for_each_target(Fn&& fn) {
  for (const int64_t target : hwy::SupportedAndGeneratedTargets()) {
    hwy::SetSupportedTargetsForTest(target);
    const std::string target_name = hwy::TargetName(target);  // (a const char* would print as a pointer)
    CAPTURE(target_name);
    fn();
  }
  hwy::SetSupportedTargetsForTest(0);
}

// Runs fn once per CPU tuning profile (engine/cpu_tuning.h) and compiled target: the flat kernels'
// strip heights and 3x3 kernel depend on the profile, so every profile's paths are checked
// whatever processor runs the tests. Restores the profile in force before.
template <class Fn>
void for_each_tuning_and_target(Fn&& fn) {
  const CpuTuning before = cpu_tuning();
  for (const CpuTuning tuning : all_cpu_tunings()) {
    set_cpu_tuning(tuning);
    const std::string tuning_name = to_string(tuning);
    CAPTURE(tuning_name);
    for_each_target(fn);
  }
  set_cpu_tuning(before);
}

int run_sweep(int family, int count, uint32_t seed) {
  int failures = 0;
  ThreadPool pool(2);
  for_each_target([&] {
    std::mt19937 rng(seed);
    for (int i = 0; i < count && failures < 5; ++i) {
      const Case cs = random_case(rng, family);
      if (!check_case(cs, rng, 0, pool)) ++failures;
    }
  });
  return failures;
}

TEST_CASE("simd: dense and grouped conv equal the reference on every target (random sweep)") {
  CHECK(run_sweep(0, 260, 1001) == 0);
}

TEST_CASE("simd: depthwise with multipliers equals the reference on every target (random sweep)") {
  CHECK(run_sweep(1, 200, 2002) == 0);
}

TEST_CASE("simd: per-channel image filters (flat rows, every border mode) equal the reference") {
  CHECK(run_sweep(2, 200, 3003) == 0);
}

TEST_CASE("simd: tall image filters (several output rows per block, shifted last block) equal the reference") {
  // Ensures the multi-row flat kernels (images of 49+ rows, stride 1, no y dilation: the rolling
  // kernel from 3x3 up, 4-row blocks for 2x2, for 7x7 with 4 weight patterns and, on 16-register
  // targets, where the rolling kernel would hold fewer than 10 accumulators or the kernel is 3x3
  // with several weight patterns) match the reference
  // for every border mode, channel counts with 1-4 weight patterns (AVX-512 32: 2, 6/12/24: 3,
  // 64: 4; AVX2 16: 2, 3/6/12/24: 3, 32: 4; SSE4 8: 2, 16: 4), the packed RGB layout (AVX-512, 4x4
  // and up), more patterns (5, 7 channels: the per-channel kernel), and odd band ends.
  int failures = 0;
  ThreadPool pool(2);
  for_each_tuning_and_target([&] {
    std::mt19937 rng(5005);
    for (int i = 0; i < 90 && failures < 5; ++i) {
      Case cs;
      Layer& l = cs.layer;
      cs.c = pick<int>(rng, {1, 2, 3, 4, 5, 6, 7, 8, 12, 16, 24, 32, 64});
      cs.h = rnd(rng, 49, 140);
      cs.w = rnd(rng, 1, cs.c >= 32 ? 30 : cs.c >= 16 ? 60 : 90);
      l.groups = static_cast<int>(cs.c);
      l.filters = static_cast<int>(cs.c);
      l.kernel_h = pick<int>(rng, {1, 2, 3, 4, 5, 6, 7});
      l.kernel_w = rnd(rng, 0, 3) == 0 ? pick<int>(rng, {1, 3, 5}) : l.kernel_h;
      l.dilation_w = rnd(rng, 0, 3) == 0 ? 2 : 1;
      l.padding.kind = pick<PaddingKind>(rng, {PaddingKind::Valid, PaddingKind::Same, PaddingKind::Full});
      l.border = pick<BorderMode>(rng, {BorderMode::Zero, BorderMode::Reflect, BorderMode::Symmetric,
                                        BorderMode::Replicate, BorderMode::Wrap, BorderMode::Constant});
      l.border_value = l.border == BorderMode::Constant ? 0.5f : 0.0f;
      l.use_bias = rnd(rng, 0, 1) != 0;
      l.activation = rnd(rng, 0, 1) ? Activation::Linear : pick(rng, all_activations());
      try {
        plan_conv(l, cs.batch, cs.h, cs.w, cs.c);
      } catch (const UserError&) {
        continue;
      }
      if (!check_case(cs, rng, rnd(rng, 0, 1), pool)) ++failures;
    }
  });
  CHECK(failures == 0);
}

TEST_CASE("simd: image filters past the caches (fetching ahead, rows a multiple of 4096 bytes) equal the reference") {
  // Images whose input and output exceed 8 MB take the kernels' ahead-fetching paths, and rows a
  // multiple of 4096 bytes long also the rolling kernel's near output fetch (AVX-512): RGB 1024
  // pixels wide (12288-byte rows) with 7x7, one channel 1024 wide (4096) with 5x5, and RGB 1000
  // wide (not aliased) with 3x3, on one and two threads.
  int failures = 0;
  ThreadPool pool(2);
  for_each_tuning_and_target([&] {
    std::mt19937 rng(8008);
    struct Shape { int64_t h, w, c; int k; BorderMode border; int threads; };
    for (const Shape& sh : {Shape{360, 1024, 3, 7, BorderMode::Zero, 2}, Shape{1030, 1024, 1, 5, BorderMode::Reflect, 1},
                            Shape{400, 1000, 3, 3, BorderMode::Replicate, 2}}) {
      Case cs;
      cs.h = sh.h;
      cs.w = sh.w;
      cs.c = sh.c;
      Layer& l = cs.layer;
      l.groups = l.filters = static_cast<int>(sh.c);
      l.kernel_h = l.kernel_w = sh.k;
      l.padding.kind = PaddingKind::Same;
      l.border = sh.border;
      l.use_bias = true;
      REQUIRE((cs.h * cs.w * cs.c * 2 * 4) > (int64_t{8} << 20));
      if (!check_case(cs, rng, sh.threads, pool)) ++failures;
    }
  });
  CHECK(failures == 0);
}

// A 3x3 image filter (one kernel per channel) as the flat kernels promise to sum it: from zero
// over (ky, kx) in that order with one fused multiply-add each, then the bias. Every flat kernel
// (one row, 4-row blocks, the rolling strips, AVX-512's shifted taps) keeps this order, which is
// what makes results the same whichever kernel a row lands in and so whatever the thread count.
std::vector<float> filter3x3_fma_chain(const ConvPlan& p, const Layer& l, const std::vector<float>& x,
                                       const std::vector<float>& k, const std::vector<float>& b) {
  const int64_t H = p.in_h, W = p.in_w, C = p.in_c;
  std::vector<float> y(static_cast<size_t>(p.out_h * p.out_w * C));
  auto value = [&](int64_t iy, int64_t ix, int64_t c) {
    const int64_t sy = border_source(iy, H, l.border), sx = border_source(ix, W, l.border);
    if (sy < 0 || sx < 0) return l.border == BorderMode::Constant ? l.border_value : 0.0f;
    return x[static_cast<size_t>((sy * W + sx) * C + c)];
  };
  for (int64_t oy = 0; oy < p.out_h; ++oy)
    for (int64_t ox = 0; ox < p.out_w; ++ox)
      for (int64_t c = 0; c < C; ++c) {
        float acc = 0.0f;
        for (int64_t ky = 0; ky < 3; ++ky)
          for (int64_t kx = 0; kx < 3; ++kx)
            acc = std::fma(value(oy - p.y.pad_before + ky, ox - p.x.pad_before + kx, c),
                           k[static_cast<size_t>((ky * 3 + kx) * C + c)], acc);
        y[static_cast<size_t>((oy * p.out_w + ox) * C + c)] = acc + (l.use_bias ? b[static_cast<size_t>(c)] : 0.0f);
      }
  return y;
}

TEST_CASE("simd: RGB and one-channel 3x3 filters equal the reference, and on FMA targets the fixed sum order bit for bit") {
  // Widths 1..160 put the shifted-tap kernel (AVX-512, segments of 18+ RGB or 18+ one-channel
  // pixels), the rolling strips and the one-row kernel on different parts of the rows; heights
  // 1..90 give every band shape.
  int failures = 0;
  ThreadPool pool(3);
  for_each_tuning_and_target([&] {
    const std::string target = simd_target_name();
    const bool fma = target == "AVX2" || target == "AVX3" || target == "AVX3_DL";
    std::mt19937 rng(7007);
    for (int i = 0; i < 60 && failures < 5; ++i) {
      Case cs;
      Layer& l = cs.layer;
      cs.c = rnd(rng, 0, 2) ? 3 : 1;
      cs.h = rnd(rng, 1, 90);
      cs.w = rnd(rng, 1, 160);
      l.groups = l.filters = static_cast<int>(cs.c);
      l.kernel_h = l.kernel_w = 3;
      l.padding.kind = pick<PaddingKind>(rng, {PaddingKind::Valid, PaddingKind::Same, PaddingKind::Full});
      l.border = pick<BorderMode>(rng, {BorderMode::Zero, BorderMode::Reflect, BorderMode::Symmetric,
                                        BorderMode::Replicate, BorderMode::Wrap, BorderMode::Constant});
      l.border_value = l.border == BorderMode::Constant ? -0.75f : 0.0f;
      l.use_bias = rnd(rng, 0, 1) != 0;
      ConvPlan p;
      try {
        p = plan_conv(l, 1, cs.h, cs.w, cs.c);
      } catch (const UserError&) {
        continue;
      }
      const int threads = rnd(rng, 1, 3);
      std::mt19937 data_rng(rng());
      if (!check_case(cs, data_rng, threads, pool)) ++failures;
      if (!fma) continue;
      std::uniform_real_distribution<float> u(-1.0f, 1.0f);
      std::vector<float> x(static_cast<size_t>(cs.h * cs.w * cs.c)), k(static_cast<size_t>(9 * cs.c)),
          b(static_cast<size_t>(cs.c));
      for (float& v : x) v = u(rng);
      for (float& v : k) v = u(rng);
      for (float& v : b) v = u(rng);
      std::vector<float> got(static_cast<size_t>(p.out_h * p.out_w * cs.c), kPoison);
      ExecContext ctx;
      ctx.pool = &pool;
      ctx.threads = threads;
      simd_conv(p, l, x.data(), k.data(), l.use_bias ? b.data() : nullptr, got.data(), ctx);
      const std::vector<float> want = filter3x3_fma_chain(p, l, x, k, b);
      for (size_t e = 0; e < want.size(); ++e)
        if (got[e] != want[e]) {
          char values[80];
          std::snprintf(values, sizeof values, "got %.9g, the fma chain gives %.9g", got[e], want[e]);
          MESSAGE("target " << target << ": " << describe(l, cs.h, cs.w, cs.c) << " threads " << threads
                            << ": element " << e << " " << values);
          ++failures;
          break;
        }
    }
  });
  CHECK(failures == 0);
}

TEST_CASE("simd: image filters are bit-identical under every CPU tuning profile") {
  // The profiles change how tall a strip of the rolling kernel walks, whether AVX-512 3x3 rows
  // walk right and where the strips fetch output lines ahead (engine/cpu_tuning.h), never the sum order: RGB and one-channel 3x3, 5x5 and 7x7
  // filters on images of several chunks under either profile, on one and two threads.
  REQUIRE(flat_tuning(CpuTuning::Zen5).roll_chunk_rows != flat_tuning(CpuTuning::SapphireRapids).roll_chunk_rows);
  REQUIRE(flat_tuning(CpuTuning::Zen5).shift_3x3 != flat_tuning(CpuTuning::SapphireRapids).shift_3x3);
  const CpuTuning before = cpu_tuning();
  int failures = 0;
  ThreadPool pool(2);
  for_each_target([&] {
    std::mt19937 rng(9009);
    std::uniform_real_distribution<float> u(-1.0f, 1.0f);
    for (const int64_t c : {1, 3})
      for (const int k : {3, 5, 7}) {
        Layer l;
        l.groups = l.filters = static_cast<int>(c);
        l.kernel_h = l.kernel_w = k;
        l.padding.kind = PaddingKind::Same;
        l.border = BorderMode::Reflect;
        const int64_t h = 181, w = 203;
        const ConvPlan p = plan_conv(l, 1, h, w, c);
        std::vector<float> x(static_cast<size_t>(h * w * c)), kw(static_cast<size_t>(k * k * c)), b(static_cast<size_t>(c));
        for (float& v : x) v = u(rng);
        for (float& v : kw) v = u(rng);
        for (float& v : b) v = u(rng);
        const size_t n = static_cast<size_t>(p.out_h * p.out_w * c);
        std::vector<float> first;
        for (const CpuTuning tuning : all_cpu_tunings())
          for (const int threads : {1, 2}) {
            set_cpu_tuning(tuning);
            std::vector<float> got(n, kPoison);
            ExecContext ctx;
            ctx.pool = &pool;
            ctx.threads = threads;
            simd_conv(p, l, x.data(), kw.data(), b.data(), got.data(), ctx);
            if (first.empty()) {
              first = got;
            } else if (std::memcmp(first.data(), got.data(), n * sizeof(float)) != 0) {
              MESSAGE("target " << std::string(simd_target_name()) << ": " << describe(l, h, w, c) << " differs under "
                                << std::string(to_string(tuning)) << " with " << threads << " threads");
              ++failures;
            }
          }
      }
  });
  set_cpu_tuning(before);
  CHECK(failures == 0);
}

TEST_CASE("simd: dense layers with 2, 4 or 8 filters (two reduction steps per vector) equal the reference") {
  // Ensures the half-vector-output path (out_c == lanes / 2: 8 on AVX-512, 4 on AVX2, 2 on SSE4)
  // matches the reference: odd and even reduction lengths, widths 1..20 and (a third of the cases)
  // 21..70, where the middle of a row is read straight from the input row, every border mode.
  int failures = 0;
  ThreadPool pool(2);
  for_each_target([&] {
    std::mt19937 rng(6006);
    for (int i = 0; i < 80 && failures < 5; ++i) {
      Case cs;
      Layer& l = cs.layer;
      cs.c = pick<int>(rng, {1, 2, 3, 4, 5});
      cs.h = rnd(rng, 1, 12);
      cs.w = rnd(rng, 0, 2) == 0 ? rnd(rng, 21, 70) : rnd(rng, 1, 20);
      l.filters = pick<int>(rng, {2, 4, 8});
      l.kernel_h = pick<int>(rng, {1, 2, 3, 5});
      l.kernel_w = rnd(rng, 0, 2) == 0 ? pick<int>(rng, {1, 2, 3, 4}) : l.kernel_h;
      l.stride_h = pick<int>(rng, {1, 1, 2});
      l.stride_w = pick<int>(rng, {1, 1, 2});
      l.dilation_h = pick<int>(rng, {1, 1, 2});
      l.padding.kind = pick<PaddingKind>(rng, {PaddingKind::Valid, PaddingKind::Same, PaddingKind::Full});
      l.border = pick<BorderMode>(rng, {BorderMode::Zero, BorderMode::Reflect, BorderMode::Replicate,
                                        BorderMode::Wrap, BorderMode::Constant});
      l.border_value = l.border == BorderMode::Constant ? -2.0f : 0.0f;
      l.use_bias = rnd(rng, 0, 1) != 0;
      l.activation = rnd(rng, 0, 1) ? Activation::Linear : pick(rng, all_activations());
      try {
        plan_conv(l, cs.batch, cs.h, cs.w, cs.c);
      } catch (const UserError&) {
        continue;
      }
      if (!check_case(cs, rng, rnd(rng, 0, 1), pool)) ++failures;
    }
  });
  CHECK(failures == 0);
}

TEST_CASE("simd: layers whose weights take several input-channel passes equal the reference") {
  // Dense layers sum their input channels in passes of about 512 KiB of weights, with partial sums
  // kept between passes; the random sweeps are too small to need a second pass. These take 2-3
  // passes on AVX-512 (a merged-row conv, a conv with x dilation: per-tap reduction, a transposed
  // one; odd channel tiles, bias, an activation, 2 threads), the last two also on AVX2; narrower
  // tiles fit them in one pass. Checked: dropping the partial sums fails all five.
  int failures = 0;
  ThreadPool pool(2);
  for_each_target([&] {
    std::mt19937 rng(7007);
    Case merged;
    merged.h = 5, merged.w = 7, merged.c = 600;
    merged.layer.filters = 70;
    merged.layer.kernel_h = merged.layer.kernel_w = 3;
    merged.layer.padding.kind = PaddingKind::Same;
    merged.layer.activation = Activation::Relu;
    Case dilated = merged;
    dilated.h = 4, dilated.w = 9, dilated.c = 1100;
    dilated.layer.filters = 16;
    dilated.layer.dilation_w = 2;
    dilated.layer.border = BorderMode::Reflect;
    dilated.layer.activation = Activation::Linear;
    Case transposed = dilated;
    transposed.layer.dilation_w = 1;
    transposed.layer.transpose = true;
    transposed.layer.filters = 17;
    transposed.layer.border = BorderMode::Zero;
    for (const Case& cs : {merged, dilated, transposed})
      if (!check_case(cs, rng, 2, pool)) ++failures;
  });
  CHECK(failures == 0);
}

TEST_CASE("simd: transposed conv (stride phases, output_padding) equals the reference on every target") {
  CHECK(run_sweep(3, 200, 4004) == 0);
}

TEST_CASE("simd: edge shapes (1x1 images, 1x1 kernels, channel counts around lane widths)") {
  ThreadPool pool(2);
  int failures = 0;
  for_each_target([&] {
    std::mt19937 rng(5005);
    for (int c : {1, 3, 4, 7, 8, 15, 16, 17, 31, 32, 33}) {
      for (int f : {1, 3, 8, 16, 17, 33}) {
        for (bool transpose : {false, true}) {
          Case cs;
          cs.c = c;
          cs.h = 1;
          cs.w = 1;
          cs.layer.transpose = transpose;
          cs.layer.filters = f;
          cs.layer.kernel_h = cs.layer.kernel_w = 1;
          cs.layer.padding.kind = PaddingKind::Valid;
          if (!check_case(cs, rng, 0, pool)) ++failures;
          cs.h = 5;
          cs.w = 37;
          cs.layer.kernel_h = cs.layer.kernel_w = 3;
          cs.layer.padding.kind = PaddingKind::Same;
          if (!check_case(cs, rng, 0, pool)) ++failures;
        }
        // Depthwise 1x1 image and full-width rows of every length 1..40 for flat rows.
        Case dw;
        dw.c = c;
        dw.layer.groups = c;
        dw.layer.filters = c;
        dw.layer.kernel_h = dw.layer.kernel_w = 3;
        dw.layer.padding.kind = PaddingKind::Same;
        dw.layer.border = BorderMode::Reflect;
        if (!check_case(dw, rng, 0, pool)) ++failures;
      }
    }
    for (int w = 1; w <= 40; ++w) {
      Case img;
      img.c = 3;
      img.h = 4;
      img.w = w;
      img.layer.groups = 3;
      img.layer.filters = 3;
      img.layer.kernel_h = img.layer.kernel_w = 5;
      img.layer.padding.kind = PaddingKind::Same;
      img.layer.border = BorderMode::Symmetric;
      if (!check_case(img, rng, 0, pool)) ++failures;
    }
  });
  CHECK(failures == 0);
}

std::vector<float> run_on(const Case& cs, ThreadPool& pool, uint32_t seed) {
  const ConvPlan plan = plan_conv(cs.layer, cs.batch, cs.h, cs.w, cs.c);
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> u(-1.0f, 1.0f);
  const auto ks = plan.kernel_shape();
  std::vector<float> x(static_cast<size_t>(cs.batch * cs.h * cs.w * cs.c));
  std::vector<float> k(static_cast<size_t>(ks[0] * ks[1] * ks[2] * ks[3])), b(static_cast<size_t>(plan.out_c));
  for (float& v : x) v = u(rng);
  for (float& v : k) v = u(rng);
  for (float& v : b) v = u(rng);
  std::vector<float> y(static_cast<size_t>(plan.batch * plan.out_h * plan.out_w * plan.out_c), kPoison);
  ExecContext ctx;
  ctx.pool = &pool;
  simd_conv(plan, cs.layer, x.data(), k.data(), b.data(), y.data(), ctx);
  return y;
}

std::vector<float> run_with_pool(const Case& cs, int threads, uint32_t seed) {
  ThreadPool pool(threads);
  return run_on(cs, pool, seed);
}

TEST_CASE("simd: results are bit-identical with 1, 2 and 3 threads") {
  std::vector<Case> cases;
  {
    Case dense;  // many bands
    dense.h = 70;
    dense.w = 33;
    dense.c = 8;
    dense.layer.filters = 20;
    dense.layer.padding.kind = PaddingKind::Same;
    dense.layer.activation = Activation::Gelu;
    cases.push_back(dense);
    Case image = dense;  // flat rows with a border mode
    image.c = 3;
    image.h = 90;
    image.w = 41;
    image.layer.groups = 3;
    image.layer.filters = 3;
    image.layer.kernel_h = image.layer.kernel_w = 5;
    image.layer.border = BorderMode::Wrap;
    image.layer.activation = Activation::Linear;
    cases.push_back(image);
    Case dw = image;  // per-channel kernel, stride 2
    dw.c = 20;
    dw.layer.groups = 20;
    dw.layer.filters = 40;
    dw.layer.stride_h = dw.layer.stride_w = 2;
    cases.push_back(dw);
    Case tr = dense;  // transposed
    tr.layer.transpose = true;
    tr.layer.kernel_h = tr.layer.kernel_w = 4;
    tr.layer.stride_h = tr.layer.stride_w = 2;
    tr.batch = 2;
    cases.push_back(tr);
  }
  for (const Case& cs : cases) {
    CAPTURE(describe(cs.layer, cs.h, cs.w, cs.c));
    const std::vector<float> one = run_with_pool(cs, 1, 77);
    const std::vector<float> two = run_with_pool(cs, 2, 77);
    const std::vector<float> three = run_with_pool(cs, 3, 77);
    CHECK(std::memcmp(one.data(), two.data(), one.size() * sizeof(float)) == 0);
    CHECK(std::memcmp(one.data(), three.data(), one.size() * sizeof(float)) == 0);
  }
}

TEST_CASE("simd: a pool's threads repack dense weights for every call (same shapes, new weights)") {
  // With several threads each one packs its own copy of a dense layer's weights on its first band
  // of a call, and keeps the buffer for the next call. Ensures that a later call with the same
  // shapes but other weights (a slider moving) never reuses the previous call's packing: every
  // result on the reused pool equals a fresh one-thread run bit for bit.
  Case dense;
  dense.h = 40;
  dense.w = 21;
  dense.c = 24;
  dense.layer.filters = 40;
  dense.layer.padding.kind = PaddingKind::Same;
  Case tr = dense;
  tr.layer.transpose = true;
  tr.layer.kernel_h = tr.layer.kernel_w = 4;
  tr.layer.stride_h = tr.layer.stride_w = 2;
  ThreadPool pool(2);
  for (const Case& cs : {dense, tr, dense}) {
    CAPTURE(describe(cs.layer, cs.h, cs.w, cs.c));
    for (uint32_t seed : {11u, 12u, 13u}) {
      const std::vector<float> reused = run_on(cs, pool, seed);
      const std::vector<float> fresh = run_with_pool(cs, 1, seed);
      CHECK(std::memcmp(reused.data(), fresh.data(), fresh.size() * sizeof(float)) == 0);
    }
  }
}

TEST_CASE("simd: results do not depend on what earlier calls left in the threads' kept buffers") {
  // Each pool thread (and the caller) keeps its band buffers, the padded-row ring, the rolling
  // chunks' carries and the partial sums between channel passes, from one call to the next, with
  // whatever the last call wrote in them. Layers that use each buffer, of several sizes, run in
  // turn on one pool, twice over; every result equals that of a thread that never ran anything
  // before (a new std::thread with a one-thread pool), bit for bit, under every profile and target.
  // Checked: a first channel pass that starts from the kept partial sums instead of zero fails it.
  Case tall;  // RGB 5x5, 400 rows: bands of 25 rows in two chunks, which carry
  tall.h = 400, tall.w = 70, tall.c = 3;
  tall.layer.groups = tall.layer.filters = 3;
  tall.layer.kernel_h = tall.layer.kernel_w = 5;
  tall.layer.padding.kind = PaddingKind::Same;
  tall.layer.border = BorderMode::Reflect;
  Case tall7 = tall;  // 7x7, one channel, wider rows: larger carries and ring
  tall7.w = 150, tall7.c = 1;
  tall7.layer.groups = tall7.layer.filters = 1;
  tall7.layer.kernel_h = tall7.layer.kernel_w = 7;
  Case passes;  // dense, several input-channel passes (partial sums)
  passes.h = 5, passes.w = 7, passes.c = 600;
  passes.layer.filters = 70;
  passes.layer.padding.kind = PaddingKind::Same;
  Case tr = passes;  // transposed, its own ring layout
  tr.h = 9, tr.w = 11, tr.c = 40;
  tr.layer.transpose = true;
  tr.layer.kernel_h = tr.layer.kernel_w = 4;
  tr.layer.stride_h = tr.layer.stride_w = 2;
  const std::vector<Case> cases{tall, passes, tall7, tr};
  int failures = 0;
  ThreadPool pool(2);
  for_each_tuning_and_target([&] {
    std::vector<std::vector<float>> fresh;  // (the target mock and the profile are process-wide)
    for (const Case& cs : cases) {
      std::vector<float> y;
      std::thread([&] { y = run_with_pool(cs, 1, 31); }).join();
      fresh.push_back(std::move(y));
    }
    for (int round = 0; round < 2; ++round)
      for (size_t i = 0; i < cases.size(); ++i) {
        const std::vector<float> again = run_on(cases[i], pool, 31);
        if (std::memcmp(again.data(), fresh[i].data(), again.size() * sizeof(float)) != 0) {
          MESSAGE(describe(cases[i].layer, cases[i].h, cases[i].w, cases[i].c) << " round " << round);
          ++failures;
        }
      }
  });
  CHECK(failures == 0);
}

TEST_CASE("thread pool: back-to-back jobs, sleeping and spinning workers, exceptions") {
  // Ensures every chunk runs exactly once per job whether the workers are still spinning from the
  // previous job or asleep, with fewer threads than the pool, and that an exception reaches the caller.
  for (int threads : {1, 2, 3}) {
    ThreadPool pool(threads);
    for (int job = 0; job < 300; ++job) {
      const int64_t chunks = 1 + job % 17;
      std::vector<std::atomic<int>> hits(static_cast<size_t>(chunks));
      for (auto& h : hits) h.store(0);
      pool.parallel_for(chunks, job % 3, [&](int64_t i) { hits[static_cast<size_t>(i)].fetch_add(1); });
      for (auto& h : hits) REQUIRE(h.load() == 1);
      if (job % 50 == 0) std::this_thread::sleep_for(std::chrono::milliseconds(2));  // workers fall asleep
    }
    CHECK_THROWS_AS(pool.parallel_for(8, 0, [](int64_t i) { if (i == 3) throw std::runtime_error("x"); }),
                    std::runtime_error);
    int after = 0;
    pool.parallel_for(1, 0, [&](int64_t) { ++after; });
    CHECK(after == 1);
  }
}

TEST_CASE("simd: a set cancel token throws Cancelled") {
  Layer l;
  l.filters = 4;
  l.padding.kind = PaddingKind::Same;
  const ConvPlan plan = plan_conv(l, 1, 64, 64, 3);
  std::vector<float> x(64 * 64 * 3, 1.0f), k(3 * 3 * 3 * 4, 0.5f), y(64 * 64 * 4);
  std::atomic<bool> cancel{true};
  ExecContext ctx;
  ctx.cancel = &cancel;
  CHECK_THROWS_AS(simd_conv(plan, l, x.data(), k.data(), nullptr, y.data(), ctx), Cancelled);
  cancel = false;
  CHECK_NOTHROW(simd_conv(plan, l, x.data(), k.data(), nullptr, y.data(), ctx));
}

TEST_CASE("simd: the dispatched target has a name") {
  CHECK(std::string(simd_target_name()).size() > 0);
}

}  // namespace
}  // namespace convscope
