// The step-by-step model behind the animation canvas (issue 4): a convolution taken apart into
// the multiplies it is made of, in the order a person would do them on paper. No GL, no UI: the
// GUI canvas, the GIF exporter and the tests all read the same model.
//
// Two pictures of a layer:
//  * Sliding window ("unit" = one output position (oy, ox, co), raster order, co innermost). Each
//    unit reads taps (ky, kx, ci) in that order; every tap has the coordinate it reads on the drawn
//    grid, what kind of cell that is (input, border padding, inserted zero), where a padding value
//    came from (border mode), the weight, the product and the running sum. The unit ends with
//    + bias, the activation and the output value. A forward layer always uses this picture; a
//    transposed layer uses it in TransposedView::Direct: the equivalent direct convolution of
//    the convolution-arithmetic guide, which inserts stride-1 zeros between the input values, pads
//    with (extent-1-crop) zeros, slides the kernel flipped by 180 degrees with stride 1.
//  * Scatter (transposed layers, TransposedView::Scatter; "unit" = one input value (iy, ix, ci)):
//    the input value stamps value x kernel onto its output window, the overlaps accumulating on the
//    full (uncropped) output, then one last step crops what 'same'/explicit padding removes (or
//    output_padding appends) and adds bias and activation.
//
// The timeline counts "tap steps": every unit has taps_per_unit() tap steps plus one closing step
// (bias + activation for a sliding unit; "stamp done" for a scatter unit); the scatter view adds
// one final crop step. Granularities tap / position / row group tap steps; a step index of a
// granularity converts to the tap step at its end.
//
// Coordinates are named as elsewhere: oy, ox output; iy, ix input; ky, kx kernel. Data is NHWC
// (or HWC); kernels in Keras layout (ConvPlan::kernel_shape).
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "engine/layer.h"
#include "engine/shape.h"
#include "engine/tensor.h"

namespace convscope {

enum class StepGranularity { Tap, Position, Row };
enum class TransposedView { Scatter, Direct };
// What a drawn grid cell holds.
enum class CellKind { Input, Padding, InsertedZero };

const char* to_string(StepGranularity);
const char* to_string(TransposedView);

struct Cell {
  int64_t y = 0, x = 0;
  bool operator==(const Cell& o) const { return y == o.y && x == o.x; }
  bool operator<(const Cell& o) const { return y != o.y ? y < o.y : x < o.x; }
};

// One multiply of the sliding-window picture.
struct Tap {
  int ky = 0, kx = 0;    // the weight's index in the layer's kernel
  int wy = 0, wx = 0;    // where that weight sits in the window as drawn (Direct view: flipped)
  int64_t ci = 0;        // input channel
  int64_t gy = 0, gx = 0;  // cell read on the drawn grid (padded coordinates; may be negative)
  CellKind kind = CellKind::Input;
  int64_t src_y = -1, src_x = -1;  // input pixel the value comes from; -1: a constant (zero, border value)
  float weight = 0, value = 0, product = 0;
  double sum = 0;        // running sum of the products up to and including this tap (no bias)
};

struct PositionStep {
  int64_t oy = 0, ox = 0, co = 0;
  std::vector<Tap> taps;
  float bias = 0;            // 0 when the layer has none
  float pre_activation = 0;  // sum + bias
  float value = 0;           // activate(pre_activation): the output value
};

// One stamp of the scatter picture: input value x weight (ky, kx) added to output (oy, ox, co).
struct Stamp {
  int ky = 0, kx = 0;
  int64_t co = 0;
  int64_t oy = 0, ox = 0;  // output coordinate; outside [0, out) when the crop removes it
  bool cropped = false;
  float weight = 0, product = 0;
  double acc = 0;  // that full-grid cell's accumulated sum after this stamp
};

struct ScatterStep {
  int64_t iy = 0, ix = 0, ci = 0;
  float value = 0;
  std::vector<Stamp> stamps;  // ky, kx, co order
};

// The drawn grid of one axis in the sliding picture: cells [first, first + count).
struct SlideAxis {
  int64_t first = 0, count = 0;  // grid coordinates; 0 is the first input cell
  int64_t in = 0;                // cells holding data: input length, or (in-1)*s+1 with zeros inserted
  int64_t insert = 1;            // real values sit at multiples of this (the transposed stride)
  int64_t pad_before = 0;        // window start of output 0 is -pad_before
  int stride = 1, dilation = 1, kernel = 1;
  bool flip = false;
  int64_t out = 0;
};

struct StepOptions {
  int64_t batch_index = 0;
  TransposedView view = TransposedView::Direct;  // transposed layers only
};

class StepModel {
 public:
  // input: NHWC (rank 4) or HWC (rank 3), channels last whatever layer.data_format says; kernel in
  // Keras layout; bias null or (filters,) (ignored when !layer.use_bias). Throws UserError on bad
  // shapes or when the run would have more than kMaxTapSteps tap steps.
  StepModel(const Layer& layer, const Tensor& input, const Tensor& kernel, const Tensor* bias,
            StepOptions options = {});

  static constexpr int64_t kMaxTapSteps = int64_t{1} << 26;

  const Layer& layer() const { return layer_; }
  const ConvPlan& plan() const { return plan_; }
  const StepOptions& options() const { return options_; }
  bool scatter() const { return plan_.transpose && options_.view == TransposedView::Scatter; }

  // Units: output positions (sliding) or input values (scatter), raster order, channel innermost.
  int64_t unit_count() const { return units_; }
  int64_t units_per_row() const { return units_per_row_; }
  int64_t taps_per_unit() const { return taps_; }
  int64_t row_count() const { return units_ / units_per_row_; }

  // Sliding picture.
  const SlideAxis& slide_y() const { return sy_; }
  const SlideAxis& slide_x() const { return sx_; }
  PositionStep position(int64_t unit) const;
  int64_t unit_of_output(int64_t oy, int64_t ox, int64_t co) const;  // sliding only
  // Value of a grid cell of the sliding picture for input channel ci (padding resolved).
  float grid_value(int64_t gy, int64_t gx, int64_t ci, CellKind* kind = nullptr) const;
  CellKind grid_kind(int64_t gy, int64_t gx) const;

  // Scatter picture. The full output grid covers rows [full_first_y, +full_h) etc. in output coords.
  ScatterStep scatter_step(int64_t unit) const;  // acc values include every earlier stamp
  int64_t unit_of_input(int64_t iy, int64_t ix, int64_t ci) const;  // scatter only
  int64_t full_first_y() const { return -plan_.y.pad_before; }
  int64_t full_first_x() const { return -plan_.x.pad_before; }
  int64_t full_h() const { return full_h_; }
  int64_t full_w() const { return full_w_; }

  // Timeline.
  int64_t tap_step_count() const;  // every tap step, plus the final crop step of the scatter view
  int64_t step_count(StepGranularity) const;
  int64_t tap_step_at_end(StepGranularity, int64_t step) const;  // clamps step to the range
  int64_t step_containing(StepGranularity, int64_t tap_step) const;

  // Everything drawn at one tap step.
  struct Frame {
    int64_t tap_step = 0;
    int64_t unit = 0;  // unit being worked on (== unit_count() on the scatter crop step)
    int64_t tap = 0;   // its current tap (taps 0..tap are done); taps_per_unit(): closing step
    bool final_step = false;  // scatter: the crop + bias + activation step
    // Sliding: output values (NHWC of one image), NaN where not computed yet.
    // Scatter: the output after the final step, NaN before it.
    std::vector<float> output;
    // Scatter: accumulated sums on the full grid (full_h x full_w x out_c), and whether touched.
    std::vector<double> acc;
    std::vector<uint8_t> touched;
  };
  Frame frame(int64_t tap_step) const;

  // The final output (NHWC of the chosen image), as run_layer computes it.
  const std::vector<float>& result() const { return result_; }
  float input_value(int64_t iy, int64_t ix, int64_t ci) const;

 private:
  Layer layer_;
  ConvPlan plan_;
  StepOptions options_;
  std::vector<float> x_, w_, b_;  // one image HWC, kernel, bias (empty when none)
  SlideAxis sy_, sx_;
  int64_t units_ = 0, units_per_row_ = 1, taps_ = 0;
  int64_t full_h_ = 0, full_w_ = 0;
  std::vector<float> result_;
  std::vector<double> scatter_acc_final_;
};

// ---- Inverse maps, per axis and per image, from the layer's own definition ----
// Forward layers use padded input coordinates (outside [0, in) = padding); transposed layers use
// input indices.
//   receptive field: the input cells output (oy, ox) reads (for forward: padded coordinates);
//   outputs fed by:  every output whose value reads input pixel (iy, ix), padding mirrors included
//                    (with reflect/wrap/... an edge pixel is also read through the padding);
//   touched by tap:  the input cells weight (ky, kx) multiplies over the whole run.
std::vector<int64_t> axis_receptive_field(const AxisPlan& a, bool transpose, int64_t o);
std::vector<int64_t> axis_outputs_fed_by(const AxisPlan& a, bool transpose, int64_t i, BorderMode border);
std::vector<int64_t> axis_touched_by_tap(const AxisPlan& a, bool transpose, int k);

std::vector<Cell> receptive_field(const ConvPlan& p, int64_t oy, int64_t ox);
std::vector<Cell> outputs_fed_by(const ConvPlan& p, BorderMode border, int64_t iy, int64_t ix);
std::vector<Cell> inputs_touched_by_tap(const ConvPlan& p, int ky, int kx);

// Groups: the input channels output channel co reads, and the outputs input channel ci feeds.
struct ChannelRange {
  int64_t begin = 0, end = 0;
};
ChannelRange input_channels_of(const ConvPlan& p, int64_t co);
ChannelRange output_channels_of(const ConvPlan& p, int64_t ci);

// ---- Presets: the animations of Dumoulin & Visin's convolution-arithmetic guide ----
struct AnimationPreset {
  std::string name;     // the guide's file name
  std::string caption;  // one line: what to notice
  Layer layer;
  int64_t in_h = 1, in_w = 1, channels = 1;
  int64_t guide_out = 1;  // the output size the guide's figure shows (square)
};
const std::vector<AnimationPreset>& animation_presets();
const AnimationPreset* find_animation_preset(const std::string& name);  // null when unknown
// The preset's layer with its input and kernel: small non-negative integers like the guide's.
void make_preset_tensors(const AnimationPreset& p, Tensor* input, Tensor* kernel);

}  // namespace convscope
