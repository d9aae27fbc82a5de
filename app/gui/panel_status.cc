// The status bar (engine time, SIMD target, threads, image size, progress) and the menu bar.
#include <filesystem>

#include "app/gui/compute.h"
#include "app/gui/ui.h"
#include "engine/conv_simd.h"
#include "engine/cpu_tuning.h"
#include "engine/thread_pool.h"

namespace convscope {

void draw_status_bar(AppState& app, Ui& ui) {
  const float em = ImGui::GetFontSize();
  const char spin[] = "|/-\\";
  const char tick = spin[int(ImGui::GetTime() * 8) % 4];
  const bool computing = ui.worker && ui.worker->busy();
  if (input_loading(app)) {
    const std::string& p = app.input_settings.image_path;
    const std::string name = ui.session ? "setup " + std::filesystem::path(ui.session->path).filename().string()
                                        : std::filesystem::path(p.empty() ? default_image_path() : p).filename().string();
    ImGui::TextColored(ImVec4(1.0f, 0.8f, 0.3f, 1.0f), "%c opening %s", tick, name.c_str());
    if (computing) ImGui::SameLine(0, em * 1.5f);
  }
  if (computing) {
    ImGui::TextColored(ImVec4(1.0f, 0.8f, 0.3f, 1.0f), "%c computing %.1f s", tick, ui.worker->busy_seconds());
  } else if (!input_loading(app)) {
    ImGui::TextColored(ImVec4(0.45f, 0.85f, 0.5f, 1.0f), "up to date");
  }
  ImGui::SameLine(0, em * 1.5f);
  if (app.result) {
    const ComputeResult& r = *app.result;
    ImGui::Text("engine %.1f ms", r.engine_ms);
    item_tooltip("Time the engine took for the last layer run (convolution, bias and activation).");
    ImGui::SameLine(0, em);
    ImGui::TextDisabled("update %.0f ms", ui.last_latency_ms);
    item_tooltip("From the change to the first frame showing the new maps.");
    ImGui::SameLine(0, em);
    ImGui::Text("SIMD %s", r.simd.c_str());
    if (ImGui::IsItemHovered()) {  // (built only when shown, not every frame)
      std::string names;
      for (CpuTuning t : all_cpu_tunings()) names += (names.empty() ? "" : "|") + std::string(to_string(t));
      const std::string tip = "The Highway target the engine dispatched to on this processor, and the CPU tuning "
                              "profile in force: " + r.tuning + " (CONVSCOPE_TUNING=" + names + " overrides it).";
      item_tooltip(tip.c_str());
    }
    ImGui::SameLine(0, em);
    ImGui::Text("%d threads", r.threads);
    ImGui::SameLine(0, em);
  }
  if (app.input) ImGui::Text("image %lld x %lld x %lld", (long long)app.input->dim(1), (long long)app.input->dim(0), (long long)app.input->dim(2));
  ImGui::SameLine(0, em * 1.5f);
  if (!app.error.empty()) {
    ImGui::TextColored(ImVec4(1.0f, 0.45f, 0.4f, 1.0f), "%s", app.error.c_str());
    const ImVec2 lo = ImGui::GetItemRectMin(), hi = ImGui::GetItemRectMax();
    ui.regions["error"] = Rect{lo.x, lo.y, hi.x - lo.x, hi.y - lo.y};  // for the screenshot checker
    item_tooltip(app.error.c_str());
    ImGui::SameLine();
    if (ImGui::SmallButton("x")) app.error.clear();
  } else if (!app.compute_error.empty()) {
    ImGui::TextColored(ImVec4(1.0f, 0.45f, 0.4f, 1.0f), "%s", app.compute_error.c_str());
  } else if (!app.message.empty()) {
    ImGui::TextDisabled("%s", app.message.c_str());
  }
}

void draw_menu_bar(AppState& app, Ui& ui, bool* quit) {
  if (!ImGui::BeginMenuBar()) return;
  if (ImGui::BeginMenu("File")) {
    if (ImGui::MenuItem("Open image...", "Ctrl+O")) ui.open_prompt(PromptKind::OpenImage, app.input_settings.image_path);
    if (ImGui::BeginMenu("Recent", !app.recent_files.empty())) {
      for (const auto& p : app.recent_files)
        if (ImGui::MenuItem(p.c_str())) {
          open_image(app, ui, p);
        }
      ImGui::EndMenu();
    }
    ImGui::Separator();
    if (ImGui::MenuItem("Save selected map...", "Ctrl+S", false, bool(app.result)))
      ui.open_prompt(PromptKind::SaveMap, fmt("map_%02lld.png", (long long)app.view.maps.selected));
    if (ImGui::MenuItem("Save all maps...", nullptr, false, bool(app.result))) ui.open_prompt(PromptKind::SaveAllMaps, "convscope_maps");
    if (ImGui::MenuItem("Save filtered image...", nullptr, false, bool(app.result))) ui.open_prompt(PromptKind::SaveFiltered, "filtered.png");
    ImGui::Separator();
    if (ImGui::MenuItem("Save setup...", "Ctrl+Shift+S")) ui.open_prompt(PromptKind::SaveSession, "convscope_setup.json");
    if (ImGui::MenuItem("Load setup...", "Ctrl+L")) ui.open_prompt(PromptKind::LoadSession, "convscope_setup.json");
    if (ImGui::MenuItem("Reset to defaults")) {
      AppState fresh;
      fresh.recent_files = app.recent_files;
      fresh.next_job_id = app.next_job_id;
      fresh.compute_version = app.compute_version + 1;
      fresh.view_version = app.view_version + 1;
      init_default_state(fresh);
      fresh.result = app.result;
      app = std::move(fresh);
    }
    ImGui::Separator();
    if (ImGui::MenuItem("Quit", "Ctrl+Q")) *quit = true;
    ImGui::EndMenu();
  }
  if (ImGui::BeginMenu("View")) {
    static const std::pair<MainTab, const char*> kTabs[] = {{MainTab::Maps, "Feature maps"}, {MainTab::Compare, "Compare"},
                                                            {MainTab::Steps, "Step by step"}, {MainTab::Shapes, "Shapes"},
                                                            {MainTab::Code, "Code"},          {MainTab::Help, "Help"}};
    int i = 1;
    for (const auto& [tab, name] : kTabs)
      if (ImGui::MenuItem(name, fmt("%d", i++).c_str(), app.view.tab == tab)) {
        app.view.tab = tab;
        app.view.tab_requested = true;
      }
    ImGui::EndMenu();
  }
  if (ImGui::BeginMenu("Help")) {
    if (ImGui::MenuItem("Help and shortcuts", "F1")) {
      app.view.tab = MainTab::Help;
      app.view.tab_requested = true;
    }
    ImGui::EndMenu();
  }
  ImGui::EndMenuBar();
}

}  // namespace convscope
