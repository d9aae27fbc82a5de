// The Weights panel: Keras regularizers shown as the penalty each adds to the loss for the
// current weights and output, and constraints with the weights before and after projection.
#include <algorithm>
#include <cmath>

#include "app/gui/ui.h"

namespace convscope {

namespace {

bool regularizer_row(const char* id, Regularizer& r) {
  bool changed = false;
  ImGui::PushID(id);
  ImGui::SetNextItemWidth(ImGui::GetFontSize() * 5.5f);
  if (ImGui::BeginCombo("##kind", to_string(r.kind))) {
    for (RegKind k : {RegKind::None, RegKind::L1, RegKind::L2, RegKind::L1L2})
      if (ImGui::Selectable(to_string(k), k == r.kind)) {
        r.kind = k;
        changed = true;
      }
    ImGui::EndCombo();
  }
  if (r.kind == RegKind::L1 || r.kind == RegKind::L1L2) {
    ImGui::SameLine();
    ImGui::SetNextItemWidth(ImGui::GetFontSize() * 4.5f);
    changed |= ImGui::InputFloat("l1", &r.l1, 0, 0, "%g");
  }
  if (r.kind == RegKind::L2 || r.kind == RegKind::L1L2) {
    ImGui::SameLine();
    ImGui::SetNextItemWidth(ImGui::GetFontSize() * 4.5f);
    changed |= ImGui::InputFloat("l2", &r.l2, 0, 0, "%g");
  }
  ImGui::PopID();
  return changed;
}

bool constraint_editor(const char* id, Constraint& c, int rank, const char* const* axis_names) {
  bool changed = false;
  ImGui::PushID(id);
  ImGui::SetNextItemWidth(ImGui::GetFontSize() * 8);
  if (ImGui::BeginCombo("##kind", to_string(c.kind))) {
    for (ConstraintKind k : {ConstraintKind::None, ConstraintKind::MaxNorm, ConstraintKind::MinMaxNorm,
                             ConstraintKind::NonNeg, ConstraintKind::UnitNorm})
      if (ImGui::Selectable(to_string(k), k == c.kind)) {
        c.kind = k;
        changed = true;
      }
    ImGui::EndCombo();
  }
  item_tooltip("max_norm: each weight vector's norm is scaled down to at most max_value.\n"
               "min_max_norm: norms pulled into [min_value, max_value] at the given rate.\n"
               "non_neg: negative weights become 0.\nunit_norm: each weight vector gets norm 1.\n"
               "The norm is taken over the chosen axes (Keras's axis argument).");
  const float w = ImGui::GetFontSize() * 4;
  if (c.kind == ConstraintKind::MaxNorm || c.kind == ConstraintKind::MinMaxNorm) {
    if (c.kind == ConstraintKind::MinMaxNorm) {
      ImGui::SameLine();
      ImGui::SetNextItemWidth(w);
      changed |= ImGui::InputFloat("min", &c.min_value, 0, 0, "%g");
    }
    ImGui::SameLine();
    ImGui::SetNextItemWidth(w);
    changed |= ImGui::InputFloat("max", &c.max_value, 0, 0, "%g");
    if (c.kind == ConstraintKind::MinMaxNorm) {
      ImGui::SameLine();
      ImGui::SetNextItemWidth(w);
      changed |= ImGui::InputFloat("rate", &c.rate, 0, 0, "%g");
    }
  }
  if (c.kind != ConstraintKind::None && c.kind != ConstraintKind::NonNeg && rank > 1) {
    ImGui::TextDisabled("axis =");
    for (int a = 0; a < rank; ++a) {
      ImGui::SameLine();
      bool on = c.axes & (1u << a);
      if (ImGui::Checkbox(fmt("%d %s##ax%d", a, axis_names[a], a).c_str(), &on)) {
        c.axes = on ? (c.axes | (1u << a)) : (c.axes & ~(1u << a));
        if (c.axes == 0) c.axes = 1u << a;
        changed = true;
      }
    }
  }
  ImGui::PopID();
  return changed;
}

void mini_grid(const char* label, const AppState& app, const Tensor& k, float max_abs, float cell) {
  const int kh = int(k.dim(0)), kw = int(k.dim(1));
  ImGui::BeginGroup();
  ImGui::TextUnformatted(label);
  const Rect r = rect_from_cursor(cell * kw, cell * kh);
  ImDrawList* dl = ImGui::GetWindowDrawList();
  for (int y = 0; y < kh; ++y)
    for (int x = 0; x < kw; ++x) {
      const int64_t i = kernel_index(app, y, x, app.kernel_sel_in, app.kernel_sel_out);
      const float v = i >= 0 && i < k.size() ? k.data[size_t(i)] : 0.0f;
      const ImVec2 a(r.x + x * cell, r.y + y * cell), b(a.x + cell, a.y + cell);
      dl->AddRectFilled(a, b, to_imcolor(diverging_color(v / max_abs)));
      dl->AddRect(a, b, IM_COL32(70, 80, 95, 255));
      const std::string t = fmt(std::fabs(v) >= 10 ? "%.0f" : "%.2f", v);
      const ImVec2 ts = ImGui::CalcTextSize(t.c_str());
      if (ts.x < cell - 2)
        dl->AddText(ImVec2(a.x + (cell - ts.x) / 2, a.y + (cell - ts.y) / 2),
                    std::fabs(v / max_abs) < 0.6f ? IM_COL32(0, 0, 0, 255) : IM_COL32(255, 255, 255, 255), t.c_str());
    }
  ImGui::Dummy(ImVec2(r.w, r.h));
  ImGui::EndGroup();
}

}  // namespace

void draw_weights_panel(AppState& app, Ui&) {
  WeightRules& w = app.rules;
  bool reg_changed = false, con_changed = false;

  section_title("Regularizers: penalty added to the loss");
  ImGui::PushStyleColor(ImGuiCol_Text, ImGui::GetStyle().Colors[ImGuiCol_TextDisabled]);
  ImGui::TextWrapped("Keras: l1 = l1 * sum(|x|), l2 = l2 * sum(x^2), l1_l2 = both.");
  ImGui::PopStyleColor();
  const double kp = regularizer_penalty(w.kernel_reg, app.effective_kernel.data.data(), app.effective_kernel.size());
  const double bp = regularizer_penalty(w.bias_reg, app.effective_bias.data(), int64_t(app.effective_bias.size()));
  double ap = 0;  // from the worker's sums: no pass over the output on the UI thread
  if (app.result && (w.activity_reg.kind == RegKind::L1 || w.activity_reg.kind == RegKind::L1L2))
    ap += double(w.activity_reg.l1) * app.result->output_abs_sum;
  if (app.result && (w.activity_reg.kind == RegKind::L2 || w.activity_reg.kind == RegKind::L1L2))
    ap += double(w.activity_reg.l2) * app.result->output_square_sum;
  ImGui::Text("kernel_regularizer");
  item_tooltip("kernel_regularizer: Optional regularizer for the convolution kernel.");
  reg_changed |= regularizer_row("kreg", w.kernel_reg);
  if (w.kernel_reg.kind != RegKind::None) ImGui::Text("    penalty = %.6g", kp);
  ImGui::Text("bias_regularizer");
  item_tooltip("bias_regularizer: Optional regularizer for the bias vector.");
  reg_changed |= regularizer_row("breg", w.bias_reg);
  if (w.bias_reg.kind != RegKind::None) ImGui::Text("    penalty = %.6g", bp);
  ImGui::Text("activity_regularizer");
  item_tooltip("activity_regularizer: Optional regularizer function for the output (here: the output maps "
               "after the activation, for this one image).");
  reg_changed |= regularizer_row("areg", w.activity_reg);
  if (w.activity_reg.kind != RegKind::None) ImGui::Text("    penalty = %.6g  (on the current output)", ap);
  if (w.kernel_reg.kind != RegKind::None || w.bias_reg.kind != RegKind::None || w.activity_reg.kind != RegKind::None)
    ImGui::Text("Total added to the loss: %.6g", kp + bp + ap);

  section_title("Constraints: projection after each optimizer step");
  const char* const kKernelAxes[] = {"kh", "kw", app.layer.transpose ? "out" : "in", app.layer.transpose ? "in" : "out"};
  const char* const kBiasAxes[] = {"filter"};
  ImGui::Text("kernel_constraint");
  item_tooltip("kernel_constraint: Optional projection function to be applied to the kernel after being updated "
               "by an Optimizer (e.g. used to implement norm constraints or value constraints for layer weights). "
               "For a Conv2D kernel Keras suggests axis=[0, 1, 2]: one norm per filter.");
  con_changed |= constraint_editor("kcon", w.kernel_constraint, 4, kKernelAxes);
  ImGui::Text("bias_constraint");
  item_tooltip("bias_constraint: Optional projection function to be applied to the bias after being updated by an Optimizer.");
  con_changed |= constraint_editor("bcon", w.bias_constraint, 1, kBiasAxes);
  con_changed |= ImGui::Checkbox("Run the layer with the constrained weights", &w.apply_constraints);
  item_tooltip("Keras applies constraints after each training step, not to the initial weights; turn this on to "
               "see the maps as they would be after the first projection.");

  if (con_changed) mark_changed(app, Change::Weights);
  else if (reg_changed) app.autosave_dirty = true;

  if (w.kernel_constraint.kind != ConstraintKind::None && app.kernel.rank() == 4) {
    const Tensor after = apply_constraint(w.kernel_constraint, app.kernel);
    float max_abs = 1e-6f;
    for (float v : app.kernel.data) max_abs = std::max(max_abs, std::fabs(v));
    for (float v : after.data) max_abs = std::max(max_abs, std::fabs(v));
    ImGui::Spacing();
    ImGui::TextDisabled("pair in %d -> filter %d (choose it in the Kernel tab)", app.kernel_sel_in, app.kernel_sel_out);
    const float em = ImGui::GetFontSize();
    const float cell = std::min(em * 2.6f, (ImGui::GetContentRegionAvail().x * 0.5f - em) / float(app.kernel.dim(1)));
    mini_grid("before", app, app.kernel, max_abs, cell);
    ImGui::SameLine(0, em);
    mini_grid("after", app, after, max_abs, cell);
  }
  if (w.bias_constraint.kind != ConstraintKind::None && !app.bias.empty()) {
    Tensor b({int64_t(app.bias.size())}, "bias");
    b.data = app.bias;
    const Tensor after = apply_constraint(w.bias_constraint, b);
    ImGui::Text("bias before: ");
    for (size_t i = 0; i < std::min<size_t>(b.data.size(), 4); ++i) {
      ImGui::SameLine();
      ImGui::Text("%.3g", b.data[i]);
    }
    if (b.data.size() > 4) {
      ImGui::SameLine();
      ImGui::TextDisabled("...");
    }
    ImGui::Text("bias after:  ");
    for (size_t i = 0; i < std::min<size_t>(after.data.size(), 4); ++i) {
      ImGui::SameLine();
      ImGui::Text("%.3g", after.data[i]);
    }
    if (after.data.size() > 4) {
      ImGui::SameLine();
      ImGui::TextDisabled("...");
    }
  }
}

}  // namespace convscope
