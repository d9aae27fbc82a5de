// The Feature maps panel: every output channel as an image, a colour map that suits the data, its
// legend and statistics, before/after the activation, the value under the cursor, click to enlarge.
#include <algorithm>

#include "app/gui/compute.h"
#include "app/gui/ui.h"

namespace convscope {

namespace {

void toolbar(AppState& app, Ui& ui) {
  const float em = ImGui::GetFontSize();
  MapView& v = app.view.maps;
  bool changed = false;
  int stage = v.before_activation ? 0 : 1;
  changed |= ImGui::RadioButton("before activation", &stage, 0);
  item_tooltip("The layer's output before the activation: sum of weights x inputs, plus the bias.");
  ImGui::SameLine();
  changed |= ImGui::RadioButton(fmt("after activation (%s)", to_string(app.layer.activation)).c_str(), &stage, 1);
  item_tooltip("The layer's output: the activation applied to every value.");
  v.before_activation = stage == 0;
  ImGui::SameLine(0, em * 1.5f);
  ImGui::SetNextItemWidth(em * 7);
  if (ImGui::BeginCombo("colours", to_string(v.color_map))) {
    for (ColorMap m : {ColorMap::Auto, ColorMap::Gray, ColorMap::Viridis, ColorMap::Diverging})
      if (ImGui::Selectable(to_string(m), m == v.color_map)) {
        v.color_map = m;
        changed = true;
      }
    ImGui::EndCombo();
  }
  item_tooltip("auto: a diverging map centred on 0 (blue < 0 < red) for signed values, grayscale for "
               "non-negative ones. viridis: perceptually uniform, dark = low.");
  ImGui::SameLine();
  changed |= ImGui::Checkbox("one range for all", &v.shared_range);
  item_tooltip("Colour every map on the same value range, so maps can be compared by brightness.");
  ImGui::SameLine(0, em * 1.5f);
  if (ImGui::Button("Save map...")) ui.open_prompt(PromptKind::SaveMap, fmt("map_%02lld.png", (long long)v.selected));
  item_tooltip("Save the selected map: .png for the colours shown, .npy for the raw float values (Ctrl+S).");
  ImGui::SameLine();
  if (ImGui::Button("Save all...")) ui.open_prompt(PromptKind::SaveAllMaps, "convscope_maps");
  item_tooltip("Save every map as PNG and .npy into a folder.");
  if (changed) mark_changed(app, Change::View);
}

void shape_line(const AppState& app, const Ui& ui) {
  if (!app.result) return;
  const ConvPlan& p = app.result->plan;
  const DataFormat f = app.result->layer.data_format;
  ImGui::TextDisabled("input %s  ->  %s  ->  output %s", shape_to_string(p.input_shape(f)).c_str(),
                      app.result->layer.transpose ? "Conv2DTranspose" : "Conv2D",
                      shape_to_string(p.output_shape(f)).c_str());
  if (ui.worker && ui.worker->busy()) {
    ImGui::SameLine();
    ImGui::TextColored(ImVec4(1.0f, 0.8f, 0.3f, 1.0f), "  updating... %.1f s", ui.worker->busy_seconds());
  } else if (!app.plan_error.empty()) {
    ImGui::SameLine();
    ImGui::TextColored(ImVec4(1.0f, 0.45f, 0.4f, 1.0f), "  (last valid result: the setting is impossible, see Layer)");
  }
}

}  // namespace

void draw_maps_panel(AppState& app, Ui& ui) {
  toolbar(app, ui);
  shape_line(app, ui);
  if (!app.result) {
    ImGui::TextDisabled("Computing...");
    return;
  }
  const ComputeResult& r = *app.result;
  const Tensor& shown = r.shown();
  const int64_t C = shown.dim(2);
  const float em = ImGui::GetFontSize();
  const ImVec2 avail = ImGui::GetContentRegionAvail();
  const ImVec2 origin = ImGui::GetCursorScreenPos();
  const bool rgb_available = r.per_channel_filter && C == 3;
  if (!rgb_available) app.view.rgb = false;
  const int tiles = int(C) + (rgb_available ? 1 : 0);
  MapView& v = app.view.maps;

  // Thumbnails on the left (all of the width when nothing is enlarged).
  const float thumbs_w = app.view.enlarged ? std::max(avail.x * 0.36f, em * 10) : avail.x;
  const float aspect = float(shown.dim(1)) / float(shown.dim(0));
  const float label_h = ImGui::GetTextLineHeightWithSpacing();
  const GridLayout g = thumbnail_grid(tiles, aspect, thumbs_w - em * 0.5f, avail.y, em * 0.5f, label_h);
  ImGui::BeginChild("thumbs", ImVec2(thumbs_w, avail.y), false);
  for (int t = 0; t < tiles; ++t) {
    const bool is_rgb = rgb_available && t == 0;
    const int64_t c = rgb_available ? t - 1 : t;
    if (t % g.cols != 0) ImGui::SameLine(0, em * 0.5f);
    ImGui::BeginGroup();
    const Rect cell = rect_from_cursor(g.cell_w, g.cell_h);
    const bool selected = is_rgb ? app.view.rgb : (!app.view.rgb && c == v.selected);
    draw_image(is_rgb ? ui.filtered_tex : ui.thumb_tex[size_t(c)], cell, !selected);
    if (selected)
      ImGui::GetWindowDrawList()->AddRect(ImVec2(cell.x - 2, cell.y - 2), ImVec2(cell.x + cell.w + 2, cell.y + cell.h + 2),
                                          IM_COL32(255, 200, 60, 255), 0, 0, 2.5f);
    ImGui::PushID(t);
    if (ImGui::InvisibleButton("##t", ImVec2(g.cell_w, g.cell_h))) {
      app.view.rgb = is_rgb;
      app.view.enlarged = true;
      if (!is_rgb && c != v.selected) {
        v.selected = c;
        mark_changed(app, Change::View);
      }
    }
    if (ImGui::IsItemHovered()) {
      if (is_rgb) ImGui::SetTooltip("The three output channels as one RGB image (%s normalisation)", to_string(r.normalize_used));
      else {
        const ChannelStats& s = r.shown_stats()[size_t(c)];
        ImGui::SetTooltip("filter %lld\nmin %.4g  max %.4g  mean %.4g\nclick to enlarge", (long long)c, s.min, s.max, s.mean);
      }
    }
    ImGui::PopID();
    ImGui::TextDisabled("%s", is_rgb ? "RGB" : fmt("filter %lld", (long long)c).c_str());
    ImGui::EndGroup();
  }
  ImGui::EndChild();
  if (!app.view.enlarged) return;

  // The enlarged map.
  ImGui::SameLine(0, em);
  ImGui::BeginChild("enlarged", ImVec2(0, avail.y), false, ImGuiWindowFlags_NoScrollbar | ImGuiWindowFlags_NoScrollWithMouse);
  const int64_t c = std::clamp<int64_t>(v.selected, 0, C - 1);
  const ImVec2 p0 = ImGui::GetCursorScreenPos();
  const float w = ImGui::GetContentRegionAvail().x;
  const float footer = ImGui::GetTextLineHeightWithSpacing() * 4.2f + em;
  const float iw = float(shown.dim(1)), ih = float(shown.dim(0));
  const float max_h = ImGui::GetContentRegionAvail().y - footer - ImGui::GetTextLineHeightWithSpacing();
  // Top-aligned: the area is as tall as the fitted image, so the legend sits right under it.
  const Rect area{p0.x, p0.y + ImGui::GetTextLineHeightWithSpacing(), w, std::max(std::min(max_h, w * ih / iw), em * 4)};
  if (app.view.rgb) ImGui::Text("RGB: the three filtered channels together (%s)", to_string(r.normalize_used));
  else ImGui::Text("filter %lld of %lld, %s", (long long)c, (long long)C, v.before_activation ? "before activation" : "after activation");
  const bool hovered = zoom_pan_area("##zoom", area, app.view.zoom, iw, ih);
  const Rect img = view_rect(app.view.zoom, iw, ih, area);
  ImDrawList* dl = ImGui::GetWindowDrawList();
  dl->PushClipRect(ImVec2(area.x, area.y), ImVec2(area.x + area.w, area.y + area.h), true);
  draw_image(app.view.rgb ? ui.filtered_tex : ui.enlarged_tex, img);
  if (!app.view.rgb) draw_cell_values(shown, c, img, area, &r.ranges[size_t(c)]);
  dl->PopClipRect();
  ui.regions["map_enlarged"] = img;
  ui.region_cells["map_enlarged"] = int(shown.dim(1));

  ImGui::SetCursorScreenPos(ImVec2(area.x, std::min(img.y + img.h, area.y + area.h) + em * 0.6f));
  int hx = 0, hy = 0;
  const ImVec2 m = ImGui::GetMousePos();
  if (hovered && cell_under(img, int(iw), int(ih), m.x, m.y, &hx, &hy)) {
    const float pre = r.pre->data[size_t((int64_t(hy) * shown.dim(1) + hx) * C + c)];
    const float post = r.post->data[size_t((int64_t(hy) * shown.dim(1) + hx) * C + c)];
    // The index in the layer's data_format, as the tensor would be indexed in Keras.
    const std::string index = r.layer.data_format == DataFormat::ChannelsLast
                                  ? fmt("output[0, %d, %d, %lld]", hy, hx, (long long)c)
                                  : fmt("output[0, %lld, %d, %d]", (long long)c, hy, hx);
    ImGui::Text("%s:  before activation %.5g,  after %.5g", index.c_str(), pre, post);
  } else {
    ImGui::TextDisabled("hover for values; wheel to zoom, drag to pan, double-click to fit");
  }
  if (!app.view.rgb) {
    const MapRange& range = r.ranges[size_t(c)];
    const ChannelStats& s = r.shown_stats()[size_t(c)];
    draw_color_legend(range, std::min(w, em * 22), em * 0.9f);
    ImGui::Text("min %.4g   max %.4g   mean %.4g   (%s)", s.min, s.max, s.mean,
                range.map == ColorMap::Diverging ? "diverging, centred on 0" : to_string(range.map));
  }
  ImGui::EndChild();
  (void)origin;
}

}  // namespace convscope
