#include "engine/layer_json.h"

#include "engine/error.h"

namespace convscope {

using nlohmann::json;

json layer_to_json(const Layer& l) {
  return {{"type", l.transpose ? "Conv2DTranspose" : "Conv2D"},
          {"filters", l.filters},
          {"kernel_size", {l.kernel_h, l.kernel_w}},
          {"strides", {l.stride_h, l.stride_w}},
          {"dilation_rate", {l.dilation_h, l.dilation_w}},
          {"padding", to_string(l.padding.kind)},
          {"explicit_padding", {l.padding.top, l.padding.bottom, l.padding.left, l.padding.right}},
          {"output_padding", {l.output_padding_h, l.output_padding_w}},
          {"groups", l.groups},
          {"use_bias", l.use_bias},
          {"activation", to_string(l.activation)},
          {"data_format", to_string(l.data_format)},
          {"border", to_string(l.border)},
          {"border_value", l.border_value}};
}

Layer layer_from_json(const json& j) {
  if (!j.is_object()) throw UserError("layer: expected a JSON object");
  Layer l;
  const char* key = "";
  try {
    auto pair = [&](const char* k, int* a, int* b) {
      key = k;
      if (!j.contains(k)) return;
      const json& v = j.at(k);
      if (v.is_number_integer()) {
        *a = *b = v.get<int>();
      } else {
        if (!v.is_array() || v.size() != 2) throw UserError(std::string("layer: \"") + k + "\" must be a number or a pair");
        *a = v.at(0).get<int>();
        *b = v.at(1).get<int>();
      }
    };
    key = "type";
    const std::string type = j.value("type", "Conv2D");
    if (type != "Conv2D" && type != "Conv2DTranspose")
      throw UserError("layer: unknown type '" + type + "' (expected Conv2D or Conv2DTranspose)");
    l.transpose = type == "Conv2DTranspose";
    key = "filters";
    l.filters = j.value("filters", l.filters);
    pair("kernel_size", &l.kernel_h, &l.kernel_w);
    pair("strides", &l.stride_h, &l.stride_w);
    pair("dilation_rate", &l.dilation_h, &l.dilation_w);
    pair("output_padding", &l.output_padding_h, &l.output_padding_w);
    key = "padding";
    const std::string padding = j.value("padding", "valid");
    l.padding.kind = padding == "explicit" ? PaddingKind::Explicit : parse_padding_kind(padding);
    key = "explicit_padding";
    if (j.contains("explicit_padding")) {
      const json& p = j.at("explicit_padding");
      if (!p.is_array() || p.size() != 4) throw UserError("layer: \"explicit_padding\" must be [top, bottom, left, right]");
      l.padding.top = p.at(0).get<int>();
      l.padding.bottom = p.at(1).get<int>();
      l.padding.left = p.at(2).get<int>();
      l.padding.right = p.at(3).get<int>();
    }
    key = "groups";
    l.groups = j.value("groups", l.groups);
    key = "use_bias";
    l.use_bias = j.value("use_bias", l.use_bias);
    key = "activation";
    l.activation = parse_activation(j.value("activation", "linear"));
    key = "data_format";
    l.data_format = parse_data_format(j.value("data_format", "channels_last"));
    key = "border";
    parse_border(j.value("border", "zero"), &l.border, &l.border_value);
    key = "border_value";
    l.border_value = j.value("border_value", l.border_value);
  } catch (const json::exception&) {
    throw UserError(std::string("layer: \"") + key + "\" has the wrong type");
  }
  return l;
}

}  // namespace convscope
