// The step-by-step animation canvas (issue 4). Its state lives in AppState::animation; the app's
// layout calls draw_animation_panel() inside the "Step by step" tab, with the whole main area.
// GL-free header (app_state.h includes it): the state is plain data plus shared, immutable models.
#pragma once
#include <cstdint>
#include <memory>
#include <string>

#include <nlohmann/json_fwd.hpp>

#include "app/cli/animation_scene.h"
#include "engine/steps.h"

namespace convscope {

struct AppState;  // app/gui/app_state.h
struct AnimationExport;  // a running export (animation_panel.cc)

// What is lit by hovering or pinning.
enum class HighlightKind { None, Output, Input, Weight };
struct Highlight {
  HighlightKind kind = HighlightKind::None;
  Cell cell;         // output coordinates, or input grid coordinates
  int ky = 0, kx = 0;  // a kernel weight
  bool operator==(const Highlight& o) const {
    return kind == o.kind && cell == o.cell && ky == o.ky && kx == o.kx;
  }
};

struct AnimationPanelState {
  // What is animated: "" = the app's layer and weights on a region of its input; else a preset.
  std::string preset;
  int roi_y = -1, roi_x = -1;  // top-left of the region (-1: centred)
  int roi_size = 8;            // cells per side (grids smaller than this are shown whole)
  // Timeline.
  StepGranularity granularity = StepGranularity::Position;
  TransposedView view = TransposedView::Direct;
  int64_t tap_step = 0;
  bool playing = false;
  float speed = 2.0f;  // steps (of the granularity) per second
  double play_clock = 0;
  // Look.
  bool tap_colours = true, show_values = true, show_matching = false;
  float cell = 0;  // cell size in pixels (0: from the font size)
  // Highlights: the pinned one wins over hovering.
  Highlight pinned, hovered;
  // Geometry of the last drawn main scene, for hit-testing (screen coordinates).
  float origin_x = 0, origin_y = 0;
  GridGeom input_grid, output_grid, kernel_grid;
  // The model, rebuilt when its key changes.
  std::shared_ptr<const StepModel> model, matching;  // matching: the forward conv beside a transposed one
  std::string model_key, model_error, caption;
  // Export.
  std::string export_path = "convscope-animation.gif", frames_dir = "convscope-frames";
  std::shared_ptr<AnimationExport> export_job;
  std::string export_message;
  // When set, load() jumps to this step (of the granularity) once the model exists (sessions, tests).
  int64_t pending_step = -1;
};

// Draws the canvas into the current ImGui window/child (the caller has opened it).
void draw_animation_panel(AppState& app);

// The canvas settings in a session file ("animation" object); from_json throws UserError.
nlohmann::json animation_to_json(const AnimationPanelState& s);
void animation_from_json(AnimationPanelState& s, const nlohmann::json& j);

}  // namespace convscope
