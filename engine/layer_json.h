// A Layer as JSON, the one spelling used by setup files (the app's sessions) and by
// `convscope animate --session`. Keys follow Keras's argument names:
//   {"type": "Conv2D"|"Conv2DTranspose", "filters": 8, "kernel_size": [3, 3], "strides": [1, 1],
//    "dilation_rate": [1, 1], "padding": "valid"|"same"|"full"|"explicit",
//    "explicit_padding": [top, bottom, left, right], "output_padding": [h, w] (-1 = None),
//    "groups": 1, "use_bias": true, "activation": "relu", "data_format": "channels_last",
//    "border": "zero"|..., "border_value": 0}
// Missing keys keep the Layer defaults; a pair may also be a single number.
#pragma once
#include <nlohmann/json.hpp>

#include "engine/layer.h"

namespace convscope {

nlohmann::json layer_to_json(const Layer& layer);
// Throws UserError naming the key for values of the wrong type or unknown names.
Layer layer_from_json(const nlohmann::json& j);

}  // namespace convscope
