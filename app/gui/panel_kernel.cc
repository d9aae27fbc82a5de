// The Kernel panel: a grid editor of the weights of one input/output channel pair (drag or type),
// presets, Keras initializers with a visible seed, and the bias.
#include <algorithm>
#include <cmath>

#include <imgui.h>
#include <imgui_stdlib.h>

#include "app/gui/ui.h"

namespace convscope {

namespace {

const char* kInitHelp = "kernel_initializer: Initializer for the convolution kernel. If None, the default "
                        "initializer (\"glorot_uniform\") will be used.\n\nThe seed makes the result reproducible: "
                        "the same seed gives the same weights.";
const char* kBiasHelp = "bias_initializer: Initializer for the bias vector. If None, the default initializer "
                        "(\"zeros\") will be used.";

void source_line(const AppState& app) {
  const KernelSettings& ks = app.kernel_settings;
  switch (ks.source) {
    case KernelSource::Initializer:
      ImGui::TextDisabled("Weights: %s, seed %u", ks.initializer.c_str(), ks.seed);
      break;
    case KernelSource::Preset: ImGui::TextDisabled("Weights: preset %s", ks.preset.c_str()); break;
    case KernelSource::Edited: ImGui::TextDisabled("Weights: edited by hand"); break;
  }
}

bool initializer_combo(const char* label, std::string* name) {
  bool changed = false;
  ImGui::SetNextItemWidth(ImGui::GetFontSize() * 10);
  if (ImGui::BeginCombo(label, name->c_str())) {
    for (const auto& n : initializer_names()) {
      if (ImGui::Selectable(n.c_str(), n == *name)) {
        *name = n;
        changed = true;
      }
      item_tooltip(initializer_help(n).c_str());
    }
    ImGui::EndCombo();
  }
  return changed;
}

}  // namespace

void draw_kernel_panel(AppState& app, Ui& ui) {
  const float em = ImGui::GetFontSize();
  KernelSettings& ks = app.kernel_settings;
  const int nin = kernel_pair_inputs(app), nout = kernel_pair_outputs(app);
  if (app.kernel.rank() != 4 || nin == 0 || nout == 0) {
    ImGui::TextDisabled("No kernel yet (the layer setting is impossible).");
    return;
  }
  const int kh = int(app.kernel.dim(0)), kw = int(app.kernel.dim(1));
  ImGui::Text("Kernel %s", shape_to_string(app.kernel.shape).c_str());
  help_marker(app.layer.transpose
                  ? "Keras's Conv2DTranspose kernel layout: (kernel_h, kernel_w, filters / groups, input channels)."
                  : "Keras's Conv2D kernel layout: (kernel_h, kernel_w, input channels / groups, filters).");
  source_line(app);

  section_title("Weights of one channel pair");
  ImGui::SetNextItemWidth(em * 7);
  if (nin > 1) ImGui::InputInt(fmt("input channel (of %d)", nin).c_str(), &app.kernel_sel_in);
  else ImGui::Text("input channel 0 (the only one%s)", app.layer.groups > 1 ? " per group" : "");
  item_tooltip(app.layer.groups > 1 ? "The input channel within its group." : "The input channel these weights multiply.");
  ImGui::SetNextItemWidth(em * 7);
  if (nout > 1) ImGui::InputInt(fmt("filter (of %d)", nout).c_str(), &app.kernel_sel_out);
  else ImGui::Text("filter 0 (the only one)");
  item_tooltip("The filter (output channel) these weights belong to.");
  app.kernel_sel_in = std::clamp(app.kernel_sel_in, 0, nin - 1);
  app.kernel_sel_out = std::clamp(app.kernel_sel_out, 0, nout - 1);

  float max_abs = 1e-6f;
  for (int y = 0; y < kh; ++y)
    for (int x = 0; x < kw; ++x)
      max_abs = std::max(max_abs, std::fabs(app.kernel.data[size_t(kernel_index(app, y, x, app.kernel_sel_in, app.kernel_sel_out))]));
  const float avail = ImGui::GetContentRegionAvail().x;
  const float spacing = 2.0f;
  const float cell = std::clamp((avail - spacing * (kw - 1)) / float(kw), em * 1.6f, em * 4.2f);
  bool changed = false;
  ImGui::PushStyleVar(ImGuiStyleVar_ItemSpacing, ImVec2(spacing, spacing));
  for (int y = 0; y < kh; ++y) {
    for (int x = 0; x < kw; ++x) {
      const int64_t i = kernel_index(app, y, x, app.kernel_sel_in, app.kernel_sel_out);
      float& w = app.kernel.data[size_t(i)];
      const Rgba8 c = diverging_color(w / max_abs);
      const bool light = std::fabs(w / max_abs) < 0.6f;
      ImGui::PushID(int(y * kw + x));
      if (x > 0) ImGui::SameLine();
      ImGui::PushStyleColor(ImGuiCol_FrameBg, ImVec4(c.r / 255.f, c.g / 255.f, c.b / 255.f, 1));
      ImGui::PushStyleColor(ImGuiCol_FrameBgHovered, ImVec4(c.r / 255.f, c.g / 255.f, c.b / 255.f, 0.8f));
      ImGui::PushStyleColor(ImGuiCol_Text, light ? ImVec4(0, 0, 0, 1) : ImVec4(1, 1, 1, 1));
      ImGui::SetNextItemWidth(cell);
      if (ImGui::DragFloat("##w", &w, 0.01f, 0, 0, cell > em * 3 ? "%.3g" : "%.2g")) changed = true;
      ImGui::PopStyleColor(3);
      if (ImGui::IsItemHovered())
        ImGui::SetTooltip("kernel[%d, %d, %d, %d] = %g\ndrag, or double-click to type",
                          y, x, app.layer.transpose ? app.kernel_sel_out : app.kernel_sel_in,
                          app.layer.transpose ? app.kernel_sel_in : app.kernel_sel_out, w);
      ImGui::PopID();
    }
  }
  ImGui::PopStyleVar();
  if (changed) {
    ks.source = KernelSource::Edited;
    mark_changed(app, Change::Weights);
  }
  float sum = 0;
  for (int y = 0; y < kh; ++y)
    for (int x = 0; x < kw; ++x) sum += app.kernel.data[size_t(kernel_index(app, y, x, app.kernel_sel_in, app.kernel_sel_out))];
  ImGui::TextDisabled("sum of these weights: %.4g   (blue < 0 < red)", sum);

  section_title("Presets");
  ImGui::SetNextItemWidth(em * 10);
  if (ImGui::BeginCombo("##preset", ks.preset.c_str())) {
    for (const auto& p : kernel_presets()) {
      if (ImGui::Selectable(p.name.c_str(), p.name == ks.preset)) ks.preset = p.name;
      item_tooltip(p.description.c_str());
    }
    ImGui::EndCombo();
  }
  if (const KernelPreset* p = find_preset(ks.preset)) item_tooltip(p->description.c_str());
  ImGui::SameLine();
  if (ImGui::Button("Apply preset", ImVec2(-1, 0))) apply_preset(app, ks.preset, ks.preset_target);
  int target = int(ks.preset_target);
  ImGui::RadioButton("this pair", &target, int(PresetTarget::SelectedPair));
  item_tooltip("Put the preset in the selected input/output pair only.");
  ImGui::SameLine();
  ImGui::RadioButton("all pairs", &target, int(PresetTarget::AllPairs));
  item_tooltip("The same weights for every input/output pair (the filters then sum the channels).");
  ImGui::SameLine();
  ImGui::RadioButton("each channel", &target, int(PresetTarget::PerChannel));
  item_tooltip("Apply the same kernel to every channel, as image filters do: filters = groups = input channels "
               "(a depthwise layer), so a colour image stays a colour image.");
  ks.preset_target = PresetTarget(target);
  ImGui::SetNextItemWidth(ImGui::GetContentRegionAvail().x - em * 7.5f);
  ImGui::InputTextWithHint("##kname", "name, e.g. my_edge", &ui.kernel_name);
  ImGui::SameLine();
  if (ImGui::Button("Save as preset", ImVec2(-1, 0))) {
    std::vector<float> w;
    for (int y = 0; y < kh; ++y)
      for (int x = 0; x < kw; ++x) w.push_back(app.kernel.data[size_t(kernel_index(app, y, x, app.kernel_sel_in, app.kernel_sel_out))]);
    try {
      app.message = "Saved " + save_user_preset(ui.kernel_name, kh, kw, w);
      ks.preset = ui.kernel_name;
    } catch (const std::exception& e) {
      app.error = e.what();
    }
  }
  item_tooltip("Save this pair's weights as your own kernel (in the kernel library's user folder); it then "
               "appears among the presets.");
  for (const auto& warning : kernel_library_warnings()) {
    ImGui::PushStyleColor(ImGuiCol_Text, ImVec4(1.0f, 0.75f, 0.3f, 1.0f));
    ImGui::TextWrapped("%s", warning.c_str());
    ImGui::PopStyleColor();
  }

  section_title("Initializer");
  initializer_combo("##init", &ks.initializer);
  item_tooltip(kInitHelp);
  ImGui::SameLine();
  int seed = int(ks.seed);
  ImGui::SetNextItemWidth(-1);
  if (ImGui::InputInt("##seed", &seed)) ks.seed = uint32_t(std::max(seed, 0));
  item_tooltip("The seed: the same seed gives the same weights, on every machine.");
  if (ks.initializer == "constant") {
    ImGui::SetNextItemWidth(em * 10);
    ImGui::InputFloat("value##kc", &ks.constant, 0.1f, 1.0f, "%g");
  }
  if (ImGui::Button("Initialize kernel")) {
    apply_initializer(app);
    mark_changed(app, Change::Weights);
  }
  item_tooltip(initializer_help(ks.initializer).c_str());
  ImGui::SameLine();
  if (ImGui::Button("New seed")) {
    ks.seed = ks.seed * 1103515245u % 100000u + 1u;
    apply_initializer(app);
    mark_changed(app, Change::Weights);
  }
  item_tooltip("Draw new weights with another seed (the seed stays visible, so you can come back).");

  section_title("Bias");
  if (!app.layer.use_bias) {
    ImGui::TextDisabled("use_bias is off (Layer tab).");
    return;
  }
  const int out_channel = app.layer.transpose ? app.kernel_sel_out : app.kernel_sel_out;
  if (out_channel < int(app.bias.size())) {
    ImGui::SetNextItemWidth(em * 10);
    if (ImGui::DragFloat(fmt("bias[%d]", out_channel).c_str(), &app.bias[size_t(out_channel)], 0.01f, 0, 0, "%.4g")) {
      ks.bias_edited = true;
      mark_changed(app, Change::Weights);
    }
    item_tooltip("The bias added to every value of this filter's output map.");
  }
  initializer_combo("##binit", &ks.bias_initializer);
  item_tooltip(kBiasHelp);
  ImGui::SameLine();
  int bseed = int(ks.bias_seed);
  ImGui::SetNextItemWidth(-1);
  if (ImGui::InputInt("##bseed", &bseed)) ks.bias_seed = uint32_t(std::max(bseed, 0));
  item_tooltip("Seed of the bias initializer.");
  if (ks.bias_initializer == "constant") {
    ImGui::SetNextItemWidth(em * 10);
    ImGui::InputFloat("value##bc", &ks.bias_constant, 0.1f, 1.0f, "%g");
  }
  if (ImGui::Button("Initialize bias")) {
    apply_bias_initializer(app);
    mark_changed(app, Change::Weights);
  }
}

}  // namespace convscope
