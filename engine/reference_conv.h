// The scalar reference: the ground truth of the tests, written to be read, not to be fast.
// Data is NHWC, the kernel in Keras's layout (see ConvPlan::kernel_shape), bias has out_c values
// or is null. Writes the activated output (plan.output_shape(ChannelsLast)).
#pragma once
#include "engine/layer.h"
#include "engine/shape.h"

namespace convscope {

void reference_conv(const ConvPlan& plan, const Layer& layer, const float* x, const float* kernel,
                    const float* bias, float* y);

}  // namespace convscope
