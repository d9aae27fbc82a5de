// convscope animate: the step-by-step animation as an animated GIF and/or numbered PNG frames,
// rendered in software (no display needed), from a preset of the convolution-arithmetic guide or
// a session file.
#include <cstdio>

#include "app/cli/animation_render.h"
#include "app/cli/animation_setup.h"
#include "app/cli/commands.h"
#include "engine/error.h"

namespace convscope {

namespace {

struct AnimateArgs {
  bool list = false;
  std::string preset, session, output, frames_dir, granularity = "position", view;
  int delay_ms = 700, max_frames = 300, cell = 40;
  bool no_colours = false, quiet = false;
};

void run(const AnimateArgs& a) {
  if (a.list) {
    for (const AnimationPreset& p : animation_presets()) std::printf("%-40s %s\n", p.name.c_str(), p.caption.c_str());
    return;
  }
  if (a.preset.empty() == a.session.empty()) throw UserError("animate needs exactly one of --preset NAME or --session FILE.json (see --list-presets)");
  if (a.output.empty() && a.frames_dir.empty()) throw UserError("animate needs --output anim.gif and/or --frames-dir DIR");
  AnimationSetup s;
  if (!a.preset.empty()) {
    const AnimationPreset* p = find_animation_preset(a.preset);
    if (!p) throw UserError("unknown preset '" + a.preset + "' (convscope animate --list-presets lists them)");
    s = setup_from_preset(*p);
  } else {
    s = load_animation_setup_file(a.session);
  }
  s.granularity = parse_granularity(a.granularity);
  if (!a.view.empty()) s.view = parse_transposed_view(a.view);
  if (a.no_colours) s.tap_colours = false;
  const std::unique_ptr<StepModel> m = make_step_model(s);
  SceneOptions o;
  o.caption = s.caption;
  o.tap_colours = s.tap_colours;
  o.cell = static_cast<float>(a.cell);
  o.font = std::max(11.0f, std::min(16.0f, o.cell * 0.38f));
  const std::vector<int64_t> steps = export_tap_steps(*m, s.granularity, a.max_frames);
  const std::vector<RgbaImage> frames = render_animation(*m, steps, o);
  if (!a.output.empty()) write_animated_gif(a.output, frames, std::max(1, a.delay_ms / 10));
  if (!a.frames_dir.empty()) write_png_frames(a.frames_dir, frames);
  if (!a.quiet)
    std::printf("%s: %zu frames, %dx%d%s%s\n", s.name.c_str(), frames.size(), frames[0].width, frames[0].height,
                a.output.empty() ? "" : (" -> " + a.output).c_str(), a.frames_dir.empty() ? "" : (" + " + a.frames_dir + "/").c_str());
}

}  // namespace

void add_animate_command(CLI::App& app) {
  auto args = std::make_shared<AnimateArgs>();
  CLI::App* cmd = app.add_subcommand("animate", "Export the step-by-step convolution animation as a GIF or PNG frames");
  cmd->add_flag("--list-presets", args->list, "List the presets (the convolution-arithmetic guide's animations) and exit");
  cmd->add_option("--preset", args->preset, "Animate this preset (see --list-presets)");
  cmd->add_option("--session", args->session, "Animate the setup saved by the app (File > Save setup)");
  cmd->add_option("--output", args->output, "Animated GIF to write (atomically)");
  cmd->add_option("--frames-dir", args->frames_dir, "Also write numbered PNG frames (frame_0000.png ...) here");
  cmd->add_option("--granularity", args->granularity, "One frame per tap, position or row (default position)");
  cmd->add_option("--view", args->view, "Transposed layers: scatter or direct (zeros inserted, kernel flipped)");
  cmd->add_option("--delay-ms", args->delay_ms, "Time per frame in milliseconds (default 700)")->check(CLI::Range(10, 60000));
  cmd->add_option("--max-frames", args->max_frames, "At most this many frames, evenly spaced (default 300)")->check(CLI::Range(1, 5000));
  cmd->add_option("--cell", args->cell, "Cell size in pixels (default 40)")->check(CLI::Range(16, 120));
  cmd->add_flag("--no-tap-colours", args->no_colours, "One colour for the whole kernel instead of one per position");
  cmd->add_flag("--quiet", args->quiet, "Print nothing on success");
  cmd->callback([args] { run(*args); });
}

}  // namespace convscope
