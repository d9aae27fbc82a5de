// Shape inference: the plan a layer makes for one input shape. Pure and cheap: the GUI calls it on
// every slider move and `convscope shape` prints it; no data is needed.
//
// Conv2D, per axis (Keras conv_utils.conv_output_length), with extent = (kernel-1)*dilation + 1:
//   valid: out = ceil((in - extent + 1) / stride)            pads 0, 0
//   same:  out = ceil(in / stride)                           TensorFlow's split:
//          total = max((out-1)*stride + extent - in, 0), before = total/2, after = total - before
//   full:  out = ceil((in + extent - 1) / stride)            pads extent-1 on both sides
//   explicit (t, b): out = floor((in + t + b - extent) / stride) + 1
//
// Conv2DTranspose, per axis (Keras conv_utils.deconv_output_length):
//   without output_padding: valid: in*stride + max(extent - stride, 0)
//                           same:  in*stride
//                           full:  in*stride - (stride + extent - 2)
//   with output_padding p:  (in-1)*stride + extent - 2*pad + p, pad = extent/2 (same), 0 (valid),
//                           extent-1 (full)
//   explicit (t, b) [PyTorch]: (in-1)*stride + extent - t - b + p   (p defaults to 0)
// Values follow TensorFlow's conv2d_transpose, the gradient of the forward convolution of an
// `out`-long signal: output o receives input i through tap k where o = i*stride + k*dilation - before,
// with before = the forward conv's leading pad for that length (same: max((in-1)*stride + extent -
// out, 0) / 2; valid: 0; full: extent-1; explicit: t). TensorFlow itself rejects 'same' with an even
// extent and output_padding 0 (ceil(out/stride) != in there); we extend its rule unchanged to that
// case and flag it as beyond Keras.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "engine/layer.h"

namespace convscope {

struct AxisPlan {
  const char* name = "";  // "height" or "width"
  int64_t in = 0, out = 0;
  int kernel = 1, stride = 1, dilation = 1;
  int64_t extent = 1;  // dilated kernel extent: (kernel - 1) * dilation + 1
  // Conv: zeros (or border values) added before/after the input.
  // Transposed: rows/cols cropped from the full result of length (in-1)*stride + extent before/after
  // it; a negative value means that many zero rows are appended instead (output_padding, or valid
  // with extent < stride).
  int64_t pad_before = 0, pad_after = 0;
  int output_padding = -1;  // transposed only; -1 = None
  std::string formula;      // the Keras formula with this axis's numbers plugged in
};

struct ConvPlan {
  bool transpose = false;
  int64_t batch = 1, in_h = 1, in_w = 1, in_c = 1;
  int64_t out_h = 1, out_w = 1, out_c = 1;
  int groups = 1;
  int64_t cin_per_group = 1, cout_per_group = 1;
  AxisPlan y, x;
  // Settings the engine accepts but Keras would refuse, one sentence each (shown in the UI).
  std::vector<std::string> beyond_keras;

  std::vector<int64_t> input_shape(DataFormat f) const;
  std::vector<int64_t> output_shape(DataFormat f) const;
  // Keras layout: Conv2D (KH, KW, C_in/groups, C_out); Conv2DTranspose (KH, KW, C_out/groups, C_in).
  std::vector<int64_t> kernel_shape() const;
  int64_t macs() const;  // multiply-adds of the whole layer (for GFLOP/s = 2*macs/time)
};

// One axis of a forward convolution. pad_* are used for PaddingKind::Explicit only.
AxisPlan plan_conv_axis(const char* name, int64_t in, int kernel, int stride, int dilation,
                        PaddingKind kind, int64_t pad_before, int64_t pad_after);
// One axis of a transposed convolution; output_padding -1 = None.
AxisPlan plan_deconv_axis(const char* name, int64_t in, int kernel, int stride, int dilation,
                          PaddingKind kind, int64_t pad_before, int64_t pad_after,
                          int output_padding);

// The whole plan for an input of shape (batch, height, width, channels) - always given in that
// order, whatever the layer's data_format. Throws UserError naming the axis and the numbers when
// the configuration is impossible or the tensors would exceed the size limits.
ConvPlan plan_conv(const Layer& layer, int64_t batch, int64_t height, int64_t width, int64_t channels);

}  // namespace convscope
