#include "app/gui/weights.h"

#include <algorithm>
#include <cmath>

#include "engine/error.h"
#include "engine/kernel_library.h"

namespace convscope {

// ---- Generator ---------------------------------------------------------------------------------

Rng::Rng(uint32_t seed) : state(0x9E3779B97F4A7C15ull ^ (uint64_t(seed) * 0xBF58476D1CE4E5B9ull)) {}

double Rng::uniform() {
  // splitmix64: fixed arithmetic, the same on every platform and standard library.
  uint64_t z = (state += 0x9E3779B97F4A7C15ull);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  z ^= z >> 31;
  return double(z >> 11) * (1.0 / 9007199254740992.0);
}

double Rng::normal() {
  if (has_spare) {
    has_spare = false;
    return spare;
  }
  double u1 = uniform(), u2 = uniform();
  if (u1 < 1e-300) u1 = 1e-300;
  const double r = std::sqrt(-2.0 * std::log(u1)), t = 2.0 * M_PI * u2;
  spare = r * std::sin(t);
  has_spare = true;
  return r * std::cos(t);
}

// ---- Initializers ------------------------------------------------------------------------------

const std::vector<std::string>& initializer_names() {
  static const std::vector<std::string> names = {
      "glorot_uniform", "glorot_normal", "he_uniform",       "he_normal",  "lecun_uniform",
      "lecun_normal",   "random_normal", "random_uniform",   "truncated_normal",
      "orthogonal",     "zeros",         "ones",             "identity",   "constant"};
  return names;
}

std::string initializer_help(const std::string& n) {
  if (n == "glorot_uniform") return "Uniform in [-limit, limit], limit = sqrt(6 / (fan_in + fan_out)). Keras's default kernel initializer.";
  if (n == "glorot_normal") return "Truncated normal centred on 0 with stddev = sqrt(2 / (fan_in + fan_out)).";
  if (n == "he_uniform") return "Uniform in [-limit, limit], limit = sqrt(6 / fan_in). Suits relu.";
  if (n == "he_normal") return "Truncated normal centred on 0 with stddev = sqrt(2 / fan_in). Suits relu.";
  if (n == "lecun_uniform") return "Uniform in [-limit, limit], limit = sqrt(3 / fan_in). Suits selu.";
  if (n == "lecun_normal") return "Truncated normal centred on 0 with stddev = sqrt(1 / fan_in). Suits selu.";
  if (n == "random_normal") return "Normal distribution, mean 0, stddev 0.05 (Keras defaults).";
  if (n == "random_uniform") return "Uniform in [-0.05, 0.05] (Keras defaults).";
  if (n == "truncated_normal") return "Normal, mean 0, stddev 0.05; values beyond two stddev are redrawn.";
  if (n == "orthogonal") return "The kernel, flattened to (KH*KW*C_in, C_out), is an orthogonal matrix (QR of a random normal one).";
  if (n == "zeros") return "All zeros (Keras's default bias initializer).";
  if (n == "ones") return "All ones.";
  if (n == "identity") return "Keras's Identity works on 2-D matrices only; for a kernel ConvScope puts 1 at the centre tap of each matching input/output channel, which passes the input through.";
  if (n == "constant") return "Every value equal to the given constant.";
  return "";
}

void compute_fans(const std::vector<int64_t>& shape, double* fan_in, double* fan_out) {
  if (shape.empty()) {
    *fan_in = *fan_out = 1;
  } else if (shape.size() == 1) {
    *fan_in = *fan_out = double(shape[0]);
  } else if (shape.size() == 2) {
    *fan_in = double(shape[0]);
    *fan_out = double(shape[1]);
  } else {
    double rf = 1;
    for (size_t i = 0; i + 2 < shape.size(); ++i) rf *= double(shape[i]);
    *fan_in = double(shape[shape.size() - 2]) * rf;
    *fan_out = double(shape.back()) * rf;
  }
}

namespace {

double truncated(Rng& rng, double stddev) {
  for (;;) {  // redraw beyond two standard deviations, as TensorFlow's truncated_normal does
    const double v = rng.normal();
    if (std::fabs(v) <= 2.0) return v * stddev;
  }
}

void orthogonal(Tensor& t, Rng& rng) {
  const int64_t cols = t.shape.empty() ? 1 : t.shape.back();
  const int64_t rows = cols ? t.size() / cols : 0;
  if (rows == 0 || cols == 0) return;
  const int64_t m = std::max(rows, cols), n = std::min(rows, cols);
  // a (m x n), column-major; modified Gram-Schmidt gives Q with R's diagonal positive, which is
  // Keras's q * sign(diag(r)).
  std::vector<double> a(size_t(m * n));
  for (auto& v : a) v = rng.normal();
  for (int64_t j = 0; j < n; ++j) {
    double* cj = &a[size_t(j * m)];
    for (int64_t k = 0; k < j; ++k) {
      const double* ck = &a[size_t(k * m)];
      double dot = 0;
      for (int64_t i = 0; i < m; ++i) dot += ck[i] * cj[i];
      for (int64_t i = 0; i < m; ++i) cj[i] -= dot * ck[i];
    }
    double norm = 0;
    for (int64_t i = 0; i < m; ++i) norm += cj[i] * cj[i];
    norm = std::sqrt(norm);
    for (int64_t i = 0; i < m; ++i) cj[i] = norm > 0 ? cj[i] / norm : 0;
  }
  // q is m x n; Keras transposes when rows < cols. Output (rows x cols) row-major.
  for (int64_t r = 0; r < rows; ++r)
    for (int64_t c = 0; c < cols; ++c) {
      const double v = rows >= cols ? a[size_t(c * m + r)] : a[size_t(r * m + c)];
      t.data[size_t(r * cols + c)] = float(v);
    }
}

}  // namespace

void initialize(Tensor& t, const std::string& name, uint32_t seed, float value) {
  Rng rng(seed);
  double fan_in = 1, fan_out = 1;
  compute_fans(t.shape, &fan_in, &fan_out);
  fan_in = std::max(fan_in, 1.0);
  fan_out = std::max(fan_out, 1.0);
  const double kTruncCorr = 0.87962566103423978;  // stddev of a unit normal truncated at +-2
  auto fill_uniform = [&](double limit) {
    for (auto& v : t.data) v = float((rng.uniform() * 2 - 1) * limit);
  };
  auto fill_trunc = [&](double stddev) {
    for (auto& v : t.data) v = float(truncated(rng, stddev));
  };
  if (name == "glorot_uniform") fill_uniform(std::sqrt(6.0 / (fan_in + fan_out)));
  else if (name == "glorot_normal") fill_trunc(std::sqrt(2.0 / (fan_in + fan_out)) / kTruncCorr);
  else if (name == "he_uniform") fill_uniform(std::sqrt(6.0 / fan_in));
  else if (name == "he_normal") fill_trunc(std::sqrt(2.0 / fan_in) / kTruncCorr);
  else if (name == "lecun_uniform") fill_uniform(std::sqrt(3.0 / fan_in));
  else if (name == "lecun_normal") fill_trunc(std::sqrt(1.0 / fan_in) / kTruncCorr);
  else if (name == "random_normal") for (auto& v : t.data) v = float(rng.normal() * 0.05);
  else if (name == "random_uniform") fill_uniform(0.05);
  else if (name == "truncated_normal") fill_trunc(0.05);
  else if (name == "orthogonal") orthogonal(t, rng);
  else if (name == "zeros") std::fill(t.data.begin(), t.data.end(), 0.0f);
  else if (name == "ones") std::fill(t.data.begin(), t.data.end(), 1.0f);
  else if (name == "constant") std::fill(t.data.begin(), t.data.end(), value);
  else if (name == "identity") {
    std::fill(t.data.begin(), t.data.end(), 0.0f);
    if (t.rank() == 2) {
      for (int64_t i = 0; i < std::min(t.dim(0), t.dim(1)); ++i) t.data[size_t(i * t.dim(1) + i)] = 1;
    } else if (t.rank() == 4) {
      const int64_t kh = t.dim(0), kw = t.dim(1), ci = t.dim(2), co = t.dim(3);
      const int64_t cy = (kh - 1) / 2, cx = (kw - 1) / 2;
      for (int64_t c = 0; c < std::min(ci, co); ++c) t.data[size_t(((cy * kw + cx) * ci + c) * co + c)] = 1;
      // Depthwise (one input per group): every output channel passes its own input through.
      if (ci == 1)
        for (int64_t o = 0; o < co; ++o) t.data[size_t((cy * kw + cx) * co + o)] = 1;
    } else {
      throw UserError("the identity initializer needs a 2-D matrix or a conv kernel, not a " +
                      std::to_string(t.rank()) + "-D tensor");
    }
  } else {
    throw UserError("unknown initializer '" + name + "'");
  }
}

// ---- Presets -----------------------------------------------------------------------------------

namespace {
KernelPreset make(const std::string& name, const std::string& desc, int h, int w, std::vector<float> v,
                  float scale = 1.0f) {
  for (auto& x : v) x *= scale;
  return KernelPreset{name, desc, h, w, std::move(v)};
}
}  // namespace

namespace {

const std::vector<KernelPreset>& builtin_presets() {
  static const std::vector<KernelPreset> presets = {
      make("identity", "Passes the input through unchanged.", 3, 3, {0, 0, 0, 0, 1, 0, 0, 0, 0}),
      make("box3", "Box blur: the mean of the 3x3 neighbourhood.", 3, 3, std::vector<float>(9, 1), 1.0f / 9),
      make("box5", "Box blur: the mean of the 5x5 neighbourhood.", 5, 5, std::vector<float>(25, 1), 1.0f / 25),
      make("gaussian3", "Gaussian blur (binomial 1 2 1), weights sum to 1.", 3, 3, {1, 2, 1, 2, 4, 2, 1, 2, 1}, 1.0f / 16),
      make("gaussian5", "Gaussian blur (binomial 1 4 6 4 1), weights sum to 1.", 5, 5,
           {1, 4, 6, 4, 1, 4, 16, 24, 16, 4, 6, 24, 36, 24, 6, 4, 16, 24, 16, 4, 1, 4, 6, 4, 1}, 1.0f / 256),
      make("sharpen", "Sharpen: the pixel minus its 4 neighbours' Laplacian.", 3, 3, {0, -1, 0, -1, 5, -1, 0, -1, 0}),
      make("sobel_x", "Sobel x: horizontal gradient, responds to vertical edges (dark to bright, left to right).", 3, 3,
           {-1, 0, 1, -2, 0, 2, -1, 0, 1}),
      make("sobel_y", "Sobel y: vertical gradient, responds to horizontal edges (dark to bright, top to bottom).", 3, 3,
           {-1, -2, -1, 0, 0, 0, 1, 2, 1}),
      make("prewitt_x", "Prewitt x: horizontal gradient with equal row weights.", 3, 3, {-1, 0, 1, -1, 0, 1, -1, 0, 1}),
      make("prewitt_y", "Prewitt y: vertical gradient with equal column weights.", 3, 3, {-1, -1, -1, 0, 0, 0, 1, 1, 1}),
      make("scharr_x", "Scharr x: horizontal gradient, better rotation symmetry than Sobel.", 3, 3,
           {-3, 0, 3, -10, 0, 10, -3, 0, 3}),
      make("scharr_y", "Scharr y: vertical gradient.", 3, 3, {-3, -10, -3, 0, 0, 0, 3, 10, 3}),
      make("laplacian4", "Laplacian (4-neighbour): second derivative, zero on flat areas.", 3, 3, {0, 1, 0, 1, -4, 1, 0, 1, 0}),
      make("laplacian8", "Laplacian (8-neighbour).", 3, 3, {1, 1, 1, 1, -8, 1, 1, 1, 1}),
      make("emboss", "Emboss: a relief lit from the top left.", 3, 3, {-2, -1, 0, -1, 1, 1, 0, 1, 2}),
      make("outline", "Outline: bright edges on black.", 3, 3, {-1, -1, -1, -1, 8, -1, -1, -1, -1}),
      make("motion_blur", "Motion blur along the diagonal over 5 pixels.", 5, 5,
           {1, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 1}, 1.0f / 5),
  };
  return presets;
}

struct PresetCache {
  std::vector<KernelPreset> presets;
  std::vector<std::string> warnings;
  bool loaded = false;
};

PresetCache& cache() {
  static PresetCache c;  // the loaded library: a resource shared by the panels, not UI state
  return c;
}

}  // namespace

const std::vector<KernelPreset>& kernel_presets(bool reload) {
  PresetCache& c = cache();
  if (c.loaded && !reload) return c.presets;
  c.loaded = true;
  c.presets.clear();
  const KernelLibrary lib = load_default_kernel_library();
  c.warnings = lib.warnings;
  for (const Kernel& k : lib.kernels) {
    if (k.is_combination()) continue;
    std::string desc = k.description;
    if (!k.purpose.empty()) desc += (desc.empty() ? "" : " ") + k.purpose;
    if (k.user) desc += " (your kernel: " + k.source + ")";
    c.presets.push_back(KernelPreset{k.name, desc, k.height, k.width, k.effective_weights()});
  }
  if (c.presets.empty()) c.presets = builtin_presets();
  return c.presets;
}

const std::vector<std::string>& kernel_library_warnings() {
  kernel_presets();
  return cache().warnings;
}

std::string save_user_preset(const std::string& name, int h, int w, const std::vector<float>& weights) {
  Kernel k;
  k.name = name;
  k.description = "Saved from the ConvScope kernel editor.";
  k.height = h;
  k.width = w;
  k.weights = weights;
  const std::string path = save_user_kernel(k);
  kernel_presets(true);
  return path;
}

const KernelPreset* find_preset(const std::string& name) {
  for (const auto& p : kernel_presets())
    if (p.name == name) return &p;
  return nullptr;
}

// ---- Regularizers ------------------------------------------------------------------------------

const char* to_string(RegKind k) {
  switch (k) {
    case RegKind::None: return "None";
    case RegKind::L1: return "l1";
    case RegKind::L2: return "l2";
    case RegKind::L1L2: return "l1_l2";
  }
  return "None";
}

double regularizer_penalty(const Regularizer& r, const float* x, int64_t n) {
  if (r.kind == RegKind::None) return 0;
  double s1 = 0, s2 = 0;
  for (int64_t i = 0; i < n; ++i) {
    s1 += std::fabs(double(x[i]));
    s2 += double(x[i]) * double(x[i]);
  }
  double p = 0;
  if (r.kind == RegKind::L1 || r.kind == RegKind::L1L2) p += double(r.l1) * s1;
  if (r.kind == RegKind::L2 || r.kind == RegKind::L1L2) p += double(r.l2) * s2;
  return p;
}

// ---- Constraints -------------------------------------------------------------------------------

const char* to_string(ConstraintKind k) {
  switch (k) {
    case ConstraintKind::None: return "None";
    case ConstraintKind::MaxNorm: return "max_norm";
    case ConstraintKind::MinMaxNorm: return "min_max_norm";
    case ConstraintKind::NonNeg: return "non_neg";
    case ConstraintKind::UnitNorm: return "unit_norm";
  }
  return "None";
}

std::string axes_to_string(unsigned axes) {
  std::vector<int> list;
  for (int i = 0; i < 8; ++i)
    if (axes & (1u << i)) list.push_back(i);
  if (list.size() == 1) return std::to_string(list[0]);
  std::string s = "[";
  for (size_t i = 0; i < list.size(); ++i) s += (i ? ", " : "") + std::to_string(list[i]);
  return s + "]";
}

Tensor apply_constraint(const Constraint& c, const Tensor& w) {
  Tensor out = w;
  if (c.kind == ConstraintKind::None || w.size() == 0) return out;
  if (c.kind == ConstraintKind::NonNeg) {
    for (auto& v : out.data) v = v >= 0 ? v : 0.0f;
    return out;
  }
  // Norms over the chosen axes: group elements by their coordinates on the other axes.
  const int rank = int(w.rank());
  std::vector<int64_t> strides(size_t(rank), 1);
  for (int i = rank - 2; i >= 0; --i) strides[size_t(i)] = strides[size_t(i + 1)] * w.shape[size_t(i + 1)];
  auto key_of = [&](int64_t flat) {
    int64_t key = 0;
    for (int i = 0; i < rank; ++i) {
      const int64_t coord = (flat / strides[size_t(i)]) % w.shape[size_t(i)];
      if (!(c.axes & (1u << i))) key = key * w.shape[size_t(i)] + coord;
    }
    return key;
  };
  int64_t groups = 1;
  for (int i = 0; i < rank; ++i)
    if (!(c.axes & (1u << i))) groups *= w.shape[size_t(i)];
  std::vector<double> sq(size_t(groups), 0.0);
  for (int64_t i = 0; i < w.size(); ++i) sq[size_t(key_of(i))] += double(w.data[size_t(i)]) * w.data[size_t(i)];
  const double eps = 1e-7;  // keras.backend.epsilon()
  for (int64_t i = 0; i < w.size(); ++i) {
    const double norm = std::sqrt(sq[size_t(key_of(i))]);
    double desired = norm;
    if (c.kind == ConstraintKind::MaxNorm) desired = std::clamp(norm, 0.0, double(c.max_value));
    if (c.kind == ConstraintKind::MinMaxNorm)
      desired = double(c.rate) * std::clamp(norm, double(c.min_value), double(c.max_value)) + (1.0 - c.rate) * norm;
    if (c.kind == ConstraintKind::UnitNorm) desired = 1.0;
    out.data[size_t(i)] = float(double(w.data[size_t(i)]) * desired / (eps + norm));
  }
  return out;
}

}  // namespace convscope
