#include "app/cli/layer_flags.h"

#include <cerrno>
#include <cstdlib>
#include <vector>

#include "engine/error.h"

namespace convscope {
std::vector<int64_t> parse_int_list(const std::string& text, const char* flag, int64_t min, int64_t max) {
  std::vector<int64_t> values;
  size_t p = 0;
  while (p <= text.size()) {
    size_t e = text.find(',', p);
    if (e == std::string::npos) e = text.size();
    const std::string part = text.substr(p, e - p);
    char* end = nullptr;
    errno = 0;
    const long long v = std::strtoll(part.c_str(), &end, 10);
    if (part.empty() || *end != '\0' || errno == ERANGE || v < min || v > max)
      throw UserError(std::string(flag) + ": '" + text + "' is not a comma-separated list of integers in [" +
                      std::to_string(min) + ", " + std::to_string(max) + "]");
    values.push_back(v);
    p = e + 1;
  }
  return values;
}

namespace {
std::vector<int> parse_ints(const std::string& text, const char* flag) {
  const std::vector<int64_t> wide = parse_int_list(text, flag, -(int64_t{1} << 30), int64_t{1} << 30);
  return std::vector<int>(wide.begin(), wide.end());
}
}  // namespace

void parse_pair(const std::string& text, const char* flag, int* a, int* b) {
  const std::vector<int> v = parse_ints(text, flag);
  if (v.size() == 1) {
    *a = *b = v[0];
  } else if (v.size() == 2) {
    *a = v[0];
    *b = v[1];
  } else {
    throw UserError(std::string(flag) + ": expected one value or two (H,W), got '" + text + "'");
  }
}

Padding parse_padding(const std::string& text) {
  Padding p;
  if (!text.empty() && (std::isdigit(static_cast<unsigned char>(text[0])) || text[0] == '-')) {
    const std::vector<int> v = parse_ints(text, "--padding");
    if (v.size() != 4) throw UserError("--padding: explicit padding needs four values T,B,L,R, got '" + text + "'");
    p.kind = PaddingKind::Explicit;
    p.top = v[0];
    p.bottom = v[1];
    p.left = v[2];
    p.right = v[3];
    return p;
  }
  p.kind = parse_padding_kind(text);
  return p;
}

void LayerFlags::add_to(CLI::App* cmd, bool with_border) {
  cmd->add_flag("--transpose", transpose, "Conv2DTranspose instead of Conv2D");
  cmd->add_option("--strides", strides, "Stride S or SH,SW")->capture_default_str();
  cmd->add_option("--padding", padding, "valid, same (TensorFlow's split), full, or explicit T,B,L,R")
      ->capture_default_str();
  cmd->add_option("--dilation", dilation, "Dilation rate D or DH,DW")->capture_default_str();
  cmd->add_option("--output-padding", output_padding, "Transposed only: P or PH,PW (each < its stride)");
  cmd->add_option("--groups", groups, "Channel groups (depthwise when equal to the input channels)")
      ->capture_default_str();
  cmd->add_option("--data-format", data_format, "channels_last (N,H,W,C) or channels_first (N,C,H,W)")
      ->capture_default_str();
  cmd->add_option("--activation", activation, "linear, relu, sigmoid, tanh, softplus, softsign, elu, selu, "
                                               "gelu, swish/silu, hard_sigmoid, exponential, leaky_relu")
      ->capture_default_str();
  if (with_border)
    cmd->add_option("--border", border, "zero, reflect, symmetric, replicate, wrap or constant:V (beyond Keras)")
        ->capture_default_str();
}

void LayerFlags::apply(Layer& layer) const {
  layer.transpose = transpose;
  parse_pair(strides, "--strides", &layer.stride_h, &layer.stride_w);
  parse_pair(dilation, "--dilation", &layer.dilation_h, &layer.dilation_w);
  layer.padding = parse_padding(padding);
  if (output_padding.empty()) {
    layer.output_padding_h = layer.output_padding_w = -1;
  } else {
    parse_pair(output_padding, "--output-padding", &layer.output_padding_h, &layer.output_padding_w);
    if (layer.output_padding_h < 0 || layer.output_padding_w < 0)
      throw UserError("--output-padding: values must be non-negative, got '" + output_padding + "'");
  }
  layer.groups = groups;
  layer.data_format = parse_data_format(data_format);
  layer.activation = parse_activation(activation);
  parse_border(border, &layer.border, &layer.border_value);
}

}  // namespace convscope
