// The command-line subcommands. Each lives in its own file and registers itself on the
// top-level CLI11 app; its callback throws UserError for anything the user got wrong (main
// prints it on one line and exits 2).
#pragma once
#include <CLI/CLI.hpp>

namespace convscope {

void add_conv_command(CLI::App& app);   // convscope conv
void add_shape_command(CLI::App& app);  // convscope shape

inline void add_cli_commands(CLI::App& app) {
  add_conv_command(app);
  add_shape_command(app);
}

}  // namespace convscope
