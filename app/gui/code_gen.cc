#include "app/gui/code_gen.h"

#include <sstream>

namespace convscope {

namespace {

std::string pair(int a, int b) { return "(" + std::to_string(a) + ", " + std::to_string(b) + ")"; }

std::string camel(const std::string& snake) {
  std::string out;
  bool up = true;
  for (char ch : snake) {
    if (ch == '_') {
      up = true;
      continue;
    }
    out += up ? char(std::toupper(static_cast<unsigned char>(ch))) : ch;
    up = false;
  }
  return out;
}

std::string keras_initializer(const std::string& name, uint32_t seed) {
  if (name == "zeros" || name == "ones") return "\"" + name + "\"";
  if (name == "constant") return "keras.initializers.Constant()";
  if (name == "identity") return "keras.initializers.Identity()  # Keras: 2-D matrices only";
  if (name == "glorot_uniform" || name == "glorot_normal" || name == "he_uniform" || name == "he_normal" ||
      name == "lecun_uniform" || name == "lecun_normal")
    return "keras.initializers." + camel(name) + "(seed=" + std::to_string(seed) + ")";
  return "keras.initializers." + camel(name) + "(seed=" + std::to_string(seed) + ")";
}

std::string keras_reg(const Regularizer& r) {
  std::ostringstream s;
  switch (r.kind) {
    case RegKind::None: return "";
    case RegKind::L1: s << "keras.regularizers.L1(" << r.l1 << ")"; break;
    case RegKind::L2: s << "keras.regularizers.L2(" << r.l2 << ")"; break;
    case RegKind::L1L2: s << "keras.regularizers.L1L2(l1=" << r.l1 << ", l2=" << r.l2 << ")"; break;
  }
  return s.str();
}

std::string keras_constraint(const Constraint& c) {
  std::ostringstream s;
  const std::string axis = axes_to_string(c.axes);
  switch (c.kind) {
    case ConstraintKind::None: return "";
    case ConstraintKind::MaxNorm: s << "keras.constraints.MaxNorm(max_value=" << c.max_value << ", axis=" << axis << ")"; break;
    case ConstraintKind::MinMaxNorm:
      s << "keras.constraints.MinMaxNorm(min_value=" << c.min_value << ", max_value=" << c.max_value
        << ", rate=" << c.rate << ", axis=" << axis << ")";
      break;
    case ConstraintKind::NonNeg: s << "keras.constraints.NonNeg()"; break;
    case ConstraintKind::UnitNorm: s << "keras.constraints.UnitNorm(axis=" << axis << ")"; break;
  }
  return s.str();
}

std::string torch_activation(Activation a) {
  switch (a) {
    case Activation::Linear: return "";
    case Activation::Relu: return "torch.relu(y)";
    case Activation::Sigmoid: return "torch.sigmoid(y)";
    case Activation::Tanh: return "torch.tanh(y)";
    case Activation::Softplus: return "F.softplus(y)";
    case Activation::Softsign: return "F.softsign(y)";
    case Activation::Elu: return "F.elu(y)";
    case Activation::Selu: return "F.selu(y)";
    case Activation::Gelu: return "F.gelu(y)  # exact erf form, as Keras's default";
    case Activation::Swish: return "F.silu(y)";
    case Activation::HardSigmoid: return "F.relu6(y + 3) / 6  # Keras 3 hard_sigmoid";
    case Activation::Exponential: return "torch.exp(y)";
    case Activation::LeakyRelu: return "F.leaky_relu(y, negative_slope=0.2)  # Keras's default slope";
  }
  return "";
}

}  // namespace

bool pytorch_symmetric(const AxisPlan& a) { return a.pad_before == a.pad_after && a.pad_before >= 0; }

std::string keras_code(const CodeContext& c) {
  const Layer& l = c.layer;
  std::ostringstream s;
  s << "import keras\n\n";
  const bool same_or_valid = l.padding.kind == PaddingKind::Same || l.padding.kind == PaddingKind::Valid;
  std::string padding = to_string(l.padding.kind);
  if (!same_or_valid && !l.transpose) {
    s << "# Keras has no '" << padding << "' padding: pad explicitly, then use 'valid'.\n";
    s << "pad = keras.layers.ZeroPadding2D(padding=((" << c.plan.y.pad_before << ", " << c.plan.y.pad_after
      << "), (" << c.plan.x.pad_before << ", " << c.plan.x.pad_after << ")), data_format=\"" << to_string(l.data_format)
      << "\")\n";
    padding = "valid";
  } else if (!same_or_valid) {
    s << "# Keras's Conv2DTranspose has no '" << padding << "' padding: use 'valid' and crop ("
      << c.plan.y.pad_before << ", " << c.plan.y.pad_after << ") rows, (" << c.plan.x.pad_before << ", "
      << c.plan.x.pad_after << ") columns with keras.layers.Cropping2D.\n";
    padding = "valid";
  }
  if (l.border != BorderMode::Zero) s << "# Border '" << to_string(l.border) << "' is beyond Keras (zeros only).\n";
  s << "layer = keras.layers." << (l.transpose ? "Conv2DTranspose" : "Conv2D") << "(\n";
  s << "    filters=" << l.filters << ",\n";
  s << "    kernel_size=" << pair(l.kernel_h, l.kernel_w) << ",\n";
  s << "    strides=" << pair(l.stride_h, l.stride_w) << ",\n";
  s << "    padding=\"" << padding << "\",\n";
  if (l.transpose && (l.output_padding_h >= 0 || l.output_padding_w >= 0))
    s << "    output_padding=" << pair(std::max(l.output_padding_h, 0), std::max(l.output_padding_w, 0)) << ",\n";
  s << "    data_format=\"" << to_string(l.data_format) << "\",\n";
  s << "    dilation_rate=" << pair(l.dilation_h, l.dilation_w) << ",\n";
  if (l.groups != 1) s << "    groups=" << l.groups << "," << (l.transpose ? "  # not accepted by Conv2DTranspose" : "") << "\n";
  s << "    activation=\"" << to_string(l.activation) << "\",\n";
  s << "    use_bias=" << (l.use_bias ? "True" : "False") << ",\n";
  s << "    kernel_initializer=" << keras_initializer(c.kernel_initializer, c.seed) << ",\n";
  s << "    bias_initializer=" << keras_initializer(c.bias_initializer, c.seed) << ",\n";
  for (auto [name, text] : {std::pair<const char*, std::string>{"kernel_regularizer", keras_reg(c.kernel_reg)},
                            {"bias_regularizer", keras_reg(c.bias_reg)},
                            {"activity_regularizer", keras_reg(c.activity_reg)},
                            {"kernel_constraint", keras_constraint(c.kernel_constraint)},
                            {"bias_constraint", keras_constraint(c.bias_constraint)}})
    if (!text.empty()) s << "    " << name << "=" << text << ",\n";
  s << ")\n";
  s << "# kernel shape " << shape_to_string(c.plan.kernel_shape()) << ", bias shape (" << l.filters << ",)\n";
  return s.str();
}

std::string pytorch_code(const CodeContext& c) {
  const Layer& l = c.layer;
  const ConvPlan& p = c.plan;
  std::ostringstream s;
  s << "import torch\nimport torch.nn as nn\nimport torch.nn.functional as F\n\n";
  s << "# PyTorch tensors are (N, C, H, W)";
  if (l.data_format == DataFormat::ChannelsLast) s << ": x = x.permute(0, 3, 1, 2) from Keras's (N, H, W, C)";
  s << ".\n";
  const int in_c = int(p.in_c), out_c = l.filters;
  std::string pre, post;
  if (!l.transpose) {
    std::string padding;
    std::string mode;
    switch (l.border) {
      case BorderMode::Zero: break;
      case BorderMode::Reflect: mode = "reflect"; break;
      case BorderMode::Replicate: mode = "replicate"; break;
      case BorderMode::Wrap: mode = "circular"; break;
      case BorderMode::Symmetric: mode = "symmetric"; break;  // no nn.Conv2d mode: F.pad below
      case BorderMode::Constant: mode = "constant"; break;
    }
    const bool sym = pytorch_symmetric(p.y) && pytorch_symmetric(p.x);
    const bool stride1 = l.stride_h == 1 && l.stride_w == 1;
    if (l.padding.kind == PaddingKind::Same && stride1 && l.border == BorderMode::Zero) {
      padding = "\"same\"";
    } else if (sym && (mode.empty() || mode == "reflect" || mode == "replicate" || mode == "circular")) {
      padding = pair(int(p.y.pad_before), int(p.x.pad_before));
    } else {
      padding = "0";
      std::ostringstream f;
      f << "x = F.pad(x, (" << p.x.pad_before << ", " << p.x.pad_after << ", " << p.y.pad_before << ", " << p.y.pad_after
        << ")";
      if (l.border == BorderMode::Constant) f << ", mode=\"constant\", value=" << l.border_value;
      else if (!mode.empty() && mode != "symmetric") f << ", mode=\"" << mode << "\"";
      f << ")";
      if (l.padding.kind == PaddingKind::Same)
        f << "  # TensorFlow's 'same' pads (top, bottom) = (" << p.y.pad_before << ", " << p.y.pad_after
          << "), (left, right) = (" << p.x.pad_before << ", " << p.x.pad_after << "): the extra goes after";
      if (l.border == BorderMode::Symmetric) f << "  # numpy 'symmetric' has no PyTorch mode: use np.pad";
      pre = f.str() + "\n";
    }
    s << "conv = nn.Conv2d(" << in_c << ", " << out_c << ", kernel_size=" << pair(l.kernel_h, l.kernel_w)
      << ", stride=" << pair(l.stride_h, l.stride_w) << ", padding=" << padding
      << ", dilation=" << pair(l.dilation_h, l.dilation_w) << ", groups=" << l.groups
      << ", bias=" << (l.use_bias ? "True" : "False");
    if (padding != "0" && padding != "\"same\"" && !mode.empty() && mode != "symmetric" && mode != "constant")
      s << ", padding_mode=\"" << (mode == "reflect" ? "reflect" : mode) << "\"";
    s << ")\n";
  } else {
    // PyTorch: out = (in-1)*s - 2*p + extent + output_padding; it crops p at both ends.
    auto axis = [](const AxisPlan& a, int* pad, int* op) {
      const int64_t full = (a.in - 1) * a.stride + a.extent;
      if (a.pad_before < 0) return false;
      *pad = int(a.pad_before);
      const int64_t o = a.out - full + 2 * a.pad_before;
      *op = int(o);
      return o >= 0 && o < std::max(a.stride, a.dilation);
    };
    int ph = 0, pw = 0, oph = 0, opw = 0;
    const bool exact = axis(p.y, &ph, &oph) && axis(p.x, &pw, &opw);
    if (exact) {
      s << "conv = nn.ConvTranspose2d(" << in_c << ", " << out_c << ", kernel_size=" << pair(l.kernel_h, l.kernel_w)
        << ", stride=" << pair(l.stride_h, l.stride_w) << ", padding=" << pair(ph, pw)
        << ", output_padding=" << pair(oph, opw) << ", groups=" << l.groups
        << ", bias=" << (l.use_bias ? "True" : "False") << ", dilation=" << pair(l.dilation_h, l.dilation_w) << ")\n";
      if (l.padding.kind == PaddingKind::Same)
        s << "# padding/output_padding chosen to crop exactly as TensorFlow's 'same' does\n";
    } else {
      s << "conv = nn.ConvTranspose2d(" << in_c << ", " << out_c << ", kernel_size=" << pair(l.kernel_h, l.kernel_w)
        << ", stride=" << pair(l.stride_h, l.stride_w) << ", padding=0, groups=" << l.groups
        << ", bias=" << (l.use_bias ? "True" : "False") << ", dilation=" << pair(l.dilation_h, l.dilation_w) << ")\n";
      std::ostringstream f;
      f << "# PyTorch cannot crop this asymmetrically: take the full result, then crop/pad as Keras does\n";
      f << "y = F.pad(y, (" << -p.x.pad_before << ", " << -p.x.pad_after << ", " << -p.y.pad_before << ", "
        << -p.y.pad_after << "))  # negative pads crop\n";
      post = f.str();
    }
  }
  s << "# weights from Keras (kernel, bias = layer.get_weights()):\n";
  s << "# conv.weight.data = torch.from_numpy(kernel.transpose(3, 2, 0, 1))\n";
  if (l.use_bias) s << "# conv.bias.data = torch.from_numpy(bias)\n";
  s << "\n";
  s << pre << "y = conv(x)\n" << post;
  const std::string act = torch_activation(l.activation);
  if (!act.empty()) s << "y = " << act << "\n";
  s << "# y: " << shape_to_string(p.output_shape(DataFormat::ChannelsFirst)) << "\n";
  return s.str();
}

}  // namespace convscope
