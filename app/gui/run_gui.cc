// Placeholder until the GUI lands (issue 3): keeps the executable linking.
#include "app/gui/run_gui.h"

#include <cstdio>

namespace convscope {
int run_gui(const GuiOptions&) {
  std::fprintf(stderr, "convscope: the GUI is not built yet; use a subcommand (see --help)\n");
  return 2;
}
}  // namespace convscope
