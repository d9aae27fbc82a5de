// The Input panel: bundled samples, a typed path with recent files, drag and drop, gray/colour,
// downscale, and integer grids for hand arithmetic (click a cell to edit it).
#include <algorithm>
#include <filesystem>

#include <imgui.h>
#include <imgui_stdlib.h>

#include "app/gui/ui.h"

namespace convscope {

namespace {

void draw_grid_editor(AppState& app, Ui& ui) {
  InputSettings& s = app.input_settings;
  const int n = s.grid_size, C = s.grid_channels;
  if (int(s.grid.size()) != n * n * C) return;
  if (C > 1) {
    ImGui::SliderInt("channel shown", &ui.grid_edit_c, 0, C - 1);
    ui.grid_edit_c = std::clamp(ui.grid_edit_c, 0, C - 1);
  } else {
    ui.grid_edit_c = 0;
  }
  const float avail = ImGui::GetContentRegionAvail().x;
  const float cell = std::min(avail / float(n), ImGui::GetFontSize() * 2.4f);
  const Rect r = rect_from_cursor(cell * n, cell * n);
  ImDrawList* dl = ImGui::GetWindowDrawList();
  auto mm = std::minmax_element(s.grid.begin(), s.grid.end());
  const float lo = *mm.first, hi = *mm.second > *mm.first ? *mm.second : *mm.first + 1;
  for (int y = 0; y < n; ++y)
    for (int x = 0; x < n; ++x) {
      const float v = s.grid[size_t((y * n + x) * C + ui.grid_edit_c)];
      const float t = (v - lo) / (hi - lo);
      const ImVec2 a(r.x + x * cell, r.y + y * cell), b(a.x + cell, a.y + cell);
      dl->AddRectFilled(a, b, to_imcolor(gray_color(t)));
      dl->AddRect(a, b, IM_COL32(70, 80, 95, 255));
      const std::string txt = fmt("%g", v);
      const ImVec2 ts = ImGui::CalcTextSize(txt.c_str());
      if (ts.x < cell - 2)
        dl->AddText(ImVec2(a.x + (cell - ts.x) * 0.5f, a.y + (cell - ts.y) * 0.5f),
                    t > 0.55f ? IM_COL32(0, 0, 0, 255) : IM_COL32(255, 255, 255, 255), txt.c_str());
    }
  ImGui::InvisibleButton("##grid", ImVec2(std::max(r.w, 1.0f), std::max(r.h, 1.0f)));
  int cx = 0, cy = 0;
  const ImVec2 m = ImGui::GetMousePos();
  if (ImGui::IsItemHovered() && cell_under(r, n, n, m.x, m.y, &cx, &cy)) {
    ImGui::SetTooltip("input[%d, %d, %d] = %g\nclick to edit", cy, cx, ui.grid_edit_c,
                      s.grid[size_t((cy * n + cx) * C + ui.grid_edit_c)]);
    if (ImGui::IsItemClicked()) {
      ui.grid_edit_x = cx;
      ui.grid_edit_y = cy;
      ui.grid_edit_value = s.grid[size_t((cy * n + cx) * C + ui.grid_edit_c)];
      ImGui::OpenPopup("edit cell");
    }
  }
  if (ImGui::BeginPopup("edit cell")) {
    ImGui::Text("input[%d, %d, %d]", ui.grid_edit_y, ui.grid_edit_x, ui.grid_edit_c);
    if (ImGui::IsWindowAppearing()) ImGui::SetKeyboardFocusHere();
    ImGui::SetNextItemWidth(ImGui::GetFontSize() * 8);
    const bool enter = ImGui::InputFloat("##v", &ui.grid_edit_value, 1.0f, 5.0f, "%g", ImGuiInputTextFlags_EnterReturnsTrue);
    if (enter || ImGui::Button("Set")) {
      const size_t i = size_t((ui.grid_edit_y * n + ui.grid_edit_x) * C + ui.grid_edit_c);
      if (i < s.grid.size()) {
        s.grid[i] = ui.grid_edit_value;
        load_input(app);
      }
      ImGui::CloseCurrentPopup();
    }
    ImGui::EndPopup();
  }
}

}  // namespace

void draw_input_panel(AppState& app, Ui& ui) {
  InputSettings& s = app.input_settings;
  const float em = ImGui::GetFontSize();

  if (app.input) {
    const Tensor& in = *app.input;
    ImGui::Text("%s", app.input_name.c_str());
    ImGui::TextDisabled("%lld x %lld, %s", (long long)in.dim(1), (long long)in.dim(0),
                        in.dim(2) == 1 ? "1 channel (gray)" : fmt("%lld channels", (long long)in.dim(2)).c_str());
  }

  section_title("Sample images");
  const ImGuiStyle& style = ImGui::GetStyle();
  const float n_samples = float(std::max<size_t>(ui.sample_paths.size(), 1));
  const float thumb = std::min(em * 3.6f, (ImGui::GetContentRegionAvail().x - style.ItemSpacing.x * (n_samples - 1)) / n_samples -
                                              style.FramePadding.x * 2 - 1);
  for (size_t i = 0; i < ui.sample_paths.size(); ++i) {
    if (i > 0) ImGui::SameLine();
    const bool current = s.kind == InputKind::Image &&
                         (s.image_path == ui.sample_paths[i] ||
                          (s.image_path.empty() && ui.sample_paths[i] == default_image_path()));
    ImGui::PushID(int(i));
    ImGui::PushStyleColor(ImGuiCol_Button, current ? ImVec4(0.26f, 0.59f, 0.98f, 0.9f) : ImVec4(0, 0, 0, 0));
    if (i < ui.sample_tex.size() && ImGui::ImageButton(ui.sample_tex[i].id(), ImVec2(thumb, thumb)))
      open_image(app, ui, ui.sample_paths[i]);
    ImGui::PopStyleColor();
    item_tooltip(std::filesystem::path(ui.sample_paths[i]).filename().string().c_str());
    ImGui::PopID();
  }

  section_title("Open a file");
  ImGui::SetNextItemWidth(-em * 4.2f);
  const bool enter = ImGui::InputTextWithHint("##path", "path to PNG, JPEG, BMP, TGA, GIF", &ui.path_buf,
                                              ImGuiInputTextFlags_EnterReturnsTrue);
  ImGui::SameLine();
  if ((ImGui::Button("Open", ImVec2(-1, 0)) || enter) && !ui.path_buf.empty()) open_image(app, ui, ui.path_buf);
  item_tooltip("Open the image at this path (Ctrl+O asks for one). You can also drop a file on the window.");
  if (!app.recent_files.empty()) {
    ImGui::SetNextItemWidth(-1);
    if (ImGui::BeginCombo("##recent", "Recent files")) {
      for (const auto& p : app.recent_files)
        if (ImGui::Selectable(p.c_str())) {
          ui.path_buf = p;
          open_image(app, ui, p);
        }
      ImGui::EndCombo();
    }
  }
  ImGui::TextDisabled("Tip: drop an image on the window.");

  if (s.kind == InputKind::Image) {
    section_title("Image options");
    if (ImGui::Checkbox("Grayscale", &s.gray)) reload_input(app, ui);
    item_tooltip("Convert to one channel (luma) before the layer: 1 input channel instead of 3.");
    ImGui::SameLine(em * 8);
    static const int kSides[] = {0, 1024, 512, 256, 128, 64};
    const char* label = s.max_side == 0 ? "full size" : nullptr;
    std::string l = label ? label : fmt("longer side %d", s.max_side);
    ImGui::SetNextItemWidth(-1);
    if (ImGui::BeginCombo("##downscale", l.c_str())) {
      for (int side : kSides)
        if (ImGui::Selectable(side == 0 ? "full size" : fmt("longer side %d", side).c_str(), side == s.max_side)) {
          s.max_side = side;
          reload_input(app, ui);
        }
      ImGui::EndCombo();
    }
    item_tooltip("Downscale huge images (box filter) so the layer runs faster. The shapes follow.");
  }

  section_title("Integer grid (for hand arithmetic)");
  bool grid = s.kind == InputKind::Grid;
  if (ImGui::Checkbox("Use a grid instead of an image", &grid)) {
    s.kind = grid ? InputKind::Grid : InputKind::Image;
    reload_input(app, ui);
  }
  if (s.kind != InputKind::Grid) {
    if (!app.input || !ui.input_tex.valid()) return;
    ImGui::Spacing();
    const ImVec2 avail = ImGui::GetContentRegionAvail();
    const float h = std::max(avail.y - 4, em * 6);
    const Rect area = rect_from_cursor(avail.x, h);
    const Rect img = fit_rect(float(app.input->dim(1)), float(app.input->dim(0)), {area.x, area.y, area.w, area.h});
    draw_image(ui.input_tex, {img.x, area.y, img.w, img.h});
    ImGui::Dummy(ImVec2(avail.x, img.h));
    return;
  }
  bool regen = false;
  ImGui::SetNextItemWidth(em * 8);
  if (ImGui::BeginCombo("pattern", to_string(s.pattern))) {
    for (GridPattern p : {GridPattern::Ramp, GridPattern::Random, GridPattern::Checkerboard, GridPattern::Impulse})
      if (ImGui::Selectable(to_string(p), p == s.pattern)) {
        s.pattern = p;
        regen = true;
      }
    ImGui::EndCombo();
  }
  item_tooltip("ramp: 0, 1, 2, ... row by row; random: digits 0..9 (seeded); checkerboard: 0 and 9; "
               "impulse: a single 1 in the centre (the output then shows the kernel, flipped).");
  ImGui::SetNextItemWidth(em * 8);
  regen |= ImGui::SliderInt("size", &s.grid_size, 3, 16);
  item_tooltip("Grid height and width (3 to 16).");
  int ch = s.grid_channels == 3 ? 1 : 0;
  ImGui::SetNextItemWidth(em * 8);
  if (ImGui::Combo("channels", &ch, "1\0" "3\0")) {
    s.grid_channels = ch ? 3 : 1;
    regen = true;
  }
  if (s.pattern == GridPattern::Random) {
    int seed = int(s.grid_seed);
    ImGui::SetNextItemWidth(em * 8);
    if (ImGui::InputInt("seed##grid", &seed)) {
      s.grid_seed = uint32_t(std::max(seed, 0));
      regen = true;
    }
  }
  if (regen) {
    s.grid = make_grid(s.pattern, s.grid_size, s.grid_channels, s.grid_seed);
    load_input(app);
  }
  draw_grid_editor(app, ui);
}

}  // namespace convscope
