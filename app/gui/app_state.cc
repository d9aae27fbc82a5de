#include "app/gui/app_state.h"

#include <algorithm>
#include <filesystem>

#include "engine/conv.h"
#include "engine/error.h"
#include "engine/image_io.h"

#ifndef CONVSCOPE_ASSETS_DIR
#define CONVSCOPE_ASSETS_DIR "assets"
#endif

namespace convscope {

namespace fs = std::filesystem;

const char* to_string(GridPattern p) {
  switch (p) {
    case GridPattern::Ramp: return "ramp";
    case GridPattern::Random: return "random";
    case GridPattern::Checkerboard: return "checkerboard";
    case GridPattern::Impulse: return "impulse";
  }
  return "ramp";
}

GridPattern parse_grid_pattern(const std::string& s) {
  for (GridPattern p : {GridPattern::Random, GridPattern::Checkerboard, GridPattern::Impulse})
    if (s == to_string(p)) return p;
  return GridPattern::Ramp;
}

const char* to_string(MainTab t) {
  switch (t) {
    case MainTab::Maps: return "maps";
    case MainTab::Compare: return "compare";
    case MainTab::Steps: return "steps";
    case MainTab::Shapes: return "shapes";
    case MainTab::Code: return "code";
    case MainTab::Help: return "help";
  }
  return "maps";
}

MainTab parse_main_tab(const std::string& s) {
  for (MainTab t : {MainTab::Compare, MainTab::Steps, MainTab::Shapes, MainTab::Code, MainTab::Help})
    if (s == to_string(t)) return t;
  return MainTab::Maps;
}

std::vector<float> make_grid(GridPattern p, int size, int channels, uint32_t seed) {
  size = std::clamp(size, 1, 64);
  channels = std::max(channels, 1);
  std::vector<float> g(size_t(size * size * channels), 0.0f);
  Rng rng(seed);
  for (int y = 0; y < size; ++y)
    for (int x = 0; x < size; ++x)
      for (int c = 0; c < channels; ++c) {
        float v = 0;
        switch (p) {
          case GridPattern::Ramp: v = float(y * size + x + c * size * size); break;
          case GridPattern::Random: v = float(int(rng.uniform() * 10.0)); break;
          case GridPattern::Checkerboard: v = ((x + y) % 2) ? 9.0f : 0.0f; break;
          case GridPattern::Impulse: v = (y == size / 2 && x == size / 2) ? 1.0f : 0.0f; break;
        }
        g[size_t((y * size + x) * channels + c)] = v;
      }
  return g;
}

std::string default_image_path() { return std::string(CONVSCOPE_ASSETS_DIR) + "/images/chelsea.png"; }

std::vector<std::string> bundled_sample_paths() {
  std::vector<std::string> out;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(std::string(CONVSCOPE_ASSETS_DIR) + "/images", ec)) {
    const std::string ext = e.path().extension().string();
    if (ext == ".png" || ext == ".jpg" || ext == ".jpeg") out.push_back(e.path().string());
  }
  std::sort(out.begin(), out.end());
  return out;
}

void add_recent(AppState& app, const std::string& path) {
  auto& r = app.recent_files;
  r.erase(std::remove(r.begin(), r.end(), path), r.end());
  r.insert(r.begin(), path);
  if (r.size() > 8) r.resize(8);
}

namespace {

std::string image_path_or_default(const InputSettings& s) {
  return s.image_path.empty() ? default_image_path() : s.image_path;
}

// The one place a new input is installed (grid, image loaded here or by the ImageLoader).
void set_input(AppState& app, std::shared_ptr<const Tensor> input, std::string name) {
  app.input = std::move(input);
  app.input_name = std::move(name);
  app.input_shown = app.input_settings;
  app.input_pending = 0;
  if (app.input_settings.kind == InputKind::Image && !app.input_settings.image_path.empty())
    add_recent(app, app.input_settings.image_path);
  mark_changed(app, Change::Input);
}

}  // namespace

bool load_input(AppState& app) {
  InputSettings& s = app.input_settings;
  try {
    if (s.kind == InputKind::Grid) {
      s.grid_size = std::clamp(s.grid_size, 3, 16);
      s.grid_channels = s.grid_channels == 3 ? 3 : 1;
      const size_t n = size_t(s.grid_size * s.grid_size * s.grid_channels);
      if (s.grid.size() != n) s.grid = make_grid(s.pattern, s.grid_size, s.grid_channels, s.grid_seed);
      Tensor t({s.grid_size, s.grid_size, s.grid_channels}, "grid");
      t.data = s.grid;
      set_input(app, std::make_shared<const Tensor>(std::move(t)),
                std::to_string(s.grid_size) + "x" + std::to_string(s.grid_size) + " " + to_string(s.pattern) + " grid");
    } else {
      const std::string path = image_path_or_default(s);
      set_input(app, std::make_shared<const Tensor>(load_image(path, s.gray, std::max(s.max_side, 0))),
                fs::path(path).filename().string());
    }
  } catch (const std::exception& e) {
    app.error = e.what();
    return false;
  }
  return true;
}

void restore_shown_image_settings(AppState& app) {
  // Only the image fields: anything else changed meanwhile stays.
  InputSettings& s = app.input_settings;
  s.kind = app.input_shown.kind;
  s.image_path = app.input_shown.image_path;
  s.gray = app.input_shown.gray;
  s.max_side = app.input_shown.max_side;
}

void request_input(AppState& app, ImageLoader& loader) {
  const InputSettings& s = app.input_settings;
  if (s.kind == InputKind::Grid) {
    if (!load_input(app)) app.input_settings = app.input_shown;
    return;
  }
  ImageRequest r;
  r.id = ++app.input_requests;
  r.path = image_path_or_default(s);
  r.gray = s.gray;
  r.max_side = std::max(s.max_side, 0);
  app.input_pending = r.id;
  loader.submit(std::move(r));
}

void request_image(AppState& app, ImageLoader& loader, const std::string& path) {
  app.input_settings.kind = InputKind::Image;
  app.input_settings.image_path = path;
  request_input(app, loader);
}

bool accept_loaded_image(AppState& app, const LoadedImage& loaded) {
  if (loaded.id == 0 || loaded.id != app.input_pending) return false;  // stale
  if (!loaded.image) {
    app.input_pending = 0;
    app.error = loaded.error;
    restore_shown_image_settings(app);
    return false;
  }
  set_input(app, loaded.image, fs::path(loaded.path).filename().string());
  app.error.clear();
  app.message = "Opened " + app.input_name + " (" + std::to_string(app.input->dim(1)) + " x " +
                std::to_string(app.input->dim(0)) + ")";
  return true;
}

void replan(AppState& app) {
  if (!app.input) return;
  try {
    Layer l = app.layer;
    ConvPlan p = plan_conv(l, 1, app.input->dim(0), app.input->dim(1), app.input->dim(2));
    app.plan = std::move(p);
    app.plan_valid = true;
    app.plan_error.clear();
  } catch (const std::exception& e) {
    app.plan_valid = false;
    app.plan_error = e.what();
  }
}

int kernel_pair_inputs(const AppState& app) {
  if (app.kernel.rank() != 4) return 0;
  return int(app.layer.transpose ? app.kernel.dim(3) : app.kernel.dim(2));
}

int kernel_pair_outputs(const AppState& app) {
  if (app.kernel.rank() != 4) return 0;
  return int(app.layer.transpose ? app.kernel.dim(2) : app.kernel.dim(3));
}

int64_t kernel_index(const AppState& app, int ky, int kx, int in, int out) {
  const Tensor& k = app.kernel;
  if (k.rank() != 4 || ky < 0 || kx < 0 || ky >= k.dim(0) || kx >= k.dim(1)) return -1;
  if (in < 0 || out < 0 || in >= kernel_pair_inputs(app) || out >= kernel_pair_outputs(app)) return -1;
  const int64_t d2 = app.layer.transpose ? out : in, d3 = app.layer.transpose ? in : out;
  return ((int64_t(ky) * k.dim(1) + kx) * k.dim(2) + d2) * k.dim(3) + d3;
}

namespace {

void fill_preset_all_pairs(Tensor& k, const KernelPreset& p) {
  if (k.rank() != 4) return;
  const int64_t kh = k.dim(0), kw = k.dim(1), pairs = k.dim(2) * k.dim(3);
  for (int64_t ky = 0; ky < kh; ++ky)
    for (int64_t kx = 0; kx < kw; ++kx) {
      const float w = (ky < p.size_h && kx < p.size_w) ? p.weights[size_t(ky * p.size_w + kx)] : 0.0f;
      for (int64_t i = 0; i < pairs; ++i) k.data[size_t((ky * kw + kx) * pairs + i)] = w;
    }
}

void resize_keep(Tensor& k, const std::vector<int64_t>& shape) {
  Tensor n(shape, "kernel");
  if (k.rank() == 4 && shape.size() == 4) {
    for (int64_t a = 0; a < std::min(k.dim(0), shape[0]); ++a)
      for (int64_t b = 0; b < std::min(k.dim(1), shape[1]); ++b)
        for (int64_t c = 0; c < std::min(k.dim(2), shape[2]); ++c)
          for (int64_t d = 0; d < std::min(k.dim(3), shape[3]); ++d)
            n.data[size_t(((a * shape[1] + b) * shape[2] + c) * shape[3] + d)] =
                k.data[size_t(((a * k.dim(1) + b) * k.dim(2) + c) * k.dim(3) + d)];
  }
  k = std::move(n);
}

}  // namespace

void apply_initializer(AppState& app) {
  if (!app.plan_valid) return;
  Tensor k(app.plan.kernel_shape(), "kernel");
  try {
    initialize(k, app.kernel_settings.initializer, app.kernel_settings.seed, app.kernel_settings.constant);
  } catch (const std::exception& e) {
    app.error = e.what();
    return;
  }
  app.kernel = std::move(k);
  app.kernel_settings.source = KernelSource::Initializer;
}

void apply_bias_initializer(AppState& app) {
  Tensor b({std::max<int64_t>(app.layer.filters, 1)}, "bias");
  try {
    initialize(b, app.kernel_settings.bias_initializer, app.kernel_settings.bias_seed,
               app.kernel_settings.bias_constant);
  } catch (const std::exception& e) {
    app.error = e.what();
    return;
  }
  app.bias = b.data;
  app.kernel_settings.bias_edited = false;
}

void refit_weights(AppState& app) {
  if (!app.plan_valid) return;
  const auto shape = app.plan.kernel_shape();
  const bool kernel_fits = app.kernel.shape == shape;
  const KernelSettings& ks = app.kernel_settings;
  if (!kernel_fits) {
    const KernelPreset* p = find_preset(ks.preset);
    if (ks.source == KernelSource::Initializer) {
      apply_initializer(app);
    } else if (ks.source == KernelSource::Preset && p && p->size_h == shape[0] && p->size_w == shape[1]) {
      app.kernel = Tensor(shape, "kernel");
      fill_preset_all_pairs(app.kernel, *p);
    } else {
      resize_keep(app.kernel, shape);
      app.kernel_settings.source = KernelSource::Edited;
    }
  }
  if (app.bias.size() != size_t(app.layer.filters)) {
    if (!ks.bias_edited) {
      apply_bias_initializer(app);
    } else {
      app.bias.resize(size_t(app.layer.filters), 0.0f);
    }
  }
  app.kernel_sel_in = std::clamp(app.kernel_sel_in, 0, std::max(kernel_pair_inputs(app) - 1, 0));
  app.kernel_sel_out = std::clamp(app.kernel_sel_out, 0, std::max(kernel_pair_outputs(app) - 1, 0));
}

bool apply_preset(AppState& app, const std::string& name, PresetTarget target) {
  const KernelPreset* p = find_preset(name);
  if (!p) {
    app.error = "unknown kernel preset '" + name + "'";
    return false;
  }
  app.kernel_settings.preset = name;
  app.kernel_settings.preset_target = target;
  app.layer.kernel_h = p->size_h;
  app.layer.kernel_w = p->size_w;
  if (target == PresetTarget::PerChannel && app.input) {
    const int c = int(app.input->dim(2));
    app.layer.filters = c;
    app.layer.groups = c;
  }
  replan(app);
  if (!app.plan_valid) {
    mark_changed(app, Change::Layer);
    return false;
  }
  const auto shape = app.plan.kernel_shape();
  if (target == PresetTarget::SelectedPair) {
    if (app.kernel.shape != shape) resize_keep(app.kernel, shape);
    app.kernel_settings.source = KernelSource::Edited;
    for (int ky = 0; ky < p->size_h; ++ky)
      for (int kx = 0; kx < p->size_w; ++kx) {
        const int64_t i = kernel_index(app, ky, kx, app.kernel_sel_in, app.kernel_sel_out);
        if (i >= 0) app.kernel.data[size_t(i)] = p->weights[size_t(ky * p->size_w + kx)];
      }
  } else {
    app.kernel = Tensor(shape, "kernel");
    fill_preset_all_pairs(app.kernel, *p);
    app.kernel_settings.source = KernelSource::Preset;
  }
  if (app.bias.size() != size_t(app.layer.filters) || !app.kernel_settings.bias_edited) apply_bias_initializer(app);
  mark_changed(app, Change::Layer);
  return true;
}

void update_effective_weights(AppState& app) {
  if (app.rules.apply_constraints) {
    app.effective_kernel = apply_constraint(app.rules.kernel_constraint, app.kernel);
    Tensor b({int64_t(app.bias.size())}, "bias");
    b.data = app.bias;
    app.effective_bias = apply_constraint(app.rules.bias_constraint, b).data;
  } else {
    app.effective_kernel = app.kernel;
    app.effective_bias = app.bias;
  }
}

void mark_changed(AppState& app, Change change) {
  app.autosave_dirty = true;
  if (change == Change::View) {
    ++app.view_version;
    return;
  }
  if (change == Change::Layer || change == Change::Input) {
    replan(app);
    refit_weights(app);
  }
  update_effective_weights(app);
  ++app.compute_version;
}

bool needs_job(const AppState& app) {
  if (!app.plan_valid || !app.input) return false;
  return app.submitted_compute != app.compute_version || app.submitted_view != app.view_version;
}

ComputeJob make_job(AppState& app) {
  ComputeJob job;
  job.id = app.next_job_id++;
  job.compute_version = app.compute_version;
  job.need_conv = !app.result || app.result->compute_version != app.compute_version;
  job.base = app.result;
  job.layer = app.layer;
  if (job.need_conv) {  // the view-only job needs none of these copies
    job.input = app.input;
    job.kernel = app.effective_kernel;
    job.bias = app.effective_bias;
  }
  job.view = app.view.maps;
  job.submitted = Clock::now();
  app.submitted_compute = app.compute_version;
  app.submitted_view = app.view_version;
  return job;
}

void accept_result(AppState& app, std::shared_ptr<const ComputeResult> result) {
  if (!result) return;
  app.result = std::move(result);
  app.compute_error.clear();
}

void init_default_state(AppState& app) {
  app.layer = Layer{};
  app.layer.filters = 8;
  app.layer.padding.kind = PaddingKind::Same;
  app.input_settings = InputSettings{};
  app.kernel_settings = KernelSettings{};
  if (!load_input(app)) {  // no bundled image: fall back to a grid so the app still opens
    app.input_settings.kind = InputKind::Grid;
    load_input(app);
  }
  apply_initializer(app);
  apply_bias_initializer(app);
  mark_changed(app, Change::Weights);
}

}  // namespace convscope
