// Keras activations, element-wise. Definitions follow Keras 3 (keras.activations):
// gelu is the exact erf form (approximate=False), hard_sigmoid is relu6(x+3)/6, leaky_relu uses
// negative_slope 0.2, elu alpha 1, selu scale 1.0507009873554805 alpha 1.6732632423543772.
#pragma once
#include <cstdint>

#include "engine/layer.h"

namespace convscope {

float activate(Activation a, float x);
void apply_activation(Activation a, float* data, int64_t n);

}  // namespace convscope
