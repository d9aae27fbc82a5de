#include "engine/conv.h"

#include "engine/error.h"
#include "engine/reference_conv.h"

namespace convscope {

ConvPlan plan_for_input(const Layer& layer, const std::vector<int64_t>& s) {
  if (s.size() != 3 && s.size() != 4)
    throw UserError("input must have rank 4 (batch, ...) or rank 3 (one image), got rank " +
                    std::to_string(s.size()) + " " + shape_to_string(s));
  const bool r3 = s.size() == 3;
  const int64_t n = r3 ? 1 : s[0];
  const size_t o = r3 ? 0 : 1;
  if (layer.data_format == DataFormat::ChannelsFirst) return plan_conv(layer, n, s[o + 1], s[o + 2], s[o]);
  return plan_conv(layer, n, s[o], s[o + 1], s[o + 2]);
}

Tensor run_layer(const Layer& layer, const Tensor& input, const Tensor& kernel, const Tensor* bias,
                 const RunOptions& options) {
  const ConvPlan plan = plan_for_input(layer, input.shape);
  if (kernel.shape != plan.kernel_shape()) {
    throw UserError("kernel shape " + shape_to_string(kernel.shape) + " does not match the layer: expected " +
                    shape_to_string(plan.kernel_shape()) +
                    (plan.transpose ? " (KH, KW, filters/groups, C_in)" : " (KH, KW, C_in/groups, filters)"));
  }
  const float* b = nullptr;
  if (layer.use_bias && bias) {
    if (bias->shape != std::vector<int64_t>{plan.out_c})
      throw UserError("bias shape " + shape_to_string(bias->shape) + " does not match filters: expected (" +
                      std::to_string(plan.out_c) + ",)");
    b = bias->data.data();
  }

  const bool first = layer.data_format == DataFormat::ChannelsFirst;
  Tensor nhwc_in;
  if (first) nhwc_in = to_channels_last(input);
  const float* x = first ? nhwc_in.data.data() : input.data.data();

  Tensor out(plan.output_shape(DataFormat::ChannelsLast), "output");
  if (options.impl == Implementation::Reference)
    reference_conv(plan, layer, x, kernel.data.data(), b, out.data.data());
  else
    simd_conv(plan, layer, x, kernel.data.data(), b, out.data.data(), options.exec);

  if (first) out = to_channels_first(out);
  if (input.rank() == 3) out.shape.erase(out.shape.begin());
  return out;
}

}  // namespace convscope
