// convscope filter: apply a library kernel (or a kernel file) to images, depthwise, and save the
// result as a PNG (normalised for display) or .npy (raw float values).
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <mutex>
#include <set>
#include <thread>

#include "app/cli/commands.h"
#include "app/cli/layer_flags.h"
#include "engine/error.h"
#include "engine/filter.h"
#include "engine/image_io.h"
#include "engine/kernel_library.h"
#include "engine/normalize.h"
#include "engine/npy.h"
#include "engine/thread_pool.h"

namespace convscope {
namespace {

namespace fs = std::filesystem;

struct FilterArgs {
  std::vector<std::string> images;
  std::string kernel, output, output_dir, format = "png";
  std::string strides = "1", padding = "same", dilation = "1", border = "zero", normalize = "auto";
  bool gray = false;
  bool reference = false;
};

std::string lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

// ".png" or ".npy" from an output path; throws UserError otherwise.
bool output_is_npy(const std::string& path) {
  const std::string ext = lower(fs::path(path).extension().string());
  if (ext == ".npy") return true;
  if (ext == ".png") return false;
  throw UserError("--output: '" + path + "' must end in .png or .npy");
}

struct Job {
  const Kernel* kernel = nullptr;
  Layer geometry;
  NormalizeMode mode = NormalizeMode::Clip;
  bool gray = false;
  Implementation impl = Implementation::Simd;
};

// Loads, filters and writes one image (atomically) to `path`.
void filter_one(const Job& job, const std::string& image, const std::string& path, bool npy, ExecContext exec) {
  const Tensor in = load_image(image, job.gray);
  RunOptions options;
  options.impl = job.impl;
  options.exec = exec;
  Tensor raw;
  try {
    raw = apply_filter(in, *job.kernel, job.geometry, options);
  } catch (const UserError& e) {
    throw UserError(image + ": " + e.what());
  }
  if (npy)
    write_npy(path, raw);
  else
    save_png(path, normalize_for_display(raw, job.mode));
}

class Progress {
 public:
  Progress(int64_t total, bool enabled) : total_(total), enabled_(enabled) { draw(); }
  void step() {
    std::lock_guard<std::mutex> lock(mutex_);
    ++done_;
    draw();
  }
  void finish() {
    if (enabled_) std::fputc('\n', stderr);
  }

 private:
  void draw() {
    if (!enabled_) return;
    constexpr int kWidth = 30;
    const int filled = static_cast<int>(total_ ? done_ * kWidth / total_ : kWidth);
    std::fprintf(stderr, "\rfilter [%s%s] %lld/%lld", std::string(static_cast<size_t>(filled), '#').c_str(),
                 std::string(static_cast<size_t>(kWidth - filled), '.').c_str(), static_cast<long long>(done_),
                 static_cast<long long>(total_));
    std::fflush(stderr);
  }
  std::mutex mutex_;
  int64_t total_, done_ = 0;
  bool enabled_;
};

// Several images into --output-dir on all cores, one image per thread. Every result goes to a
// hidden temporary beside its target first; only when all succeeded are they renamed into place,
// so an error leaves every existing output untouched.
void run_batch(const Job& job, const FilterArgs& a) {
  if (!fs::is_directory(a.output_dir)) throw UserError("--output-dir: '" + a.output_dir + "' is not a folder");
  const bool npy = a.format == "npy";
  std::vector<std::string> targets, temps;
  std::set<std::string> seen;
  for (const std::string& image : a.images) {
    const std::string name = fs::path(image).stem().string() + (npy ? ".npy" : ".png");
    if (name.size() <= 4 || !seen.insert(name).second)
      throw UserError("--output-dir: two images would both be saved as '" + name + "' (" + image + ")");
    targets.push_back((fs::path(a.output_dir) / name).string());
    temps.push_back((fs::path(a.output_dir) / ("." + name + ".partial-" + std::to_string(::getpid()))).string());
  }

  const int64_t n = static_cast<int64_t>(a.images.size());
  const int workers = static_cast<int>(std::min<int64_t>(n, std::max(1u, std::thread::hardware_concurrency())));
  Progress progress(n, ::isatty(::fileno(stderr)) == 1);
  std::atomic<int64_t> next{0};
  std::atomic<bool> failed{false};
  std::mutex error_mutex;
  std::string error;
  auto work = [&] {
    // One image per thread; its convolution runs on this thread alone (a pool of size 1), unless
    // there is only one worker, which then uses the whole shared pool.
    std::unique_ptr<ThreadPool> own = workers > 1 ? std::make_unique<ThreadPool>(1) : nullptr;
    ExecContext exec;
    exec.pool = own.get();
    for (int64_t i; !failed.load() && (i = next.fetch_add(1)) < n;) {
      try {
        filter_one(job, a.images[static_cast<size_t>(i)], temps[static_cast<size_t>(i)], npy, exec);
        progress.step();
      } catch (const std::exception& e) {
        std::lock_guard<std::mutex> lock(error_mutex);
        if (!failed.exchange(true)) error = e.what();
      }
    }
  };
  std::vector<std::thread> threads;
  for (int t = 1; t < workers; ++t) threads.emplace_back(work);
  work();
  for (std::thread& t : threads) t.join();
  progress.finish();

  if (!failed) {
    for (size_t i = 0; i < targets.size(); ++i) {
      std::error_code ec;
      fs::rename(temps[i], targets[i], ec);
      if (ec) {
        error = "cannot write " + targets[i] + ": " + ec.message();
        failed = true;
        break;
      }
    }
  }
  if (failed) {
    for (const std::string& t : temps) {
      std::error_code ec;
      fs::remove(t, ec);
    }
    throw UserError(error);
  }
}

void run(const FilterArgs& a) {
  // Everything the user typed is checked before any image is read or any file written.
  // (--image and --kernel are checked here rather than by CLI11 so the error is one line.)
  if (a.images.empty()) throw UserError("--image is required: give at least one image");
  if (a.kernel.empty()) throw UserError("--kernel is required: a kernel name or a kernel .json file");
  if (a.output.empty() == a.output_dir.empty())
    throw UserError("give exactly one of --output (one image) or --output-dir (several images)");
  if (!a.output.empty() && a.images.size() > 1)
    throw UserError("--output takes one image; use --output-dir for " + std::to_string(a.images.size()) + " images");
  if (a.format != "png" && a.format != "npy") throw UserError("--format: expected png or npy, got '" + a.format + "'");
  const bool npy = a.output.empty() ? a.format == "npy" : output_is_npy(a.output);

  Job job;
  parse_pair(a.strides, "--strides", &job.geometry.stride_h, &job.geometry.stride_w);
  parse_pair(a.dilation, "--dilation", &job.geometry.dilation_h, &job.geometry.dilation_w);
  if (job.geometry.stride_h < 1 || job.geometry.stride_w < 1)
    throw UserError("--strides: values must be at least 1, got '" + a.strides + "'");
  if (job.geometry.dilation_h < 1 || job.geometry.dilation_w < 1)
    throw UserError("--dilation: values must be at least 1, got '" + a.dilation + "'");
  job.geometry.padding = parse_padding(a.padding);
  parse_border(a.border, &job.geometry.border, &job.geometry.border_value);
  const NormalizeMode mode = parse_normalize_mode(a.normalize);
  job.gray = a.gray;
  job.impl = a.reference ? Implementation::Reference : Implementation::Simd;

  const KernelLibrary library = load_default_kernel_library();
  for (const std::string& w : library.warnings) std::fprintf(stderr, "convscope: warning: %s\n", w.c_str());
  const Kernel kernel = resolve_kernel(library, a.kernel);
  job.kernel = &kernel;
  job.mode = resolve_normalize_mode(mode, kernel);

  if (!a.output.empty())
    filter_one(job, a.images[0], a.output, npy, ExecContext{});
  else
    run_batch(job, a);
}

}  // namespace

void add_filter_command(CLI::App& app) {
  auto args = std::make_shared<FilterArgs>();
  CLI::App* cmd = app.add_subcommand(
      "filter", "Apply an image filter kernel to each channel of an image (depthwise) and save the result");
  cmd->add_option("--image", args->images, "Input image(s): PNG, JPEG, BMP, TGA, GIF; pixels read as value/255");
  cmd->add_option("--kernel", args->kernel, "A kernel name (identity, box3, gaussian5, sobel_x, sobel_magnitude, ...: "
                                            "see assets/kernels and your user folder) or a kernel .json file");
  cmd->add_option("--strides", args->strides, "Stride S or SH,SW")->capture_default_str();
  cmd->add_option("--padding", args->padding, "same (output as large as the image / strides), valid, full, "
                                              "or explicit T,B,L,R")
      ->capture_default_str();
  cmd->add_option("--dilation", args->dilation, "Dilation rate D or DH,DW")->capture_default_str();
  cmd->add_option("--border", args->border, "Where padding values come from: zero (Keras), reflect, symmetric, "
                                            "replicate, wrap or constant:V")
      ->capture_default_str();
  cmd->add_option("--normalize", args->normalize, "How raw values become PNG pixels: auto (offset for zero-sum "
                                                  "kernels, else clip), clip, abs, offset (0.5 + v/2), minmax")
      ->capture_default_str();
  cmd->add_flag("--gray", args->gray, "Convert the image to one gray channel first");
  cmd->add_option("--output", args->output, "Output .png (normalised) or .npy ((H, W, C) float32 raw values)");
  cmd->add_option("--output-dir", args->output_dir, "Folder for a batch: each image saved as <name>.png/.npy");
  cmd->add_option("--format", args->format, "With --output-dir: png or npy")->capture_default_str();
  cmd->add_flag("--reference", args->reference, "Use the scalar reference instead of the SIMD engine");
  cmd->callback([args] { run(*args); });
}

}  // namespace convscope
