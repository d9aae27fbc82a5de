// The Help panel: what the app shows, how to read it, and the keyboard shortcuts.
#include <algorithm>
#include "app/gui/ui.h"

namespace convscope {

namespace {
struct Shortcut {
  const char* keys;
  const char* what;
};
const Shortcut kShortcuts[] = {
    {"Ctrl+O", "open an image by path"},
    {"Ctrl+S", "save the selected feature map (.png or .npy)"},
    {"Ctrl+Shift+S", "save the setup as JSON"},
    {"Ctrl+L", "load a setup JSON"},
    {"1 ... 6", "Feature maps, Compare, Step by step, Shapes, Code, Help"},
    {"Left / Right", "previous / next feature map"},
    {"A", "before / after the activation"},
    {"T", "Conv2D / Conv2DTranspose"},
    {"+ / -", "more / fewer filters"},
    {"R", "new random seed for the kernel initializer"},
    {"F1", "this help"},
    {"Ctrl+Q", "quit (the setup is autosaved)"},
};
}  // namespace

void draw_help_panel(AppState&, Ui&) {
  section_title("What you see");
  ImGui::TextWrapped(
      "ConvScope runs one Keras Conv2D or Conv2DTranspose layer on an image, exactly as Keras computes it, and shows "
      "every output channel (feature map). Change anything on the left (input, layer parameters, kernel weights) "
      "and the maps update: the engine runs on a background thread, so the window never freezes, and a newer "
      "change cancels a stale computation.");
  ImGui::Spacing();
  ImGui::TextWrapped(
      "Signed maps use a diverging colour map: blue below 0, white at 0, red above. Non-negative maps are gray. "
      "The legend under the enlarged map gives the range. Hover any map for the value under the cursor; zoom in on "
      "a small grid to read every value.");
  ImGui::Spacing();
  ImGui::TextWrapped(
      "Where the engine accepts a setting that Keras would refuse (explicit padding, 'full', strides with dilation, "
      "border modes...), an orange note says so. An impossible setting shows its error in red and the last valid "
      "result stays on screen.");
  section_title("Keyboard shortcuts");
  if (ImGui::BeginTable("keys", 2, ImGuiTableFlags_RowBg)) {
    ImGui::TableSetupColumn("keys", ImGuiTableColumnFlags_WidthFixed, ImGui::GetFontSize() * 9);
    ImGui::TableSetupColumn("what");
    for (const Shortcut& s : kShortcuts) {
      ImGui::TableNextRow();
      ImGui::TableSetColumnIndex(0);
      ImGui::TextUnformatted(s.keys);
      ImGui::TableSetColumnIndex(1);
      ImGui::TextUnformatted(s.what);
    }
    ImGui::EndTable();
  }
  section_title("Files");
  ImGui::TextWrapped(
      "The setup is autosaved to the config folder ($XDG_CONFIG_HOME/convscope or ~/.config/convscope) and restored "
      "at the next start. Drop an image on the window to open it. Command line: convscope --help.");
}

void handle_shortcuts(AppState& app, Ui& ui, bool* quit) {
  ImGuiIO& io = ImGui::GetIO();
  if (ui.prompt != PromptKind::None) return;
  auto pressed = [](int key) { return ImGui::IsKeyPressed(key, false); };
  if (io.KeyCtrl) {
    if (pressed('O')) ui.open_prompt(PromptKind::OpenImage, app.input_settings.image_path);
    if (pressed('S') && io.KeyShift) ui.open_prompt(PromptKind::SaveSession, "convscope_setup.json");
    else if (pressed('S')) ui.open_prompt(PromptKind::SaveMap, fmt("map_%02lld.png", (long long)app.view.maps.selected));
    if (pressed('L')) ui.open_prompt(PromptKind::LoadSession, "convscope_setup.json");
    if (pressed('Q')) *quit = true;
    return;
  }
  if (io.WantTextInput) return;
  static const MainTab kTabs[] = {MainTab::Maps, MainTab::Compare, MainTab::Steps, MainTab::Shapes, MainTab::Code, MainTab::Help};
  for (int i = 0; i < 6; ++i)
    if (pressed('1' + i)) {
      app.view.tab = kTabs[i];
      app.view.tab_requested = true;
    }
  if (pressed(290)) {
    app.view.tab = MainTab::Help;
    app.view.tab_requested = true;
  }
  const int64_t n = app.result ? int64_t(app.result->maps.size()) : 0;
  if (n > 0 && pressed(ImGui::GetKeyIndex(ImGuiKey_RightArrow))) {
    app.view.maps.selected = (app.view.maps.selected + 1) % n;
    mark_changed(app, Change::View);
  }
  if (n > 0 && pressed(ImGui::GetKeyIndex(ImGuiKey_LeftArrow))) {
    app.view.maps.selected = (app.view.maps.selected + n - 1) % n;
    mark_changed(app, Change::View);
  }
  if (pressed('A')) {
    app.view.maps.before_activation = !app.view.maps.before_activation;
    mark_changed(app, Change::View);
  }
  if (pressed('T')) {
    app.layer.transpose = !app.layer.transpose;
    mark_changed(app, Change::Layer);
  }
  if (pressed('=') || pressed(334)) {
    app.layer.filters = std::min(app.layer.filters + app.layer.groups, 512);
    mark_changed(app, Change::Layer);
  }
  if ((pressed('-') || pressed(333)) && app.layer.filters > app.layer.groups) {
    app.layer.filters -= app.layer.groups;
    mark_changed(app, Change::Layer);
  }
  if (pressed('R')) {
    app.kernel_settings.seed = app.kernel_settings.seed * 1103515245u % 100000u + 1u;
    apply_initializer(app);
    mark_changed(app, Change::Weights);
  }
}

}  // namespace convscope
