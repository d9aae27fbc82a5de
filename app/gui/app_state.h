// The application state: one struct owned by the main loop and passed by reference to every panel
// (no function-local static UI state). Everything here is GL-free and unit-tested
// (tests/gui_model_test.cc); the panels only read it and call the change functions below, which
// say what a change recomputes.
//
// For the step-by-step canvas (issue 4) the public members to read are: `input` (the input image
// or integer grid, (H, W, C) channels-last), `layer` (the Keras layer as set), `plan` (its shape
// plan for the input), `effective_kernel` / `effective_bias` (the weights the engine runs, Keras
// layout), `result` (the last finished output) and `kernel_sel_in/out` (the channel pair the
// kernel editor shows). Call mark_changed() after changing any of them.
#pragma once
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "app/gui/animation_panel.h"
#include "app/gui/colormap.h"
#include "app/gui/compute.h"
#include "app/gui/image_loader.h"
#include "app/gui/view_math.h"
#include "app/gui/weights.h"
#include "engine/layer.h"
#include "engine/shape.h"
#include "engine/tensor.h"

namespace convscope {

// ---- Input -------------------------------------------------------------------------------------
enum class InputKind { Image, Grid };
enum class GridPattern { Ramp, Random, Checkerboard, Impulse };
const char* to_string(GridPattern);
GridPattern parse_grid_pattern(const std::string&);

struct InputSettings {
  InputKind kind = InputKind::Image;
  std::string image_path;  // empty: the bundled default sample
  bool gray = false;
  int max_side = 512;      // downscale so the longer side is at most this; 0 = full size
  GridPattern pattern = GridPattern::Ramp;
  int grid_size = 6;       // 3..16 per side
  int grid_channels = 1;   // 1 or 3
  uint32_t grid_seed = 1;
  std::vector<float> grid;  // the grid's values (H*W*C, channels-last), edited by clicking cells
};

// An integer grid of the pattern: ramp 0,1,2...; random 0..9 (seeded); checkerboard 0/1 (x9 for
// contrast: 0/9); impulse: one 1 in the centre.
std::vector<float> make_grid(GridPattern p, int size, int channels, uint32_t seed);
std::string default_image_path();                 // the bundled sample the app opens with
std::vector<std::string> bundled_sample_paths();  // assets/images/*.png, sorted

// ---- Kernel ------------------------------------------------------------------------------------
enum class KernelSource { Initializer, Preset, Edited };
// Where a preset goes: the selected input/output pair only, every pair, or "the same kernel on
// every channel" (a depthwise image filter: groups = filters = input channels).
enum class PresetTarget { SelectedPair, AllPairs, PerChannel };

struct KernelSettings {
  KernelSource source = KernelSource::Initializer;
  std::string initializer = "glorot_uniform";
  uint32_t seed = 42;
  float constant = 0.0f;
  std::string preset = "sobel_x";
  PresetTarget preset_target = PresetTarget::PerChannel;
  std::string bias_initializer = "zeros";
  uint32_t bias_seed = 7;
  float bias_constant = 0.0f;
  bool bias_edited = false;
};

struct WeightRules {
  Regularizer kernel_reg, bias_reg, activity_reg;
  Constraint kernel_constraint{ConstraintKind::None, 2.0f, 0.0f, 1.0f, 0x7u};  // axis [0, 1, 2]
  Constraint bias_constraint;
  bool apply_constraints = true;  // run the engine with the constrained weights
};

// ---- View --------------------------------------------------------------------------------------
enum class MainTab { Maps, Compare, Steps, Shapes, Code, Help };
enum class LeftTab { Input, Layer, Kernel, Weights };
enum class CompareMode { SideBySide, Split };
const char* to_string(MainTab);
MainTab parse_main_tab(const std::string&);

struct ViewSettings {
  MainTab tab = MainTab::Maps;
  LeftTab left_tab = LeftTab::Input;
  bool tab_requested = true;  // select `tab` on the next frame
  MapView maps;
  bool enlarged = true;       // show the selected map large beside the thumbnails
  bool rgb = false;           // enlarge the RGB picture (per-channel filters on colour images)
  CompareMode compare = CompareMode::SideBySide;
  float split = 0.5f;
  ImageView zoom;             // shared by the enlarged map and both compare images (locked)
  bool show_help = false;
  int window_w = 0, window_h = 0;  // the window's size when last saved (0: default)
};

// ---- The whole state ---------------------------------------------------------------------------
struct AppState {
  InputSettings input_settings;
  std::shared_ptr<const Tensor> input;  // (H, W, C) channels-last; images 0..1, grids integers
  std::string input_name;               // file name or "6x6 ramp grid"
  InputSettings input_shown;            // the settings `input` came from (restored when a load fails)
  uint64_t input_requests = 0;          // image loads asked of the ImageLoader so far
  uint64_t input_pending = 0;           // the load the app waits for (0: none)

  Layer layer;
  ConvPlan plan;            // plan for `input` (the last valid one when plan_error is set)
  bool plan_valid = false;
  std::string plan_error;   // why the current setting is impossible ("" when fine)

  KernelSettings kernel_settings;
  WeightRules rules;
  Tensor kernel;                   // the user's weights, Keras layout plan.kernel_shape()
  std::vector<float> bias;         // the user's bias, one per filter
  Tensor effective_kernel;         // after the kernel constraint (what the engine runs)
  std::vector<float> effective_bias;
  int kernel_sel_in = 0, kernel_sel_out = 0;  // the pair the kernel editor shows

  std::shared_ptr<const ComputeResult> result;  // the last good output (may be older than the settings)
  std::string compute_error;                    // why the newest job failed ("" when fine)

  ViewSettings view;
  AnimationPanelState animation;  // owned by the step-by-step canvas (issue 4)

  std::vector<std::string> recent_files;  // newest first, at most 8
  std::string error;    // the last user-visible error (bad file, bad setting); the state stays
  std::string message;  // the last info message ("Saved ...")

  // Change tracking: what needs recomputing.
  uint64_t compute_version = 1, view_version = 1;
  uint64_t submitted_compute = 0, submitted_view = 0;
  uint64_t next_job_id = 1;
  bool autosave_dirty = false;
};

// What changed, from cheapest to dearest. View: only the pictures; Weights: kernel/bias values
// (rerun the layer); Layer: parameters (replan, refit the kernel, rerun); Input: a new image.
enum class Change { View, Weights, Layer, Input };
void mark_changed(AppState& app, Change change);

// Loads the input the settings describe (image file or grid) on the calling thread (start-up,
// sessions, grids). On failure sets app.error, keeps the previous input and returns false. Makes
// any image load still pending stale.
bool load_input(AppState& app);

// What the GUI does instead for image files: asks `loader` to decode the image the settings
// describe and returns at once (grids load at once). The current input stays until
// accept_loaded_image() swaps the new one in; a newer request or a load_input() makes it stale.
void request_input(AppState& app, ImageLoader& loader);
// request_input for the image file at `path`.
void request_image(AppState& app, ImageLoader& loader, const std::string& path);
// Applies a finished load if it is the one the app waits for. On failure sets app.error and puts
// the image settings back to those of the input shown. Returns true when the input changed.
bool accept_loaded_image(AppState& app, const LoadedImage& loaded);
// Puts the image fields of input_settings (kind, path, gray, size) back to those of the input
// shown: a load asked for them was dropped.
void restore_shown_image_settings(AppState& app);
inline bool input_loading(const AppState& app) { return app.input_pending != 0; }
void add_recent(AppState& app, const std::string& path);

// Replans the layer for the input; on an impossible setting sets plan_error and keeps the last plan.
void replan(AppState& app);
// Makes kernel/bias fit plan.kernel_shape() and filters: regenerates them from their source
// (initializer or preset) or, for edited weights, keeps the overlapping values.
void refit_weights(AppState& app);
void apply_initializer(AppState& app);       // kernel from kernel_settings.initializer/seed
void apply_bias_initializer(AppState& app);  // bias from kernel_settings.bias_initializer/seed
// Applies a preset (sets kernel size; PerChannel also sets filters = groups = input channels).
bool apply_preset(AppState& app, const std::string& name, PresetTarget target);
void update_effective_weights(AppState& app);  // constraints
// Index of weight (ky, kx) of the pair (in, out) in the Keras-layout kernel; -1 if out of range.
int64_t kernel_index(const AppState& app, int ky, int kx, int in, int out);
int kernel_pair_inputs(const AppState& app);   // the editor's input-channel count (per group)
int kernel_pair_outputs(const AppState& app);  // the editor's output-channel count

// The job that brings the result up to date, or none when it is. need_conv is false when only
// the view changed since the last submitted job.
bool needs_job(const AppState& app);
ComputeJob make_job(AppState& app);  // marks the versions as submitted
// Called with a finished result: swaps it in.
void accept_result(AppState& app, std::shared_ptr<const ComputeResult> result);

// The initial state: the default sample, a 3x3 Conv2D with 8 filters (glorot_uniform, seed 42).
void init_default_state(AppState& app);

}  // namespace convscope
