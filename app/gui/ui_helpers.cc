#include <algorithm>
#include <cstdarg>
#include <cstdio>

#include <imgui.h>
#include <imgui_stdlib.h>

#include "app/gui/export.h"
#include "app/gui/session.h"
#include "app/gui/ui.h"
#include "engine/error.h"

namespace convscope {

std::string fmt(const char* format, ...) {
  char buf[512];
  va_list args;
  va_start(args, format);
  std::vsnprintf(buf, sizeof buf, format, args);
  va_end(args);
  return buf;
}

void help_marker(const char* text) {
  ImGui::SameLine();
  ImGui::TextDisabled("(?)");
  item_tooltip(text);
}

void item_tooltip(const char* text) {
  if (ImGui::IsItemHovered(ImGuiHoveredFlags_AllowWhenDisabled)) {
    ImGui::BeginTooltip();
    ImGui::PushTextWrapPos(ImGui::GetFontSize() * 28.0f);
    ImGui::TextUnformatted(text);
    ImGui::PopTextWrapPos();
    ImGui::EndTooltip();
  }
}

void section_title(const char* text) {
  ImGui::Spacing();
  ImGui::PushStyleColor(ImGuiCol_Text, ImVec4(0.55f, 0.75f, 1.0f, 1.0f));
  ImGui::TextUnformatted(text);
  ImGui::PopStyleColor();
  ImGui::Separator();
}

ImU32 to_imcolor(Rgba8 c) { return IM_COL32(c.r, c.g, c.b, c.a); }

Rect rect_from_cursor(float w, float h) {
  const ImVec2 p = ImGui::GetCursorScreenPos();
  return {p.x, p.y, w, h};
}

bool draw_image(const GlTexture& tex, const Rect& r, bool border) {
  ImDrawList* dl = ImGui::GetWindowDrawList();
  if (tex.valid()) dl->AddImage(tex.id(), ImVec2(r.x, r.y), ImVec2(r.x + r.w, r.y + r.h));
  if (border) dl->AddRect(ImVec2(r.x - 1, r.y - 1), ImVec2(r.x + r.w + 1, r.y + r.h + 1), IM_COL32(90, 90, 100, 255));
  const ImVec2 m = ImGui::GetMousePos();
  return ImGui::IsWindowHovered(ImGuiHoveredFlags_ChildWindows) && r.contains(m.x, m.y);
}

void text_right_aligned(const char* text) {
  const float w = ImGui::CalcTextSize(text).x;
  ImGui::SetCursorPosX(ImGui::GetCursorPosX() + ImGui::GetContentRegionAvail().x - w);
  ImGui::TextUnformatted(text);
}

void draw_color_legend(const MapRange& r, float width, float height) {
  const Rect bar = rect_from_cursor(width, height);
  ImDrawList* dl = ImGui::GetWindowDrawList();
  const int steps = 48;
  for (int i = 0; i < steps; ++i) {
    const float t0 = float(i) / steps, t1 = float(i + 1) / steps;
    const float v0 = r.lo + (r.hi - r.lo) * t0, v1 = r.lo + (r.hi - r.lo) * t1;
    dl->AddRectFilledMultiColor(ImVec2(bar.x + bar.w * t0, bar.y), ImVec2(bar.x + bar.w * t1, bar.y + bar.h),
                                to_imcolor(map_value(r, v0)), to_imcolor(map_value(r, v1)),
                                to_imcolor(map_value(r, v1)), to_imcolor(map_value(r, v0)));
  }
  dl->AddRect(ImVec2(bar.x, bar.y), ImVec2(bar.x + bar.w, bar.y + bar.h), IM_COL32(90, 90, 100, 255));
  ImGui::Dummy(ImVec2(width, height));
  const std::string lo = fmt("%.3g", r.lo), hi = fmt("%.3g", r.hi);
  const float x0 = ImGui::GetCursorPosX();
  ImGui::TextUnformatted(lo.c_str());
  if (r.map == ColorMap::Diverging) {
    ImGui::SameLine(x0 + width * 0.5f - ImGui::CalcTextSize("0").x * 0.5f);
    ImGui::TextUnformatted("0");
  }
  ImGui::SameLine(x0 + width - ImGui::CalcTextSize(hi.c_str()).x);
  ImGui::TextUnformatted(hi.c_str());
}

void update_input_texture(AppState& app, Ui& ui) {
  if (!app.input || ui.input_image_src == app.input.get()) return;
  ui.input_image = image_to_rgba(input_for_display(*app.input));
  ui.input_image_src = app.input.get();
  ui.input_tex.update(ui.input_image, app.input.get());
}

void update_result_textures(AppState& app, Ui& ui) {
  if (!app.result) return;
  const ComputeResult& r = *app.result;
  if (ui.thumb_tex.size() != r.thumbs.size()) ui.thumb_tex.resize(r.thumbs.size());
  for (size_t i = 0; i < r.thumbs.size(); ++i) ui.thumb_tex[i].update(r.thumbs[i], &r.thumbs[i]);
  // Only the map shown large goes up at full resolution.
  const size_t sel = size_t(std::clamp<int64_t>(app.view.maps.selected, 0, int64_t(r.maps.size()) - 1));
  if (!r.maps.empty()) ui.enlarged_tex.update(r.maps[sel], &r.maps[sel]);
  ui.filtered_tex.update(r.filtered, &r.filtered);
  ui.input_picture_tex.update(r.input_picture, &r.input_picture);
}

void open_image(AppState& app, Ui& ui, const std::string& path) { request_image(app, *ui.images, path); }

void reload_input(AppState& app, Ui& ui) { request_input(app, *ui.images); }

void perform_prompt(AppState& app, Ui& ui) {
  static const char* kTitle = "Choose a file###prompt";
  if (ui.prompt_open_requested) {
    ImGui::OpenPopup(kTitle);
    ui.prompt_open_requested = false;
  }
  ImGui::SetNextWindowSize(ImVec2(ImGui::GetFontSize() * 36, 0), ImGuiCond_Appearing);
  if (!ImGui::BeginPopupModal(kTitle, nullptr, ImGuiWindowFlags_NoSavedSettings)) return;
  const char* what = "";
  switch (ui.prompt) {
    case PromptKind::OpenImage: what = "Open an image (PNG, JPEG, BMP, TGA, GIF):"; break;
    case PromptKind::SaveMap: what = "Save the selected feature map (.png = colours shown, .npy = raw float values):"; break;
    case PromptKind::SaveAllMaps: what = "Save every feature map (map_NN.png and map_NN.npy) into this folder:"; break;
    case PromptKind::SaveFiltered: what = "Save the filtered image (.png normalised, .npy raw values):"; break;
    case PromptKind::SaveSession: what = "Save the setup (image, layer, kernel, view) as JSON:"; break;
    case PromptKind::LoadSession: what = "Load a setup JSON file:"; break;
    case PromptKind::None: break;
  }
  ImGui::TextWrapped("%s", what);
  ImGui::SetNextItemWidth(-1);
  if (ImGui::IsWindowAppearing()) ImGui::SetKeyboardFocusHere();
  const bool enter = ImGui::InputText("##path", &ui.prompt_path, ImGuiInputTextFlags_EnterReturnsTrue);
  const bool ok = ImGui::Button("OK", ImVec2(ImGui::GetFontSize() * 6, 0)) || enter;
  ImGui::SameLine();
  const bool cancel = ImGui::Button("Cancel", ImVec2(ImGui::GetFontSize() * 6, 0)) ||
                      ImGui::IsKeyPressed(ImGui::GetKeyIndex(ImGuiKey_Escape));
  if (ok && !ui.prompt_path.empty()) {
    const std::string path = ui.prompt_path;
    try {
      switch (ui.prompt) {
        case PromptKind::OpenImage: {
          open_image(app, ui, path);
          break;
        }
        case PromptKind::SaveMap:
          if (!app.result) throw UserError("nothing computed yet");
          save_map(*app.result, app.result->view.selected, path);
          app.message = "Saved " + path;
          break;
        case PromptKind::SaveAllMaps:
          if (!app.result) throw UserError("nothing computed yet");
          app.message = fmt("Saved %d maps (PNG + .npy) in ", save_all_maps(*app.result, path)) + path;
          break;
        case PromptKind::SaveFiltered:
          if (!app.result) throw UserError("nothing computed yet");
          save_filtered(*app.result, path);
          app.message = "Saved " + path;
          break;
        case PromptKind::SaveSession:
          save_session(app, path);
          app.message = "Saved the setup to " + path;
          break;
        case PromptKind::LoadSession:
          request_session(app, *ui.images, ui.session, path);  // applied when its image is in
          break;
        case PromptKind::None: break;
      }
    } catch (const std::exception& e) {
      app.error = e.what();
    }
    ui.prompt = PromptKind::None;
    ImGui::CloseCurrentPopup();
  } else if (cancel) {
    ui.prompt = PromptKind::None;
    ImGui::CloseCurrentPopup();
  }
  ImGui::EndPopup();
}

}  // namespace convscope

namespace convscope {

bool zoom_pan_area(const char* id, const Rect& area, ImageView& view, float iw, float ih) {
  ImGui::SetCursorScreenPos(ImVec2(area.x, area.y));
  ImGui::InvisibleButton(id, ImVec2(std::max(area.w, 1.0f), std::max(area.h, 1.0f)));
  const bool hovered = ImGui::IsItemHovered();
  ImGuiIO& io = ImGui::GetIO();
  if (hovered && io.MouseWheel != 0)
    zoom_at(view, io.MouseWheel > 0 ? 1.25f : 0.8f, io.MousePos.x, io.MousePos.y, iw, ih, area);
  if (ImGui::IsItemActive() && ImGui::IsMouseDragging(ImGuiMouseButton_Left, 1.0f)) {
    view.pan_x += io.MouseDelta.x;
    view.pan_y += io.MouseDelta.y;
  }
  if (hovered && ImGui::IsMouseDoubleClicked(ImGuiMouseButton_Left)) view = ImageView{};
  return hovered;
}

void draw_cell_values(const Tensor& hwc, int64_t c, const Rect& r, const Rect& clip, const MapRange* range) {
  const int H = int(hwc.dim(0)), W = int(hwc.dim(1)), C = int(hwc.dim(2));
  const float cw = r.w / float(W), ch = r.h / float(H);
  const float need = ImGui::CalcTextSize("-0.000").x + 4;
  if (cw < need || ch < ImGui::GetFontSize() + 2) return;
  ImDrawList* dl = ImGui::GetWindowDrawList();
  const int x0 = std::max(0, int((clip.x - r.x) / cw)), x1 = std::min(W, int((clip.x + clip.w - r.x) / cw) + 1);
  const int y0 = std::max(0, int((clip.y - r.y) / ch)), y1 = std::min(H, int((clip.y + clip.h - r.y) / ch) + 1);
  for (int y = y0; y < y1; ++y)
    for (int x = x0; x < x1; ++x) {
      const float v = hwc.data[size_t((int64_t(y) * W + x) * C + c)];
      const std::string t = fmt("%.4g", v);
      const ImVec2 ts = ImGui::CalcTextSize(t.c_str());
      if (ts.x > cw - 2) continue;
      bool dark_bg = false;
      if (range) {
        const Rgba8 col = map_value(*range, v);
        dark_bg = 0.299f * col.r + 0.587f * col.g + 0.114f * col.b < 140;
      }
      const ImVec2 pos(r.x + x * cw + (cw - ts.x) / 2, r.y + y * ch + (ch - ts.y) / 2);
      if (!range) {  // unknown background: white text with a dark shadow reads on anything
        dl->AddText(ImVec2(pos.x + 1, pos.y + 1), IM_COL32(0, 0, 0, 220), t.c_str());
        dl->AddText(pos, IM_COL32(255, 255, 255, 240), t.c_str());
        continue;
      }
      dl->AddText(pos, dark_bg ? IM_COL32(255, 255, 255, 230) : IM_COL32(0, 0, 0, 230), t.c_str());
    }
}

}  // namespace convscope

namespace convscope {
namespace {
ImFont* g_mono = nullptr;  // set once at start-up with the fonts (a resource, not UI state)
}
ImFont* ui_font_mono() { return g_mono; }
void set_ui_font_mono(ImFont* f) { g_mono = f; }
}  // namespace convscope
