// What one frame of the step-by-step animation shows, as a flat display list (rectangles, lines,
// text) in pixels. No GL: the GIF/PNG exporter rasterises it in software (animation_render.h) and
// the GUI canvas draws the same list with ImDrawList, so the app and its exports look alike. The
// grids' geometry is kept for hit-testing (which cell is under the mouse).
#pragma once
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "engine/steps.h"

namespace convscope {

struct Rgba {
  uint8_t r = 0, g = 0, b = 0, a = 255;
};

enum class ItemKind { Rect, Line, Text };
enum class Align { Left, Center, Right };

struct SceneItem {
  ItemKind kind = ItemKind::Rect;
  float x0 = 0, y0 = 0, x1 = 0, y1 = 0;  // rect corners, line ends; text: anchor x0 and top y0
  Rgba fill{0, 0, 0, 0};                  // rect fill (alpha 0: none)
  Rgba stroke{0, 0, 0, 0};                // rect outline, line and text colour
  float width = 1;                        // outline / line width
  bool dashed = false;
  std::string text;
  float size = 14;  // text pixel height
  Align align = Align::Left;
};

// A grid drawn at (x0, y0): column c shows coordinate first_x + c, row r coordinate first_y + r.
struct GridGeom {
  bool valid = false;
  float x0 = 0, y0 = 0, cell = 0;
  int64_t first_y = 0, first_x = 0, rows = 0, cols = 0;
  // The grid coordinate under (px, py); false outside the grid.
  bool hit(float px, float py, int64_t* gy, int64_t* gx) const;
  float left(int64_t gx) const { return x0 + static_cast<float>(gx - first_x) * cell; }
  float top(int64_t gy) const { return y0 + static_cast<float>(gy - first_y) * cell; }
};

// What the grids mean: sliding picture: input = the padded (or zero-inserted) grid, output = the
// output; scatter picture: input = the input values, output = the full (uncropped) result.
struct Scene {
  float width = 0, height = 0;
  std::vector<SceneItem> items;  // in drawing order
  GridGeom input, output, kernel;
  std::vector<std::string> arithmetic;  // the arithmetic lines, also drawn at the bottom
};

// Width in pixels of `text` drawn at pixel height `size`.
using MeasureText = std::function<float(const std::string& text, float size)>;

struct SceneOptions {
  int64_t tap_step = 0;
  bool tap_colours = true;   // every kernel position its own colour
  bool show_values = true;   // numbers in cells (when they fit)
  bool show_arithmetic = true;
  bool swap_colours = false;  // input in the output colour and back (a transposed layer beside its direct conv)
  float cell = 40, font = 15;
  std::string title, caption;
  // Highlights from hovering or pinning (GUI): an output cell lights its receptive field, an input
  // grid cell every output it feeds, a kernel weight every input value it multiplies.
  bool hover_output = false, hover_input = false, hover_tap = false;
  Cell output_cell, input_cell;  // output coordinates; input grid coordinates
  int tap_ky = 0, tap_kx = 0;    // the layer's kernel index
  float max_width = 0;  // wrap text to this width (0: the grids' width, at least 640)
};

// Short description of a layer: "Conv2D 3x3, stride 2, padding same (0 before, 1 after): input 6x6 -> output 3x3".
std::string describe_layer(const StepModel& m);

Scene build_scene(const StepModel& m, const SceneOptions& o, const MeasureText& measure);

// "7", "-0.25", "1.3e+04": integers as integers, otherwise up to 3 significant digits.
std::string format_value(double v);

// The distinct colour of kernel position (ky, kx) of a kh x kw kernel.
Rgba tap_colour(int ky, int kx, int kh, int kw);

}  // namespace convscope
