// convscope shape: the layer's output shape and padding for an input shape, no data needed.
#include <cstdio>

#include <nlohmann/json.hpp>

#include "app/cli/commands.h"
#include "app/cli/layer_flags.h"
#include "engine/conv.h"
#include "engine/error.h"

namespace convscope {
namespace {

struct ShapeArgs {
  std::string input_shape, kernel_size;
  int filters = 1;
  LayerFlags flags;
  bool json = false;
};

std::vector<int64_t> parse_shape_list(const std::string& text) {
  std::vector<int64_t> v = parse_int_list(text, "--input-shape", 1, int64_t{1} << 40);
  if (v.size() != 3 && v.size() != 4)
    throw UserError("--input-shape: expected N,H,W,C (or N,C,H,W for channels_first), got '" + text + "'");
  return v;
}

void run(const ShapeArgs& a) {
  Layer layer;
  a.flags.apply(layer);
  parse_pair(a.kernel_size, "--kernel-size", &layer.kernel_h, &layer.kernel_w);
  layer.filters = a.filters;
  const std::vector<int64_t> in_shape = parse_shape_list(a.input_shape);
  const ConvPlan plan = plan_for_input(layer, in_shape);
  std::vector<int64_t> out_shape = plan.output_shape(layer.data_format);
  if (in_shape.size() == 3) out_shape.erase(out_shape.begin());

  if (a.json) {
    nlohmann::json j;
    j["input_shape"] = in_shape;
    j["output_shape"] = out_shape;
    j["data_format"] = to_string(layer.data_format);
    j["transpose"] = plan.transpose;
    j["padding"] = {{"top", plan.y.pad_before}, {"bottom", plan.y.pad_after},
                    {"left", plan.x.pad_before}, {"right", plan.x.pad_after}};
    j["padding_meaning"] = plan.transpose ? "cropped from the full transposed output (negative: appended)"
                                          : "added around the input";
    j["kernel_shape"] = plan.kernel_shape();
    j["dilated_kernel"] = {plan.y.extent, plan.x.extent};
    j["formulas"] = {{"height", plan.y.formula}, {"width", plan.x.formula}};
    j["beyond_keras"] = plan.beyond_keras;
    std::printf("%s\n", j.dump().c_str());
    return;
  }
  const bool first = layer.data_format == DataFormat::ChannelsFirst;
  std::printf("output shape: %s  (%s)\n", shape_to_string(out_shape).c_str(),
              in_shape.size() == 3 ? (first ? "C, H, W" : "H, W, C") : (first ? "N, C, H, W" : "N, H, W, C"));
  std::printf("%s: top %lld, bottom %lld, left %lld, right %lld\n",
              plan.transpose ? "cropping" : "padding", static_cast<long long>(plan.y.pad_before),
              static_cast<long long>(plan.y.pad_after), static_cast<long long>(plan.x.pad_before),
              static_cast<long long>(plan.x.pad_after));
  std::printf("height: %s\n", plan.y.formula.c_str());
  std::printf("width:  %s\n", plan.x.formula.c_str());
  std::printf("kernel shape: %s\n", shape_to_string(plan.kernel_shape()).c_str());
  for (const std::string& note : plan.beyond_keras) std::printf("beyond Keras: %s\n", note.c_str());
}

}  // namespace

void add_shape_command(CLI::App& app) {
  auto args = std::make_shared<ShapeArgs>();
  CLI::App* cmd = app.add_subcommand("shape", "Print a layer's output shape and the padding it applies");
  cmd->add_option("--input-shape", args->input_shape, "N,H,W,C (channels_last) or N,C,H,W (channels_first)")
      ->required();
  cmd->add_option("--kernel-size", args->kernel_size, "K or KH,KW")->required();
  cmd->add_option("--filters", args->filters, "Number of output channels")->required();
  args->flags.add_to(cmd, true);
  cmd->add_flag("--json", args->json, "Print one JSON object");
  cmd->callback([args] { run(*args); });
}

}  // namespace convscope
