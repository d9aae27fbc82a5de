#include "engine/shape.h"

#include "engine/error.h"
#include "engine/limits.h"
#include "engine/tensor.h"

namespace convscope {
namespace {

std::string num(int64_t v) { return std::to_string(v); }

int64_t ceil_div(int64_t a, int64_t b) { return a >= 0 ? (a + b - 1) / b : -((-a) / b); }
int64_t floor_div(int64_t a, int64_t b) { return a >= 0 ? a / b : -((-a + b - 1) / b); }

// Largest value any single size parameter may take; keeps every product below int64 overflow.
constexpr int64_t kMaxParam = int64_t{1} << 24;

void check_params(const char* name, int64_t in, int kernel, int stride, int dilation) {
  const std::string axis = name;
  if (in < 1) throw UserError(axis + ": input size must be at least 1, got " + num(in));
  if (in > kMaxParam) throw UserError(axis + ": input size " + num(in) + " is absurdly large");
  if (kernel < 1) throw UserError(axis + ": kernel size must be at least 1, got " + num(kernel));
  if (stride < 1) throw UserError(axis + ": stride must be at least 1, got " + num(stride));
  if (dilation < 1) throw UserError(axis + ": dilation must be at least 1, got " + num(dilation));
  if (kernel > kMaxParam || stride > kMaxParam || dilation > kMaxParam)
    throw UserError(axis + ": kernel, stride or dilation is absurdly large");
}

void check_pads(const char* name, int64_t before, int64_t after) {
  if (before < 0 || after < 0)
    throw UserError(std::string(name) + ": explicit padding must be non-negative, got " + num(before) +
                    "," + num(after));
  if (before > kMaxParam || after > kMaxParam)
    throw UserError(std::string(name) + ": explicit padding is absurdly large");
}

// The fields both directions share, after checking them.
AxisPlan start_axis(const char* name, int64_t in, int kernel, int stride, int dilation) {
  check_params(name, in, kernel, stride, dilation);
  AxisPlan a;
  a.name = name;
  a.in = in;
  a.kernel = kernel;
  a.stride = stride;
  a.dilation = dilation;
  a.extent = int64_t{kernel - 1} * dilation + 1;
  return a;
}

}  // namespace

AxisPlan plan_conv_axis(const char* name, int64_t in, int kernel, int stride, int dilation,
                        PaddingKind kind, int64_t pad_before, int64_t pad_after) {
  AxisPlan a = start_axis(name, in, kernel, stride, dilation);
  const int64_t k = a.extent, s = stride;
  switch (kind) {
    case PaddingKind::Valid:
      a.pad_before = a.pad_after = 0;
      a.out = ceil_div(in - k + 1, s);
      a.formula = "ceil((" + num(in) + " - " + num(k) + " + 1) / " + num(s) + ") = " + num(a.out);
      break;
    case PaddingKind::Same: {
      a.out = ceil_div(in, s);
      const int64_t total = std::max<int64_t>((a.out - 1) * s + k - in, 0);
      a.pad_before = total / 2;
      a.pad_after = total - a.pad_before;
      a.formula = "ceil(" + num(in) + " / " + num(s) + ") = " + num(a.out) + "; pad total max((" +
                  num(a.out) + "-1)*" + num(s) + " + " + num(k) + " - " + num(in) + ", 0) = " +
                  num(total) + " -> " + num(a.pad_before) + " before, " + num(a.pad_after) + " after";
      break;
    }
    case PaddingKind::Full:
      a.pad_before = a.pad_after = k - 1;
      a.out = ceil_div(in + k - 1, s);
      a.formula = "ceil((" + num(in) + " + " + num(k) + " - 1) / " + num(s) + ") = " + num(a.out);
      break;
    case PaddingKind::Explicit:
      check_pads(name, pad_before, pad_after);
      a.pad_before = pad_before;
      a.pad_after = pad_after;
      a.out = floor_div(in + pad_before + pad_after - k, s) + 1;
      a.formula = "floor((" + num(in) + " + " + num(pad_before) + " + " + num(pad_after) + " - " +
                  num(k) + ") / " + num(s) + ") + 1 = " + num(a.out);
      break;
  }
  const int64_t padded = in + a.pad_before + a.pad_after;
  if (k > padded || a.out < 1) {
    throw UserError(std::string(name) + ": dilated kernel extent " + num(k) + " (kernel " + num(kernel) +
                    ", dilation " + num(dilation) + ") is larger than the padded input " + num(padded) +
                    " (input " + num(in) + " + padding " + num(a.pad_before) + " + " + num(a.pad_after) +
                    ")");
  }
  return a;
}

AxisPlan plan_deconv_axis(const char* name, int64_t in, int kernel, int stride, int dilation,
                          PaddingKind kind, int64_t pad_before, int64_t pad_after,
                          int output_padding) {
  AxisPlan a = start_axis(name, in, kernel, stride, dilation);
  a.output_padding = output_padding;
  const int64_t k = a.extent, s = stride;
  const int64_t op = output_padding;
  if (op >= 0 && op >= s)
    throw UserError(std::string(name) + ": output_padding " + num(op) + " must be smaller than the stride " +
                    num(s));
  if (op < -1) throw UserError(std::string(name) + ": output_padding must be non-negative, got " + num(op));

  const std::string in_s = num(in), s_s = num(s), k_s = num(k);
  if (kind == PaddingKind::Explicit) {
    check_pads(name, pad_before, pad_after);
    const int64_t p = op < 0 ? 0 : op;
    a.out = (in - 1) * s + k - pad_before - pad_after + p;
    a.formula = "(" + in_s + " - 1)*" + s_s + " + " + k_s + " - " + num(pad_before) + " - " + num(pad_after) +
                " + " + num(p) + " = " + num(a.out);
    a.pad_before = pad_before;
  } else if (op < 0) {
    switch (kind) {
      case PaddingKind::Valid:
        a.out = in * s + std::max<int64_t>(k - s, 0);
        a.formula = in_s + "*" + s_s + " + max(" + k_s + " - " + s_s + ", 0) = " + num(a.out);
        break;
      case PaddingKind::Same:
        a.out = in * s;
        a.formula = in_s + "*" + s_s + " = " + num(a.out);
        break;
      default:  // Full
        a.out = in * s - (s + k - 2);
        a.formula = in_s + "*" + s_s + " - (" + s_s + " + " + k_s + " - 2) = " + num(a.out);
        break;
    }
  } else {
    const int64_t pad = kind == PaddingKind::Same ? k / 2 : kind == PaddingKind::Valid ? 0 : k - 1;
    a.out = (in - 1) * s + k - 2 * pad + op;
    a.formula = "(" + in_s + " - 1)*" + s_s + " + " + k_s + " - 2*" + num(pad) + " + " + num(op) + " = " +
                num(a.out);
  }
  if (a.out < 1)
    throw UserError(std::string(name) + ": transposed output size " + num(a.out) + " is below 1 (" +
                    a.formula + ")");

  if (kind == PaddingKind::Valid) a.pad_before = 0;
  if (kind == PaddingKind::Full) a.pad_before = k - 1;
  if (kind == PaddingKind::Same) a.pad_before = std::max<int64_t>((in - 1) * s + k - a.out, 0) / 2;
  a.pad_after = (in - 1) * s + k - a.out - a.pad_before;
  return a;
}

std::vector<int64_t> ConvPlan::input_shape(DataFormat f) const {
  if (f == DataFormat::ChannelsFirst) return {batch, in_c, in_h, in_w};
  return {batch, in_h, in_w, in_c};
}

std::vector<int64_t> ConvPlan::output_shape(DataFormat f) const {
  if (f == DataFormat::ChannelsFirst) return {batch, out_c, out_h, out_w};
  return {batch, out_h, out_w, out_c};
}

std::vector<int64_t> ConvPlan::kernel_shape() const {
  if (transpose) return {y.kernel, x.kernel, cout_per_group, in_c};
  return {y.kernel, x.kernel, cin_per_group, out_c};
}

int64_t ConvPlan::macs() const {
  const int64_t taps = int64_t{y.kernel} * x.kernel;
  // Both directions: every (input pixel or output pixel) x tap x channel pair in a group.
  if (transpose) return batch * in_h * in_w * taps * in_c * cout_per_group;
  return batch * out_h * out_w * taps * out_c * cin_per_group;
}

ConvPlan plan_conv(const Layer& layer, int64_t batch, int64_t height, int64_t width, int64_t channels) {
  if (batch < 1) throw UserError("batch size must be at least 1, got " + num(batch));
  if (channels < 1) throw UserError("input channels must be at least 1, got " + num(channels));
  if (layer.filters < 1) throw UserError("filters must be at least 1, got " + num(layer.filters));
  if (layer.groups < 1) throw UserError("groups must be at least 1, got " + num(layer.groups));
  if (channels % layer.groups != 0)
    throw UserError("input channels " + num(channels) + " are not divisible by groups " + num(layer.groups));
  if (layer.filters % layer.groups != 0)
    throw UserError("filters " + num(layer.filters) + " are not divisible by groups " + num(layer.groups));
  if (!layer.transpose && (layer.output_padding_h >= 0 || layer.output_padding_w >= 0))
    throw UserError("output_padding applies to transposed convolutions only");
  if (layer.transpose && layer.border != BorderMode::Zero)
    throw UserError("border modes other than zero apply to forward convolutions only");

  ConvPlan p;
  p.transpose = layer.transpose;
  p.batch = batch;
  p.in_h = height;
  p.in_w = width;
  p.in_c = channels;
  p.out_c = layer.filters;
  p.groups = layer.groups;
  p.cin_per_group = channels / layer.groups;
  p.cout_per_group = layer.filters / layer.groups;
  const Padding& pad = layer.padding;
  if (layer.transpose) {
    p.y = plan_deconv_axis("height", height, layer.kernel_h, layer.stride_h, layer.dilation_h, pad.kind,
                           pad.top, pad.bottom, layer.output_padding_h);
    p.x = plan_deconv_axis("width", width, layer.kernel_w, layer.stride_w, layer.dilation_w, pad.kind,
                           pad.left, pad.right, layer.output_padding_w);
  } else {
    p.y = plan_conv_axis("height", height, layer.kernel_h, layer.stride_h, layer.dilation_h, pad.kind,
                         pad.top, pad.bottom);
    p.x = plan_conv_axis("width", width, layer.kernel_w, layer.stride_w, layer.dilation_w, pad.kind,
                         pad.left, pad.right);
  }
  p.out_h = p.y.out;
  p.out_w = p.x.out;

  element_count(p.input_shape(DataFormat::ChannelsLast), "input");
  element_count(p.output_shape(DataFormat::ChannelsLast), "output");
  element_count(p.kernel_shape(), "kernel");

  // What Keras would refuse (the engine computes it anyway).
  auto& notes = p.beyond_keras;
  if (pad.kind == PaddingKind::Explicit)
    notes.push_back("Keras has no explicit per-side padding (use ZeroPadding2D then 'valid').");
  if (pad.kind == PaddingKind::Full) notes.push_back("Keras Conv2D/Conv2DTranspose accept only 'valid' and 'same', not 'full'.");
  if ((layer.stride_h > 1 || layer.stride_w > 1) && (layer.dilation_h > 1 || layer.dilation_w > 1))
    notes.push_back("Keras refuses strides > 1 together with dilation_rate > 1.");
  if (layer.transpose && layer.groups > 1) notes.push_back("Keras Conv2DTranspose has no groups argument.");
  if (layer.border != BorderMode::Zero)
    notes.push_back(std::string("Keras pads with zeros only; border '") + to_string(layer.border) + "' is an image-tool extension.");
  if (layer.transpose && pad.kind == PaddingKind::Same) {
    for (const AxisPlan* a : {&p.y, &p.x}) {
      if (a->output_padding >= 0 && ceil_div(a->out, a->stride) != a->in)
        notes.push_back(std::string("TensorFlow rejects this 'same' output_padding on the ") + a->name +
                        " (even kernel extent with output_padding 0); ConvScope extends its cropping rule.");
    }
  }
  return p;
}

}  // namespace convscope
