#include "engine/activation.h"

#include <algorithm>
#include <cmath>

namespace convscope {

float activate(Activation a, float x) {
  switch (a) {
    case Activation::Linear: return x;
    case Activation::Relu: return x > 0.0f ? x : 0.0f;
    case Activation::Sigmoid: return 1.0f / (1.0f + std::exp(-x));
    case Activation::Tanh: return std::tanh(x);
    // log(1 + e^x) without overflow: max(x, 0) + log1p(e^-|x|).
    case Activation::Softplus: return std::max(x, 0.0f) + std::log1p(std::exp(-std::fabs(x)));
    case Activation::Softsign: return x / (1.0f + std::fabs(x));
    case Activation::Elu: return x > 0.0f ? x : std::expm1(x);
    case Activation::Selu: {
      const float scale = 1.0507009873554805f, alpha = 1.6732632423543772f;
      return x > 0.0f ? scale * x : scale * alpha * std::expm1(x);
    }
    case Activation::Gelu: return 0.5f * x * (1.0f + std::erf(x * 0.70710678118654752f));
    case Activation::Swish: return x / (1.0f + std::exp(-x));
    case Activation::HardSigmoid: return std::clamp(x / 6.0f + 0.5f, 0.0f, 1.0f);
    case Activation::Exponential: return std::exp(x);
    case Activation::LeakyRelu: return x > 0.0f ? x : 0.2f * x;
  }
  return x;
}

void apply_activation(Activation a, float* data, int64_t n) {
  if (a == Activation::Linear) return;
  for (int64_t i = 0; i < n; ++i) data[i] = activate(a, data[i]);
}

}  // namespace convscope
