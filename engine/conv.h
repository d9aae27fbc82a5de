// The engine's front door: run one layer on a tensor in the layer's data_format, with either
// implementation. Validates every shape against the plan and throws UserError naming the problem.
#pragma once
#include <atomic>

#include "engine/conv_simd.h"
#include "engine/layer.h"
#include "engine/shape.h"
#include "engine/tensor.h"

namespace convscope {

enum class Implementation { Reference, Simd };

struct RunOptions {
  Implementation impl = Implementation::Simd;
  ExecContext exec;
};

// The plan for this input tensor (rank 4, or rank 3 = one image) in layer.data_format.
ConvPlan plan_for_input(const Layer& layer, const std::vector<int64_t>& input_shape);

// input: rank 4 (N,H,W,C)/(N,C,H,W) or rank 3 without N; kernel: Keras layout (plan.kernel_shape());
// bias: null or a (filters,) tensor, ignored when !layer.use_bias. Returns the output in the same
// rank and data format as the input.
Tensor run_layer(const Layer& layer, const Tensor& input, const Tensor& kernel, const Tensor* bias,
                 const RunOptions& options = {});

}  // namespace convscope
