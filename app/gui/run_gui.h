// Entry point of the desktop app. This header has no GL or ImGui types so main.cc compiles
// without them.
#pragma once
#include <string>

namespace convscope {

struct GuiOptions {
  std::string image;            // image to open; empty = bundled sample
  std::string screenshot_path;  // non-empty: render `frames` frames, save PNG, exit
  int frames = 3;
  std::string session_path;     // setup JSON to load
  std::string window_size;      // "WxH"
};

// Returns the process exit status (2 when there is no display, with a one-line message).
int run_gui(const GuiOptions& options);

}  // namespace convscope
