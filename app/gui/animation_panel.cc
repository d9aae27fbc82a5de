// The step-by-step animation canvas: the same Scene the GIF exporter rasterises
// (app/cli/animation_scene.h), drawn with ImDrawList, plus the controls around it.
#include "app/gui/animation_panel.h"

#include <GLFW/glfw3.h>
#include <imgui.h>

#include <algorithm>
#include <atomic>
#include <cfloat>
#include <cmath>
#include <mutex>
#include <nlohmann/json.hpp>
#include <thread>

#include "app/cli/animation_render.h"
#include "app/cli/animation_setup.h"
#include "app/gui/app_state.h"
#include "app/gui/ui.h"
#include "engine/atomic_file.h"
#include "engine/error.h"

namespace convscope {

// A GIF / PNG-frames export running on its own thread. The model it reads is immutable and shared.
struct AnimationExport {
  std::thread thread;
  std::atomic<int64_t> done{0}, total{1};
  std::atomic<bool> cancel{false}, finished{false};
  std::mutex mutex;
  std::string message;  // the result, under mutex
  ~AnimationExport() {
    cancel = true;
    if (thread.joinable()) thread.join();
  }
};

namespace {

using json = nlohmann::json;

const char* kHelp =
    "Watch the layer compute its output one multiply at a time.\n"
    "- Left grid: the input (pale dashed cells are padding; pale yellow cells are the zeros a transposed "
    "convolution inserts). Right grid: the output, filling in. The orange box is the kernel window; each "
    "kernel weight has its own colour, and its value is the small number in the corner of the cell it covers.\n"
    "- Hover an output cell to light the input cells it reads (its receptive field); hover an input cell "
    "to light every output it feeds; hover a kernel weight to light every input value it multiplies. "
    "Click to pin a highlight (click again or right-click to unpin). Clicking an output cell also jumps there.\n"
    "- Space plays/pauses, Left/Right step while the mouse is over the canvas.";

ImU32 col(Rgba c) { return IM_COL32(c.r, c.g, c.b, c.a); }

void dashed_line(ImDrawList* dl, ImVec2 a, ImVec2 b, ImU32 c, float w) {
  const float dx = b.x - a.x, dy = b.y - a.y, len = std::sqrt(dx * dx + dy * dy);
  if (len <= 0) return;
  for (float t = 0; t < len; t += 10.0f) {
    const float t1 = std::min(len, t + 6.0f);
    dl->AddLine(ImVec2(a.x + dx * t / len, a.y + dy * t / len), ImVec2(a.x + dx * t1 / len, a.y + dy * t1 / len), c, w);
  }
}

float imgui_measure(const std::string& t, float size) {
  return ImGui::GetFont()->CalcTextSizeA(size, FLT_MAX, 0.0f, t.c_str()).x;
}

void draw_scene(ImDrawList* dl, const Scene& scene, ImVec2 o) {
  ImFont* font = ImGui::GetFont();
  for (const SceneItem& it : scene.items) {
    const ImVec2 p0(o.x + it.x0, o.y + it.y0), p1(o.x + it.x1, o.y + it.y1);
    switch (it.kind) {
      case ItemKind::Rect:
        if (it.fill.a) dl->AddRectFilled(p0, p1, col(it.fill));
        if (it.stroke.a) {
          if (it.dashed) {
            dashed_line(dl, p0, ImVec2(p1.x, p0.y), col(it.stroke), it.width);
            dashed_line(dl, ImVec2(p1.x, p0.y), p1, col(it.stroke), it.width);
            dashed_line(dl, p1, ImVec2(p0.x, p1.y), col(it.stroke), it.width);
            dashed_line(dl, ImVec2(p0.x, p1.y), p0, col(it.stroke), it.width);
          } else {
            dl->AddRect(p0, p1, col(it.stroke), 0.0f, 0, it.width);
          }
        }
        break;
      case ItemKind::Line:
        if (it.dashed) dashed_line(dl, p0, p1, col(it.stroke), it.width);
        else dl->AddLine(p0, p1, col(it.stroke), it.width);
        break;
      case ItemKind::Text: {
        float x = p0.x;
        if (it.align != Align::Left) x -= imgui_measure(it.text, it.size) * (it.align == Align::Center ? 0.5f : 1.0f);
        dl->AddText(font, it.size, ImVec2(x, p0.y), col(it.stroke), it.text.c_str());
        break;
      }
    }
  }
}

// The region of the app's input the canvas animates.
Tensor region_of(const AnimationPanelState& s, const Tensor& input, int* y, int* x) {
  return region_of_interest(input, s.roi_y, s.roi_x, s.roi_size, y, x);
}

// (Re)builds the model when what it shows changed.
void ensure_model(AppState& app, AnimationPanelState& s) {
  std::string key = s.preset.empty() ? "app:" + std::to_string(app.compute_version) + ":" +
                                           std::to_string(reinterpret_cast<uintptr_t>(app.input.get())) + ":" +
                                           std::to_string(s.roi_y) + "," + std::to_string(s.roi_x) + "," +
                                           std::to_string(s.roi_size)
                                     : "preset:" + s.preset;
  key += std::string(":") + to_string(s.view) + (s.show_matching ? ":m" : "");
  if (key == s.model_key) return;
  s.model_key = key;
  s.model.reset();
  s.matching.reset();
  s.model_error.clear();
  s.caption.clear();
  try {
    AnimationSetup setup;
    if (!s.preset.empty()) {
      const AnimationPreset* p = find_animation_preset(s.preset);
      if (!p) throw UserError("unknown preset '" + s.preset + "'");
      setup = setup_from_preset(*p);
    } else {
      if (!app.input) throw UserError("no input loaded");
      if (!app.plan_valid) throw UserError(app.plan_error.empty() ? "the layer does not fit the input" : app.plan_error);
      int ry = 0, rx = 0;
      setup.layer = app.layer;
      setup.input = region_of(s, *app.input, &ry, &rx);
      setup.kernel = app.effective_kernel;
      if (app.layer.use_bias && static_cast<int>(app.effective_bias.size()) == app.layer.filters) {
        setup.bias = Tensor({static_cast<int64_t>(app.effective_bias.size())}, "bias");
        setup.bias.data = app.effective_bias;
      }
      if (setup.input.dim(0) != app.input->dim(0) || setup.input.dim(1) != app.input->dim(1))
        setup.caption = "Region " + std::to_string(setup.input.dim(0)) + "x" + std::to_string(setup.input.dim(1)) +
                        " at row " + std::to_string(ry) + ", column " + std::to_string(rx) + " of " + app.input_name + ".";
    }
    setup.view = s.view;
    s.caption = setup.caption;
    auto model = std::shared_ptr<const StepModel>(make_step_model(setup));
    s.model = model;
    if (s.show_matching && model->plan().transpose) {
      // The forward convolution this layer is the transpose of: same kernel tensor, the shapes swapped.
      Layer f = setup.layer;
      f.transpose = false;
      f.output_padding_h = f.output_padding_w = -1;
      f.filters = static_cast<int>(model->plan().in_c);
      f.use_bias = false;
      f.activation = Activation::Linear;
      Tensor in({model->plan().out_h, model->plan().out_w, model->plan().out_c}, "input");
      in.data = model->result();
      try {
        s.matching = std::make_shared<const StepModel>(f, in, setup.kernel, nullptr);
      } catch (const std::exception&) {
        s.matching.reset();
      }
    }
  } catch (const std::exception& e) {
    s.model_error = e.what();
  }
  if (s.model) {
    if (s.pending_step >= 0) {
      s.tap_step = s.model->tap_step_at_end(s.granularity, s.pending_step);
      s.pending_step = -1;
    }
    s.tap_step = std::clamp<int64_t>(s.tap_step, 0, s.model->tap_step_count() - 1);
  }
}

// The cell size that fits the scene (or both scenes) into the space left, between 16 px and 2.6 lines.
float fit_cell(const StepModel& m, const StepModel* matching, float fs) {
  auto cols_rows = [](const StepModel& mm, float* cols, float* rows) {
    const ConvPlan& p = mm.plan();
    const float kc = static_cast<float>(p.x.kernel), kr = static_cast<float>(p.y.kernel);
    if (mm.scatter()) {
      *cols = static_cast<float>(p.in_w + mm.full_w()) + kc;
      *rows = static_cast<float>(std::max<int64_t>({p.in_h, mm.full_h(), p.y.kernel + 2}));
    } else {
      *cols = static_cast<float>(mm.slide_x().count + p.out_w) + kc;
      *rows = static_cast<float>(std::max<int64_t>({mm.slide_y().count, p.out_h, p.y.kernel + 2}));
    }
    (void)kr;
  };
  float cols = 0, rows = 0;
  cols_rows(m, &cols, &rows);
  const ImVec2 avail = ImGui::GetContentRegionAvail();
  float width = avail.x - fs * 1.5f;
  float text_h = fs * 12;  // title, caption, labels, legend, arithmetic
  width -= 32 + fs * 1.3f + 1.7f * 56;
  if (matching) {  // drawn below the main scene
    float c2 = 0, r2 = 0;
    cols_rows(*matching, &c2, &r2);
    cols = std::max(cols, c2);
    rows += r2;
    text_h *= 2;
  }
  const float by_width = width / std::max(1.0f, cols);
  // With the matching Conv2D below, the canvas scrolls: fit the width only.
  const float by_height = matching ? by_width : (avail.y - text_h) / std::max(1.0f, rows);
  return std::floor(std::clamp(std::min(by_width, by_height), 16.0f, std::round(fs * 2.6f)));
}

SceneOptions scene_options(const AnimationPanelState& s, float cell) {
  SceneOptions o;
  o.tap_step = s.tap_step;
  o.tap_colours = s.tap_colours;
  o.show_values = s.show_values;
  o.cell = cell;
  o.font = ImGui::GetFontSize();
  o.caption = s.preset.empty() ? s.caption : std::string();
  if (!s.preset.empty())
    if (const AnimationPreset* p = find_animation_preset(s.preset)) o.caption = p->caption;
  const Highlight& h = s.pinned.kind != HighlightKind::None ? s.pinned : s.hovered;
  o.hover_output = h.kind == HighlightKind::Output;
  o.hover_input = h.kind == HighlightKind::Input;
  o.hover_tap = h.kind == HighlightKind::Weight;
  o.output_cell = o.input_cell = h.cell;
  o.tap_ky = h.ky;
  o.tap_kx = h.kx;
  return o;
}

void start_export(AnimationPanelState& s, const SceneOptions& base, bool gif) {
  auto job = std::make_shared<AnimationExport>();
  AnimationExport* j = job.get();  // the job outlives its thread: its destructor joins
  std::shared_ptr<const StepModel> model = s.model;
  const std::vector<int64_t> steps = export_tap_steps(*model, s.granularity, 300);
  SceneOptions o = base;
  o.hover_input = o.hover_output = o.hover_tap = false;
  o.font = std::max(11.0f, std::min(16.0f, o.cell * 0.38f));
  const std::string path = gif ? s.export_path : s.frames_dir;
  const int delay_cs = std::max(2, static_cast<int>(std::lround(100.0 / std::max(0.1f, s.speed))));
  job->thread = std::thread([j, model, steps, o, path, gif, delay_cs] {
    auto progress = [j](int64_t offset) {
      return [j, offset](int64_t d, int64_t t) {
        j->total = 2 * t;
        j->done = offset * t + d;
        return !j->cancel.load();
      };
    };
    std::string msg;
    try {
      const std::vector<RgbaImage> frames = render_animation(*model, steps, o, progress(0));
      if (gif) write_animated_gif(path, frames, delay_cs, progress(1));
      else write_png_frames(path, frames, progress(1));
      msg = "Saved " + std::to_string(frames.size()) + " frames to " + path;
    } catch (const Cancelled&) {
      msg = "Export cancelled";
    } catch (const std::exception& e) {
      msg = std::string("Export failed: ") + e.what();
    }
    std::lock_guard<std::mutex> lock(j->mutex);
    j->message = msg;
    j->finished = true;
  });
  s.export_job = job;
  s.export_message.clear();
}

// Groups: a slider over the values that divide both channel counts, and a picture of which input
// channels feed which output channels.
void draw_groups(AppState& app, const AnimationPanelState& s) {
  if (!s.preset.empty() || !app.plan_valid) return;
  const int cin = static_cast<int>(app.plan.in_c), cout = app.layer.filters;
  std::vector<int> options;
  for (int g = 1; g <= std::min(cin, cout); ++g)
    if (cin % g == 0 && cout % g == 0) options.push_back(g);
  if (options.size() < 2 && app.layer.groups == 1) return;
  int idx = 0;
  for (size_t i = 0; i < options.size(); ++i)
    if (options[i] == app.layer.groups) idx = static_cast<int>(i);
  ImGui::SetNextItemWidth(ImGui::GetFontSize() * 10);
  const std::string label = "groups " + std::to_string(options[static_cast<size_t>(idx)]) +
                            (options[static_cast<size_t>(idx)] == 1 ? " (standard)" : options[static_cast<size_t>(idx)] == cin && cin == cout ? " (depthwise)" : "");
  if (ImGui::SliderInt("##groups", &idx, 0, static_cast<int>(options.size()) - 1, label.c_str())) {
    app.layer.groups = options[static_cast<size_t>(idx)];
    mark_changed(app, Change::Layer);
  }
  item_tooltip("Slide from a standard convolution (groups 1: every output channel reads every input channel) to a "
               "depthwise one (groups = channels: each output reads only its own input channel). The picture shows "
               "which input channels (left) feed which output channels (right); orange: the pair the canvas shows now.");
  // The channel picture.
  const int n_in = std::min(cin, 32), n_out = std::min(cout, 32);
  const float h = ImGui::GetFontSize() * 0.9f, w = ImGui::GetFontSize() * 8;
  const float height = std::max(n_in, n_out) * h;
  ImGui::SameLine();
  const ImVec2 o = ImGui::GetCursorScreenPos();
  ImDrawList* dl = ImGui::GetWindowDrawList();
  int64_t cur_ci = -1, cur_co = -1;
  if (s.model && !s.model->scatter()) {
    const StepModel::Frame f = s.model->frame(s.tap_step);
    const PositionStep p = s.model->position(f.unit);
    cur_co = p.co;
    cur_ci = p.taps[static_cast<size_t>(std::min<int64_t>(f.tap, s.model->taps_per_unit() - 1))].ci;
  }
  const int groups = app.layer.groups;
  for (int ci = 0; ci < n_in; ++ci)
    for (int co = 0; co < n_out; ++co) {
      if (ci / (cin / groups) != co / (cout / groups)) continue;
      const bool cur = ci == cur_ci && co == cur_co;
      const Rgba gc = tap_colour(0, ci / (cin / groups), 1, groups);
      dl->AddLine(ImVec2(o.x + h, o.y + (ci + 0.5f) * h), ImVec2(o.x + w - h, o.y + (co + 0.5f) * h),
                  cur ? IM_COL32(214, 84, 0, 255) : IM_COL32(gc.r, gc.g, gc.b, 200), cur ? 2.5f : 1.0f);
    }
  for (int ci = 0; ci < n_in; ++ci)
    dl->AddRectFilled(ImVec2(o.x, o.y + ci * h + 1), ImVec2(o.x + h, o.y + (ci + 1) * h - 1), IM_COL32(62, 122, 190, 255));
  for (int co = 0; co < n_out; ++co)
    dl->AddRectFilled(ImVec2(o.x + w - h, o.y + co * h + 1), ImVec2(o.x + w, o.y + (co + 1) * h - 1), IM_COL32(82, 158, 62, 255));
  ImGui::Dummy(ImVec2(w, height));
}

// A coarse picture of the app's input with the region marked; clicking moves the region.
void draw_region_picker(AppState& app, AnimationPanelState& s) {
  if (!s.preset.empty() || !app.input) return;
  const Tensor& in = *app.input;
  const int H = static_cast<int>(in.dim(0)), W = static_cast<int>(in.dim(1)), C = static_cast<int>(in.dim(2));
  if (H <= s.roi_size && W <= s.roi_size) {
    ImGui::TextDisabled("The whole %dx%d input is shown.", H, W);
    ImGui::SetNextItemWidth(ImGui::GetFontSize() * 8);
    if (ImGui::SliderInt("region size", &s.roi_size, 2, kMaxRoiSide)) {}
    return;
  }
  ImGui::SetNextItemWidth(ImGui::GetFontSize() * 8);
  ImGui::SliderInt("region size", &s.roi_size, 2, kMaxRoiSide);
  item_tooltip("How many input cells per side the canvas shows. Click the picture to move the region.");
  const float side = ImGui::GetFontSize() * 7;
  const int cells = 48;
  const float sc = side / static_cast<float>(std::max(H, W));
  const ImVec2 o = ImGui::GetCursorScreenPos();
  ImDrawList* dl = ImGui::GetWindowDrawList();
  float lo = in.data.empty() ? 0 : *std::min_element(in.data.begin(), in.data.end());
  float hi = in.data.empty() ? 1 : *std::max_element(in.data.begin(), in.data.end());
  if (hi <= lo) hi = lo + 1;
  const int step = std::max(1, std::max(H, W) / cells);
  for (int y = 0; y < H; y += step)
    for (int x = 0; x < W; x += step) {
      float v[3] = {0, 0, 0};
      for (int c = 0; c < 3; ++c) v[c] = in.data[static_cast<size_t>((y * W + x) * C + std::min(c, C - 1))];
      auto q = [&](float t) { return static_cast<int>(std::clamp((t - lo) / (hi - lo), 0.0f, 1.0f) * 255); };
      dl->AddRectFilled(ImVec2(o.x + x * sc, o.y + y * sc), ImVec2(o.x + (x + step) * sc, o.y + (y + step) * sc),
                        IM_COL32(q(v[0]), q(v[1]), q(v[2]), 255));
    }
  int ry = 0, rx = 0;
  region_of(s, in, &ry, &rx);
  dl->AddRect(ImVec2(o.x + rx * sc, o.y + ry * sc), ImVec2(o.x + (rx + s.roi_size) * sc, o.y + (ry + s.roi_size) * sc),
              IM_COL32(255, 140, 0, 255), 0, 0, 2.0f);
  ImGui::InvisibleButton("##roi", ImVec2(W * sc, H * sc));
  if (ImGui::IsItemActive()) {
    const ImVec2 m = ImGui::GetIO().MousePos;
    s.roi_y = std::clamp(static_cast<int>((m.y - o.y) / sc) - s.roi_size / 2, 0, std::max(0, H - s.roi_size));
    s.roi_x = std::clamp(static_cast<int>((m.x - o.x) / sc) - s.roi_size / 2, 0, std::max(0, W - s.roi_size));
  }
  item_tooltip("Click or drag to choose the region of the image the canvas animates.");
}

void write_regions_file(const AnimationPanelState& s, const Scene& scene) {
  const char* path = std::getenv("CONVSCOPE_ANIMATION_REGIONS");
  if (!path || !*path) return;
  auto grid = [&](const GridGeom& g) {
    return json{{"x", s.origin_x + g.x0}, {"y", s.origin_y + g.y0}, {"cell", g.cell}, {"first_y", g.first_y},
                {"first_x", g.first_x}, {"rows", g.rows}, {"cols", g.cols}};
  };
  json j{{"input", grid(scene.input)}, {"output", grid(scene.output)}, {"kernel", grid(scene.kernel)},
         {"tap_step", s.tap_step}, {"arithmetic", scene.arithmetic}};
  try {
    write_file_atomically(path, j.dump(1));
  } catch (const std::exception&) {
  }
}

}  // namespace

json animation_to_json(const AnimationPanelState& s) {
  json j{{"preset", s.preset},
         {"roi", {s.roi_y, s.roi_x, s.roi_size}},
         {"granularity", to_string(s.granularity)},
         {"view", to_string(s.view)},
         {"tap_step", s.tap_step},
         {"speed", s.speed},
         {"tap_colours", s.tap_colours},
         {"show_values", s.show_values},
         {"show_matching", s.show_matching}};
  return j;
}

void animation_from_json(AnimationPanelState& s, const json& j) {
  try {
    AnimationPanelState n = s;
    n.preset = j.value("preset", "");
    if (!n.preset.empty() && !find_animation_preset(n.preset)) throw UserError("unknown animation preset '" + n.preset + "'");
    if (j.contains("roi")) {
      const auto r = j.at("roi").get<std::vector<int>>();
      if (r.size() == 3) {
        n.roi_y = r[0];
        n.roi_x = r[1];
        n.roi_size = std::clamp(r[2], 2, kMaxRoiSide);
      }
    }
    n.granularity = parse_granularity(j.value("granularity", "position"));
    n.view = parse_transposed_view(j.value("view", "direct"));
    n.tap_step = j.value("tap_step", int64_t{0});
    if (j.contains("step")) n.pending_step = j.at("step").get<int64_t>();  // a step of the granularity
    n.speed = std::clamp(j.value("speed", 2.0f), 0.25f, 30.0f);
    n.tap_colours = j.value("tap_colours", true);
    n.show_values = j.value("show_values", true);
    n.show_matching = j.value("show_matching", false);
    n.pinned = Highlight{};
    if (j.contains("pin")) {  // {"output": [y, x]} | {"input": [y, x]} | {"weight": [ky, kx]}
      const json& p = j.at("pin");
      for (const auto& [name, kind] : {std::pair<const char*, HighlightKind>{"output", HighlightKind::Output},
                                       {"input", HighlightKind::Input}, {"weight", HighlightKind::Weight}})
        if (p.contains(name)) {
          const auto v = p.at(name).get<std::vector<int64_t>>();
          if (v.size() != 2) throw UserError(std::string("animation.pin.") + name + " must be [y, x]");
          n.pinned.kind = kind;
          n.pinned.cell = {v[0], v[1]};
          n.pinned.ky = static_cast<int>(v[0]);
          n.pinned.kx = static_cast<int>(v[1]);
        }
    }
    n.model_key.clear();
    s = n;
  } catch (const json::exception& e) {
    throw UserError(std::string("animation: ") + e.what());
  }
}

void draw_animation_panel(AppState& app) {
  AnimationPanelState& s = app.animation;
  const float fs = ImGui::GetFontSize();

  // ---- Source ----
  {
    ImGui::SetNextItemWidth(fs * 22);
    const std::string current = s.preset.empty() ? "This app's layer (on a region of the input)" : s.preset;
    if (ImGui::BeginCombo("##source", current.c_str())) {
      if (ImGui::Selectable("This app's layer (on a region of the input)", s.preset.empty())) s.preset.clear();
      ImGui::Separator();
      for (const AnimationPreset& p : animation_presets()) {
        if (ImGui::Selectable(p.name.c_str(), s.preset == p.name)) {
          s.preset = p.name;
          s.tap_step = 0;
          s.pinned = Highlight{};
        }
        item_tooltip(p.caption.c_str());
      }
      ImGui::EndCombo();
    }
    item_tooltip("What to animate: the layer set in the left panels with its weights, on a small region of the input, "
                 "or one of the animations of Dumoulin & Visin's 'A guide to convolution arithmetic for deep learning' "
                 "(named by its file names), with small integer values.");
    ImGui::SameLine();
    help_marker(kHelp);
  }
  ensure_model(app, s);

  // ---- Controls ----
  if (s.model) {
    const StepModel& m = *s.model;
    const int64_t count = m.step_count(s.granularity);
    int64_t step = m.step_containing(s.granularity, s.tap_step);
    auto go = [&](int64_t st) {
      s.tap_step = m.tap_step_at_end(s.granularity, std::clamp<int64_t>(st, 0, count - 1));
    };
    if (ImGui::Button("|<")) go(0);
    item_tooltip("Back to the first step.");
    ImGui::SameLine();
    if (ImGui::Button("<")) go(step - 1);
    item_tooltip("One step back (Left arrow).");
    ImGui::SameLine();
    if (ImGui::Button(s.playing ? "Pause" : "Play", ImVec2(fs * 3.5f, 0))) {
      s.playing = !s.playing;
      if (s.playing && step >= count - 1) go(0);
      s.play_clock = 0;
    }
    item_tooltip("Play or pause the animation (Space).");
    ImGui::SameLine();
    if (ImGui::Button(">")) go(step + 1);
    item_tooltip("One step forward (Right arrow).");
    ImGui::SameLine();
    if (ImGui::Button(">|")) go(count - 1);
    item_tooltip("Jump to the end: the whole output.");
    ImGui::SameLine();
    ImGui::SetNextItemWidth(fs * 6);
    int g = static_cast<int>(s.granularity);
    if (ImGui::Combo("step by", &g, "tap\0position\0row\0")) {
      s.granularity = static_cast<StepGranularity>(g);
      s.tap_step = m.tap_step_at_end(s.granularity, m.step_containing(s.granularity, s.tap_step));
    }
    item_tooltip("tap: one multiply at a time; position: one output value at a time; row: one output row at a time.");
    ImGui::SameLine();
    ImGui::SetNextItemWidth(fs * 7);
    ImGui::SliderFloat("steps/s", &s.speed, 0.25f, 30.0f, "%.2g", ImGuiSliderFlags_Logarithmic);
    item_tooltip("Playing speed, in steps of the chosen size per second.");
    ImGui::SameLine();
    ImGui::SetNextItemWidth(-FLT_MIN);
    int st = static_cast<int>(step) + 1;  // shown from 1, like the canvas's counter
    const std::string fmt_s = std::string(to_string(s.granularity)) + " step %d of " + std::to_string(count);
    if (ImGui::SliderInt("##scrub", &st, 1, static_cast<int>(count), fmt_s.c_str())) go(st - 1);
    item_tooltip("Drag to scrub through the steps.");

    // Playing.
    if (s.playing) {
      s.play_clock += ImGui::GetIO().DeltaTime;
      const double period = 1.0 / std::max(0.1f, s.speed);
      while (s.play_clock >= period) {
        s.play_clock -= period;
        step = m.step_containing(s.granularity, s.tap_step);
        if (step >= count - 1) {
          s.playing = false;
          break;
        }
        go(step + 1);
      }
      glfwPostEmptyEvent();  // keep frames coming while the main loop would wait for input
    }

    ImGui::Checkbox("colour per kernel weight", &s.tap_colours);
    item_tooltip("Give every kernel position its own colour, so which weight touches which input cell reads without numbers.");
    ImGui::SameLine();
    ImGui::Checkbox("values", &s.show_values);
    item_tooltip("Print values in the cells when they fit (colour shows them otherwise).");
    ImGui::SameLine();
    float cell = s.cell;
    ImGui::SetNextItemWidth(fs * 6);
    if (ImGui::SliderFloat("cell size", &cell, 0.0f, 96.0f, cell < 16 ? "fit" : "%.0f px")) s.cell = cell < 16 ? 0.0f : cell;
    item_tooltip("Size of a grid cell; all the way left: fit the canvas to the window.");
    if (m.plan().transpose) {
      ImGui::SameLine();
      int v = static_cast<int>(s.view);
      ImGui::TextUnformatted("transposed view:");
      ImGui::SameLine();
      if (ImGui::RadioButton("scatter", v == 0)) s.view = TransposedView::Scatter;
      item_tooltip("Each input value stamps value x kernel onto the output; overlaps add up; then the padding crops the edges.");
      ImGui::SameLine();
      if (ImGui::RadioButton("direct", v == 1)) s.view = TransposedView::Direct;
      item_tooltip("The same result as an ordinary convolution: zeros inserted between the input values, padding around, "
                   "the kernel flipped by 180 degrees, stride 1.");
      ImGui::SameLine();
      ImGui::Checkbox("with its Conv2D", &s.show_matching);
      item_tooltip("Show, below, the forward convolution this layer is the transpose of, with the colours swapped: "
                   "its input has the shape of this layer's output, and the other way round.");
    }
    draw_groups(app, s);
  }

  // ---- Export ----
  {
    const bool running = s.export_job && !s.export_job->finished;
    ImGui::SetNextItemWidth(fs * 14);
    char buf[512];
    std::snprintf(buf, sizeof buf, "%s", s.export_path.c_str());
    if (ImGui::InputText("##gif", buf, sizeof buf)) s.export_path = buf;
    item_tooltip("Where the animated GIF goes (written through a temporary file).");
    ImGui::SameLine();
    ImGui::BeginDisabled(running || !s.model);
    if (ImGui::Button("Export GIF")) start_export(s, scene_options(s, s.cell > 0 ? s.cell : 40.0f), true);
    item_tooltip("Save every step of the chosen size as an animated GIF (at most 300 frames).");
    ImGui::SameLine();
    ImGui::SetNextItemWidth(fs * 10);
    std::snprintf(buf, sizeof buf, "%s", s.frames_dir.c_str());
    if (ImGui::InputText("##frames", buf, sizeof buf)) s.frames_dir = buf;
    item_tooltip("Folder for the numbered PNG frames (frame_0000.png ...).");
    ImGui::SameLine();
    if (ImGui::Button("Export PNG frames")) start_export(s, scene_options(s, s.cell > 0 ? s.cell : 40.0f), false);
    ImGui::EndDisabled();
    if (s.export_job) {
      ImGui::SameLine();
      if (!s.export_job->finished) {
        const float frac = static_cast<float>(s.export_job->done.load()) / static_cast<float>(std::max<int64_t>(1, s.export_job->total.load()));
        ImGui::ProgressBar(frac, ImVec2(fs * 8, 0));
        ImGui::SameLine();
        if (ImGui::SmallButton("Cancel")) s.export_job->cancel = true;
        glfwPostEmptyEvent();
      } else {
        {
          std::lock_guard<std::mutex> lock(s.export_job->mutex);
          s.export_message = s.export_job->message;
        }
        s.export_job.reset();
      }
    }
    if (!s.export_message.empty()) {
      ImGui::SameLine();
      ImGui::TextDisabled("%s", s.export_message.c_str());
    }
  }
  if (s.preset.empty()) {
    if (ImGui::CollapsingHeader("Region of the input")) draw_region_picker(app, s);
  }
  ImGui::Separator();

  if (!s.model) {
    ImGui::TextColored(ImVec4(0.9f, 0.4f, 0.3f, 1.0f), "Cannot animate this setting: %s", s.model_error.c_str());
    return;
  }

  // ---- Canvas ----
  const float cell = s.cell > 0 ? s.cell : fit_cell(*s.model, s.matching.get(), fs);
  SceneOptions o = scene_options(s, cell);
  const Scene scene = build_scene(*s.model, o, imgui_measure);
  Scene side;
  if (s.matching) {
    SceneOptions so = o;
    so.hover_input = so.hover_output = so.hover_tap = false;
    so.swap_colours = true;
    so.caption = "The Conv2D this layer is the transpose of (colours swapped): its input has the transposed layer's "
                 "output shape and its output the transposed layer's input shape. Same kernel tensor.";
    const double frac = static_cast<double>(s.tap_step) / static_cast<double>(std::max<int64_t>(1, s.model->tap_step_count() - 1));
    so.tap_step = static_cast<int64_t>(std::llround(frac * static_cast<double>(s.matching->tap_step_count() - 1)));
    side = build_scene(*s.matching, so, imgui_measure);
  }
  ImGui::BeginChild("anim_canvas", ImVec2(0, 0), false, ImGuiWindowFlags_HorizontalScrollbar);
  const ImVec2 origin = ImGui::GetCursorScreenPos();
  ImDrawList* dl = ImGui::GetWindowDrawList();
  draw_scene(dl, scene, origin);
  if (s.matching) draw_scene(dl, side, ImVec2(origin.x, origin.y + scene.height + fs * 0.5f));
  s.origin_x = origin.x;
  s.origin_y = origin.y;
  s.input_grid = scene.input;
  s.output_grid = scene.output;
  s.kernel_grid = scene.kernel;
  ImGui::InvisibleButton("##canvas", ImVec2(std::max(scene.width, side.width),
                                            scene.height + (s.matching ? side.height + fs * 0.5f : 0.0f)));
  const bool hovered = ImGui::IsItemHovered();
  const bool clicked = ImGui::IsItemClicked(ImGuiMouseButton_Left);
  s.hovered = Highlight{};
  if (hovered) {
    const ImVec2 mp = ImGui::GetIO().MousePos;
    const float mx = mp.x - origin.x, my = mp.y - origin.y;
    int64_t gy = 0, gx = 0;
    if (scene.output.hit(mx, my, &gy, &gx)) {
      s.hovered.kind = HighlightKind::Output;
      s.hovered.cell = {gy, gx};
      const ConvPlan& p = s.model->plan();
      if (clicked && gy >= 0 && gy < p.out_h && gx >= 0 && gx < p.out_w && !s.model->scatter()) {
        const int64_t co = s.model->position(s.model->frame(s.tap_step).unit).co;
        s.tap_step = s.model->tap_step_at_end(StepGranularity::Position, s.model->unit_of_output(gy, gx, co));
        s.playing = false;
      }
      ImGui::SetTooltip("output (%lld, %lld): click to jump here and pin its receptive field", static_cast<long long>(gy),
                        static_cast<long long>(gx));
    } else if (scene.input.hit(mx, my, &gy, &gx)) {
      s.hovered.kind = HighlightKind::Input;
      s.hovered.cell = {gy, gx};
      const CellKind kind = s.model->scatter() ? CellKind::Input : s.model->grid_kind(gy, gx);
      ImGui::SetTooltip("%s (%lld, %lld): lights every output it feeds; click to pin",
                        kind == CellKind::Input ? "input" : kind == CellKind::Padding ? "padding" : "inserted zero",
                        static_cast<long long>(gy), static_cast<long long>(gx));
    } else if (scene.kernel.hit(mx, my, &gy, &gx)) {
      // Drawn flipped in the direct view of a transposed layer.
      const bool flip = s.model->plan().transpose && !s.model->scatter();
      s.hovered.kind = HighlightKind::Weight;
      s.hovered.ky = static_cast<int>(flip ? s.model->plan().y.kernel - 1 - gy : gy);
      s.hovered.kx = static_cast<int>(flip ? s.model->plan().x.kernel - 1 - gx : gx);
      ImGui::SetTooltip("weight (%d, %d): lights every input value it multiplies over the whole run; click to pin",
                        s.hovered.ky, s.hovered.kx);
    }
    if (clicked && s.hovered.kind != HighlightKind::None) s.pinned = s.pinned == s.hovered ? Highlight{} : s.hovered;
    if (ImGui::IsMouseClicked(ImGuiMouseButton_Right)) s.pinned = Highlight{};
    // Keys while the canvas is under the mouse.
    const int64_t count = s.model->step_count(s.granularity);
    const int64_t step = s.model->step_containing(s.granularity, s.tap_step);
    if (ImGui::IsKeyPressed(ImGui::GetKeyIndex(ImGuiKey_Space))) s.playing = !s.playing;
    if (ImGui::IsKeyPressed(ImGui::GetKeyIndex(ImGuiKey_RightArrow)))
      s.tap_step = s.model->tap_step_at_end(s.granularity, std::min(step + 1, count - 1));
    if (ImGui::IsKeyPressed(ImGui::GetKeyIndex(ImGuiKey_LeftArrow)))
      s.tap_step = s.model->tap_step_at_end(s.granularity, std::max<int64_t>(step - 1, 0));
  }
  write_regions_file(s, scene);
  ImGui::EndChild();
}

}  // namespace convscope
