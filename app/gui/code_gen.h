// The Keras and PyTorch code that builds the current layer (GL-free, unit-tested). PyTorch gets
// the explicit padding it needs to match TensorFlow's 'same' where its own padding differs.
#pragma once
#include <string>

#include "app/gui/weights.h"
#include "engine/layer.h"
#include "engine/shape.h"

namespace convscope {

struct CodeContext {
  Layer layer;
  ConvPlan plan;  // for the input channels and the padding actually applied
  std::string kernel_initializer = "glorot_uniform";
  uint32_t seed = 42;
  std::string bias_initializer = "zeros";
  Regularizer kernel_reg, bias_reg, activity_reg;
  Constraint kernel_constraint, bias_constraint;
};

std::string keras_code(const CodeContext& c);
std::string pytorch_code(const CodeContext& c);

// PyTorch's padding for one forward axis: "symmetric" when pad_before == pad_after (the int to pass),
// otherwise the caller needs an explicit F.pad/ZeroPad2d.
bool pytorch_symmetric(const AxisPlan& a);

}  // namespace convscope
