// convscope conv: run one Conv2D / Conv2DTranspose layer on .npy tensors.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <memory>

#include "app/cli/commands.h"
#include "app/cli/layer_flags.h"
#include "engine/conv.h"
#include "engine/cpu_tuning.h"
#include "engine/error.h"
#include "engine/npy.h"
#include "engine/reference_conv.h"
#include "engine/thread_pool.h"

namespace convscope {
namespace {

struct ConvArgs {
  std::string input, kernel, bias, output;
  LayerFlags flags;
  int benchmark = 0;
  int threads = 0;
  bool reference = false;
};

// Kernel size and filters come from the kernel file: Conv2D (KH, KW, C_in/groups, filters),
// Conv2DTranspose (KH, KW, filters/groups, C_in).
void take_kernel_shape(const Tensor& kernel, Layer& layer) {
  if (kernel.rank() != 4)
    throw UserError("kernel must have rank 4 (KH, KW, C_in/groups, filters), got shape " + shape_to_string(kernel.shape));
  for (int64_t d : kernel.shape)
    if (d < 1 || d > (1 << 24)) throw UserError("kernel shape " + shape_to_string(kernel.shape) + " has an empty or absurd dimension");
  layer.kernel_h = static_cast<int>(kernel.dim(0));
  layer.kernel_w = static_cast<int>(kernel.dim(1));
  const int64_t filters = layer.transpose ? kernel.dim(2) * layer.groups : kernel.dim(3);
  if (filters > (1 << 24)) throw UserError("kernel implies an absurd number of filters");
  layer.filters = static_cast<int>(filters);
}

void run(const ConvArgs& a) {
  Layer layer;
  a.flags.apply(layer);
  if (layer.groups < 1) throw UserError("--groups must be at least 1");
  const Tensor input = read_npy(a.input);
  const Tensor kernel = read_npy(a.kernel);
  take_kernel_shape(kernel, layer);
  std::unique_ptr<Tensor> bias;
  layer.use_bias = !a.bias.empty();
  if (layer.use_bias) bias = std::make_unique<Tensor>(read_npy(a.bias));

  std::unique_ptr<ThreadPool> own_pool;
  RunOptions options;
  options.impl = a.reference ? Implementation::Reference : Implementation::Simd;
  if (a.threads > 0) {
    own_pool = std::make_unique<ThreadPool>(a.threads);
    options.exec.pool = own_pool.get();
  }
  Tensor output = run_layer(layer, input, kernel, bias.get(), options);

  if (a.benchmark > 0) {
    // Times the engine alone on buffers prepared once (run_layer above checked every shape): a
    // fresh output per repetition put its page faults into the median (1080p RGB 5x5: 5.5 ms
    // against 3.6 ms for the convolution itself), and a channels_first input is converted once.
    const ConvPlan plan = plan_for_input(layer, input.shape);
    const bool first = layer.data_format == DataFormat::ChannelsFirst;
    const Tensor nhwc = first ? to_channels_last(input) : Tensor();
    const float* x = first ? nhwc.data.data() : input.data.data();
    const float* b = layer.use_bias && bias ? bias->data.data() : nullptr;
    std::vector<float> y(output.data.size());
    std::vector<double> ms;
    for (int i = 0; i < a.benchmark; ++i) {
      const auto t0 = std::chrono::steady_clock::now();
      if (a.reference)
        reference_conv(plan, layer, x, kernel.data.data(), b, y.data());
      else
        simd_conv(plan, layer, x, kernel.data.data(), b, y.data(), options.exec);
      ms.push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count());
    }
    std::sort(ms.begin(), ms.end());
    const double median = ms.size() % 2 ? ms[ms.size() / 2] : 0.5 * (ms[ms.size() / 2 - 1] + ms[ms.size() / 2]);
    const int threads = own_pool ? own_pool->size() : ThreadPool::shared().size();
    std::printf("median_ms=%.3f gflops=%.2f target=%s tuning=%s threads=%d\n", median,
                2.0 * static_cast<double>(plan.macs()) / (median * 1e6),
                a.reference ? "reference" : simd_target_name(), to_string(cpu_tuning()), threads);
  }
  write_npy(a.output, output);
  // Computed, but a Keras model could not reproduce it: say so (after success, so errors stay one line).
  for (const std::string& note : plan_for_input(layer, input.shape).beyond_keras)
    std::fprintf(stderr, "convscope: note: %s\n", note.c_str());
}

}  // namespace

void add_conv_command(CLI::App& app) {
  auto args = std::make_shared<ConvArgs>();
  CLI::App* cmd = app.add_subcommand("conv", "Run a Conv2D / Conv2DTranspose layer on NumPy .npy files");
  cmd->add_option("--input", args->input, "Input .npy: (N,H,W,C) or (N,C,H,W); rank 3 = one image")->required();
  cmd->add_option("--kernel", args->kernel, "Kernel .npy in Keras layout: (KH,KW,C_in/groups,filters), "
                                            "transposed (KH,KW,filters/groups,C_in)")->required();
  cmd->add_option("--bias", args->bias, "Bias .npy of shape (filters,); omitted = use_bias False");
  cmd->add_option("--output", args->output, "Output .npy (float32, written via a temporary file)")->required();
  args->flags.add_to(cmd, true);
  cmd->add_option("--benchmark", args->benchmark, "Run N more times after a warm-up and print the median")
      ->check(CLI::Range(1, 100000));
  cmd->add_option("--threads", args->threads, "Threads (default: all cores)")->check(CLI::Range(1, 256));
  cmd->add_flag("--reference", args->reference, "Use the scalar reference instead of the SIMD engine");
  cmd->callback([args] { run(*args); });
}

}  // namespace convscope
