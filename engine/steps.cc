#include "engine/steps.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "engine/activation.h"
#include "engine/border.h"
#include "engine/error.h"

namespace convscope {
namespace {

CellKind axis_kind(const SlideAxis& a, int64_t g) {
  if (g < 0 || g >= a.in) return CellKind::Padding;
  return g % a.insert ? CellKind::InsertedZero : CellKind::Input;
}

SlideAxis forward_axis(const AxisPlan& a) {
  SlideAxis s;
  s.first = -a.pad_before;
  s.count = a.in + a.pad_before + a.pad_after;
  s.in = a.in;
  s.pad_before = a.pad_before;
  s.stride = a.stride;
  s.dilation = a.dilation;
  s.kernel = a.kernel;
  s.out = a.out;
  return s;
}

// The transposed axis as the guide's direct convolution: zeros inserted (stride - 1 between
// values), (extent - 1 - crop) zeros of padding each side, stride 1, kernel flipped.
SlideAxis direct_axis(const AxisPlan& a) {
  SlideAxis s;
  s.in = (a.in - 1) * a.stride + 1;
  s.insert = a.stride;
  s.pad_before = a.extent - 1 - a.pad_before;
  const int64_t pad_after = a.extent - 1 - a.pad_after;
  s.first = -s.pad_before;
  s.count = s.in + s.pad_before + pad_after;
  s.stride = 1;
  s.dilation = a.dilation;
  s.kernel = a.kernel;
  s.flip = true;
  s.out = a.out;
  return s;
}

void sort_unique(std::vector<int64_t>& v) {
  std::sort(v.begin(), v.end());
  v.erase(std::unique(v.begin(), v.end()), v.end());
}

std::vector<Cell> cross(const std::vector<int64_t>& ys, const std::vector<int64_t>& xs) {
  std::vector<Cell> cells;
  cells.reserve(ys.size() * xs.size());
  for (int64_t y : ys)
    for (int64_t x : xs) cells.push_back({y, x});
  return cells;
}

}  // namespace

const char* to_string(StepGranularity g) {
  switch (g) {
    case StepGranularity::Tap: return "tap";
    case StepGranularity::Position: return "position";
    case StepGranularity::Row: return "row";
  }
  return "?";
}

const char* to_string(TransposedView v) { return v == TransposedView::Scatter ? "scatter" : "direct"; }

StepModel::StepModel(const Layer& layer, const Tensor& input, const Tensor& kernel, const Tensor* bias,
                     StepOptions options)
    : layer_(layer), options_(options) {
  if (input.rank() != 3 && input.rank() != 4)
    throw UserError("step model: input must be HWC or NHWC, got shape " + shape_to_string(input.shape));
  const bool r3 = input.rank() == 3;
  const int64_t n = r3 ? 1 : input.dim(0);
  const int64_t h = input.dim(r3 ? 0 : 1), w = input.dim(r3 ? 1 : 2), c = input.dim(r3 ? 2 : 3);
  if (options_.batch_index < 0 || options_.batch_index >= n)
    throw UserError("step model: image " + std::to_string(options_.batch_index) + " is not in a batch of " +
                    std::to_string(n));
  plan_ = plan_conv(layer_, 1, h, w, c);
  if (kernel.shape != plan_.kernel_shape())
    throw UserError("step model: kernel shape " + shape_to_string(kernel.shape) + " does not match the layer: expected " +
                    shape_to_string(plan_.kernel_shape()));
  if (layer_.use_bias && bias) {
    if (bias->shape != std::vector<int64_t>{plan_.out_c})
      throw UserError("step model: bias shape " + shape_to_string(bias->shape) + " does not match filters");
    b_ = bias->data;
  }
  const int64_t image = h * w * c;
  x_.assign(input.data.begin() + options_.batch_index * image, input.data.begin() + (options_.batch_index + 1) * image);
  w_ = kernel.data;

  if (plan_.transpose) {
    sy_ = direct_axis(plan_.y);
    sx_ = direct_axis(plan_.x);
  } else {
    sy_ = forward_axis(plan_.y);
    sx_ = forward_axis(plan_.x);
  }
  const int64_t kk = int64_t{plan_.y.kernel} * plan_.x.kernel;
  if (scatter()) {
    units_ = plan_.in_h * plan_.in_w * plan_.in_c;
    units_per_row_ = plan_.in_w * plan_.in_c;
    taps_ = kk * plan_.cout_per_group;
  } else {
    units_ = plan_.out_h * plan_.out_w * plan_.out_c;
    units_per_row_ = plan_.out_w * plan_.out_c;
    taps_ = kk * (plan_.transpose ? plan_.in_c / plan_.groups : plan_.cin_per_group);
  }
  if (units_ > kMaxTapSteps / (taps_ + 1))
    throw UserError("step model: " + std::to_string(units_) + " positions x " + std::to_string(taps_) +
                    " taps is too many steps to animate; pick a smaller region");
  const int64_t full_y = (plan_.in_h - 1) * plan_.y.stride + plan_.y.extent;
  const int64_t full_x = (plan_.in_w - 1) * plan_.x.stride + plan_.x.extent;
  full_h_ = std::max(full_y, plan_.out_h + plan_.y.pad_before);
  full_w_ = std::max(full_x, plan_.out_w + plan_.x.pad_before);

  result_.assign(static_cast<size_t>(plan_.out_h * plan_.out_w * plan_.out_c), 0.0f);
  if (scatter()) {
    Frame f = frame(tap_step_count() - 1);
    result_ = f.output;
    scatter_acc_final_ = std::move(f.acc);
  } else {
    for (int64_t u = 0; u < units_; ++u) result_[static_cast<size_t>(u)] = position(u).value;
  }
}

float StepModel::input_value(int64_t iy, int64_t ix, int64_t ci) const {
  return x_[static_cast<size_t>((iy * plan_.in_w + ix) * plan_.in_c + ci)];
}

CellKind StepModel::grid_kind(int64_t gy, int64_t gx) const {
  const CellKind ky = axis_kind(sy_, gy), kx = axis_kind(sx_, gx);
  if (ky == CellKind::Padding || kx == CellKind::Padding) return CellKind::Padding;
  if (ky == CellKind::InsertedZero || kx == CellKind::InsertedZero) return CellKind::InsertedZero;
  return CellKind::Input;
}

float StepModel::grid_value(int64_t gy, int64_t gx, int64_t ci, CellKind* kind_out) const {
  const CellKind kind = grid_kind(gy, gx);
  if (kind_out) *kind_out = kind;
  if (kind == CellKind::Input) return input_value(gy / sy_.insert, gx / sx_.insert, ci);
  if (kind == CellKind::InsertedZero || plan_.transpose) return 0.0f;
  const int64_t sy = border_source(gy, plan_.in_h, layer_.border);
  const int64_t sx = border_source(gx, plan_.in_w, layer_.border);
  if (sy < 0 || sx < 0) return border_constant(layer_.border, layer_.border_value);
  return input_value(sy, sx, ci);
}

int64_t StepModel::unit_of_output(int64_t oy, int64_t ox, int64_t co) const {
  return (oy * plan_.out_w + ox) * plan_.out_c + co;
}

int64_t StepModel::unit_of_input(int64_t iy, int64_t ix, int64_t ci) const {
  return (iy * plan_.in_w + ix) * plan_.in_c + ci;
}

PositionStep StepModel::position(int64_t unit) const {
  PositionStep s;
  const ConvPlan& p = plan_;
  s.co = unit % p.out_c;
  s.ox = (unit / p.out_c) % p.out_w;
  s.oy = unit / (p.out_c * p.out_w);
  const int64_t cout_g = p.cout_per_group;
  const int64_t g = s.co / cout_g;
  const int64_t cin_g = p.in_c / p.groups;
  const int KH = p.y.kernel, KW = p.x.kernel;
  s.taps.reserve(static_cast<size_t>(taps_));
  double sum = 0.0;
  // Channel by channel, so the running sum shows each channel's share adding up.
  for (int64_t cl = 0; cl < cin_g; ++cl) {
    const int64_t ci = g * cin_g + cl;
    for (int wy = 0; wy < KH; ++wy)
      for (int wx = 0; wx < KW; ++wx) {
        Tap t;
        t.wy = wy;
        t.wx = wx;
        t.ky = sy_.flip ? KH - 1 - wy : wy;
        t.kx = sx_.flip ? KW - 1 - wx : wx;
        t.ci = ci;
        t.gy = s.oy * sy_.stride + int64_t{wy} * sy_.dilation - sy_.pad_before;
        t.gx = s.ox * sx_.stride + int64_t{wx} * sx_.dilation - sx_.pad_before;
        t.value = grid_value(t.gy, t.gx, ci, &t.kind);
        if (t.kind == CellKind::Input) {
          t.src_y = t.gy / sy_.insert;
          t.src_x = t.gx / sx_.insert;
        } else if (t.kind == CellKind::Padding && !p.transpose) {
          const int64_t sy = border_source(t.gy, p.in_h, layer_.border);
          const int64_t sx = border_source(t.gx, p.in_w, layer_.border);
          if (sy >= 0 && sx >= 0) {
            t.src_y = sy;
            t.src_x = sx;
          }
        }
        if (p.transpose)  // Keras layout (KH, KW, C_out/groups, C_in)
          t.weight = w_[static_cast<size_t>(((t.ky * KW + t.kx) * cout_g + (s.co - g * cout_g)) * p.in_c + ci)];
        else  // (KH, KW, C_in/groups, C_out)
          t.weight = w_[static_cast<size_t>(((t.ky * KW + t.kx) * cin_g + cl) * p.out_c + s.co)];
        t.product = t.value * t.weight;
        sum += double{t.value} * t.weight;
        t.sum = sum;
        s.taps.push_back(t);
      }
  }
  s.bias = b_.empty() ? 0.0f : b_[static_cast<size_t>(s.co)];
  s.pre_activation = static_cast<float>(sum + s.bias);
  s.value = activate(layer_.activation, s.pre_activation);
  return s;
}

namespace {

// Adds the stamps of input unit (iy, ix, ci) to acc; taps [0, tap_end) only. Returns them when asked.
void stamp_unit(const ConvPlan& p, const std::vector<float>& x, const std::vector<float>& w, int64_t unit,
                int64_t tap_end, int64_t full_w, std::vector<double>& acc, ScatterStep* out) {
  const int64_t ci = unit % p.in_c;
  const int64_t ix = (unit / p.in_c) % p.in_w;
  const int64_t iy = unit / (p.in_c * p.in_w);
  const float xv = x[static_cast<size_t>(unit)];
  const int64_t cin_g = p.in_c / p.groups, cout_g = p.cout_per_group;
  const int64_t g = ci / cin_g;
  if (out) {
    out->iy = iy;
    out->ix = ix;
    out->ci = ci;
    out->value = xv;
    out->stamps.clear();
  }
  int64_t t = 0;
  for (int ky = 0; ky < p.y.kernel; ++ky)
    for (int kx = 0; kx < p.x.kernel; ++kx)
      for (int64_t cl = 0; cl < cout_g; ++cl, ++t) {
        if (t >= tap_end) return;
        Stamp s;
        s.ky = ky;
        s.kx = kx;
        s.co = g * cout_g + cl;
        s.oy = iy * p.y.stride + int64_t{ky} * p.y.dilation - p.y.pad_before;
        s.ox = ix * p.x.stride + int64_t{kx} * p.x.dilation - p.x.pad_before;
        s.cropped = s.oy < 0 || s.oy >= p.out_h || s.ox < 0 || s.ox >= p.out_w;
        s.weight = w[static_cast<size_t>(((ky * p.x.kernel + kx) * cout_g + cl) * p.in_c + ci)];
        s.product = xv * s.weight;
        double& a = acc[static_cast<size_t>(((s.oy + p.y.pad_before) * full_w + (s.ox + p.x.pad_before)) * p.out_c + s.co)];
        a += double{xv} * s.weight;
        s.acc = a;
        if (out) out->stamps.push_back(s);
      }
}

}  // namespace

ScatterStep StepModel::scatter_step(int64_t unit) const {
  ScatterStep s;
  if (!scatter()) return s;
  std::vector<double> acc(static_cast<size_t>(full_h_ * full_w_ * plan_.out_c), 0.0);
  for (int64_t u = 0; u < unit; ++u) stamp_unit(plan_, x_, w_, u, taps_, full_w_, acc, nullptr);
  stamp_unit(plan_, x_, w_, unit, taps_, full_w_, acc, &s);
  return s;
}

int64_t StepModel::tap_step_count() const { return units_ * (taps_ + 1) + (scatter() ? 1 : 0); }

int64_t StepModel::step_count(StepGranularity g) const {
  const int64_t extra = scatter() ? 1 : 0;
  switch (g) {
    case StepGranularity::Tap: return tap_step_count();
    case StepGranularity::Position: return units_ + extra;
    case StepGranularity::Row: return row_count() + extra;
  }
  return 0;
}

int64_t StepModel::tap_step_at_end(StepGranularity g, int64_t step) const {
  const int64_t count = step_count(g);
  step = std::clamp<int64_t>(step, 0, count - 1);
  if (scatter() && step == count - 1) return tap_step_count() - 1;
  switch (g) {
    case StepGranularity::Tap: return step;
    case StepGranularity::Position: return step * (taps_ + 1) + taps_;
    case StepGranularity::Row: return ((step + 1) * units_per_row_ - 1) * (taps_ + 1) + taps_;
  }
  return 0;
}

int64_t StepModel::step_containing(StepGranularity g, int64_t tap_step) const {
  tap_step = std::clamp<int64_t>(tap_step, 0, tap_step_count() - 1);
  if (g == StepGranularity::Tap) return tap_step;
  const int64_t unit = tap_step / (taps_ + 1);  // == units_ on the scatter crop step
  if (g == StepGranularity::Position) return unit;
  return unit >= units_ ? row_count() : unit / units_per_row_;
}

StepModel::Frame StepModel::frame(int64_t tap_step) const {
  Frame f;
  f.tap_step = std::clamp<int64_t>(tap_step, 0, tap_step_count() - 1);
  f.unit = f.tap_step / (taps_ + 1);
  f.tap = f.tap_step % (taps_ + 1);
  const float nan = std::numeric_limits<float>::quiet_NaN();
  const size_t out_count = static_cast<size_t>(plan_.out_h * plan_.out_w * plan_.out_c);
  f.output.assign(out_count, nan);
  if (!scatter()) {
    for (int64_t u = 0; u < f.unit; ++u) f.output[static_cast<size_t>(u)] = result_[static_cast<size_t>(u)];
    if (f.tap == taps_) f.output[static_cast<size_t>(f.unit)] = result_[static_cast<size_t>(f.unit)];
    return f;
  }
  f.final_step = f.unit >= units_;
  if (f.final_step) f.tap = 0;
  const size_t full = static_cast<size_t>(full_h_ * full_w_ * plan_.out_c);
  f.acc.assign(full, 0.0);
  f.touched.assign(full, 0);
  // touched: every cell some done stamp reached (a zero product still counts).
  for (int64_t u = 0; u <= std::min(f.unit, units_ - 1); ++u) {
    const int64_t end = u < f.unit ? taps_ : std::min<int64_t>(f.tap + 1, taps_);
    ScatterStep s;
    stamp_unit(plan_, x_, w_, u, end, full_w_, f.acc, &s);
    for (const Stamp& st : s.stamps)
      f.touched[static_cast<size_t>(((st.oy + plan_.y.pad_before) * full_w_ + (st.ox + plan_.x.pad_before)) * plan_.out_c + st.co)] = 1;
  }
  if (f.final_step) {
    for (int64_t oy = 0; oy < plan_.out_h; ++oy)
      for (int64_t ox = 0; ox < plan_.out_w; ++ox)
        for (int64_t co = 0; co < plan_.out_c; ++co) {
          const double a = f.acc[static_cast<size_t>(((oy + plan_.y.pad_before) * full_w_ + (ox + plan_.x.pad_before)) * plan_.out_c + co)];
          const float b = b_.empty() ? 0.0f : b_[static_cast<size_t>(co)];
          f.output[static_cast<size_t>((oy * plan_.out_w + ox) * plan_.out_c + co)] =
              activate(layer_.activation, static_cast<float>(a + b));
        }
  }
  return f;
}

// ---- Inverse maps ----

std::vector<int64_t> axis_receptive_field(const AxisPlan& a, bool transpose, int64_t o) {
  std::vector<int64_t> v;
  for (int k = 0; k < a.kernel; ++k) {
    if (!transpose) {
      v.push_back(o * a.stride + int64_t{k} * a.dilation - a.pad_before);
    } else {  // o = i*stride + k*dilation - pad_before
      const int64_t num = o + a.pad_before - int64_t{k} * a.dilation;
      if (num >= 0 && num % a.stride == 0 && num / a.stride < a.in) v.push_back(num / a.stride);
    }
  }
  sort_unique(v);
  return v;
}

std::vector<int64_t> axis_outputs_fed_by(const AxisPlan& a, bool transpose, int64_t i, BorderMode border) {
  std::vector<int64_t> v;
  if (transpose) {
    for (int k = 0; k < a.kernel; ++k) {
      const int64_t o = i * a.stride + int64_t{k} * a.dilation - a.pad_before;
      if (o >= 0 && o < a.out) v.push_back(o);
    }
  } else {
    // Every padded coordinate that reads pixel i (itself, and its mirrors in the padding).
    for (int64_t p = -a.pad_before; p < a.in + a.pad_after; ++p) {
      if (border_source(p, a.in, border) != i) continue;
      for (int k = 0; k < a.kernel; ++k) {
        const int64_t num = p + a.pad_before - int64_t{k} * a.dilation;  // = o * stride
        if (num >= 0 && num % a.stride == 0 && num / a.stride < a.out) v.push_back(num / a.stride);
      }
    }
  }
  sort_unique(v);
  return v;
}

std::vector<int64_t> axis_touched_by_tap(const AxisPlan& a, bool transpose, int k) {
  std::vector<int64_t> v;
  if (transpose) {
    for (int64_t i = 0; i < a.in; ++i) {
      const int64_t o = i * a.stride + int64_t{k} * a.dilation - a.pad_before;
      if (o >= 0 && o < a.out) v.push_back(i);
    }
  } else {
    for (int64_t o = 0; o < a.out; ++o) v.push_back(o * a.stride + int64_t{k} * a.dilation - a.pad_before);
  }
  return v;
}

std::vector<Cell> receptive_field(const ConvPlan& p, int64_t oy, int64_t ox) {
  return cross(axis_receptive_field(p.y, p.transpose, oy), axis_receptive_field(p.x, p.transpose, ox));
}

std::vector<Cell> outputs_fed_by(const ConvPlan& p, BorderMode border, int64_t iy, int64_t ix) {
  return cross(axis_outputs_fed_by(p.y, p.transpose, iy, border), axis_outputs_fed_by(p.x, p.transpose, ix, border));
}

std::vector<Cell> inputs_touched_by_tap(const ConvPlan& p, int ky, int kx) {
  return cross(axis_touched_by_tap(p.y, p.transpose, ky), axis_touched_by_tap(p.x, p.transpose, kx));
}

ChannelRange input_channels_of(const ConvPlan& p, int64_t co) {
  const int64_t g = co / p.cout_per_group, cin_g = p.in_c / p.groups;
  return {g * cin_g, (g + 1) * cin_g};
}

ChannelRange output_channels_of(const ConvPlan& p, int64_t ci) {
  const int64_t g = ci / (p.in_c / p.groups);
  return {g * p.cout_per_group, (g + 1) * p.cout_per_group};
}

// ---- Presets ----

namespace {

AnimationPreset preset(const char* name, const char* caption, int64_t in, int k, int s, int d,
                       PaddingKind kind, int pad, bool transpose, int64_t guide_out, int output_padding = -1) {
  AnimationPreset p;
  p.name = name;
  p.caption = caption;
  p.in_h = p.in_w = in;
  p.guide_out = guide_out;
  Layer& l = p.layer;
  l.transpose = transpose;
  l.filters = 1;
  l.kernel_h = l.kernel_w = k;
  l.stride_h = l.stride_w = s;
  l.dilation_h = l.dilation_w = d;
  l.padding.kind = kind;
  l.padding.top = l.padding.bottom = l.padding.left = l.padding.right = pad;
  l.output_padding_h = l.output_padding_w = output_padding;
  l.use_bias = false;
  return p;
}

}  // namespace

const std::vector<AnimationPreset>& animation_presets() {
  using K = PaddingKind;
  static const std::vector<AnimationPreset> all = {
      preset("no_padding_no_strides", "A 3x3 kernel fits 2x2 times on a 4x4 input: without padding the output shrinks by kernel-1.",
             4, 3, 1, 1, K::Valid, 0, false, 2),
      preset("arbitrary_padding_no_strides", "Two rings of zeros around a 5x5 input let a 4x4 kernel fit 6x6 times: padding can grow the output.",
             5, 4, 1, 1, K::Explicit, 2, false, 6),
      preset("same_padding_no_strides", "One ring of zeros (half the 3x3 kernel) keeps the output the same size as the input: 'same' padding.",
             5, 3, 1, 1, K::Same, 1, false, 5),
      preset("full_padding_no_strides", "Padding by kernel-1 lets every partial overlap count: the 5x5 input grows to a 7x7 output.",
             5, 3, 1, 1, K::Full, 2, false, 7),
      preset("no_padding_strides", "Stride 2: the window jumps two cells at a time, so a 5x5 input gives only a 2x2 output.",
             5, 3, 2, 1, K::Valid, 0, false, 2),
      preset("padding_strides", "Padding 1 with stride 2: the window still jumps two cells, and the zeros let it also sit on the edges: 3x3 output.",
             5, 3, 2, 1, K::Explicit, 1, false, 3),
      preset("padding_strides_odd", "With a 6x6 input the last column and row of padding are never reached: floor((6+2-3)/2)+1 = 3.",
             6, 3, 2, 1, K::Explicit, 1, false, 3),
      preset("dilation", "Dilation 2 spreads the 3x3 kernel over a 5x5 area with holes: a bigger view for the same nine weights.",
             7, 3, 1, 2, K::Valid, 0, false, 3),
      preset("no_padding_no_strides_transposed", "Transposed: the 2x2 input grows back to 4x4, as if the small grid were padded with kernel-1 zeros.",
             2, 3, 1, 1, K::Valid, 0, true, 4),
      preset("arbitrary_padding_no_strides_transposed", "Transposed with padding 2: padding now crops the result, so the 6x6 input gives 5x5.",
             6, 4, 1, 1, K::Explicit, 2, true, 5),
      preset("same_padding_no_strides_transposed", "Transposed 'same' with stride 1: the output keeps the input's 5x5 size, just like the forward 'same'.",
             5, 3, 1, 1, K::Same, 1, true, 5),
      preset("full_padding_no_strides_transposed", "Transposed 'full' undoes full padding: the 7x7 input shrinks to 5x5.",
             7, 3, 1, 1, K::Full, 2, true, 5),
      preset("no_padding_strides_transposed", "Transposed stride 2: one zero goes between input values, so 2x2 grows to 5x5 - upsampling.",
             2, 3, 2, 1, K::Valid, 0, true, 5),
      preset("padding_strides_transposed", "Transposed stride 2, padding 1: zeros between values, one row/column cropped each side: 3x3 to 5x5.",
             3, 3, 2, 1, K::Explicit, 1, true, 5),
      preset("padding_strides_odd_transposed", "output_padding 1 adds the row and column the odd forward case lost: 3x3 back to 6x6.",
             3, 3, 2, 1, K::Explicit, 1, true, 6, 1),
      preset("tf_same_stride2", "TensorFlow 'same' with stride 2 on an even 6x6 input pads 0 before and 1 after: the extra zeros go at the bottom/right only.",
             6, 3, 2, 1, K::Same, 0, false, 3),
  };
  return all;
}

const AnimationPreset* find_animation_preset(const std::string& name) {
  for (const AnimationPreset& p : animation_presets())
    if (p.name == name) return &p;
  return nullptr;
}

void make_preset_tensors(const AnimationPreset& p, Tensor* input, Tensor* kernel) {
  *input = Tensor({p.in_h, p.in_w, p.channels}, "input");
  // Small integers 0..3 in a pattern that does not repeat along rows or columns.
  for (int64_t i = 0; i < input->size(); ++i) {
    const int64_t y = i / (p.in_w * p.channels), x = (i / p.channels) % p.in_w, c = i % p.channels;
    input->data[static_cast<size_t>(i)] = static_cast<float>((y * 3 + x * 2 + (x * y) % 3 + c) % 4);
  }
  const ConvPlan plan = plan_conv(p.layer, 1, p.in_h, p.in_w, p.channels);
  *kernel = Tensor(plan.kernel_shape(), "kernel");
  static const float guide3[9] = {0, 1, 2, 2, 2, 0, 0, 1, 2};  // the guide's 3x3 kernel
  const int64_t per_tap = kernel->size() / (int64_t{plan.y.kernel} * plan.x.kernel);
  for (int ky = 0; ky < plan.y.kernel; ++ky)
    for (int kx = 0; kx < plan.x.kernel; ++kx)
      for (int64_t j = 0; j < per_tap; ++j) {
        const float v = (plan.y.kernel == 3 && plan.x.kernel == 3) ? guide3[ky * 3 + kx]
                                                                    : static_cast<float>((ky * 2 + kx * 3 + ky * kx) % 3);
        kernel->data[static_cast<size_t>((ky * plan.x.kernel + kx) * per_tap + j)] = v;
      }
}

}  // namespace convscope
