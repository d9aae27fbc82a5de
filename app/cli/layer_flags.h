// The layer flags shared by `conv`, `shape` (and `filter`): --strides, --padding, --dilation,
// --output-padding, --groups, --data-format, --activation, --transpose. Parsed into a Layer.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "engine/layer.h"

namespace convscope {

struct LayerFlags {
  bool transpose = false;
  std::string strides = "1", padding = "valid", dilation = "1", output_padding, data_format = "channels_last";
  std::string activation = "linear", border = "zero";
  int groups = 1;

  // Registers the flags on a subcommand. with_border adds --border (forward conv only).
  void add_to(CLI::App* cmd, bool with_border);
  // Fills every field of `layer` the flags describe; throws UserError on malformed values.
  void apply(Layer& layer) const;
};

// "1,2,3" -> {1, 2, 3}, each within [min, max]. Throws UserError naming the flag and the text.
std::vector<int64_t> parse_int_list(const std::string& text, const char* flag, int64_t min, int64_t max);
// "3" -> (3,3); "2,1" -> (2,1). Throws UserError naming the flag.
void parse_pair(const std::string& text, const char* flag, int* a, int* b);
// "T,B,L,R" explicit padding or a padding name.
Padding parse_padding(const std::string& text);

}  // namespace convscope
