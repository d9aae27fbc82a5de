#include "app/gui/session.h"

#include <algorithm>
#include <cstdlib>
#include <filesystem>

#include "engine/atomic_file.h"
#include "engine/error.h"
#include "engine/json_text.h"
#include "engine/layer_json.h"

namespace convscope {

using nlohmann::json;
namespace fs = std::filesystem;

namespace {

const char* to_string(PresetTarget t) {
  switch (t) {
    case PresetTarget::SelectedPair: return "selected_pair";
    case PresetTarget::AllPairs: return "all_pairs";
    case PresetTarget::PerChannel: return "per_channel";
  }
  return "per_channel";
}
PresetTarget parse_target(const std::string& s) {
  if (s == "selected_pair") return PresetTarget::SelectedPair;
  if (s == "all_pairs") return PresetTarget::AllPairs;
  return PresetTarget::PerChannel;
}
const char* to_string(KernelSource s) {
  return s == KernelSource::Initializer ? "initializer" : s == KernelSource::Preset ? "preset" : "edited";
}
KernelSource parse_source(const std::string& s) {
  if (s == "initializer") return KernelSource::Initializer;
  if (s == "preset") return KernelSource::Preset;
  return KernelSource::Edited;
}
RegKind parse_reg(const std::string& s) {
  for (RegKind k : {RegKind::L1, RegKind::L2, RegKind::L1L2})
    if (s == to_string(k)) return k;
  return RegKind::None;
}
ConstraintKind parse_constraint(const std::string& s) {
  for (ConstraintKind k : {ConstraintKind::MaxNorm, ConstraintKind::MinMaxNorm, ConstraintKind::NonNeg, ConstraintKind::UnitNorm})
    if (s == to_string(k)) return k;
  return ConstraintKind::None;
}
json reg_json(const Regularizer& r) { return {{"kind", to_string(r.kind)}, {"l1", r.l1}, {"l2", r.l2}}; }
Regularizer reg_from(const json& j) {
  Regularizer r;
  r.kind = parse_reg(j.value("kind", "None"));
  r.l1 = j.value("l1", r.l1);
  r.l2 = j.value("l2", r.l2);
  return r;
}
json con_json(const Constraint& c) {
  return {{"kind", to_string(c.kind)}, {"max_value", c.max_value}, {"min_value", c.min_value}, {"rate", c.rate}, {"axes", c.axes}};
}
Constraint con_from(const json& j, Constraint c) {
  c.kind = parse_constraint(j.value("kind", "None"));
  c.max_value = j.value("max_value", c.max_value);
  c.min_value = j.value("min_value", c.min_value);
  c.rate = j.value("rate", c.rate);
  c.axes = j.value("axes", c.axes);
  return c;
}

// Dotted paths of the keys in `given` that `known` (what this version writes) does not have:
// what a setup from another version carried that this one ignores.
void unknown_keys(const json& given, const json& known, const std::string& prefix, std::vector<std::string>& out) {
  if (!given.is_object() || !known.is_object()) return;
  for (auto it = given.begin(); it != given.end(); ++it) {
    const std::string path = prefix.empty() ? it.key() : prefix + "." + it.key();
    if (!known.contains(it.key())) out.push_back(path);
    else unknown_keys(it.value(), known.at(it.key()), path, out);
  }
}

}  // namespace

json session_to_json(const AppState& app) {
  const InputSettings& in = app.input_settings;
  const KernelSettings& ks = app.kernel_settings;
  const ViewSettings& v = app.view;
  json j;
  j["convscope_session"] = kSessionFormat;
  j["input"] = {{"kind", in.kind == InputKind::Grid ? "grid" : "image"},
                {"image_path", in.image_path},
                {"gray", in.gray},
                {"max_side", in.max_side},
                {"pattern", to_string(in.pattern)},
                {"grid_size", in.grid_size},
                {"grid_channels", in.grid_channels},
                {"grid_seed", in.grid_seed},
                {"grid", in.grid}};
  j["layer"] = layer_to_json(app.layer);
  j["kernel"] = {{"source", to_string(ks.source)},
                 {"initializer", ks.initializer},
                 {"seed", ks.seed},
                 {"constant", ks.constant},
                 {"preset", ks.preset},
                 {"preset_target", to_string(ks.preset_target)},
                 {"shape", app.kernel.shape},
                 {"weights", app.kernel.data}};
  j["bias"] = {{"initializer", ks.bias_initializer}, {"seed", ks.bias_seed}, {"constant", ks.bias_constant},
               {"edited", ks.bias_edited}, {"values", app.bias}};
  j["rules"] = {{"kernel_regularizer", reg_json(app.rules.kernel_reg)},
                {"bias_regularizer", reg_json(app.rules.bias_reg)},
                {"activity_regularizer", reg_json(app.rules.activity_reg)},
                {"kernel_constraint", con_json(app.rules.kernel_constraint)},
                {"bias_constraint", con_json(app.rules.bias_constraint)},
                {"apply_constraints", app.rules.apply_constraints}};
  j["view"] = {{"tab", to_string(v.tab)},
               {"left_tab", int(v.left_tab)},
               {"color_map", to_string(v.maps.color_map)},
               {"shared_range", v.maps.shared_range},
               {"before_activation", v.maps.before_activation},
               {"normalize", to_string(v.maps.normalize)},
               {"selected", v.maps.selected},
               {"enlarged", v.enlarged},
               {"compare", v.compare == CompareMode::Split ? "split" : "side_by_side"},
               {"split", v.split},
               {"zoom", v.zoom.zoom},
               {"pan", {v.zoom.pan_x, v.zoom.pan_y}},
               {"kernel_pair", {app.kernel_sel_in, app.kernel_sel_out}},
               {"window", {v.window_w, v.window_h}}};
  j["recent_files"] = app.recent_files;
  j["animation"] = animation_to_json(app.animation);  // the step-by-step canvas (issue 4)
  return j;
}

PendingSession read_session_json(const AppState& app, const json& j) {
  PendingSession pending{"", app, j};
  AppState& next = pending.next;  // built aside; `app` changes only when the setup is applied
  next.result.reset();
  try {
    if (!j.is_object()) throw UserError("the setup is not a JSON object");
    if (j.contains("input")) {
      const json& in = j.at("input");
      InputSettings& s = next.input_settings;
      s.kind = in.value("kind", "image") == "grid" ? InputKind::Grid : InputKind::Image;
      s.image_path = in.value("image_path", "");
      s.gray = in.value("gray", false);
      s.max_side = in.value("max_side", 512);
      s.pattern = parse_grid_pattern(in.value("pattern", "ramp"));
      s.grid_size = in.value("grid_size", 6);
      s.grid_channels = in.value("grid_channels", 1);
      s.grid_seed = in.value("grid_seed", 1u);
      s.grid = in.value("grid", std::vector<float>{});
    }
    if (j.contains("layer")) next.layer = layer_from_json(j.at("layer"));
    if (j.contains("kernel")) {
      const json& k = j.at("kernel");
      KernelSettings& ks = next.kernel_settings;
      ks.source = parse_source(k.value("source", "initializer"));
      ks.initializer = k.value("initializer", ks.initializer);
      ks.seed = k.value("seed", ks.seed);
      ks.constant = k.value("constant", ks.constant);
      ks.preset = k.value("preset", ks.preset);
      ks.preset_target = parse_target(k.value("preset_target", "per_channel"));
      if (k.contains("weights") && k.contains("shape")) {
        Tensor t(k.at("shape").get<std::vector<int64_t>>(), "kernel");
        const auto w = k.at("weights").get<std::vector<float>>();
        if (w.size() != t.data.size())
          throw UserError("kernel.weights has " + std::to_string(w.size()) + " values, its shape needs " +
                          std::to_string(t.data.size()));
        t.data = w;
        next.kernel = std::move(t);
      } else {
        next.kernel = Tensor();  // regenerate from the source
      }
    }
    if (j.contains("bias")) {
      const json& b = j.at("bias");
      KernelSettings& ks = next.kernel_settings;
      ks.bias_initializer = b.value("initializer", ks.bias_initializer);
      ks.bias_seed = b.value("seed", ks.bias_seed);
      ks.bias_constant = b.value("constant", ks.bias_constant);
      ks.bias_edited = b.value("edited", false);
      next.bias = b.value("values", std::vector<float>{});
    }
    if (j.contains("rules")) {
      const json& r = j.at("rules");
      WeightRules& w = next.rules;
      if (r.contains("kernel_regularizer")) w.kernel_reg = reg_from(r.at("kernel_regularizer"));
      if (r.contains("bias_regularizer")) w.bias_reg = reg_from(r.at("bias_regularizer"));
      if (r.contains("activity_regularizer")) w.activity_reg = reg_from(r.at("activity_regularizer"));
      if (r.contains("kernel_constraint")) w.kernel_constraint = con_from(r.at("kernel_constraint"), w.kernel_constraint);
      if (r.contains("bias_constraint")) w.bias_constraint = con_from(r.at("bias_constraint"), w.bias_constraint);
      w.apply_constraints = r.value("apply_constraints", true);
    }
    if (j.contains("view")) {
      const json& v = j.at("view");
      ViewSettings& vs = next.view;
      vs.tab = parse_main_tab(v.value("tab", "maps"));
      vs.tab_requested = true;
      vs.left_tab = LeftTab(std::clamp(v.value("left_tab", 0), 0, 3));
      vs.maps.color_map = parse_color_map(v.value("color_map", "auto"));
      vs.maps.shared_range = v.value("shared_range", false);
      vs.maps.before_activation = v.value("before_activation", false);
      vs.maps.normalize = parse_normalize_mode(v.value("normalize", "auto"));
      vs.maps.selected = v.value("selected", int64_t(0));
      vs.enlarged = v.value("enlarged", true);
      vs.compare = v.value("compare", "side_by_side") == "split" ? CompareMode::Split : CompareMode::SideBySide;
      vs.split = v.value("split", 0.5f);
      vs.zoom.zoom = v.value("zoom", 1.0f);
      if (v.contains("pan")) {
        vs.zoom.pan_x = v.at("pan").at(0);
        vs.zoom.pan_y = v.at("pan").at(1);
      }
      if (v.contains("window")) {
        vs.window_w = v.at("window").at(0);
        vs.window_h = v.at("window").at(1);
      }
      if (v.contains("kernel_pair")) {
        next.kernel_sel_in = v.at("kernel_pair").at(0);
        next.kernel_sel_out = v.at("kernel_pair").at(1);
      }
    }
    if (j.contains("recent_files")) next.recent_files = j.at("recent_files").get<std::vector<std::string>>();
    if (j.contains("animation")) animation_from_json(next.animation, j.at("animation"));
  } catch (const UserError&) {
    throw;
  } catch (const std::exception& e) {
    throw UserError(std::string("malformed setup: ") + e.what());
  }
  return pending;
}

void apply_session(AppState& app, PendingSession&& pending) {
  AppState& next = pending.next;
  const json& j = pending.j;
  if (!next.plan_valid) throw UserError("the setup's layer is impossible for its input: " + next.plan_error);
  if (next.bias.size() != size_t(next.layer.filters) && next.kernel_settings.bias_edited)
    next.bias.resize(size_t(next.layer.filters), 0.0f);
  mark_changed(next, Change::Layer);
  // Keep the worker's bookkeeping monotonic (the app may have moved on while the image loaded): a
  // new job must follow, and image requests keep counting up.
  next.compute_version = app.compute_version + 1;
  next.view_version = app.view_version + 1;
  next.submitted_compute = app.submitted_compute;
  next.submitted_view = app.submitted_view;
  next.next_job_id = app.next_job_id;
  next.input_requests = std::max(next.input_requests, app.input_requests);
  next.input_pending = 0;
  next.result = app.result;  // keep showing the last picture until the new one arrives
  next.message.clear();
  // A setup from another version: load what we understand, say what was ignored.
  std::vector<std::string> ignored;
  unknown_keys(j, session_to_json(next), "", ignored);
  const auto version = j.find("convscope_session");
  const int format = version != j.end() && version->is_number_integer() ? version->get<int>() : 1;
  if (!ignored.empty() || format != kSessionFormat) {
    std::string note = "setup format " + std::to_string(format) + (format > kSessionFormat ? " (newer than this ConvScope)" : "");
    if (!ignored.empty()) {
      note += "; ignored:";
      for (size_t i = 0; i < ignored.size() && i < 8; ++i) note += " " + ignored[i];
      if (ignored.size() > 8) note += " and " + std::to_string(ignored.size() - 8) + " more";
    }
    next.message = note;
  }
  app = std::move(next);
}

namespace {

// Loads the setup's input on this thread (start-up, grids), then applies it. Throws UserError.
void apply_loading_input_here(AppState& app, PendingSession&& pending) {
  pending.next.error.clear();
  if (!load_input(pending.next)) throw UserError(pending.next.error);
  apply_session(app, std::move(pending));
}

}  // namespace

void session_from_json(AppState& app, const json& j) { apply_loading_input_here(app, read_session_json(app, j)); }

void save_session(const AppState& app, const std::string& path) {
  write_file_atomically(path, session_to_json(app).dump(1) + "\n");
}

namespace {

// The setup file, read and checked (throws UserError naming the file).
PendingSession read_session(const AppState& app, const std::string& path) {
  const std::string text = read_file(path, size_t(64) << 20);
  const json j = parse_json_text(text, "setup " + path);
  try {
    PendingSession pending = read_session_json(app, j);
    pending.path = path;
    return pending;
  } catch (const UserError& e) {
    throw UserError("setup " + path + ": " + e.what());
  }
}

// apply_loading_input_here for a setup file (errors name the file).
void apply_file_loading_input_here(AppState& app, PendingSession&& pending) {
  const std::string path = pending.path;
  try {
    apply_loading_input_here(app, std::move(pending));
  } catch (const UserError& e) {
    throw UserError("setup " + path + ": " + e.what());
  }
}

// After File > Load setup: the status line names the file (and what the setup ignored).
void announce_session(AppState& app, const std::string& path) {
  app.error.clear();
  app.message = app.message.empty() ? "Loaded " + path : "Loaded " + path + " (" + app.message + ")";
}

}  // namespace

void load_session(AppState& app, const std::string& path) {
  apply_file_loading_input_here(app, read_session(app, path));
}

void request_session(AppState& app, ImageLoader& loader, std::optional<PendingSession>& pending, const std::string& path) {
  PendingSession next = read_session(app, path);
  if (next.next.input_settings.kind == InputKind::Grid) {  // nothing to decode
    apply_file_loading_input_here(app, std::move(next));  // (a throw leaves the app and `pending` as they were)
    pending.reset();  // the app loads nothing now (apply cleared input_pending)
    return announce_session(app, path);
  }
  request_input(next.next, loader);
  // The app waits for this image now: an image or setup asked for before is dropped (its image
  // settings give way to those of the input shown), one asked for after makes this setup stale.
  restore_shown_image_settings(app);
  app.input_requests = next.next.input_requests;
  app.input_pending = next.next.input_pending;
  pending = std::move(next);
}

bool accept_session_image(AppState& app, std::optional<PendingSession>& pending, const LoadedImage& loaded) {
  if (!pending || loaded.id == 0 || loaded.id != pending->next.input_pending) return false;
  const PendingSession asked = std::move(*pending);
  pending.reset();
  if (app.input_pending != loaded.id) return true;  // superseded (drop_stale_session said so)
  app.input_pending = 0;
  try {
    // The setup over the app as it is now: what the user changed while the image loaded stays
    // wherever the setup is silent.
    PendingSession next = read_session_json(app, asked.j);
    next.path = asked.path;
    next.next.input_pending = loaded.id;
    if (!accept_loaded_image(next.next, loaded)) throw UserError(loaded.error);
    apply_session(app, std::move(next));
    announce_session(app, asked.path);
  } catch (const UserError& e) {
    app.error = "setup " + asked.path + ": " + e.what();
  }
  return true;
}

void drop_stale_session(AppState& app, std::optional<PendingSession>& pending) {
  if (!pending || app.input_pending == pending->next.input_pending) return;
  app.message = "Setup " + pending->path + " not applied: another image was opened while it loaded";
  pending.reset();
}

std::string config_dir() {
  if (const char* x = std::getenv("XDG_CONFIG_HOME"); x && *x) return std::string(x) + "/convscope";
  if (const char* h = std::getenv("HOME"); h && *h) return std::string(h) + "/.config/convscope";
  return "";
}

std::string autosave_path() {
  const std::string d = config_dir();
  return d.empty() ? "" : d + "/autosave.json";
}

}  // namespace convscope
