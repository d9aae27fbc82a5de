// The kernel library: image-filter kernels kept as data (assets/kernels/*.json, one file per
// kernel) plus the user's own kernels (saved from the app's kernel editor), shared by the app's
// presets and `convscope filter --kernel NAME|FILE.json`.
//
// File format (UTF-8 JSON object; unknown keys are ignored):
//   {
//     "name": "gaussian3",                      required; 1-64 of A-Z a-z 0-9 _ -
//     "description": "3x3 Gaussian blur ...",   optional text: what the kernel is
//     "purpose": "Gentle smoothing ...",        optional text: what it is for
//     "size": [3, 3],                           required: [height, width] or one number (square)
//     "weights": [[1, 2, 1], [2, 4, 2], [1, 2, 1]],  required: `height` rows of `width` numbers,
//                                               or one flat row-major list of height*width numbers
//     "scale": 1,                               optional multiplier (default 1)
//     "divisor": 16                             optional divisor (default 1)
//   }
// The weights applied are weights * scale / divisor, as written: no flip (cross-correlation, as
// Keras's Conv2D computes), so sobel_x = [-1 0 1; -2 0 2; -1 0 1] is positive where the image gets
// brighter to the right.
//
// Combinations (gradient magnitude): instead of size/weights a file may say
//   { "name": "sobel_magnitude", "combine": "magnitude", "of": ["sobel_x", "sobel_y"], ... }
// meaning sqrt(gx^2 + gy^2) per pixel and channel, where gx, gy are the two named plain kernels
// (same size) applied with the same settings. The parts are looked up by name when the library
// is loaded (or, for a file given by path, in the library passed to resolve_kernel). Bundled:
// sobel_magnitude, prewitt_magnitude, scharr_magnitude.
//
// Typical use (GUI presets, CLI):
//   KernelLibrary lib = load_default_kernel_library();   // builtin + user folder
//   for (const std::string& w : lib.warnings) show(w);   // malformed files, by name
//   const Kernel* k = lib.find("sobel_x");
//   Kernel k2 = resolve_kernel(lib, "my_kernels/edge.json");  // name or file path
//   std::string path = save_user_kernel(edited);          // editor's "save"
// Applying a kernel to an image: engine/filter.h.
#pragma once
#include <string>
#include <vector>

namespace convscope {

constexpr int kMaxKernelSide = 64;  // largest kernel height or width accepted from a file

struct Kernel {
  std::string name, description, purpose;
  int height = 0, width = 0;
  std::vector<float> weights;  // row-major height*width, as written in the file
  double scale = 1.0, divisor = 1.0;

  // Combinations: combine == "magnitude", `of` names the x and y kernels, `parts` holds them once
  // resolved (two plain kernels of the same size). Empty for a plain kernel.
  std::string combine;
  std::vector<std::string> of;
  std::vector<Kernel> parts;

  std::string source;  // the file it was loaded from ("" when made in memory)
  bool user = false;   // loaded from the user folder

  bool is_combination() const { return !combine.empty(); }
  // weights * scale / divisor, row-major. For a combination: empty.
  std::vector<float> effective_weights() const;
  // Sum of the effective weights (0 for a combination).
  double sum() const;
  // True when the effective weights sum to zero (edge/derivative kernels): their output is signed,
  // so `--normalize auto` shows it offset around mid-grey. False for combinations.
  bool zero_sum() const;
  // Kernel height/width as applied (a combination's parts' size).
  int applied_height() const { return is_combination() && !parts.empty() ? parts[0].height : height; }
  int applied_width() const { return is_combination() && !parts.empty() ? parts[0].width : width; }
};

// Throws UserError "<source>: <what is wrong>" for invalid JSON, missing or mistyped fields, a size
// that does not match the weights, non-finite numbers, a zero divisor, a bad name. A combination
// comes back with `parts` empty (resolved by the library / resolve_kernel).
Kernel parse_kernel_json(const std::string& text, const std::string& source);
Kernel load_kernel_file(const std::string& path);  // reads (max 1 MiB) and parses; throws UserError
// The file text (the format above), weights one row per line. Inverse of parse_kernel_json.
std::string kernel_to_json(const Kernel& k);
bool valid_kernel_name(const std::string& name);

struct KernelLibrary {
  std::vector<Kernel> kernels;        // sorted by name
  std::vector<std::string> warnings;  // one line per problem: "<file>: <why it was skipped>"

  const Kernel* find(const std::string& name) const;  // null when unknown
  std::vector<std::string> names() const;              // sorted
};

// Loads every *.json file of each folder, in folder order; a kernel from a later folder replaces
// one of the same name from an earlier folder (so the user folder, given last, can override a
// preset). A malformed file, a duplicate name within one folder, or a combination whose parts are
// missing is reported in `warnings` and skipped; the rest load. Kernels from user_kernel_dir()
// get Kernel::user = true. A folder that does not exist is
// skipped silently (the user folder usually does not); "" entries are ignored.
KernelLibrary load_kernel_library(const std::vector<std::string>& dirs);

// The user's kernel folder: $XDG_CONFIG_HOME/convscope/kernels when XDG_CONFIG_HOME is set to an
// absolute path, else $HOME/.config/convscope/kernels; "" when neither is available.
std::string user_kernel_dir();

// Saves `k` (a plain kernel or a combination) as <dir>/<name>.json, creating the folder if needed,
// atomically (temporary file + rename). Returns the path. Throws UserError for a bad name, invalid
// weights, or when the file cannot be written. dir "" means user_kernel_dir().
std::string save_user_kernel(const Kernel& k, const std::string& dir = "");

// `text` is a kernel name from `lib`, or a path to a kernel file (anything ending in ".json" or
// containing '/'). A file's combination parts are looked up in `lib`. Throws UserError naming the
// kernel (and listing the known names) when it cannot be found or loaded.
Kernel resolve_kernel(const KernelLibrary& lib, const std::string& text);

// The folder of the bundled kernels. Looks, in order, at $CONVSCOPE_KERNEL_DIR, then beside the
// running executable (<exe>/../share/convscope/kernels for an installed binary,
// <exe>/assets/kernels, <exe>/../assets/kernels), then <build_assets_dir>/kernels (the source tree's
// assets, known at build time). Returns the first that is a folder, or "" when none is.
std::string find_builtin_kernel_dir(const std::string& build_assets_dir);

#ifdef CONVSCOPE_ASSETS_DIR  // defined for everything that links convscope_cli (CLI, GUI, tests)
inline std::string builtin_kernel_dir() { return find_builtin_kernel_dir(CONVSCOPE_ASSETS_DIR); }
// Builtin kernels, then the user's (which override presets of the same name). Warns when the
// builtin folder cannot be found.
inline KernelLibrary load_default_kernel_library() {
  const std::string builtin = builtin_kernel_dir();
  KernelLibrary lib = load_kernel_library({builtin, user_kernel_dir()});
  if (builtin.empty())
    lib.warnings.insert(lib.warnings.begin(), "the bundled kernel folder was not found (set CONVSCOPE_KERNEL_DIR)");
  return lib;
}
#endif

}  // namespace convscope
