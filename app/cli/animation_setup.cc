#include "app/cli/animation_setup.h"

#include "engine/json_text.h"
#include "engine/layer_json.h"

#include <algorithm>
#include <filesystem>

#include "engine/atomic_file.h"
#include "engine/error.h"
#include "engine/image_io.h"

namespace convscope {

using json = nlohmann::json;

StepGranularity parse_granularity(const std::string& s) {
  if (s == "tap") return StepGranularity::Tap;
  if (s == "position") return StepGranularity::Position;
  if (s == "row") return StepGranularity::Row;
  throw UserError("unknown granularity '" + s + "' (expected tap, position or row)");
}

TransposedView parse_transposed_view(const std::string& s) {
  if (s == "scatter") return TransposedView::Scatter;
  if (s == "direct") return TransposedView::Direct;
  throw UserError("unknown transposed view '" + s + "' (expected scatter or direct)");
}

Tensor crop_hwc(const Tensor& hwc, int64_t y, int64_t x, int64_t h, int64_t w) {
  const int64_t H = hwc.dim(0), W = hwc.dim(1), C = hwc.dim(2);
  y = std::clamp<int64_t>(y, 0, H - 1);
  x = std::clamp<int64_t>(x, 0, W - 1);
  h = std::clamp<int64_t>(h, 1, H - y);
  w = std::clamp<int64_t>(w, 1, W - x);
  Tensor out({h, w, C}, "region");
  for (int64_t r = 0; r < h; ++r)
    for (int64_t c = 0; c < w; ++c)
      for (int64_t k = 0; k < C; ++k)
        out.data[static_cast<size_t>((r * w + c) * C + k)] = hwc.data[static_cast<size_t>(((y + r) * W + x + c) * C + k)];
  return out;
}

Tensor region_of_interest(const Tensor& hwc, int y, int x, int size, int* at_y, int* at_x) {
  const int h = static_cast<int>(hwc.dim(0)), w = static_cast<int>(hwc.dim(1));
  size = std::clamp(size, 2, kMaxRoiSide);
  if (h <= size && w <= size) {
    *at_y = *at_x = 0;
    return hwc;
  }
  const int rh = std::min(size, h), rw = std::min(size, w);
  *at_y = std::clamp(y < 0 ? (h - rh) / 2 : y, 0, h - rh);
  *at_x = std::clamp(x < 0 ? (w - rw) / 2 : x, 0, w - rw);
  return crop_hwc(hwc, *at_y, *at_x, rh, rw);
}

AnimationSetup setup_from_preset(const AnimationPreset& p) {
  AnimationSetup s;
  s.name = p.name;
  s.caption = p.caption;
  s.layer = p.layer;
  make_preset_tensors(p, &s.input, &s.kernel);
  if (p.layer.transpose) s.view = TransposedView::Direct;
  return s;
}

AnimationSetup setup_from_session(const json& j, const std::string& name) {
  const json anim = j.value("animation", json::object());
  if (anim.contains("preset") && anim.at("preset").is_string() && !anim.at("preset").get<std::string>().empty()) {
    const std::string preset = anim.at("preset").get<std::string>();
    const AnimationPreset* p = find_animation_preset(preset);
    if (!p) throw UserError("session " + name + ": unknown animation preset '" + preset + "'");
    AnimationSetup s = setup_from_preset(*p);
    s.granularity = parse_granularity(anim.value("granularity", "position"));
    s.view = parse_transposed_view(anim.value("view", "direct"));
    s.tap_colours = anim.value("tap_colours", true);
    return s;
  }
  AnimationSetup s;
  s.name = name;
  try {
    if (!j.contains("layer")) throw UserError("no \"layer\"");
    s.layer = layer_from_json(j.at("layer"));
    // Input: the grid values, or a region of the image.
    const json in = j.value("input", json::object());
    Tensor full;
    if (in.value("kind", "image") == "grid") {
      const int64_t size = in.value("grid_size", 6), channels = in.value("grid_channels", 1);
      const std::vector<float> grid = in.value("grid", std::vector<float>{});
      if (static_cast<int64_t>(grid.size()) != size * size * channels)
        throw UserError("input.grid has " + std::to_string(grid.size()) + " values, expected " +
                        std::to_string(size * size * channels));
      full = Tensor({size, size, channels}, "grid");
      full.data = grid;
    } else {
      std::string path = in.value("image_path", "");
      if (path.empty()) path = std::string(CONVSCOPE_ASSETS_DIR) + "/images/chelsea.png";
      full = load_image(path, in.value("gray", false), std::max(0, in.value("max_side", 512)));
    }
    // The region: [y, x, size] as the app saves it (-1: centred), or [y, x, height, width].
    const std::vector<int64_t> roi = anim.value("roi", std::vector<int64_t>{-1, -1, 8});
    if (roi.size() == 4) {
      if (roi[2] > kMaxRoiSide || roi[3] > kMaxRoiSide)
        throw UserError("animation.roi is larger than " + std::to_string(kMaxRoiSide) + " cells per side");
      full = crop_hwc(full, roi[0], roi[1], roi[2], roi[3]);
    } else if (roi.size() == 3) {
      int ry = 0, rx = 0;
      full = region_of_interest(full, static_cast<int>(roi[0]), static_cast<int>(roi[1]), static_cast<int>(roi[2]), &ry, &rx);
    } else {
      throw UserError("animation.roi must be [y, x, size] or [y, x, height, width]");
    }
    s.input = std::move(full);
    const ConvPlan plan = plan_conv(s.layer, 1, s.input.dim(0), s.input.dim(1), s.input.dim(2));
    const json k = j.value("kernel", json::object());
    const auto shape = k.value("shape", std::vector<int64_t>{});
    if (shape != plan.kernel_shape())
      throw UserError("kernel.shape " + shape_to_string(shape) + " does not match the layer's " +
                      shape_to_string(plan.kernel_shape()));
    s.kernel = Tensor(shape, "kernel");
    s.kernel.data = k.value("weights", std::vector<float>{});
    if (s.kernel.data.size() != static_cast<size_t>(element_count(shape, "kernel")))
      throw UserError("kernel.weights has the wrong number of values");
    if (s.layer.use_bias) {
      const auto b = j.value("bias", json::object()).value("values", std::vector<float>{});
      if (static_cast<int64_t>(b.size()) == plan.out_c) {
        s.bias = Tensor({plan.out_c}, "bias");
        s.bias.data = b;
      }
    }
    s.granularity = parse_granularity(anim.value("granularity", "position"));
    s.view = parse_transposed_view(anim.value("view", "direct"));
    s.tap_colours = anim.value("tap_colours", true);
  } catch (const json::exception& e) {
    throw UserError("session " + name + ": " + e.what());
  } catch (const UserError& e) {
    throw UserError("session " + name + ": " + e.what());
  }
  return s;
}

AnimationSetup load_animation_setup_file(const std::string& path) {
  const std::string text = read_file(path, 256u << 20);
  const json j = parse_json_text(text, path);
  if (!j.is_object()) throw UserError(path + " is not a ConvScope session (expected a JSON object)");
  return setup_from_session(j, std::filesystem::path(path).filename().string());
}

std::unique_ptr<StepModel> make_step_model(const AnimationSetup& s) {
  StepOptions o;
  o.view = s.view;
  const Tensor* bias = s.bias.shape.empty() ? nullptr : &s.bias;
  return std::make_unique<StepModel>(s.layer, s.input, s.kernel, bias, o);
}

}  // namespace convscope
