// The Layer panel: every parameter of Keras's Conv2D / Conv2DTranspose that the engine has, each
// with a tooltip in Keras's words, plus what ConvScope accepts beyond Keras (marked as such).
#include <algorithm>

#include "app/gui/ui.h"

namespace convscope {

namespace {

const char* kFilters = "filters: int, the dimension of the output space (the number of filters in the convolution).";
const char* kKernel = "kernel_size: int or tuple/list of 2 integers, specifying the size of the convolution window.";
const char* kStrides = "strides: int or tuple/list of 2 integers, specifying the stride length of the convolution. "
                       "strides > 1 is incompatible with dilation_rate > 1.";
const char* kPadding = "padding: string, either \"valid\" or \"same\" (case-insensitive). \"valid\" means no padding. "
                       "\"same\" results in padding evenly to the left/right or up/down of the input. When "
                       "padding=\"same\" and strides=1, the output has the same size as the input.\n\n"
                       "Beyond Keras: \"full\" (extent - 1 on each side) and explicit per-side values.";
const char* kDilation = "dilation_rate: int or tuple/list of 2 integers, specifying the dilation rate to use for "
                        "dilated convolution.";
const char* kOutputPadding = "output_padding: An integer or tuple/list of 2 integers, specifying the amount of padding "
                             "along the height and width of the output tensor. The amount of output padding along a "
                             "given dimension must be lower than the stride along that same dimension. If set to None "
                             "(default), the output shape is inferred.";
const char* kGroups = "groups: A positive int specifying the number of groups in which the input is split along the "
                      "channel axis. Each group is convolved separately with filters // groups filters. The output is "
                      "the concatenation of all the groups results along the channel axis. Input channels and filters "
                      "must both be divisible by groups.";
const char* kDataFormat = "data_format: string, either \"channels_last\" or \"channels_first\". The ordering of the "
                          "dimensions in the inputs. \"channels_last\" corresponds to inputs with shape (batch_size, "
                          "height, width, channels) while \"channels_first\" corresponds to inputs with shape "
                          "(batch_size, channels, height, width).";
const char* kActivation = "activation: Activation function. If None, no activation is applied.";
const char* kUseBias = "use_bias: bool, if True, bias will be added to the output.";
const char* kBorder = "Beyond Keras (image filtering): where values outside the image come from, as numpy.pad names "
                      "them. zero is Keras's; reflect = d c b|a b c d|c b a, symmetric = c b a|a b c d|d c b, "
                      "replicate = a a a|a b c d|d d d, wrap = b c d|a b c d|a b c, constant = v v v|a b c d.";

bool pair_input(const char* label, int* a, int* b, int lo, int hi) {
  int v[2] = {*a, *b};
  ImGui::SetNextItemWidth(ImGui::GetFontSize() * 9);
  const bool changed = ImGui::InputInt2(label, v);
  if (changed) {
    *a = std::clamp(v[0], lo, hi);
    *b = std::clamp(v[1], lo, hi);
  }
  return changed;
}

}  // namespace

void draw_layer_panel(AppState& app, Ui&) {
  Layer& l = app.layer;
  bool changed = false;
  const float em = ImGui::GetFontSize();

  int type = l.transpose ? 1 : 0;
  changed |= ImGui::RadioButton("Conv2D", &type, 0);
  item_tooltip("2D convolution layer: a kernel slides over the input and each output value is the sum of "
               "kernel weights times the input values under them (cross-correlation, as Keras computes it).");
  ImGui::SameLine();
  changed |= ImGui::RadioButton("Conv2DTranspose", &type, 1);
  item_tooltip("2D transposed convolution layer: each input value stamps value x kernel onto the output "
               "(the gradient of Conv2D), which upsamples by the stride.");
  l.transpose = type == 1;

  section_title("Shape of the computation");
  ImGui::SetNextItemWidth(em * 9);
  if (ImGui::InputInt("filters", &l.filters)) {
    l.filters = std::clamp(l.filters, 1, 512);
    changed = true;
  }
  item_tooltip(kFilters);
  changed |= pair_input("kernel_size", &l.kernel_h, &l.kernel_w, 1, 31);
  item_tooltip(kKernel);
  changed |= pair_input("strides", &l.stride_h, &l.stride_w, 1, 16);
  item_tooltip(kStrides);
  changed |= pair_input("dilation_rate", &l.dilation_h, &l.dilation_w, 1, 16);
  item_tooltip(kDilation);

  ImGui::SetNextItemWidth(em * 9);
  if (ImGui::BeginCombo("padding", to_string(l.padding.kind))) {
    for (PaddingKind k : {PaddingKind::Valid, PaddingKind::Same, PaddingKind::Full, PaddingKind::Explicit})
      if (ImGui::Selectable(to_string(k), k == l.padding.kind)) {
        l.padding.kind = k;
        changed = true;
      }
    ImGui::EndCombo();
  }
  item_tooltip(kPadding);
  if (l.padding.kind == PaddingKind::Explicit) {
    int p[4] = {l.padding.top, l.padding.bottom, l.padding.left, l.padding.right};
    ImGui::SetNextItemWidth(em * 13);
    if (ImGui::InputInt4("t b l r", p)) {
      for (int& v : p) v = std::clamp(v, 0, 64);
      l.padding.top = p[0], l.padding.bottom = p[1], l.padding.left = p[2], l.padding.right = p[3];
      changed = true;
    }
    item_tooltip(l.transpose ? "top, bottom, left, right: rows/columns cropped from the full transposed result on each "
                               "side (PyTorch's padding)."
                             : "top, bottom, left, right: zeros (or border values) added on each side of the input.");
  }
  if (l.transpose) {
    bool none = l.output_padding_h < 0;
    if (ImGui::Checkbox("output_padding None", &none)) {
      l.output_padding_h = l.output_padding_w = none ? -1 : 0;
      changed = true;
    }
    item_tooltip(kOutputPadding);
    if (!none) {
      ImGui::SameLine();
      changed |= pair_input("##op", &l.output_padding_h, &l.output_padding_w, 0, 15);
      item_tooltip(kOutputPadding);
    }
  }
  ImGui::SetNextItemWidth(em * 9);
  if (ImGui::InputInt("groups", &l.groups)) {
    l.groups = std::clamp(l.groups, 1, 512);
    changed = true;
  }
  item_tooltip(kGroups);
  if (app.input) {
    ImGui::SameLine();
    if (ImGui::SmallButton("depthwise")) {
      l.groups = int(app.input->dim(2));
      l.filters = std::max(l.filters / l.groups, 1) * l.groups;
      changed = true;
    }
    item_tooltip("groups = input channels: each input channel gets its own filters (a depthwise convolution).");
  }

  section_title("Output");
  ImGui::SetNextItemWidth(em * 9);
  if (ImGui::BeginCombo("activation", to_string(l.activation))) {
    for (Activation a : all_activations())
      if (ImGui::Selectable(to_string(a), a == l.activation)) {
        l.activation = a;
        changed = true;
      }
    ImGui::EndCombo();
  }
  item_tooltip(kActivation);
  changed |= ImGui::Checkbox("use_bias", &l.use_bias);
  item_tooltip(kUseBias);
  ImGui::SameLine();
  ImGui::TextDisabled("(bias values: Kernel tab)");

  ImGui::SetNextItemWidth(em * 9);
  if (ImGui::BeginCombo("data_format", to_string(l.data_format))) {
    for (DataFormat f : {DataFormat::ChannelsLast, DataFormat::ChannelsFirst})
      if (ImGui::Selectable(to_string(f), f == l.data_format)) {
        l.data_format = f;
        changed = true;
      }
    ImGui::EndCombo();
  }
  item_tooltip(kDataFormat);

  if (!l.transpose) {
    section_title("Border (image filtering, beyond Keras)");
    ImGui::SetNextItemWidth(em * 9);
    if (ImGui::BeginCombo("border", to_string(l.border))) {
      for (BorderMode b : all_border_modes())
        if (ImGui::Selectable(to_string(b), b == l.border)) {
          l.border = b;
          changed = true;
        }
      ImGui::EndCombo();
    }
    item_tooltip(kBorder);
    if (l.border == BorderMode::Constant) {
      ImGui::SetNextItemWidth(em * 9);
      changed |= ImGui::InputFloat("value", &l.border_value, 0.1f, 1.0f, "%g");
    }
  }

  if (changed) mark_changed(app, Change::Layer);

  // What Keras would refuse, and impossible settings (the last valid result stays on screen).
  if (!app.plan_error.empty()) {
    ImGui::Spacing();
    ImGui::PushStyleColor(ImGuiCol_Text, ImVec4(1.0f, 0.45f, 0.4f, 1.0f));
    ImGui::TextWrapped("Impossible: %s", app.plan_error.c_str());
    ImGui::PopStyleColor();
    ImGui::TextDisabled("Showing the last valid result.");
  } else if (app.plan_valid && !app.plan.beyond_keras.empty()) {
    section_title("Keras would refuse this layer");
    ImGui::PushStyleColor(ImGuiCol_Text, ImVec4(1.0f, 0.75f, 0.3f, 1.0f));
    for (const auto& note : app.plan.beyond_keras) {
      ImGui::Bullet();
      ImGui::TextWrapped("%s", note.c_str());
    }
    ImGui::PopStyleColor();
    ImGui::TextDisabled("ConvScope computes it anyway.");
  }
}

}  // namespace convscope
