#include "app/cli/animation_scene.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <set>

#include "engine/border.h"

namespace convscope {
namespace {

constexpr Rgba kInk{40, 40, 40, 255};
constexpr Rgba kMuted{110, 110, 110, 255};
constexpr Rgba kPadFill{246, 246, 246, 255};
constexpr Rgba kPadStroke{150, 150, 150, 255};
constexpr Rgba kPadText{165, 165, 165, 255};
constexpr Rgba kZeroFill{255, 246, 214, 255};
constexpr Rgba kZeroStroke{196, 160, 40, 255};
constexpr Rgba kZeroText{180, 145, 40, 255};
constexpr Rgba kEmptyStroke{190, 190, 190, 255};
constexpr Rgba kCurrent{214, 84, 0, 255};      // the window and the cell being computed
constexpr Rgba kHighlight{200, 20, 110, 255};  // hover / pinned highlights
constexpr Rgba kWhite{255, 255, 255, 255};

struct Palette {
  Rgba lo, hi, stroke;
};
constexpr Palette kBlue{{232, 241, 250, 255}, {62, 122, 190, 255}, {52, 92, 140, 255}};
constexpr Palette kGreen{{233, 245, 228, 255}, {82, 158, 62, 255}, {46, 110, 40, 255}};

Rgba lerp(Rgba a, Rgba b, float t) {
  auto m = [t](uint8_t x, uint8_t y) { return static_cast<uint8_t>(std::lround(x + (y - x) * t)); };
  return {m(a.r, b.r), m(a.g, b.g), m(a.b, b.b), 255};
}

Rgba with_alpha(Rgba c, uint8_t a) { return {c.r, c.g, c.b, a}; }

Rgba hsv(float h, float s, float v) {
  const float c = v * s, hp = std::fmod(h, 1.0f) * 6.0f, x = c * (1 - std::fabs(std::fmod(hp, 2.0f) - 1));
  float r = 0, g = 0, b = 0;
  if (hp < 1) r = c, g = x;
  else if (hp < 2) r = x, g = c;
  else if (hp < 3) g = c, b = x;
  else if (hp < 4) g = x, b = c;
  else if (hp < 5) r = x, b = c;
  else r = c, b = x;
  const float m = v - c;
  auto q = [m](float t) { return static_cast<uint8_t>(std::lround((t + m) * 255)); };
  return {q(r), q(g), q(b), 255};
}

struct Builder {
  Scene& s;
  const MeasureText& measure;
  void rect(float x0, float y0, float x1, float y1, Rgba fill, Rgba stroke, float w = 1, bool dashed = false) {
    SceneItem it;
    it.kind = ItemKind::Rect;
    it.x0 = x0, it.y0 = y0, it.x1 = x1, it.y1 = y1;
    it.fill = fill, it.stroke = stroke, it.width = w, it.dashed = dashed;
    s.items.push_back(std::move(it));
  }
  void line(float x0, float y0, float x1, float y1, Rgba c, float w = 1, bool dashed = false) {
    SceneItem it;
    it.kind = ItemKind::Line;
    it.x0 = x0, it.y0 = y0, it.x1 = x1, it.y1 = y1;
    it.stroke = c, it.width = w, it.dashed = dashed;
    s.items.push_back(std::move(it));
  }
  void text(float x, float y, const std::string& t, float size, Rgba c, Align a = Align::Left) {
    if (t.empty()) return;
    SceneItem it;
    it.kind = ItemKind::Text;
    it.x0 = x, it.y0 = y, it.text = t, it.size = size, it.stroke = c, it.align = a;
    s.items.push_back(std::move(it));
  }
  // Greedy word wrap.
  std::vector<std::string> wrap(const std::string& t, float size, float width) const {
    std::vector<std::string> lines;
    std::string cur;
    size_t i = 0;
    while (i < t.size()) {
      size_t j = t.find(' ', i);
      if (j == std::string::npos) j = t.size();
      const std::string word = t.substr(i, j - i);
      const std::string cand = cur.empty() ? word : cur + " " + word;
      if (!cur.empty() && measure(cand, size) > width) {
        lines.push_back(cur);
        cur = word;
      } else {
        cur = cand;
      }
      i = j + 1;
    }
    if (!cur.empty() || lines.empty()) lines.push_back(cur);
    return lines;
  }
};

std::string coords(int64_t y, int64_t x) { return std::to_string(y) + "," + std::to_string(x); }

std::string axis_pad_text(const AxisPlan& a) {
  if (a.pad_before == a.pad_after) return std::to_string(a.pad_before);
  return std::to_string(a.pad_before) + " before, " + std::to_string(a.pad_after) + " after";
}

}  // namespace

bool GridGeom::hit(float px, float py, int64_t* gy, int64_t* gx) const {
  if (!valid || cell <= 0) return false;
  const float fx = (px - x0) / cell, fy = (py - y0) / cell;
  if (fx < 0 || fy < 0 || fx >= static_cast<float>(cols) || fy >= static_cast<float>(rows)) return false;
  *gx = first_x + static_cast<int64_t>(fx);
  *gy = first_y + static_cast<int64_t>(fy);
  return true;
}

std::string format_value(double v) {
  if (std::isnan(v)) return "";
  char buf[32];
  if (std::fabs(v - std::round(v)) < 1e-9 && std::fabs(v) < 1e6) {
    std::snprintf(buf, sizeof buf, "%lld", static_cast<long long>(std::llround(v)));
  } else {
    std::snprintf(buf, sizeof buf, "%.3g", v);
  }
  return buf;
}

Rgba tap_colour(int ky, int kx, int kh, int kw) {
  const int i = ky * kw + kx, n = std::max(1, kh * kw);
  // Hues spread around the wheel, neighbours far apart; saturation alternates for more contrast.
  const float h = std::fmod(static_cast<float>(i) * 0.61803398875f, 1.0f);
  (void)n;
  return hsv(h, (i % 2) ? 0.55f : 0.75f, (i % 3 == 1) ? 0.80f : 0.92f);
}

std::string describe_layer(const StepModel& m) {
  const ConvPlan& p = m.plan();
  const Layer& l = m.layer();
  std::string s = p.transpose ? "Conv2DTranspose " : "Conv2D ";
  s += std::to_string(p.y.kernel) + "x" + std::to_string(p.x.kernel);
  auto pair = [](int a, int b) { return a == b ? std::to_string(a) : std::to_string(a) + "x" + std::to_string(b); };
  if (p.y.stride > 1 || p.x.stride > 1) s += ", stride " + pair(p.y.stride, p.x.stride);
  if (p.y.dilation > 1 || p.x.dilation > 1) s += ", dilation " + pair(p.y.dilation, p.x.dilation);
  s += std::string(", padding ") + to_string(l.padding.kind);
  if (p.transpose && l.padding.kind == PaddingKind::Explicit) {
    const Padding& q = l.padding;
    const bool same4 = q.top == q.bottom && q.top == q.left && q.top == q.right;
    s += " (" + (same4 ? std::to_string(q.top)
                       : std::to_string(q.top) + "," + std::to_string(q.bottom) + "," + std::to_string(q.left) + "," +
                             std::to_string(q.right)) + ")";
  } else if (l.padding.kind != PaddingKind::Valid) {
    const std::string py = axis_pad_text(p.y), px = axis_pad_text(p.x);
    s += std::string(p.transpose ? " (crops " : " (") + (py == px ? py : py + " / " + px) + ")";
  }
  if (p.transpose && (l.output_padding_h >= 0 || l.output_padding_w >= 0))
    s += ", output_padding " + pair(std::max(0, l.output_padding_h), std::max(0, l.output_padding_w));
  if (p.groups > 1) s += ", groups " + std::to_string(p.groups);
  if (!p.transpose && l.border != BorderMode::Zero) s += std::string(", border ") + to_string(l.border);
  s += ": input " + std::to_string(p.in_h) + "x" + std::to_string(p.in_w);
  if (p.in_c > 1) s += "x" + std::to_string(p.in_c);
  s += " -> output " + std::to_string(p.out_h) + "x" + std::to_string(p.out_w);
  if (p.out_c > 1) s += "x" + std::to_string(p.out_c);
  return s;
}

Scene build_scene(const StepModel& m, const SceneOptions& o, const MeasureText& measure) {
  Scene scene;
  Builder b{scene, measure};
  const ConvPlan& p = m.plan();
  const Layer& layer = m.layer();
  const bool scatter = m.scatter();
  const StepModel::Frame f = m.frame(o.tap_step);
  const float M = 16, cs = o.cell, fs = o.font;
  const float value_size = std::min(fs, cs * 0.42f), weight_size = std::max(8.0f, std::min(fs * 0.72f, cs * 0.3f));
  const Palette in_pal = o.swap_colours ? kGreen : kBlue, out_pal = o.swap_colours ? kBlue : kGreen;
  const int KH = p.y.kernel, KW = p.x.kernel;
  const int64_t taps = m.taps_per_unit();
  const int64_t last_unit = std::min(f.unit, m.unit_count() - 1);

  // The unit being worked on and its channels.
  PositionStep pos;
  ScatterStep sc;
  int64_t ci = 0, co = 0;
  if (scatter) {
    sc = m.scatter_step(last_unit);
    ci = sc.ci;
    co = sc.stamps.empty() ? 0 : sc.stamps[static_cast<size_t>(std::min<int64_t>(f.tap, taps - 1))].co;
  } else {
    pos = m.position(f.unit);
    co = pos.co;
    ci = pos.taps[static_cast<size_t>(std::min<int64_t>(f.tap, taps - 1))].ci;
  }
  const int64_t done = f.final_step ? taps : std::min<int64_t>(f.tap + 1, taps);  // taps of the unit done

  // ---- Geometry ----
  GridGeom& gin = scene.input;
  GridGeom& gout = scene.output;
  GridGeom& gk = scene.kernel;
  gin.valid = gout.valid = gk.valid = true;
  gin.cell = gout.cell = gk.cell = cs;
  if (scatter) {
    gin.first_y = gin.first_x = 0;
    gin.rows = p.in_h;
    gin.cols = p.in_w;
    gout.first_y = m.full_first_y();
    gout.first_x = m.full_first_x();
    gout.rows = m.full_h();
    gout.cols = m.full_w();
  } else {
    gin.first_y = m.slide_y().first;
    gin.first_x = m.slide_x().first;
    gin.rows = m.slide_y().count;
    gin.cols = m.slide_x().count;
    gout.rows = p.out_h;
    gout.cols = p.out_w;
  }
  gk.rows = KH;
  gk.cols = KW;
  const float gap = std::max(56.0f, cs * 1.4f);
  const float in_w = static_cast<float>(gin.cols) * cs, out_w = static_cast<float>(gout.cols) * cs;
  const float k_w = static_cast<float>(KW) * cs;
  // Labels: a short name above each grid and, below it, a small note.
  std::string in_label = "input " + std::to_string(p.in_h) + "x" + std::to_string(p.in_w), in_note;
  if (p.in_c > 1) in_label += ", channel " + std::to_string(ci);
  if (!scatter && p.transpose) in_note = "zeros inserted, then padded";
  else if (!scatter && (gin.rows != p.in_h || gin.cols != p.in_w)) in_note = "with padding";
  std::string out_label = "output " + std::to_string(p.out_h) + "x" + std::to_string(p.out_w), out_note;
  if (p.out_c > 1) out_label += ", channel " + std::to_string(co);
  if (scatter) out_note = "dashed cells: cropped";
  const std::string kernel_label = "kernel";
  const std::string kernel_note = !scatter && p.transpose ? "flipped 180 deg" : "";
  const float note = fs * 0.8f;
  auto col_w = [&](float grid, const std::string& label, const std::string& sub) {
    return std::max({grid, measure(label, fs), sub.empty() ? 0.0f : measure(sub, note)});
  };
  const float band = fs * 1.3f;  // room for the stride arrows above and left of the input grid
  const float in_x = M + band;
  const float out_x = in_x + col_w(in_w, in_label, in_note) + gap;
  const float k_x = out_x + col_w(out_w, out_label, out_note) + gap * 0.7f;
  const float grids_w = k_x + col_w(k_w, kernel_label, kernel_note) + M;
  scene.width = std::max({grids_w, 520.0f, o.max_width});
  const float text_w = scene.width - 2 * M;

  // ---- Title and caption ----
  float y = M;
  for (const std::string& line : b.wrap(o.title.empty() ? describe_layer(m) : o.title, fs * 1.1f, text_w)) {
    b.text(M, y, line, fs * 1.1f, kInk);
    y += fs * 1.45f;
  }
  y += fs * 0.15f;
  if (!o.caption.empty()) {
    for (const std::string& line : b.wrap(o.caption, fs * 0.95f, text_w)) {
      b.text(M, y, line, fs * 0.95f, kMuted);
      y += fs * 1.3f;
    }
  }
  y += fs * 0.5f;

  // ---- Grid labels ----
  const float label_y = y;
  const bool any_note = !in_note.empty() || !out_note.empty() || !kernel_note.empty();
  y += fs * 1.3f + (any_note ? note * 1.25f : 0.0f) + band;
  gin.x0 = in_x;
  gin.y0 = y;
  gout.x0 = out_x;
  gout.y0 = y;
  gk.x0 = k_x;
  gk.y0 = y;
  b.text(in_x, label_y, in_label, fs, in_pal.stroke);
  b.text(out_x, label_y, out_label, fs, out_pal.stroke);
  b.text(k_x, label_y, kernel_label, fs, kInk);
  b.text(in_x, label_y + fs * 1.25f, in_note, note, kMuted);
  b.text(out_x, label_y + fs * 1.25f, out_note, note, kMuted);
  b.text(k_x, label_y + fs * 1.25f, kernel_note, note, kMuted);

  // Arrow from input to output.
  {
    const float ay = y + std::min(static_cast<float>(gin.rows), static_cast<float>(gout.rows)) * cs * 0.5f;
    const float ax0 = in_x + in_w + 10, ax1 = out_x - 10;
    b.line(ax0, ay, ax1, ay, kMuted, 2);
    b.line(ax1 - 8, ay - 6, ax1, ay, kMuted, 2);
    b.line(ax1 - 8, ay + 6, ax1, ay, kMuted, 2);
  }

  // Value ranges for shading.
  float in_lo = 0, in_hi = 0, out_lo = 0, out_hi = 0;
  {
    bool first = true;
    for (int64_t iy = 0; iy < p.in_h; ++iy)
      for (int64_t ix = 0; ix < p.in_w; ++ix) {
        const float v = m.input_value(iy, ix, ci);
        in_lo = first ? v : std::min(in_lo, v);
        in_hi = first ? v : std::max(in_hi, v);
        first = false;
      }
    first = true;
    for (int64_t i = co; i < static_cast<int64_t>(m.result().size()); i += p.out_c) {
      const float v = m.result()[static_cast<size_t>(i)];
      out_lo = first ? v : std::min(out_lo, v);
      out_hi = first ? v : std::max(out_hi, v);
      first = false;
    }
  }
  // Shading by value, kept light enough that the kernel's colours and the numbers stay readable.
  auto shade = [](const Palette& pal, float v, float lo, float hi, Rgba* text) {
    const float t = hi > lo ? std::clamp((v - lo) / (hi - lo), 0.0f, 1.0f) * 0.5f : 0.2f;
    *text = t > 0.55f ? kWhite : kInk;
    return lerp(pal.lo, pal.hi, t);
  };
  auto cell_text = [&](float x, float yy, const std::string& t, Rgba c, float size) {
    if (!o.show_values || t.empty() || measure(t, size) > cs - 4) return;
    b.text(x + cs * 0.5f, yy + (cs - size) * 0.5f - 1, t, size, c, Align::Center);
  };
  // A value in a cell: fewer digits, then a smaller size, until it fits; nothing when it never does.
  auto cell_value = [&](float x, float yy, double v, Rgba c, float size) {
    if (!o.show_values || std::isnan(v)) return;
    const std::string full = format_value(v);
    char buf[32];
    std::vector<std::string> tries = {full};
    for (int digits : {2, 1}) {
      std::snprintf(buf, sizeof buf, "%.*g", digits, v);
      tries.push_back(buf);
    }
    for (float sz : {size, size * 0.8f, std::max(8.0f, size * 0.65f)})
      for (const std::string& t : tries)
        if (measure(t, sz) <= cs - 4) {
          b.text(x + cs * 0.5f, yy + (cs - sz) * 0.5f - 1, t, sz, c, Align::Center);
          return;
        }
  };

  // ---- Highlight sets (hover / pin) ----
  std::set<Cell> hl_in, hl_out;
  if (o.hover_output) {
    hl_out.insert(o.output_cell);
    if (scatter) {
      for (const Cell& c : receptive_field(p, o.output_cell.y, o.output_cell.x)) hl_in.insert(c);
    } else if (o.output_cell.y >= 0 && o.output_cell.y < p.out_h && o.output_cell.x >= 0 && o.output_cell.x < p.out_w) {
      for (const Tap& t : m.position(m.unit_of_output(o.output_cell.y, o.output_cell.x, co)).taps) hl_in.insert({t.gy, t.gx});
    }
  }
  if (o.hover_input) {
    const Cell c = o.input_cell;
    hl_in.insert(c);
    const CellKind kind = scatter ? CellKind::Input : m.grid_kind(c.y, c.x);
    if (scatter) {
      for (const Cell& oc : outputs_fed_by(p, layer.border, c.y, c.x)) hl_out.insert(oc);
    } else if (kind == CellKind::Input && !p.transpose) {
      for (const Cell& oc : outputs_fed_by(p, layer.border, c.y, c.x)) hl_out.insert(oc);
      // The padding cells that copy this pixel (reflect, wrap, ...) read it too.
      for (int64_t gy = gin.first_y; gy < gin.first_y + gin.rows; ++gy)
        for (int64_t gx = gin.first_x; gx < gin.first_x + gin.cols; ++gx)
          if (border_source(gy, p.in_h, layer.border) == c.y && border_source(gx, p.in_w, layer.border) == c.x)
            hl_in.insert({gy, gx});
    } else if (kind == CellKind::Input) {
      for (const Cell& oc : outputs_fed_by(p, layer.border, c.y / m.slide_y().insert, c.x / m.slide_x().insert)) hl_out.insert(oc);
    } else {  // a padding or inserted-zero cell: the windows that cover it
      for (int64_t oy = 0; oy < p.out_h; ++oy)
        for (int64_t ox = 0; ox < p.out_w; ++ox)
          for (const Tap& t : m.position(m.unit_of_output(oy, ox, co)).taps)
            if (t.gy == c.y && t.gx == c.x) hl_out.insert({oy, ox});
    }
  }
  if (o.hover_tap) {
    if (scatter || !p.transpose) {
      for (const Cell& c : inputs_touched_by_tap(p, o.tap_ky, o.tap_kx)) hl_in.insert(c);
    } else {
      for (int64_t u = 0; u < m.unit_count(); ++u)
        for (const Tap& t : m.position(u).taps)
          if (t.ky == o.tap_ky && t.kx == o.tap_kx) hl_in.insert({t.gy, t.gx});
    }
  }

  // ---- Input grid ----
  for (int64_t r = 0; r < gin.rows; ++r)
    for (int64_t c = 0; c < gin.cols; ++c) {
      const int64_t gy = gin.first_y + r, gx = gin.first_x + c;
      const float x0 = gin.left(gx), y0 = gin.top(gy);
      CellKind kind = CellKind::Input;
      const float v = scatter ? m.input_value(gy, gx, ci) : m.grid_value(gy, gx, ci, &kind);
      if (kind == CellKind::Input) {
        Rgba tc;
        const Rgba fill = shade(in_pal, v, in_lo, in_hi, &tc);
        b.rect(x0, y0, x0 + cs, y0 + cs, fill, in_pal.stroke, 1);
        cell_value(x0, y0, v, tc, value_size);
      } else if (kind == CellKind::Padding) {
        b.rect(x0 + 1, y0 + 1, x0 + cs - 1, y0 + cs - 1, kPadFill, kPadStroke, 1, true);
        cell_value(x0, y0, v, kPadText, value_size);
      } else {
        b.rect(x0 + 1, y0 + 1, x0 + cs - 1, y0 + cs - 1, kZeroFill, kZeroStroke, 1, true);
        cell_text(x0, y0, "0", kZeroText, value_size);
      }
    }

  // ---- Kernel footprint (sliding) or the input value being stamped (scatter) ----
  auto window_box = [&](const std::vector<std::pair<int64_t, int64_t>>& cells, const GridGeom& g, Rgba c, float w, bool dashed) {
    if (cells.empty()) return;
    int64_t y0 = cells[0].first, y1 = y0, x0 = cells[0].second, x1 = x0;
    for (auto& pr : cells) {
      y0 = std::min(y0, pr.first), y1 = std::max(y1, pr.first);
      x0 = std::min(x0, pr.second), x1 = std::max(x1, pr.second);
    }
    b.rect(g.left(x0) - 2, g.top(y0) - 2, g.left(x1) + cs + 2, g.top(y1) + cs + 2, Rgba{0, 0, 0, 0}, c, w, dashed);
  };
  auto tap_cell = [&](const GridGeom& g, int64_t gy, int64_t gx, int ky, int kx, float weight, bool current, bool pending) {
    const float x0 = g.left(gx), y0 = g.top(gy);
    const Rgba tc = o.tap_colours ? tap_colour(ky, kx, KH, KW) : Rgba{60, 60, 60, 255};
    b.rect(x0 + 2, y0 + 2, x0 + cs - 2, y0 + cs - 2, with_alpha(tc, pending ? 45 : 110), with_alpha(tc, 255),
           current ? 3.0f : 2.0f, pending);
    if (current) b.rect(x0, y0, x0 + cs, y0 + cs, Rgba{0, 0, 0, 0}, kInk, 3);
    if (o.show_values && cs >= 30) {
      const std::string wt = format_value(weight);
      if (measure(wt, weight_size) < cs * 0.6f)
        b.text(x0 + cs - 3, y0 + cs - weight_size - 2, wt, weight_size, pending ? kMuted : kInk, Align::Right);
    }
  };
  const bool closing = !f.final_step && f.tap >= taps;
  if (!scatter) {
    // Where the window was one position earlier: the stride's jump, dashed.
    if (f.unit > 0) {
      const PositionStep prev = m.position(f.unit - 1);
      if (prev.oy != pos.oy || prev.ox != pos.ox) {
        std::vector<std::pair<int64_t, int64_t>> cells;
        for (const Tap& t : prev.taps) cells.push_back({t.gy, t.gx});
        window_box(cells, gin, kMuted, 1.5f, true);
        // The jump between the two windows (the stride), drawn in the margins above and left of the grid.
        const float ax0 = gin.left(prev.taps[0].gx), ax1 = gin.left(pos.taps[0].gx);
        const float ay0 = gin.top(prev.taps[0].gy), ay1 = gin.top(pos.taps[0].gy);
        if (prev.oy == pos.oy) {
          const float ly = gin.y0 - 7;
          b.line(ax0, ly, ax1, ly, kCurrent, 2);
          b.line(ax1 - 6, ly - 4, ax1, ly, kCurrent, 2);
          b.line(ax1 - 6, ly + 4, ax1, ly, kCurrent, 2);
          b.text((ax0 + ax1) * 0.5f, ly - fs * 0.8f - 4, "stride " + std::to_string(m.slide_x().stride), fs * 0.8f,
                 kCurrent, Align::Center);
        } else {
          const float lx = gin.x0 - 7;
          b.line(lx, ay0, lx, ay1, kCurrent, 2);
          b.line(lx - 4, ay1 - 6, lx, ay1, kCurrent, 2);
          b.line(lx + 4, ay1 - 6, lx, ay1, kCurrent, 2);
          b.text(lx - 3, (ay0 + ay1) * 0.5f - fs * 0.4f, std::to_string(m.slide_y().stride), fs * 0.8f, kCurrent, Align::Right);
        }
      }
    }
    std::vector<std::pair<int64_t, int64_t>> cells;
    for (int64_t i = 0; i < taps; ++i) {
      const Tap& t = pos.taps[static_cast<size_t>(i)];
      cells.push_back({t.gy, t.gx});
      if (t.ci != ci) continue;
      tap_cell(gin, t.gy, t.gx, t.ky, t.kx, t.weight, !closing && i == f.tap, i >= done);
    }
    window_box(cells, gin, kCurrent, 2.5f, false);
  } else if (!f.final_step) {
    const float x0 = gin.left(sc.ix), y0 = gin.top(sc.iy);
    b.rect(x0 + 1, y0 + 1, x0 + cs - 1, y0 + cs - 1, Rgba{0, 0, 0, 0}, kCurrent, 3.5f);
  }

  // ---- Output grid ----
  const int64_t full_first_y = scene.output.first_y, full_first_x = scene.output.first_x;
  for (int64_t r = 0; r < gout.rows; ++r)
    for (int64_t c = 0; c < gout.cols; ++c) {
      const int64_t oy = gout.first_y + r, ox = gout.first_x + c;
      const float x0 = gout.left(ox), y0 = gout.top(oy);
      const bool inside = oy >= 0 && oy < p.out_h && ox >= 0 && ox < p.out_w;
      float v = NAN;
      if (inside) v = f.output[static_cast<size_t>((oy * p.out_w + ox) * p.out_c + co)];
      if (scatter && !f.final_step) {
        const size_t cell = static_cast<size_t>(((oy - full_first_y) * m.full_w() + (ox - full_first_x)) * p.out_c + co);
        const bool touched = f.touched[cell] != 0;
        if (inside) {
          Rgba tc = kInk;
          const Rgba fill = touched ? shade(out_pal, static_cast<float>(f.acc[cell]), out_lo, out_hi, &tc) : kWhite;
          b.rect(x0, y0, x0 + cs, y0 + cs, fill, touched ? out_pal.stroke : kEmptyStroke, 1);
          if (touched) cell_value(x0, y0, f.acc[cell], tc, value_size);
        } else {
          b.rect(x0 + 1, y0 + 1, x0 + cs - 1, y0 + cs - 1, touched ? Rgba{236, 236, 236, 255} : kPadFill, kPadStroke, 1, true);
          if (touched) cell_value(x0, y0, f.acc[cell], kPadText, value_size);
        }
        continue;
      }
      if (!inside) {  // scatter final step: what the crop threw away
        b.rect(x0 + 1, y0 + 1, x0 + cs - 1, y0 + cs - 1, kPadFill, kPadStroke, 1, true);
        b.line(x0 + 6, y0 + 6, x0 + cs - 6, y0 + cs - 6, kPadStroke, 1);
        b.line(x0 + cs - 6, y0 + 6, x0 + 6, y0 + cs - 6, kPadStroke, 1);
        continue;
      }
      if (std::isnan(v)) {
        b.rect(x0, y0, x0 + cs, y0 + cs, kWhite, kEmptyStroke, 1);
      } else {
        Rgba tc;
        const Rgba fill = shade(out_pal, v, out_lo, out_hi, &tc);
        b.rect(x0, y0, x0 + cs, y0 + cs, fill, out_pal.stroke, 1);
        cell_value(x0, y0, v, tc, value_size);
      }
    }
  if (scatter) {  // the part of the full result that is kept
    b.rect(gout.left(0) - 1, gout.top(0) - 1, gout.left(p.out_w) + 1, gout.top(p.out_h) + 1, Rgba{0, 0, 0, 0},
           out_pal.stroke, 2.5f);
    if (!f.final_step) {
      std::vector<std::pair<int64_t, int64_t>> cells;
      for (int64_t i = 0; i < taps; ++i) {
        const Stamp& st = sc.stamps[static_cast<size_t>(i)];
        cells.push_back({st.oy, st.ox});
        if (st.co != co) continue;
        tap_cell(gout, st.oy, st.ox, st.ky, st.kx, st.weight, !closing && i == f.tap, i >= done);
      }
      window_box(cells, gout, kCurrent, 2.5f, false);
    }
  } else {
    // The cell being computed, with its running sum until it is done.
    const float x0 = gout.left(pos.ox), y0 = gout.top(pos.oy);
    if (!closing) {
      b.rect(x0, y0, x0 + cs, y0 + cs, Rgba{255, 236, 220, 255}, kEmptyStroke, 1);
      cell_value(x0, y0, pos.taps[static_cast<size_t>(done - 1)].sum, kMuted, value_size);
    }
    b.rect(x0 + 1, y0 + 1, x0 + cs - 1, y0 + cs - 1, Rgba{0, 0, 0, 0}, kCurrent, 3.5f);
  }

  // ---- Kernel ----
  for (int wy = 0; wy < KH; ++wy)
    for (int wx = 0; wx < KW; ++wx) {
      // Drawn as the window uses it: flipped in the direct view of a transposed layer.
      const bool flip = !scatter && p.transpose;
      const int ky = flip ? KH - 1 - wy : wy, kx = flip ? KW - 1 - wx : wx;
      float weight = 0;
      bool current = false;
      if (scatter) {
        for (int64_t i = 0; i < taps; ++i) {
          const Stamp& st = sc.stamps[static_cast<size_t>(i)];
          if (st.ky == ky && st.kx == kx && st.co == co) {
            weight = st.weight;
            current = !f.final_step && !closing && i == f.tap;
          }
        }
      } else {
        for (int64_t i = 0; i < taps; ++i) {
          const Tap& t = pos.taps[static_cast<size_t>(i)];
          if (t.ky == ky && t.kx == kx && t.ci == ci) {
            weight = t.weight;
            current = !closing && i == f.tap;
          }
        }
      }
      const float x0 = gk.x0 + static_cast<float>(wx) * cs, y0 = gk.y0 + static_cast<float>(wy) * cs;
      const Rgba tc = o.tap_colours ? tap_colour(ky, kx, KH, KW) : Rgba{200, 208, 220, 255};
      const bool lit = o.hover_tap && o.tap_ky == ky && o.tap_kx == kx;
      b.rect(x0, y0, x0 + cs, y0 + cs, with_alpha(tc, 150), lit ? kHighlight : kInk, lit ? 3.0f : 1.0f);
      if (current) b.rect(x0 - 1, y0 - 1, x0 + cs + 1, y0 + cs + 1, Rgba{0, 0, 0, 0}, kInk, 3);
      cell_value(x0, y0, weight, kInk, value_size);
    }
  {
    float ky0 = gk.y0 + static_cast<float>(KH) * cs + 6;
    std::vector<std::string> notes;
    if (!scatter && p.transpose) notes = {"(the layer's kernel", "rotated by 180 deg)"};
    if (p.in_c > 1 || p.out_c > 1) notes.push_back("in ch " + std::to_string(ci) + " -> out ch " + std::to_string(co));
    for (const std::string& n : notes) {
      b.text(gk.x0, ky0, n, fs * 0.8f, kMuted);
      ky0 += fs * 1.1f;
    }
  }

  // ---- Highlights ----
  for (const Cell& c : hl_in)
    if (c.y >= gin.first_y && c.y < gin.first_y + gin.rows && c.x >= gin.first_x && c.x < gin.first_x + gin.cols)
      b.rect(gin.left(c.x) + 3, gin.top(c.y) + 3, gin.left(c.x) + cs - 3, gin.top(c.y) + cs - 3, with_alpha(kHighlight, 50),
             kHighlight, 2.5f);
  for (const Cell& c : hl_out)
    if (c.y >= gout.first_y && c.y < gout.first_y + gout.rows && c.x >= gout.first_x && c.x < gout.first_x + gout.cols)
      b.rect(gout.left(c.x) + 3, gout.top(c.y) + 3, gout.left(c.x) + cs - 3, gout.top(c.y) + cs - 3,
             with_alpha(kHighlight, 50), kHighlight, 2.5f);

  float grid_bottom = y + static_cast<float>(std::max({gin.rows, gout.rows, int64_t{KH} + 2})) * cs;
  y = grid_bottom + fs * 0.8f;

  // ---- Legend ----
  {
    float lx = M;
    auto swatch = [&](Rgba fill, Rgba stroke, bool dashed, const std::string& label) {
      const float sz = fs;
      b.rect(lx, y, lx + sz, y + sz, fill, stroke, 1, dashed);
      b.text(lx + sz + 5, y, label, fs * 0.85f, kMuted);
      lx += sz + 5 + measure(label, fs * 0.85f) + 16;
    };
    swatch(in_pal.lo, in_pal.stroke, false, "input value");
    if (!scatter) {
      const bool any_pad = gin.rows != m.slide_y().in || gin.cols != m.slide_x().in || gin.first_y != 0 || gin.first_x != 0;
      if (any_pad) {
        std::string pad = "padding";
        if (p.transpose || layer.border == BorderMode::Zero) pad += " (zeros)";
        else if (layer.border == BorderMode::Constant) pad += " (constant " + format_value(layer.border_value) + ")";
        else pad += std::string(" (") + to_string(layer.border) + ": copies of edge pixels)";
        swatch(kPadFill, kPadStroke, true, pad);
      }
      if (p.transpose) swatch(kZeroFill, kZeroStroke, true, "zeros inserted between inputs (stride " +
                                                                 std::to_string(p.y.stride) + ")");
    } else {
      swatch(kPadFill, kPadStroke, true, "cropped by the padding");
    }
    swatch(Rgba{0, 0, 0, 0}, kCurrent, false, scatter ? "value being stamped" : "kernel window");
    swatch(out_pal.lo, out_pal.stroke, false, "output");
    y += fs * 1.8f;
  }

  // ---- Arithmetic ----
  std::vector<std::string>& lines = scene.arithmetic;
  auto wv = [](float w, float x) {
    const std::string xs = format_value(x);
    return format_value(w) + "*" + (x < 0 ? "(" + xs + ")" : xs);
  };
  if (!scatter) {
    std::string head = "output[" + coords(pos.oy, pos.ox) + (p.out_c > 1 ? "," + std::to_string(pos.co) : "") + "] = ";
    std::string terms;
    const int64_t per_channel = int64_t{KH} * KW;
    const bool multi = taps > per_channel;
    std::vector<std::string> channel_sums;
    double channel_start = 0;
    for (int64_t i = 0; i < done; ++i) {
      const Tap& t = pos.taps[static_cast<size_t>(i)];
      if (multi && i % per_channel == 0) terms += (i ? " + " : "") + std::string("ch") + std::to_string(t.ci) + ": ";
      else if (i) terms += " + ";
      terms += wv(t.weight, t.value);
      if (multi && (i % per_channel == per_channel - 1)) {
        channel_sums.push_back(format_value(t.sum - channel_start));
        terms += " [= " + channel_sums.back() + "]";
        channel_start = t.sum;
      }
    }
    const double sum = pos.taps[static_cast<size_t>(done - 1)].sum;
    if (done < taps) {
      lines.push_back(head + terms + " + ...");
      lines.push_back("running sum after " + std::to_string(done) + " of " + std::to_string(taps) + " products: " + format_value(sum));
    } else {
      std::string tail = " = " + format_value(sum);
      if (layer.use_bias) tail += " ; + bias " + format_value(pos.bias) + " = " + format_value(pos.pre_activation);
      lines.push_back(head + terms + tail);
      if (layer.activation != Activation::Linear)
        lines.push_back(std::string(to_string(layer.activation)) + "(" + format_value(pos.pre_activation) + ") = " +
                        format_value(pos.value));
    }
  } else if (!f.final_step) {
    int64_t oy0 = sc.stamps.front().oy, oy1 = sc.stamps.back().oy, ox0 = sc.stamps.front().ox, ox1 = sc.stamps.back().ox;
    lines.push_back("input[" + coords(sc.iy, sc.ix) + "] = " + format_value(sc.value) + " is multiplied by every weight and added to output rows " +
                    std::to_string(oy0) + ".." + std::to_string(oy1) + ", columns " + std::to_string(ox0) + ".." + std::to_string(ox1) +
                    " (the window moves " + std::to_string(p.y.stride) + " cells per input cell: the stride)");
    if (!closing) {
      const Stamp& st = sc.stamps[static_cast<size_t>(f.tap)];
      lines.push_back("output[" + coords(st.oy, st.ox) + "] += " + wv(st.weight, sc.value) + " = " + format_value(st.product) +
                      "  -> now " + format_value(st.acc) + (st.cropped ? "  (outside the kept output: cropped later)" : ""));
    } else {
      lines.push_back("overlapping windows add up: cells reached by several input values hold their sum");
    }
  } else {
    lines.push_back("crop: keep output rows 0.." + std::to_string(p.out_h - 1) + " and columns 0.." + std::to_string(p.out_w - 1) +
                    " of the full " + std::to_string(m.full_h()) + "x" + std::to_string(m.full_w()) + " result" +
                    (layer.use_bias ? ", add the bias" : "") +
                    (layer.activation != Activation::Linear ? std::string(", apply ") + to_string(layer.activation) : std::string()));
  }
  if (o.show_arithmetic) {
    for (const std::string& l : lines)
      for (const std::string& w : b.wrap(l, fs, text_w)) {
        b.text(M, y, w, fs, kInk);
        y += fs * 1.4f;
      }
  }
  {
    std::string counter;
    if (f.final_step) counter = "last step: the crop";
    else counter = std::string(scatter ? "input value " : "output position ") + std::to_string(last_unit + 1) + " of " +
                   std::to_string(m.unit_count());
    counter += "   (step " + std::to_string(f.tap_step + 1) + " of " + std::to_string(m.tap_step_count()) + ")";
    b.text(M, y, counter, fs * 0.85f, kMuted);
    y += fs * 1.3f;
  }
  scene.height = y + M;
  // Background first.
  SceneItem bg;
  bg.kind = ItemKind::Rect;
  bg.x1 = scene.width;
  bg.y1 = scene.height;
  bg.fill = kWhite;
  scene.items.insert(scene.items.begin(), bg);
  return scene;
}

}  // namespace convscope
