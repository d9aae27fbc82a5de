// Border modes (numpy.pad's names) through the whole engine: hand-written padded rows and small
// images, on the scalar reference and on the SIMD path for every compiled Highway target, and a
// sweep comparing the two.
#include <doctest/doctest.h>
#include <hwy/targets.h>

#include <cmath>
#include <functional>
#include <random>
#include <string>
#include <vector>

#include "engine/border.h"
#include "engine/conv.h"
#include "engine/error.h"
#include "tests/test_util.h"

namespace convscope {
namespace {

// Calls f(label, implementation) for the reference and for the SIMD path on each compiled target.
void for_each_implementation(const std::function<void(const std::string&, Implementation)>& f) {
  f("reference", Implementation::Reference);
  for (int64_t target : hwy::SupportedAndGeneratedTargets()) {
    hwy::SetSupportedTargetsForTest(target);
    f(std::string("simd ") + hwy::TargetName(target), Implementation::Simd);
  }
  hwy::SetSupportedTargetsForTest(0);
}

Layer border_layer(BorderMode mode, float value, int kh, int kw, int channels) {
  Layer layer;
  layer.kernel_h = kh;
  layer.kernel_w = kw;
  layer.filters = channels;
  layer.groups = channels;  // depthwise: each channel on its own
  layer.use_bias = false;
  layer.border = mode;
  layer.border_value = value;
  return layer;
}

// (kh, kw, 1, channels) with the same taps for every channel.
Tensor depthwise(const std::vector<float>& taps, int kh, int kw, int channels) {
  Tensor k({kh, kw, 1, channels});
  for (size_t i = 0; i < taps.size(); ++i)
    for (int c = 0; c < channels; ++c) k.data[i * static_cast<size_t>(channels) + static_cast<size_t>(c)] = taps[i];
  return k;
}

void check_values(const Tensor& got, const std::vector<float>& want, const std::string& what) {
  REQUIRE_MESSAGE(got.data.size() == want.size(), what);
  for (size_t i = 0; i < want.size(); ++i)
    CHECK_MESSAGE(got.data[i] == doctest::Approx(want[i]).epsilon(1e-6), what << " at index " << i);
}

struct PaddedRow {
  const char* mode;
  std::vector<float> want;  // the row 1 2 3 4 padded by 3 on each side
};

// numpy.pad([1, 2, 3, 4], 3, mode) written out by hand (a b c d = 1 2 3 4).
const std::vector<PaddedRow> kRowABCDPad3 = {
    {"zero", {0, 0, 0, 1, 2, 3, 4, 0, 0, 0}},
    {"reflect", {4, 3, 2, 1, 2, 3, 4, 3, 2, 1}},    // d c b | a b c d | c b a
    {"symmetric", {3, 2, 1, 1, 2, 3, 4, 4, 3, 2}},  // c b a | a b c d | d c b
    {"replicate", {1, 1, 1, 1, 2, 3, 4, 4, 4, 4}},  // a a a | a b c d | d d d
    {"wrap", {2, 3, 4, 1, 2, 3, 4, 1, 2, 3}},       // b c d | a b c d | a b c
    {"constant:-2.5", {-2.5f, -2.5f, -2.5f, 1, 2, 3, 4, -2.5f, -2.5f, -2.5f}},
};

TEST_CASE("border: a b c d padded by 3 in each mode, along a row and along a column, on every implementation") {
  // A 1x1 identity kernel with explicit padding returns the padded input itself.
  for (const PaddedRow& row : kRowABCDPad3) {
    for (int channels : {1, 5}) {
      BorderMode mode;
      float value = 0;
      parse_border(row.mode, &mode, &value);
      Layer layer = border_layer(mode, value, 1, 1, channels);
      // Row: (H=1, W=4, C) padded left/right; column: (H=4, W=1, C) padded top/bottom.
      for (bool vertical : {false, true}) {
        layer.padding = vertical ? Padding{PaddingKind::Explicit, 3, 3, 0, 0} : Padding{PaddingKind::Explicit, 0, 0, 3, 3};
        Tensor in(vertical ? std::vector<int64_t>{4, 1, channels} : std::vector<int64_t>{1, 4, channels});
        for (int i = 0; i < 4; ++i)
          for (int c = 0; c < channels; ++c) in.data[static_cast<size_t>(i * channels + c)] = static_cast<float>(i + 1) * (c + 1);
        std::vector<float> want;
        for (float v : row.want)
          for (int c = 0; c < channels; ++c)
            want.push_back(mode == BorderMode::Constant && (v == value) ? value : v * static_cast<float>(c + 1));
        for_each_implementation([&](const std::string& impl_name, Implementation impl) {
          RunOptions o;
          o.impl = impl;
          const Tensor out = run_layer(layer, in, depthwise({1.0f}, 1, 1, channels), nullptr, o);
          check_values(out, want, std::string(row.mode) + (vertical ? " column" : " row") + " C=" +
                                      std::to_string(channels) + " " + impl_name);
        });
      }
    }
  }
}

TEST_CASE("border: padding wider than the input repeats the pattern as numpy.pad does") {
  // numpy.pad([1, 2], 3, mode) and numpy.pad([1], 2, mode) by hand.
  const std::vector<std::pair<const char*, std::vector<float>>> ab = {
      {"reflect", {2, 1, 2, 1, 2, 1, 2, 1}},
      {"symmetric", {2, 2, 1, 1, 2, 2, 1, 1}},
      {"replicate", {1, 1, 1, 1, 2, 2, 2, 2}},
      {"wrap", {2, 1, 2, 1, 2, 1, 2, 1}},
  };
  for (const auto& [name, want] : ab) {
    BorderMode mode;
    float value = 0;
    parse_border(name, &mode, &value);
    Layer layer = border_layer(mode, value, 1, 1, 1);
    layer.padding = Padding{PaddingKind::Explicit, 0, 0, 3, 3};
    const Tensor in = test::iota_tensor({1, 2, 1});
    Layer one = layer;
    one.padding = Padding{PaddingKind::Explicit, 0, 0, 2, 2};
    for_each_implementation([&](const std::string& impl_name, Implementation impl) {
      RunOptions o;
      o.impl = impl;
      check_values(run_layer(layer, in, depthwise({1}, 1, 1, 1), nullptr, o), want, std::string(name) + " ab " + impl_name);
      check_values(run_layer(one, test::iota_tensor({1, 1, 1}, 7), depthwise({1}, 1, 1, 1), nullptr, o),
                   {7, 7, 7, 7, 7}, std::string(name) + " a " + impl_name);
    });
  }
}

TEST_CASE("border: a 3-tap kernel with 'same' padding reads the border values, each mode by hand") {
  // Row 1 2 3 4, taps 1 10 100: each output's digits show which inputs it read (units = left).
  const std::vector<std::pair<const char*, std::vector<float>>> cases = {
      {"zero", {210, 321, 432, 43}},          // 0 | 1 2 3 4 | 0
      {"reflect", {212, 321, 432, 343}},      // 2 | 1 2 3 4 | 3
      {"symmetric", {211, 321, 432, 443}},    // 1 | 1 2 3 4 | 4
      {"replicate", {211, 321, 432, 443}},    // 1 | 1 2 3 4 | 4
      {"wrap", {214, 321, 432, 143}},         // 4 | 1 2 3 4 | 1
      {"constant:7", {217, 321, 432, 743}},   // 7 | 1 2 3 4 | 7
  };
  for (const auto& [name, want] : cases) {
    BorderMode mode;
    float value = 0;
    parse_border(name, &mode, &value);
    Layer layer = border_layer(mode, value, 1, 3, 1);
    layer.padding.kind = PaddingKind::Same;
    for_each_implementation([&](const std::string& impl_name, Implementation impl) {
      RunOptions o;
      o.impl = impl;
      check_values(run_layer(layer, test::iota_tensor({1, 4, 1}), depthwise({1, 10, 100}, 1, 3, 1), nullptr, o), want,
                   std::string(name) + " " + impl_name);
    });
  }
}

TEST_CASE("border: 2-D padding by 1 (reflect on 3x3, wrap and constant on 2x2) with corners, by hand") {
  struct Case {
    const char* mode;
    int64_t n;
    std::vector<float> want;
  };
  const std::vector<Case> cases = {
      {"reflect", 3, {5, 4, 5, 6, 5,  //
                      2, 1, 2, 3, 2,  //
                      5, 4, 5, 6, 5,  //
                      8, 7, 8, 9, 8,  //
                      5, 4, 5, 6, 5}},
      {"symmetric", 3, {1, 1, 2, 3, 3,  //
                        1, 1, 2, 3, 3,  //
                        4, 4, 5, 6, 6,  //
                        7, 7, 8, 9, 9,  //
                        7, 7, 8, 9, 9}},
      {"wrap", 2, {4, 3, 4, 3,  //
                   2, 1, 2, 1,  //
                   4, 3, 4, 3,  //
                   2, 1, 2, 1}},
      {"constant:9", 2, {9, 9, 9, 9,  //
                         9, 1, 2, 9,  //
                         9, 3, 4, 9,  //
                         9, 9, 9, 9}},
  };
  for (const Case& c : cases) {
    BorderMode mode;
    float value = 0;
    parse_border(c.mode, &mode, &value);
    Layer layer = border_layer(mode, value, 1, 1, 1);
    layer.padding = Padding{PaddingKind::Explicit, 1, 1, 1, 1};
    for_each_implementation([&](const std::string& impl_name, Implementation impl) {
      RunOptions o;
      o.impl = impl;
      check_values(run_layer(layer, test::iota_tensor({c.n, c.n, 1}), depthwise({1}, 1, 1, 1), nullptr, o), c.want,
                   std::string(c.mode) + " " + impl_name);
    });
  }
}

TEST_CASE("border: SIMD equals the scalar reference for every mode across widths 1..40, strides, dilation") {
  std::mt19937 rng(1234);
  const std::vector<std::string> modes = {"zero", "reflect", "symmetric", "replicate", "wrap", "constant:0.75"};
  struct Geometry {
    int kh, kw, stride, dilation;
    Padding padding;
  };
  const std::vector<Geometry> geometries = {
      {3, 3, 1, 1, {PaddingKind::Same}},
      {5, 5, 1, 1, {PaddingKind::Same}},
      {3, 5, 2, 1, {PaddingKind::Same}},
      {3, 3, 1, 2, {PaddingKind::Full}},
      {3, 3, 1, 1, {PaddingKind::Explicit, 4, 0, 5, 2}},
  };
  int compared = 0;
  for (const std::string& name : modes) {
    BorderMode mode;
    float value = 0;
    parse_border(name, &mode, &value);
    for (const Geometry& g : geometries) {
      for (int64_t w = 1; w <= 40; w += (w < 20 ? 1 : 7)) {
        for (int channels : {1, 3, 8}) {
          Layer layer = border_layer(mode, value, g.kh, g.kw, channels);
          layer.stride_h = layer.stride_w = g.stride;
          layer.dilation_h = layer.dilation_w = g.dilation;
          layer.padding = g.padding;
          const int64_t h = 1 + (w * 7) % 6;
          const Tensor in = test::random_tensor({h, w, channels}, rng);
          Tensor kernel = test::random_tensor({g.kh, g.kw, 1, channels}, rng);
          RunOptions ref;
          ref.impl = Implementation::Reference;
          Tensor want;
          try {
            want = run_layer(layer, in, kernel, nullptr, ref);
          } catch (const UserError&) {
            continue;  // the kernel does not fit this size with this padding
          }
          for_each_implementation([&](const std::string& impl_name, Implementation impl) {
            if (impl == Implementation::Reference) return;
            RunOptions o;
            o.impl = impl;
            const Tensor got = run_layer(layer, in, kernel, nullptr, o);
            REQUIRE(got.shape == want.shape);
            for (size_t i = 0; i < want.data.size(); ++i) {
              if (std::fabs(got.data[i] - want.data[i]) > 1e-5f * (1.0f + std::fabs(want.data[i]))) {
                FAIL_CHECK(name << " " << impl_name << " k" << g.kh << "x" << g.kw << " s" << g.stride << " d"
                                << g.dilation << " in " << shape_to_string(in.shape) << " index " << i
                                << ": simd " << got.data[i] << " reference " << want.data[i]);
                break;
              }
            }
            ++compared;
          });
        }
      }
    }
  }
  CHECK(compared > 1000);
}

TEST_CASE("border: border_source maps every out-of-range index as numpy.pad does") {
  // Index -3..6 of a length-4 axis; -1 means the constant.
  CHECK(border_source(-3, 4, BorderMode::Reflect) == 3);
  CHECK(border_source(6, 4, BorderMode::Reflect) == 0);
  CHECK(border_source(-3, 4, BorderMode::Symmetric) == 2);
  CHECK(border_source(6, 4, BorderMode::Symmetric) == 1);
  CHECK(border_source(-3, 4, BorderMode::Replicate) == 0);
  CHECK(border_source(6, 4, BorderMode::Replicate) == 3);
  CHECK(border_source(-3, 4, BorderMode::Wrap) == 1);
  CHECK(border_source(6, 4, BorderMode::Wrap) == 2);
  CHECK(border_source(-1, 4, BorderMode::Zero) == -1);
  CHECK(border_source(4, 4, BorderMode::Constant) == -1);
  CHECK(border_source(2, 4, BorderMode::Constant) == 2);
}

}  // namespace
}  // namespace convscope
