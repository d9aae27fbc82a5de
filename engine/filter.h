// Applying a library kernel (engine/kernel_library.h) to an image, as the app's filter view and
// `convscope filter` do: the same kernel on every channel (depthwise), through run_layer with
// groups = channels, no bias, linear activation. Values stay raw (pixels read as value/255); turn
// them into display pixels with engine/normalize.h.
#pragma once
#include "engine/conv.h"
#include "engine/kernel_library.h"
#include "engine/layer.h"
#include "engine/tensor.h"

namespace convscope {

// The Conv2D layer for `k` on an image with `channels` channels: kernel size from k, filters =
// groups = channels, use_bias false, linear, channels_last; strides, padding, dilation and the
// border mode (+ value) are taken from `geometry` (its other fields are ignored).
Layer depthwise_layer(const Kernel& k, int64_t channels, const Layer& geometry);
// A plain kernel's effective weights in Keras depthwise layout (KH, KW, 1, channels), the same
// weights repeated for every channel.
Tensor depthwise_weights(const Kernel& k, int64_t channels);

// image: (H, W, C). Returns (H', W', C) in the layer's output size. For a combination
// ("magnitude") returns sqrt(gx^2 + gy^2) of its two parts, computed per pixel and channel.
// Throws UserError for impossible settings (e.g. a kernel larger than a 'valid' image).
Tensor apply_filter(const Tensor& image, const Kernel& k, const Layer& geometry, const RunOptions& options = {});

}  // namespace convscope
