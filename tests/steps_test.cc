// The step model (engine/steps.h): replaying its steps must give the engine's output, both
// transposed views must agree with it, and the inverse maps must agree with brute force.
#include <doctest/doctest.h>

#include <cmath>
#include <random>
#include <set>

#include "engine/border.h"
#include "engine/conv.h"
#include "engine/error.h"
#include "engine/steps.h"

using namespace convscope;

namespace {

struct Case {
  Layer layer;
  Tensor input, kernel, bias;
  std::string describe() const {
    const Layer& l = layer;
    return std::string(l.transpose ? "transposed" : "conv") + " in " + shape_to_string(input.shape) + " k" +
           std::to_string(l.kernel_h) + "x" + std::to_string(l.kernel_w) + " s" + std::to_string(l.stride_h) + "," +
           std::to_string(l.stride_w) + " d" + std::to_string(l.dilation_h) + "," + std::to_string(l.dilation_w) +
           " pad " + to_string(l.padding.kind) + " g" + std::to_string(l.groups) + " f" + std::to_string(l.filters) +
           " border " + to_string(l.border) + " act " + to_string(l.activation) + " op " +
           std::to_string(l.output_padding_h) + "," + std::to_string(l.output_padding_w);
  }
};

// A random layer that plans; small sizes so every step can be replayed.
Case random_case(std::mt19937& rng, bool transpose) {
  auto pick = [&](int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng); };
  std::uniform_real_distribution<float> val(-2.0f, 2.0f);
  for (;;) {
    Case c;
    Layer& l = c.layer;
    l.transpose = transpose;
    l.kernel_h = pick(1, 4);
    l.kernel_w = pick(1, 4);
    l.stride_h = pick(1, 3);
    l.stride_w = pick(1, 3);
    l.dilation_h = pick(1, 2);
    l.dilation_w = pick(1, 2);
    l.groups = pick(1, 2);
    l.filters = l.groups * pick(1, 2);
    const int channels = l.groups * pick(1, 2);
    const int kinds = pick(0, 3);
    l.padding.kind = static_cast<PaddingKind>(kinds);
    if (l.padding.kind == PaddingKind::Explicit) {
      l.padding.top = pick(0, 3);
      l.padding.bottom = pick(0, 3);
      l.padding.left = pick(0, 3);
      l.padding.right = pick(0, 3);
    }
    if (transpose && pick(0, 2) == 0) {
      l.output_padding_h = pick(0, l.stride_h - 1);
      l.output_padding_w = pick(0, l.stride_w - 1);
    }
    if (!transpose) {
      l.border = all_border_modes()[static_cast<size_t>(pick(0, 5))];
      l.border_value = 0.5f;
    }
    l.use_bias = pick(0, 1) == 1;
    l.activation = pick(0, 1) ? Activation::Linear : Activation::Relu;
    const int h = pick(1, 7), w = pick(1, 7);
    ConvPlan plan;
    try {
      plan = plan_conv(l, 1, h, w, channels);
    } catch (const UserError&) {
      continue;
    }
    c.input = Tensor({1, h, w, channels});
    for (float& v : c.input.data) v = val(rng);
    c.kernel = Tensor(plan.kernel_shape());
    for (float& v : c.kernel.data) v = val(rng);
    c.bias = Tensor({l.filters});
    for (float& v : c.bias.data) v = val(rng);
    return c;
  }
}

void check_close(const std::vector<float>& got, const Tensor& want, const std::string& what) {
  REQUIRE(got.size() == want.data.size());
  for (size_t i = 0; i < got.size(); ++i) {
    const float tol = 1e-4f * (1.0f + std::fabs(want.data[i]));
    if (!(std::fabs(got[i] - want.data[i]) <= tol)) {
      FAIL_CHECK(what << " element " << i << ": steps " << got[i] << " engine " << want.data[i]);
      return;
    }
  }
}

}  // namespace

TEST_CASE("steps: replaying every tap reproduces run_layer (reference and SIMD), forward layers") {
  std::mt19937 rng(1234);
  for (int iter = 0; iter < 150; ++iter) {
    Case c = random_case(rng, false);
    CAPTURE(c.describe());
    StepModel m(c.layer, c.input, c.kernel, &c.bias);
    std::vector<float> replay(m.result().size());
    for (int64_t u = 0; u < m.unit_count(); ++u) {
      const PositionStep s = m.position(u);
      REQUIRE(static_cast<int64_t>(s.taps.size()) == m.taps_per_unit());
      // The running sum is the sum of the products before it.
      double sum = 0;
      for (const Tap& t : s.taps) {
        sum += double{t.value} * t.weight;
        CHECK(t.sum == doctest::Approx(sum));
        CHECK(t.product == doctest::Approx(t.value * t.weight));
        CHECK((t.kind == CellKind::Padding) == (t.gy < 0 || t.gy >= c.input.dim(1) || t.gx < 0 || t.gx >= c.input.dim(2)));
      }
      replay[static_cast<size_t>(u)] = s.value;
    }
    RunOptions ref;
    ref.impl = Implementation::Reference;
    check_close(replay, run_layer(c.layer, c.input, c.kernel, &c.bias, ref), "reference");
    check_close(replay, run_layer(c.layer, c.input, c.kernel, &c.bias), "simd");
    // The last frame shows the whole output.
    check_close(m.frame(m.tap_step_count() - 1).output, run_layer(c.layer, c.input, c.kernel, &c.bias, ref), "last frame");
  }
}

TEST_CASE("steps: both transposed views (scatter, direct with zeros inserted) give run_layer's output") {
  std::mt19937 rng(99);
  for (int iter = 0; iter < 150; ++iter) {
    Case c = random_case(rng, true);
    CAPTURE(c.describe());
    RunOptions ref;
    ref.impl = Implementation::Reference;
    const Tensor want = run_layer(c.layer, c.input, c.kernel, &c.bias, ref);
    check_close(want.data, run_layer(c.layer, c.input, c.kernel, &c.bias), "simd vs reference");

    StepOptions direct_opt;
    direct_opt.view = TransposedView::Direct;
    StepModel direct(c.layer, c.input, c.kernel, &c.bias, direct_opt);
    std::vector<float> replay(want.data.size());
    for (int64_t u = 0; u < direct.unit_count(); ++u) {
      const PositionStep s = direct.position(u);
      for (const Tap& t : s.taps) {
        // Real input values sit every stride cells; the window reads the flipped kernel.
        if (t.kind == CellKind::Input) CHECK(t.value == c.input.data[static_cast<size_t>((t.src_y * c.input.dim(2) + t.src_x) * c.input.dim(3) + t.ci)]);
        else CHECK(t.value == 0.0f);
        CHECK(t.ky == c.layer.kernel_h - 1 - t.wy);
      }
      replay[static_cast<size_t>(u)] = s.value;
    }
    check_close(replay, want, "direct view");

    StepOptions scatter_opt;
    scatter_opt.view = TransposedView::Scatter;
    StepModel scatter(c.layer, c.input, c.kernel, &c.bias, scatter_opt);
    check_close(scatter.result(), want, "scatter view");
    check_close(scatter.frame(scatter.tap_step_count() - 1).output, want, "scatter last frame");
    // Before the crop step the output is not shown yet.
    CHECK(std::isnan(scatter.frame(scatter.tap_step_count() - 2).output[0]));
  }
}

TEST_CASE("steps: scatter stamps accumulate as the frames say") {
  AnimationPreset p = *find_animation_preset("padding_strides_transposed");
  Tensor in, k;
  make_preset_tensors(p, &in, &k);
  StepOptions o;
  o.view = TransposedView::Scatter;
  StepModel m(p.layer, in, k, nullptr, o);
  for (int64_t u = 0; u < m.unit_count(); ++u) {
    const ScatterStep s = m.scatter_step(u);
    const StepModel::Frame f = m.frame(m.tap_step_at_end(StepGranularity::Position, u));
    for (const Stamp& st : s.stamps) {
      const size_t cell = static_cast<size_t>(((st.oy - m.full_first_y()) * m.full_w() + (st.ox - m.full_first_x())) * m.plan().out_c + st.co);
      CHECK(f.touched[cell] == 1);
      CHECK(st.cropped == (st.oy < 0 || st.ox < 0 || st.oy >= 5 || st.ox >= 5));
    }
  }
}

TEST_CASE("steps: receptive fields and 'outputs fed by' agree with brute force (one-hot input through run_layer)") {
  std::mt19937 rng(7);
  for (bool transpose : {false, true}) {
    for (int iter = 0; iter < 60; ++iter) {
      Case c = random_case(rng, transpose);
      // One channel, one filter, weights all 1, no bias, linear, so an output is non-zero exactly
      // when it reads the hot pixel.
      c.layer.groups = 1;
      c.layer.filters = 1;
      c.layer.use_bias = false;
      c.layer.activation = Activation::Linear;
      if (c.layer.border == BorderMode::Constant) c.layer.border = BorderMode::Zero;
      const int64_t h = c.input.dim(1), w = c.input.dim(2);
      c.input = Tensor({1, h, w, 1});
      const ConvPlan plan = plan_conv(c.layer, 1, h, w, 1);
      c.kernel = Tensor(plan.kernel_shape());
      for (float& v : c.kernel.data) v = 1.0f;
      CAPTURE(c.describe());
      std::vector<std::set<Cell>> fed_by_brute(static_cast<size_t>(h * w));
      std::vector<std::set<Cell>> field_brute(static_cast<size_t>(plan.out_h * plan.out_w));
      RunOptions ref;
      ref.impl = Implementation::Reference;
      for (int64_t iy = 0; iy < h; ++iy)
        for (int64_t ix = 0; ix < w; ++ix) {
          Tensor hot = c.input;
          hot.data[static_cast<size_t>(iy * w + ix)] = 1.0f;
          const Tensor out = run_layer(c.layer, hot, c.kernel, nullptr, ref);
          for (int64_t oy = 0; oy < plan.out_h; ++oy)
            for (int64_t ox = 0; ox < plan.out_w; ++ox)
              if (out.data[static_cast<size_t>(oy * plan.out_w + ox)] != 0.0f) {
                fed_by_brute[static_cast<size_t>(iy * w + ix)].insert({oy, ox});
                field_brute[static_cast<size_t>(oy * plan.out_w + ox)].insert({iy, ix});
              }
        }
      for (int64_t iy = 0; iy < h; ++iy)
        for (int64_t ix = 0; ix < w; ++ix) {
          const std::vector<Cell> got = outputs_fed_by(plan, c.layer.border, iy, ix);
          CHECK(std::set<Cell>(got.begin(), got.end()) == fed_by_brute[static_cast<size_t>(iy * w + ix)]);
        }
      for (int64_t oy = 0; oy < plan.out_h; ++oy)
        for (int64_t ox = 0; ox < plan.out_w; ++ox) {
          std::set<Cell> got;
          for (const Cell& cell : receptive_field(plan, oy, ox)) {
            if (transpose) {
              got.insert(cell);
              continue;
            }
            // Padded coordinates: keep the pixels they read.
            const int64_t sy = border_source(cell.y, h, c.layer.border);
            const int64_t sx = border_source(cell.x, w, c.layer.border);
            if (sy >= 0 && sx >= 0) got.insert({sy, sx});
          }
          CHECK(got == field_brute[static_cast<size_t>(oy * plan.out_w + ox)]);
        }
      // Each weight multiplies, over the run, exactly the cells the sliding windows put it on.
      for (int ky = 0; ky < plan.y.kernel; ++ky)
        for (int kx = 0; kx < plan.x.kernel; ++kx) {
          std::set<Cell> brute;
          if (!transpose) {
            StepModel m(c.layer, c.input, c.kernel, nullptr);
            for (int64_t u = 0; u < m.unit_count(); ++u)
              for (const Tap& t : m.position(u).taps)
                if (t.ky == ky && t.kx == kx) brute.insert({t.gy, t.gx});
          } else {
            StepOptions o;
            o.view = TransposedView::Scatter;
            StepModel m(c.layer, c.input, c.kernel, nullptr, o);
            for (int64_t u = 0; u < m.unit_count(); ++u) {
              const ScatterStep s = m.scatter_step(u);
              for (const Stamp& st : s.stamps)
                if (st.ky == ky && st.kx == kx && !st.cropped) brute.insert({s.iy, s.ix});
            }
          }
          const std::vector<Cell> got = inputs_touched_by_tap(plan, ky, kx);
          CHECK(std::set<Cell>(got.begin(), got.end()) == brute);
        }
    }
  }
}

TEST_CASE("steps: groups connect output channels to their group's input channels only") {
  Layer l;
  l.groups = 3;
  l.filters = 6;
  const ConvPlan p = plan_conv(l, 1, 5, 5, 9);
  CHECK(input_channels_of(p, 0).begin == 0);
  CHECK(input_channels_of(p, 0).end == 3);
  CHECK(input_channels_of(p, 5).begin == 6);
  CHECK(output_channels_of(p, 4).begin == 2);
  CHECK(output_channels_of(p, 4).end == 4);
}

TEST_CASE("steps: presets reproduce the convolution-arithmetic guide's sizes") {
  const auto& presets = animation_presets();
  CHECK(presets.size() == 16);
  for (const char* name : {"no_padding_no_strides", "arbitrary_padding_no_strides", "same_padding_no_strides",
                           "full_padding_no_strides", "no_padding_strides", "padding_strides", "padding_strides_odd",
                           "dilation", "no_padding_no_strides_transposed", "arbitrary_padding_no_strides_transposed",
                           "same_padding_no_strides_transposed", "full_padding_no_strides_transposed",
                           "no_padding_strides_transposed", "padding_strides_transposed",
                           "padding_strides_odd_transposed", "tf_same_stride2"})
    CHECK_MESSAGE(find_animation_preset(name) != nullptr, name);
  for (const AnimationPreset& p : presets) {
    CAPTURE(p.name);
    CHECK(!p.caption.empty());
    const ConvPlan plan = plan_conv(p.layer, 1, p.in_h, p.in_w, p.channels);
    CHECK(plan.out_h == p.guide_out);
    CHECK(plan.out_w == p.guide_out);
    Tensor in, k;
    make_preset_tensors(p, &in, &k);
    StepModel m(p.layer, in, k, nullptr);
    check_close(m.result(), run_layer(p.layer, in, k, nullptr), p.name);
  }
  // TensorFlow's asymmetric 'same': nothing before, one row/column after.
  const AnimationPreset* tf = find_animation_preset("tf_same_stride2");
  const ConvPlan plan = plan_conv(tf->layer, 1, 6, 6, 1);
  CHECK(plan.y.pad_before == 0);
  CHECK(plan.y.pad_after == 1);
  // The guide's direct-conv picture of a transposed layer: zeros inserted, padded by extent-1-p.
  const AnimationPreset* pst = find_animation_preset("padding_strides_transposed");
  Tensor in, k;
  make_preset_tensors(*pst, &in, &k);
  StepModel m(pst->layer, in, k, nullptr);
  CHECK(m.slide_y().in == 5);          // 3 values with one zero between each
  CHECK(m.slide_y().pad_before == 1);  // 3 - 1 - 1
  CHECK(m.slide_y().count == 7);
  CHECK(m.grid_kind(1, 0) == CellKind::InsertedZero);
  CHECK(m.grid_kind(-1, 0) == CellKind::Padding);
  CHECK(m.grid_kind(2, 2) == CellKind::Input);
}

TEST_CASE("steps: granularities cover the same timeline") {
  const AnimationPreset* p = find_animation_preset("padding_strides");
  Tensor in, k;
  make_preset_tensors(*p, &in, &k);
  StepModel m(p->layer, in, k, nullptr);
  CHECK(m.unit_count() == 9);
  CHECK(m.taps_per_unit() == 9);
  CHECK(m.tap_step_count() == 90);
  CHECK(m.step_count(StepGranularity::Position) == 9);
  CHECK(m.step_count(StepGranularity::Row) == 3);
  CHECK(m.tap_step_at_end(StepGranularity::Row, 2) == 89);
  CHECK(m.tap_step_at_end(StepGranularity::Position, 0) == 9);
  CHECK(m.step_containing(StepGranularity::Row, 35) == 1);
  const StepModel::Frame f = m.frame(m.tap_step_at_end(StepGranularity::Position, 4));
  CHECK(!std::isnan(f.output[4]));
  CHECK(std::isnan(f.output[5]));
  // Output (0, 0) with padding 1 reads five padding cells.
  int padding = 0;
  for (const Tap& t : m.position(0).taps) padding += t.kind == CellKind::Padding;
  CHECK(padding == 5);
}
