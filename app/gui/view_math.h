// Pure view math for the image panels (no GL, no ImGui): fitting, zoom and pan, which pixel or
// grid cell lies under the mouse, thumbnail grids, the split of the compare view.
#pragma once

namespace convscope {

struct Rect {
  float x = 0, y = 0, w = 0, h = 0;
  bool contains(float px, float py) const { return px >= x && py >= y && px < x + w && py < y + h; }
};

// The largest rectangle of aspect iw:ih that fits in `area`, centred.
Rect fit_rect(float iw, float ih, const Rect& area);

// Zoom 1 = the image fits the area; pan is the offset of the image centre from the area centre,
// in screen pixels at the current zoom.
struct ImageView {
  float zoom = 1.0f;
  float pan_x = 0.0f, pan_y = 0.0f;
};
constexpr float kMinZoom = 0.25f, kMaxZoom = 64.0f;

// Where the image lies on screen for this view.
Rect view_rect(const ImageView& v, float iw, float ih, const Rect& area);
// Multiplies the zoom by `factor` (clamped) keeping the image point under (mx, my) fixed.
void zoom_at(ImageView& v, float factor, float mx, float my, float iw, float ih, const Rect& area);

// The cell (column cx, row cy) of a cols x rows grid drawn over `r` that contains (mx, my).
bool cell_under(const Rect& r, int cols, int rows, float mx, float my, int* cx, int* cy);

// Thumbnails of n maps of aspect w/h in a panel: the column count that makes them largest.
struct GridLayout {
  int cols = 1, rows = 1;
  float cell_w = 0, cell_h = 0;  // the image part of each cell
};
GridLayout thumbnail_grid(int n, float aspect, float avail_w, float avail_h, float gap, float label_h);

// The compare view's split: fraction 0..1 of the width showing the input, clamped.
float split_x(const Rect& r, float fraction);
float split_fraction_from_mouse(const Rect& r, float mx);

}  // namespace convscope
