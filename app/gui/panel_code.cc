// The Code panel: the Keras and PyTorch lines that build the current layer, ready to copy.
#include "app/gui/code_gen.h"
#include "app/gui/ui.h"

namespace convscope {

CodeContext code_context(const AppState& app) {
  CodeContext c;
  c.layer = app.layer;
  c.plan = app.plan;
  c.kernel_initializer = app.kernel_settings.initializer;
  c.seed = app.kernel_settings.seed;
  c.bias_initializer = app.kernel_settings.bias_initializer;
  c.kernel_reg = app.rules.kernel_reg;
  c.bias_reg = app.rules.bias_reg;
  c.activity_reg = app.rules.activity_reg;
  c.kernel_constraint = app.rules.kernel_constraint;
  c.bias_constraint = app.rules.bias_constraint;
  return c;
}

namespace {

void code_block(const char* id, const std::string& code, float height) {
  if (ImGui::SmallButton(fmt("Copy##%s", id).c_str())) ImGui::SetClipboardText(code.c_str());
  item_tooltip("Copy to the clipboard.");
  ImGui::PushStyleColor(ImGuiCol_ChildBg, ImVec4(0.09f, 0.10f, 0.12f, 1.0f));
  ImGui::BeginChild(id, ImVec2(0, height), true, ImGuiWindowFlags_HorizontalScrollbar);
  if (ui_font_mono()) ImGui::PushFont(ui_font_mono());
  ImGui::TextUnformatted(code.c_str());
  if (ui_font_mono()) ImGui::PopFont();
  ImGui::EndChild();
  ImGui::PopStyleColor();
}

}  // namespace

void draw_code_panel(AppState& app, Ui&) {
  if (!app.plan_valid) {
    ImGui::TextDisabled("The current setting is impossible: %s", app.plan_error.c_str());
    return;
  }
  const CodeContext c = code_context(app);
  const float h = (ImGui::GetContentRegionAvail().y - ImGui::GetTextLineHeightWithSpacing() * 4) * 0.5f;
  section_title("Keras");
  code_block("keras", keras_code(c), h);
  section_title("PyTorch (with the padding it needs to match Keras)");
  code_block("torch", pytorch_code(c), h);
}

}  // namespace convscope
