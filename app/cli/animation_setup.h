// What an animation shows: a layer, its input (a small grid or a region of an image) and weights.
// Built from a preset of the convolution-arithmetic guide or from a session file (the GUI's
// File > Save setup JSON, whose optional "animation" object holds the region of interest and the
// canvas settings). Shared by `convscope animate` and the GUI canvas.
#pragma once
#include <memory>
#include <string>

#include <nlohmann/json.hpp>

#include "app/cli/animation_scene.h"
#include "engine/steps.h"
#include "engine/tensor.h"

namespace convscope {

struct AnimationSetup {
  std::string name;     // preset name or session file name
  std::string caption;  // the preset's caption
  Layer layer;
  Tensor input;   // (H, W, C) channels-last: the grid, or the region of interest of the image
  Tensor kernel;  // Keras layout
  Tensor bias;    // (filters,); empty shape = none
  StepGranularity granularity = StepGranularity::Position;
  TransposedView view = TransposedView::Direct;
  bool tap_colours = true;
};

// The largest region of interest (per side) the canvas animates.
constexpr int kMaxRoiSide = 24;

AnimationSetup setup_from_preset(const AnimationPreset& preset);
// Throws UserError naming the field for malformed sessions.
AnimationSetup setup_from_session(const nlohmann::json& session, const std::string& name);
AnimationSetup load_animation_setup_file(const std::string& path);

// (H, W, C) crop [y, y+h) x [x, x+w) of an (H, W, C) tensor, clamped to the image.
Tensor crop_hwc(const Tensor& hwc, int64_t y, int64_t x, int64_t h, int64_t w);
// The region of interest the canvas animates: size x size cells at (y, x) (-1: centred), the whole
// input when it is no larger. Sets *at_y, *at_x to where the region starts.
Tensor region_of_interest(const Tensor& hwc, int y, int x, int size, int* at_y, int* at_x);

std::unique_ptr<StepModel> make_step_model(const AnimationSetup& s);

StepGranularity parse_granularity(const std::string& s);  // tap, position, row
TransposedView parse_transposed_view(const std::string& s);  // scatter, direct

}  // namespace convscope
