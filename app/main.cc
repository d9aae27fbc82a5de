// convscope: with a subcommand (conv, shape, ...) a command-line tool that never touches GLFW or
// OpenGL; without one, the desktop app.
#include <cstdio>

#include <CLI/CLI.hpp>

#include "app/cli/commands.h"
#include "app/gui/run_gui.h"
#include "engine/error.h"

int main(int argc, char** argv) {
  CLI::App app{"ConvScope: see and check 2-D convolution (Keras Conv2D / Conv2DTranspose)"};
  app.require_subcommand(0, 1);
  convscope::add_cli_commands(app);

  convscope::GuiOptions gui;
  app.add_option("image", gui.image, "Image to open (PNG, JPEG, BMP, TGA, GIF); default: a bundled sample");
  app.add_option("--screenshot", gui.screenshot_path, "Render the app, save the window as this PNG and exit");
  app.add_option("--frames", gui.frames, "Frames to render before the screenshot")->check(CLI::Range(1, 100000));
  app.add_option("--session", gui.session_path, "Setup file (JSON) to load at start");
  app.add_option("--size", gui.window_size, "Window size WxH, e.g. 1280x800");

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int code = app.exit(e);
    return code == 0 ? 0 : 2;
  } catch (const convscope::UserError& e) {
    std::fprintf(stderr, "convscope: error: %s\n", e.what());
    return 2;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "convscope: error: %s\n", e.what());
    return 2;
  }
  if (!app.get_subcommands().empty()) return 0;  // a subcommand ran; its errors were thrown as UserError
#if CONVSCOPE_HAVE_GUI
  return convscope::run_gui(gui);
#else
  std::fprintf(stderr, "convscope: this build has no GUI (CONVSCOPE_BUILD_GUI=OFF); use a subcommand, see --help\n");
  return 2;
#endif
}
