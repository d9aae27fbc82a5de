#include "engine/layer.h"

#include <cstdlib>

#include "engine/error.h"

namespace convscope {

const char* to_string(PaddingKind p) {
  switch (p) {
    case PaddingKind::Valid: return "valid";
    case PaddingKind::Same: return "same";
    case PaddingKind::Full: return "full";
    case PaddingKind::Explicit: return "explicit";
  }
  return "?";
}

const char* to_string(DataFormat f) {
  return f == DataFormat::ChannelsLast ? "channels_last" : "channels_first";
}

const char* to_string(BorderMode b) {
  switch (b) {
    case BorderMode::Zero: return "zero";
    case BorderMode::Reflect: return "reflect";
    case BorderMode::Symmetric: return "symmetric";
    case BorderMode::Replicate: return "replicate";
    case BorderMode::Wrap: return "wrap";
    case BorderMode::Constant: return "constant";
  }
  return "?";
}

const char* to_string(Activation a) {
  switch (a) {
    case Activation::Linear: return "linear";
    case Activation::Relu: return "relu";
    case Activation::Sigmoid: return "sigmoid";
    case Activation::Tanh: return "tanh";
    case Activation::Softplus: return "softplus";
    case Activation::Softsign: return "softsign";
    case Activation::Elu: return "elu";
    case Activation::Selu: return "selu";
    case Activation::Gelu: return "gelu";
    case Activation::Swish: return "swish";
    case Activation::HardSigmoid: return "hard_sigmoid";
    case Activation::Exponential: return "exponential";
    case Activation::LeakyRelu: return "leaky_relu";
  }
  return "?";
}

const std::vector<Activation>& all_activations() {
  static const std::vector<Activation> all = {
      Activation::Linear, Activation::Relu, Activation::Sigmoid, Activation::Tanh,
      Activation::Softplus, Activation::Softsign, Activation::Elu, Activation::Selu,
      Activation::Gelu, Activation::Swish, Activation::HardSigmoid, Activation::Exponential,
      Activation::LeakyRelu};
  return all;
}

const std::vector<BorderMode>& all_border_modes() {
  static const std::vector<BorderMode> all = {BorderMode::Zero, BorderMode::Reflect,
                                              BorderMode::Symmetric, BorderMode::Replicate,
                                              BorderMode::Wrap, BorderMode::Constant};
  return all;
}

PaddingKind parse_padding_kind(const std::string& s) {
  if (s == "valid") return PaddingKind::Valid;
  if (s == "same") return PaddingKind::Same;
  if (s == "full") return PaddingKind::Full;
  throw UserError("unknown padding '" + s + "' (expected valid, same, full or T,B,L,R)");
}

DataFormat parse_data_format(const std::string& s) {
  if (s == "channels_last") return DataFormat::ChannelsLast;
  if (s == "channels_first") return DataFormat::ChannelsFirst;
  throw UserError("unknown data format '" + s + "' (expected channels_last or channels_first)");
}

Activation parse_activation(const std::string& s) {
  if (s == "None" || s == "none" || s.empty()) return Activation::Linear;
  if (s == "silu") return Activation::Swish;
  for (Activation a : all_activations())
    if (s == to_string(a)) return a;
  std::string names;
  for (Activation a : all_activations()) names += std::string(names.empty() ? "" : ", ") + to_string(a);
  throw UserError("unknown activation '" + s + "' (expected one of: " + names + ", silu)");
}

void parse_border(const std::string& s, BorderMode* mode, float* value) {
  *value = 0.0f;
  if (s == "edge") { *mode = BorderMode::Replicate; return; }
  if (s == "circular") { *mode = BorderMode::Wrap; return; }
  if (s.rfind("constant", 0) == 0) {
    *mode = BorderMode::Constant;
    if (s.size() > 8) {
      if (s[8] != ':') throw UserError("bad border '" + s + "' (expected constant:VALUE)");
      const char* begin = s.c_str() + 9;
      char* end = nullptr;
      *value = std::strtof(begin, &end);
      if (end == begin || *end != '\0') throw UserError("bad constant border value in '" + s + "'");
    }
    return;
  }
  for (BorderMode b : all_border_modes())
    if (s == to_string(b)) { *mode = b; return; }
  throw UserError("unknown border '" + s + "' (expected zero, reflect, symmetric, replicate, wrap or constant:V)");
}

}  // namespace convscope
