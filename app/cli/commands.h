// The command-line subcommands. Each lives in its own file and registers itself on the
// top-level CLI11 app; its callback throws UserError for anything the user got wrong (main
// prints it on one line and exits 2).
#pragma once
#include <CLI/CLI.hpp>

namespace convscope {

void add_conv_command(CLI::App& app);   // convscope conv
void add_shape_command(CLI::App& app);  // convscope shape
void add_filter_command(CLI::App& app);  // convscope filter
void add_animate_command(CLI::App& app);  // convscope animate

inline void add_cli_commands(CLI::App& app) {
  add_conv_command(app);
  add_shape_command(app);
  add_filter_command(app);
  add_animate_command(app);
}

}  // namespace convscope
