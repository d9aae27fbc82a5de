// The Compare panel (issue 5, in the app): input and filtered output side by side or with a
// draggable split, zoom and pan locked together, values under the cursor in both, the
// normalisation choice and a histogram of the output values before normalisation.
#include <algorithm>

#include "app/gui/ui.h"

namespace convscope {

namespace {

const char* kNormHelp =
    "How output values become pixels (images are 0..1):\n"
    "clip: clamp to 0..1\nabs: |v|, clamped (edges of both signs light up)\n"
    "minmax: stretch min..max (all channels together) to 0..1\noffset: 0.5 + v/2 (0 becomes mid-gray, -1 black, +1 white)\n"
    "auto: offset when every filter's weights sum to 0, clip otherwise.";

std::string values_at(const Tensor& t, int y, int x) {
  const int64_t C = t.dim(2);
  std::string s;
  for (int64_t c = 0; c < C && c < 4; ++c)
    s += fmt(c ? ", %.4g" : "%.4g", t.data[size_t((int64_t(y) * t.dim(1) + x) * C + c)]);
  if (C > 4) s += ", ...";
  return s;
}

}  // namespace

void draw_compare_panel(AppState& app, Ui& ui) {
  const float em = ImGui::GetFontSize();
  ViewSettings& v = app.view;
  int mode = int(v.compare);
  ImGui::RadioButton("side by side", &mode, int(CompareMode::SideBySide));
  ImGui::SameLine();
  ImGui::RadioButton("split", &mode, int(CompareMode::Split));
  item_tooltip("One picture: the input left of the divider, the output right of it. Drag the divider.");
  if (mode != int(v.compare)) app.autosave_dirty = true;
  v.compare = CompareMode(mode);
  ImGui::SameLine(0, em * 1.5f);
  ImGui::SetNextItemWidth(em * 6);
  if (ImGui::BeginCombo("normalise", to_string(v.maps.normalize))) {
    for (Normalize n : all_normalize_modes())
      if (ImGui::Selectable(to_string(n), n == v.maps.normalize)) {
        v.maps.normalize = n;
        mark_changed(app, Change::View);
      }
    ImGui::EndCombo();
  }
  item_tooltip(kNormHelp);
  if (app.result && v.maps.normalize == Normalize::Auto) {
    ImGui::SameLine();
    ImGui::TextDisabled("(%s)", to_string(app.result->normalize_used));
  }
  ImGui::SameLine(0, em * 1.5f);
  if (ImGui::Button("Save filtered...")) ui.open_prompt(PromptKind::SaveFiltered, "filtered.png");
  item_tooltip(".png: the normalised picture; .npy: the raw (H, W, C) float values.");
  if (!app.result) {
    ImGui::TextDisabled("Computing...");
    return;
  }
  const ComputeResult& r = *app.result;
  const Tensor& out = r.shown();
  const Tensor& in = *r.input;
  if (!(r.per_channel_filter && out.dim(2) == 3))
    ImGui::TextDisabled("Output: filter %lld (pick another in Feature maps). Apply a preset to \"each channel\" for a colour result.",
                        (long long)v.maps.selected);
  else
    ImGui::TextDisabled("Output: the three filtered channels as RGB.");

  const ImVec2 p0 = ImGui::GetCursorScreenPos();
  const ImVec2 avail = ImGui::GetContentRegionAvail();
  const float footer = em * 8.5f;
  const float iw = float(in.dim(1)), ih = float(in.dim(0));
  // Top-aligned: no taller than the fitted pictures, so the values and histogram sit right below.
  const float max_h = avail.y - footer - ImGui::GetTextLineHeightWithSpacing();
  const float each_w = v.compare == CompareMode::SideBySide ? (avail.x - em * 0.6f) / 2 : avail.x;
  const Rect area{p0.x, p0.y + ImGui::GetTextLineHeightWithSpacing(), avail.x, std::max(std::min(max_h, each_w * ih / iw), em * 4)};
  ImDrawList* dl = ImGui::GetWindowDrawList();
  Rect in_rect, out_rect, in_area, out_area;
  bool hovered = false;
  if (v.compare == CompareMode::SideBySide) {
    const float gap = em * 0.6f;
    in_area = {area.x, area.y, (area.w - gap) / 2, area.h};
    out_area = {area.x + in_area.w + gap, area.y, in_area.w, area.h};
    ImGui::SetCursorScreenPos(ImVec2(in_area.x, p0.y));
    ImGui::TextUnformatted("input");
    ImGui::SetCursorScreenPos(ImVec2(out_area.x, p0.y));
    ImGui::TextUnformatted("output");
    hovered |= zoom_pan_area("##in", in_area, v.zoom, iw, ih);
    hovered |= zoom_pan_area("##out", out_area, v.zoom, iw, ih);
    in_rect = view_rect(v.zoom, iw, ih, in_area);
    out_rect = view_rect(v.zoom, iw, ih, out_area);  // the output is drawn over the input's extent
    dl->PushClipRect(ImVec2(in_area.x, in_area.y), ImVec2(in_area.x + in_area.w, in_area.y + in_area.h), true);
    draw_image(ui.input_picture_tex, in_rect);
    draw_cell_values(in, 0, in_rect, in_area, nullptr);
    dl->PopClipRect();
    dl->PushClipRect(ImVec2(out_area.x, out_area.y), ImVec2(out_area.x + out_area.w, out_area.y + out_area.h), true);
    draw_image(ui.filtered_tex, out_rect);
    draw_cell_values(out, r.per_channel_filter && out.dim(2) == 3 ? 0 : v.maps.selected, out_rect, out_area, nullptr);
    dl->PopClipRect();
  } else {
    in_area = out_area = area;
    ImGui::SetCursorScreenPos(ImVec2(area.x, p0.y));
    ImGui::TextUnformatted("input  |  output   (drag the divider)");
    const Rect img = view_rect(v.zoom, iw, ih, area);
    in_rect = out_rect = img;
    const float sx = split_x(img, v.split);
    // The divider handle takes the drag before the pan area does.
    const Rect handle{sx - em * 0.5f, area.y, em, area.h};
    ImGui::SetCursorScreenPos(ImVec2(handle.x, handle.y));
    ImGui::InvisibleButton("##split", ImVec2(handle.w, std::max(handle.h, 1.0f)));
    if (ImGui::IsItemHovered() || ImGui::IsItemActive()) ImGui::SetMouseCursor(ImGuiMouseCursor_ResizeEW);
    if (ImGui::IsItemActive()) {
      v.split = split_fraction_from_mouse(img, ImGui::GetIO().MousePos.x);
      app.autosave_dirty = true;
    }
    const bool on_handle = ImGui::IsItemHovered() || ImGui::IsItemActive();
    ImGui::SetItemAllowOverlap();
    hovered |= zoom_pan_area("##both", area, v.zoom, iw, ih) || on_handle;
    const float sx2 = split_x(img, v.split);
    dl->PushClipRect(ImVec2(area.x, area.y), ImVec2(std::min(sx2, area.x + area.w), area.y + area.h), true);
    draw_image(ui.input_picture_tex, img, false);
    dl->PopClipRect();
    dl->PushClipRect(ImVec2(std::max(sx2, area.x), area.y), ImVec2(area.x + area.w, area.y + area.h), true);
    draw_image(ui.filtered_tex, img, false);
    dl->PopClipRect();
    dl->AddLine(ImVec2(sx2, std::max(img.y, area.y)), ImVec2(sx2, std::min(img.y + img.h, area.y + area.h)),
                IM_COL32(255, 200, 60, 255), 2.0f);
    const float hy = std::clamp(img.y + img.h * 0.5f, area.y + em, area.y + area.h - em);
    dl->AddCircleFilled(ImVec2(sx2, hy), em * 0.45f, IM_COL32(255, 200, 60, 255));
  }
  ui.regions["compare_input"] = in_rect;
  ui.regions["compare_output"] = out_rect;
  ui.region_cells["compare_input"] = int(in.dim(1));
  ui.region_cells["compare_output"] = int(out.dim(1));

  // Values under the cursor, in both.
  ImGui::SetCursorScreenPos(ImVec2(area.x, area.y + area.h + em * 0.4f));
  const ImVec2 m = ImGui::GetMousePos();
  const Rect& under = (v.compare == CompareMode::SideBySide && out_area.contains(m.x, m.y)) ? out_rect : in_rect;
  const float u = (m.x - under.x) / std::max(under.w, 1.0f), t = (m.y - under.y) / std::max(under.h, 1.0f);
  if (hovered && u >= 0 && u < 1 && t >= 0 && t < 1) {
    const int ix = int(u * iw), iy = int(t * ih);
    const int ox = int(u * float(out.dim(1))), oy = int(t * float(out.dim(0)));
    ImGui::Text("input [%d, %d] = (%s)     output [%d, %d] = (%s)", iy, ix, values_at(in, iy, ix).c_str(), oy, ox,
                values_at(out, oy, ox).c_str());
  } else {
    ImGui::TextDisabled("hover for values in both; wheel zooms, drag pans (locked together), double-click fits");
  }

  // Histogram of the output before normalisation.
  const ValueHistogram& h = r.hist;
  if (!h.counts.empty()) {
    ImGui::Text("Output values before normalisation (%s):", to_string(r.normalize_used));
    const float hist_w = std::min(avail.x, em * 30);
    ImGui::PlotHistogram("##hist", h.counts.data(), int(h.counts.size()), 0, nullptr, 0.0f, FLT_MAX,
                         ImVec2(hist_w, em * 3.2f));
    ImGui::TextDisabled("%.4g", h.lo);
    ImGui::SameLine(hist_w - ImGui::CalcTextSize(fmt("%.4g", h.hi).c_str()).x);
    ImGui::TextDisabled("%.4g", h.hi);
  }
}

}  // namespace convscope
