#include "app/gui/view_math.h"

#include <algorithm>
#include <cmath>

namespace convscope {

Rect fit_rect(float iw, float ih, const Rect& area) {
  if (iw <= 0 || ih <= 0 || area.w <= 0 || area.h <= 0) return {area.x, area.y, 0, 0};
  const float s = std::min(area.w / iw, area.h / ih);
  const float w = iw * s, h = ih * s;
  return {area.x + (area.w - w) * 0.5f, area.y + (area.h - h) * 0.5f, w, h};
}

Rect view_rect(const ImageView& v, float iw, float ih, const Rect& area) {
  const Rect f = fit_rect(iw, ih, area);
  const float w = f.w * v.zoom, h = f.h * v.zoom;
  const float cx = area.x + area.w * 0.5f + v.pan_x, cy = area.y + area.h * 0.5f + v.pan_y;
  return {cx - w * 0.5f, cy - h * 0.5f, w, h};
}

void zoom_at(ImageView& v, float factor, float mx, float my, float iw, float ih, const Rect& area) {
  const Rect before = view_rect(v, iw, ih, area);
  if (before.w <= 0 || before.h <= 0) return;
  const float u = (mx - before.x) / before.w, t = (my - before.y) / before.h;  // image fraction under mouse
  v.zoom = std::clamp(v.zoom * factor, kMinZoom, kMaxZoom);
  const Rect f = fit_rect(iw, ih, area);
  const float w = f.w * v.zoom, h = f.h * v.zoom;
  // Solve for the pan that puts image fraction (u, t) back under the mouse.
  v.pan_x = mx - u * w + w * 0.5f - (area.x + area.w * 0.5f);
  v.pan_y = my - t * h + h * 0.5f - (area.y + area.h * 0.5f);
}

bool cell_under(const Rect& r, int cols, int rows, float mx, float my, int* cx, int* cy) {
  if (cols <= 0 || rows <= 0 || !r.contains(mx, my)) return false;
  *cx = std::clamp(int(std::floor((mx - r.x) / r.w * float(cols))), 0, cols - 1);
  *cy = std::clamp(int(std::floor((my - r.y) / r.h * float(rows))), 0, rows - 1);
  return true;
}

GridLayout thumbnail_grid(int n, float aspect, float avail_w, float avail_h, float gap, float label_h) {
  GridLayout best;
  if (n <= 0 || aspect <= 0) return best;
  float best_area = -1;
  for (int cols = 1; cols <= n; ++cols) {
    const int rows = (n + cols - 1) / cols;
    const float cw = (avail_w - gap * float(cols - 1)) / float(cols);
    const float ch = (avail_h - gap * float(rows - 1)) / float(rows) - label_h;
    if (cw <= 0 || ch <= 0) continue;
    float w = cw, h = cw / aspect;
    if (h > ch) {
      h = ch;
      w = ch * aspect;
    }
    if (w * h > best_area + 1e-3f) {
      best_area = w * h;
      best = {cols, rows, w, h};
    }
  }
  if (best_area < 0) {  // nothing fits: one column of tiny cells, the caller scrolls
    best.cols = std::max(1, int(avail_w / 64.0f));
    best.rows = (n + best.cols - 1) / best.cols;
    best.cell_w = 56.0f;
    best.cell_h = 56.0f / aspect;
  }
  return best;
}

float split_x(const Rect& r, float fraction) { return r.x + r.w * std::clamp(fraction, 0.0f, 1.0f); }

float split_fraction_from_mouse(const Rect& r, float mx) {
  return r.w > 0 ? std::clamp((mx - r.x) / r.w, 0.0f, 1.0f) : 0.5f;
}

}  // namespace convscope
