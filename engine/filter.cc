#include "engine/filter.h"

#include <cmath>

#include "engine/error.h"

namespace convscope {

Layer depthwise_layer(const Kernel& k, int64_t channels, const Layer& geometry) {
  if (channels < 1 || channels > (1 << 20)) throw UserError("image must have at least one channel");
  Layer layer;
  layer.transpose = false;
  layer.kernel_h = k.applied_height();
  layer.kernel_w = k.applied_width();
  layer.filters = static_cast<int>(channels);
  layer.groups = static_cast<int>(channels);
  layer.use_bias = false;
  layer.activation = Activation::Linear;
  layer.data_format = DataFormat::ChannelsLast;
  layer.stride_h = geometry.stride_h;
  layer.stride_w = geometry.stride_w;
  layer.dilation_h = geometry.dilation_h;
  layer.dilation_w = geometry.dilation_w;
  layer.padding = geometry.padding;
  layer.border = geometry.border;
  layer.border_value = geometry.border_value;
  return layer;
}

Tensor depthwise_weights(const Kernel& k, int64_t channels) {
  if (k.is_combination()) throw UserError("kernel '" + k.name + "' is a combination; it has no weights of its own");
  const std::vector<float> w = k.effective_weights();
  Tensor t({k.height, k.width, 1, channels}, "kernel");
  for (size_t i = 0; i < w.size(); ++i)
    for (int64_t c = 0; c < channels; ++c) t.data[i * static_cast<size_t>(channels) + static_cast<size_t>(c)] = w[i];
  return t;
}

Tensor apply_filter(const Tensor& image, const Kernel& k, const Layer& geometry, const RunOptions& options) {
  if (image.rank() != 3) throw UserError("image must be (H, W, C), got " + shape_to_string(image.shape));
  const int64_t channels = image.dim(2);
  const Layer layer = depthwise_layer(k, channels, geometry);
  if (!k.is_combination()) return run_layer(layer, image, depthwise_weights(k, channels), nullptr, options);

  if (k.parts.size() != 2) throw UserError("combination '" + k.name + "' has not been resolved to its two kernels");
  // Gradient magnitude: each part through the same layer, then sqrt(gx^2 + gy^2) element-wise.
  Tensor gx = run_layer(layer, image, depthwise_weights(k.parts[0], channels), nullptr, options);
  const Tensor gy = run_layer(layer, image, depthwise_weights(k.parts[1], channels), nullptr, options);
  for (size_t i = 0; i < gx.data.size(); ++i) gx.data[i] = std::sqrt(gx.data[i] * gx.data[i] + gy.data[i] * gy.data[i]);
  return gx;
}

}  // namespace convscope
