// Weights for the app's layer, GL-free: Keras kernel/bias initializers (seeded, reproducible),
// the kernel presets table, Keras regularizer penalties and weight constraints.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "engine/tensor.h"

namespace convscope {

// ---- Initializers ------------------------------------------------------------------------------
// Keras names: glorot_uniform, glorot_normal, he_uniform, he_normal, lecun_uniform, lecun_normal,
// random_normal, random_uniform, truncated_normal, orthogonal, zeros, ones, identity, constant.
// The distributions are Keras's (fans from the Keras kernel shape, truncated normals cut at two
// standard deviations with Keras's 0.8796 correction); the numbers come from ConvScope's own
// generator (mt19937 + Box-Muller), so the same seed gives the same weights on every machine
// (but not the same numbers as TensorFlow's generator).
const std::vector<std::string>& initializer_names();
std::string initializer_help(const std::string& name);  // one line in Keras's words
// Fills `t` (any shape; conv kernels in Keras layout) with the initializer. `constant` uses value.
// Throws UserError for unknown names.
void initialize(Tensor& t, const std::string& name, uint32_t seed, float value = 0.0f);
// Keras's compute_fans: receptive field = prod(shape[:-2]), fan_in = shape[-2]*rf, fan_out = shape[-1]*rf.
void compute_fans(const std::vector<int64_t>& shape, double* fan_in, double* fan_out);

// A small deterministic generator (identical on every platform).
struct Rng {
  explicit Rng(uint32_t seed);
  double uniform();  // [0, 1)
  double normal();   // N(0, 1), Box-Muller
  uint64_t state;
  bool has_spare = false;
  double spare = 0;
};

// ---- Presets -----------------------------------------------------------------------------------
struct KernelPreset {
  std::string name;         // identity, box3, gaussian3, sharpen, sobel_x, ...
  std::string description;  // what it does / what it is for
  int size_h = 3, size_w = 3;
  std::vector<float> weights;  // row-major size_h*size_w, scale already applied
};
// The kernel library's plain kernels (assets/kernels/ plus the user folder, engine/kernel_library.h);
// a small built-in table when the library folder cannot be found. reload: read the folders again
// (after saving a kernel). Combinations (gradient magnitude) are not linear layers: left out.
const std::vector<KernelPreset>& kernel_presets(bool reload = false);
const KernelPreset* find_preset(const std::string& name);
// Problems met loading the library ("<file>: <why it was skipped>").
const std::vector<std::string>& kernel_library_warnings();
// Saves weights (row-major h*w) as a user kernel (the library's user folder) and reloads the
// presets. Returns the file path; throws UserError.
std::string save_user_preset(const std::string& name, int h, int w, const std::vector<float>& weights);

// ---- Regularizers ------------------------------------------------------------------------------
enum class RegKind { None, L1, L2, L1L2 };
struct Regularizer {
  RegKind kind = RegKind::None;
  float l1 = 0.01f, l2 = 0.01f;
};
const char* to_string(RegKind);
// Keras: L1 = l1 * sum(|x|), L2 = l2 * sum(x^2), L1L2 = both. Returns 0 for None.
double regularizer_penalty(const Regularizer& r, const float* x, int64_t n);

// ---- Constraints -------------------------------------------------------------------------------
enum class ConstraintKind { None, MaxNorm, MinMaxNorm, NonNeg, UnitNorm };
struct Constraint {
  ConstraintKind kind = ConstraintKind::None;
  float max_value = 2.0f;  // MaxNorm (Keras default 2), MinMaxNorm (default 1)
  float min_value = 0.0f;  // MinMaxNorm
  float rate = 1.0f;       // MinMaxNorm
  // Axes the norm is taken over, one bit per axis of the weight tensor (bit 0 = axis 0). Keras's
  // default axis=0; for a Conv2D kernel Keras advises axis=[0, 1, 2] (one norm per filter).
  unsigned axes = 1u;
};
const char* to_string(ConstraintKind);
// Returns w projected by the constraint (Keras formulas, epsilon 1e-7).
Tensor apply_constraint(const Constraint& c, const Tensor& w);
std::string axes_to_string(unsigned axes);  // "0" or "[0, 1, 2]"

}  // namespace convscope
