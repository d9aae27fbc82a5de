// The GUI side that is not model: GL textures, transient widget state, shared drawing helpers,
// and the panel functions (one file each, panel_*.cc). Owned by the main loop beside AppState.
#pragma once
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <imgui.h>

#include "app/gui/app_state.h"
#include "app/gui/gl_texture.h"
#include "app/gui/session.h"
#include "app/gui/view_math.h"

namespace convscope {

class ComputeWorker;
class ImageLoader;

enum class PromptKind { None, OpenImage, SaveMap, SaveAllMaps, SaveFiltered, SaveSession, LoadSession };

struct Ui {
  ComputeWorker* worker = nullptr;
  ImageLoader* images = nullptr;  // decodes opened images off the UI thread (required)
  std::optional<PendingSession> session;  // File > Load setup, waiting for its image
  bool screenshot_mode = false;
  float scale = 1.0f;  // monitor content scale
  ImFont* mono = nullptr;

  // Textures, re-uploaded when the result/input they come from changes.
  GlTexture input_tex;
  std::vector<GlTexture> thumb_tex;  // one per map, small
  GlTexture enlarged_tex;            // the selected map at full resolution
  GlTexture filtered_tex, input_picture_tex;
  std::vector<std::string> sample_paths;
  std::vector<GlTexture> sample_tex;
  std::vector<Image8> sample_thumbs;
  Image8 input_image;  // the input as shown in the input panel
  const void* input_image_src = nullptr;

  // Widgets.
  std::string path_buf;  // typed image path
  std::string kernel_name;  // name for "Save as preset"
  PromptKind prompt = PromptKind::None;
  bool prompt_open_requested = false;
  std::string prompt_path;
  int grid_edit_x = -1, grid_edit_y = -1, grid_edit_c = 0;
  float grid_edit_value = 0;
  bool dragging_split = false;

  // Timing for the status bar.
  double last_latency_ms = 0;   // change -> first frame showing the new maps
  double frame_ms = 0;
  std::string last_saved;

  // Screen regions recorded for the screenshot checker (name -> rect in window pixels).
  std::map<std::string, Rect> regions;
  std::map<std::string, int> region_cells;  // grid size drawn in a region (cols = rows)

  void open_prompt(PromptKind kind, const std::string& initial) {
    prompt = kind;
    prompt_path = initial;
    prompt_open_requested = true;
  }
};

// ---- Helpers (ui_helpers.cc) -------------------------------------------------------------------
void help_marker(const char* text);             // a (?) with a wrapped tooltip
void item_tooltip(const char* text);            // tooltip on the last item when hovered
void section_title(const char* text);           // a coloured heading with a separator
void draw_color_legend(const MapRange& r, float width, float height);  // colour bar with labels
ImU32 to_imcolor(Rgba8 c);
Rect rect_from_cursor(float w, float h);        // a rectangle at the cursor (screen coordinates)
// Draws an image with `tex` into r and returns whether the mouse is over it.
bool draw_image(const GlTexture& tex, const Rect& r, bool border = true);
void text_right_aligned(const char* text);
ImFont* ui_font_mono();  // the monospace font (null: the default font)
void set_ui_font_mono(ImFont* f);
std::string fmt(const char* format, ...);
// Sync the input texture (Input panel) with app.input.
void update_input_texture(AppState& app, Ui& ui);
// Sync map/filtered textures with app.result.
void update_result_textures(AppState& app, Ui& ui);
void perform_prompt(AppState& app, Ui& ui);  // the modal that asks for a path, then does the action
// Opens the image at `path` / reloads the input after a change of its settings, through
// ui.images (decoded off the UI thread; the result arrives in a later frame).
void open_image(AppState& app, Ui& ui, const std::string& path);
void reload_input(AppState& app, Ui& ui);

// ---- Panels ------------------------------------------------------------------------------------
void draw_menu_bar(AppState& app, Ui& ui, bool* quit);
void draw_input_panel(AppState& app, Ui& ui);
void draw_layer_panel(AppState& app, Ui& ui);
void draw_kernel_panel(AppState& app, Ui& ui);
void draw_weights_panel(AppState& app, Ui& ui);
void draw_maps_panel(AppState& app, Ui& ui);
void draw_compare_panel(AppState& app, Ui& ui);
void draw_shapes_panel(AppState& app, Ui& ui);
void draw_code_panel(AppState& app, Ui& ui);
void draw_help_panel(AppState& app, Ui& ui);
void draw_status_bar(AppState& app, Ui& ui);
// The keyboard shortcuts (also listed in the help panel).
void handle_shortcuts(AppState& app, Ui& ui, bool* quit);

}  // namespace convscope

namespace convscope {
// An interactive image area: wheel zooms around the mouse, drag pans, double-click resets.
// Returns true when the mouse is over it. Records nothing; the caller draws.
bool zoom_pan_area(const char* id, const Rect& area, ImageView& view, float iw, float ih);
// Draws values of channel c of an (H, W, C) tensor into the cells of image rect r, when they fit.
void draw_cell_values(const Tensor& hwc, int64_t c, const Rect& r, const Rect& clip, const MapRange* range);
}  // namespace convscope
