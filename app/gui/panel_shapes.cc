// The Shapes panel: input shape, padding on each side, padded size, output shape, each axis with
// Keras's formula and the current numbers plugged in; and how the values lie in memory for the
// chosen data_format.
#include <algorithm>

#include "app/gui/ui.h"

namespace convscope {

namespace {

void row(const char* name, const std::string& value, const char* help = nullptr) {
  ImGui::TableNextRow();
  ImGui::TableSetColumnIndex(0);
  ImGui::TextUnformatted(name);
  if (help) item_tooltip(help);
  ImGui::TableSetColumnIndex(1);
  ImGui::TextUnformatted(value.c_str());
}

void memory_picture(const ConvPlan& p, DataFormat f) {
  const float em = ImGui::GetFontSize();
  const int C = int(std::min<int64_t>(p.in_c, 3));
  const int H = 2, W = 2;
  static const ImU32 kColors[3] = {IM_COL32(200, 70, 70, 255), IM_COL32(70, 160, 80, 255), IM_COL32(70, 110, 210, 255)};
  ImGui::TextWrapped("%s: the first %d values of the input in memory (a %dx%d corner, %d channel%s), "
                     "index order %s. Strides in elements: %s.",
                     to_string(f), H * W * C, H, W, C, C > 1 ? "s" : "",
                     f == DataFormat::ChannelsLast ? "(y, x, c): the channels of one pixel are neighbours"
                                                   : "(c, y, x): each channel is a whole plane",
                     f == DataFormat::ChannelsLast
                         ? fmt("H %lld, W %lld, C 1", (long long)(p.in_w * p.in_c), (long long)p.in_c).c_str()
                         : fmt("C %lld, H %lld, W 1", (long long)(p.in_h * p.in_w), (long long)p.in_w).c_str());
  const float box = em * 3.1f, gap = 2;
  const Rect r = rect_from_cursor((box + gap) * float(H * W * C), box);
  ImDrawList* dl = ImGui::GetWindowDrawList();
  int i = 0;
  auto put = [&](int y, int x, int c) {
    const ImVec2 a(r.x + float(i) * (box + gap), r.y), b(a.x + box, a.y + box);
    dl->AddRectFilled(a, b, kColors[c], 3.0f);
    const std::string t = C > 1 ? fmt("%d,%d,%c", y, x, "RGB"[c]) : fmt("%d,%d", y, x);
    const ImVec2 ts = ImGui::CalcTextSize(t.c_str());
    dl->AddText(ImVec2(a.x + (box - ts.x) / 2, a.y + (box - ts.y) / 2), IM_COL32(255, 255, 255, 255), t.c_str());
    ++i;
  };
  if (f == DataFormat::ChannelsLast) {
    for (int y = 0; y < H; ++y)
      for (int x = 0; x < W; ++x)
        for (int c = 0; c < C; ++c) put(y, x, c);
  } else {
    for (int c = 0; c < C; ++c)
      for (int y = 0; y < H; ++y)
        for (int x = 0; x < W; ++x) put(y, x, c);
  }
  ImGui::Dummy(ImVec2(r.w, r.h));
  ImGui::TextDisabled("(labels: row, column%s; addresses grow to the right; only part of the image shown)",
                      C > 1 ? ", channel" : "");
}

}  // namespace

void draw_shapes_panel(AppState& app, Ui&) {
  const float em = ImGui::GetFontSize();
  if (!app.plan_error.empty()) {
    ImGui::PushStyleColor(ImGuiCol_Text, ImVec4(1.0f, 0.45f, 0.4f, 1.0f));
    ImGui::TextWrapped("Impossible setting: %s", app.plan_error.c_str());
    ImGui::PopStyleColor();
    ImGui::TextDisabled("Below: the last valid plan (the maps show its result).");
    ImGui::Spacing();
  }
  if (!app.input || app.plan.in_h <= 0) return;
  const ConvPlan& p = app.plan;
  const DataFormat f = app.layer.data_format;
  section_title(p.transpose ? "Conv2DTranspose shapes" : "Conv2D shapes");
  if (ImGui::BeginTable("shapes", 2, ImGuiTableFlags_RowBg | ImGuiTableFlags_BordersInnerV)) {
    ImGui::TableSetupColumn("what", ImGuiTableColumnFlags_WidthFixed, em * 11);
    ImGui::TableSetupColumn("value");
    row("input", shape_to_string(p.input_shape(f)), f == DataFormat::ChannelsLast ? "(batch, height, width, channels)"
                                                                                   : "(batch, channels, height, width)");
    if (!p.transpose) {
      row("padding top, bottom", fmt("%lld, %lld", (long long)p.y.pad_before, (long long)p.y.pad_after),
          "Rows added above and below the input (TensorFlow puts the odd one at the bottom for 'same').");
      row("padding left, right", fmt("%lld, %lld", (long long)p.x.pad_before, (long long)p.x.pad_after),
          "Columns added left and right of the input.");
      row("padded size", fmt("%lld x %lld", (long long)(p.in_h + p.y.pad_before + p.y.pad_after),
                             (long long)(p.in_w + p.x.pad_before + p.x.pad_after)));
    } else {
      row("full result", fmt("%lld x %lld", (long long)((p.in_h - 1) * p.y.stride + p.y.extent),
                             (long long)((p.in_w - 1) * p.x.stride + p.x.extent)),
          "(in - 1) * stride + dilated kernel extent: every input value stamps the whole kernel.");
      row("cropped top, bottom", fmt("%lld, %lld", (long long)p.y.pad_before, (long long)p.y.pad_after),
          "Rows removed from the full result (negative: zero rows appended, from output_padding).");
      row("cropped left, right", fmt("%lld, %lld", (long long)p.x.pad_before, (long long)p.x.pad_after));
    }
    row("dilated kernel extent", fmt("%lld x %lld", (long long)p.y.extent, (long long)p.x.extent),
        "(kernel - 1) * dilation + 1: the span of input one output value reads.");
    row("output", shape_to_string(p.output_shape(f)));
    row("kernel", shape_to_string(p.kernel_shape()), "Keras layout.");
    row("bias", app.layer.use_bias ? fmt("(%d,)", app.layer.filters) : std::string("none (use_bias=False)"));
    int64_t params = 1;
    for (int64_t d : p.kernel_shape()) params *= d;
    if (app.layer.use_bias) params += app.layer.filters;
    row("parameters", fmt("%lld", (long long)params));
    row("multiply-adds", fmt("%.4g", double(p.macs())));
    ImGui::EndTable();
  }

  section_title(p.transpose ? "Output size per axis (Keras deconv_output_length)" : "Output size per axis (Keras conv_output_length)");
  if (ui_font_mono()) ImGui::PushFont(ui_font_mono());
  ImGui::TextWrapped("height: %s", p.y.formula.c_str());
  ImGui::TextWrapped("width:  %s", p.x.formula.c_str());
  if (ui_font_mono()) ImGui::PopFont();

  if (!p.beyond_keras.empty()) {
    section_title("Keras would refuse");
    for (const auto& n : p.beyond_keras) {
      ImGui::PushStyleColor(ImGuiCol_Text, ImVec4(1.0f, 0.75f, 0.3f, 1.0f));
      ImGui::Bullet();
      ImGui::TextWrapped("%s", n.c_str());
      ImGui::PopStyleColor();
    }
  }

  section_title("data_format: how the values lie in memory");
  memory_picture(p, f);
}

}  // namespace convscope
