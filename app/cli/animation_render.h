// The software renderer of the animation canvas (no GL): rasterises a Scene (animation_scene.h)
// into RGBA pixels, writes numbered PNG frames and animated GIFs (giflib). Text uses stb_truetype
// with DejaVu Sans (Debian fonts-dejavu-core; CONVSCOPE_FONT overrides the path).
#pragma once
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "app/cli/animation_scene.h"

namespace convscope {

struct RgbaImage {
  int width = 0, height = 0;
  std::vector<uint8_t> pixels;  // RGBA, row-major
};

// The font; throws UserError naming the file (and the package to install) when it is missing.
class SceneFont {
 public:
  static const SceneFont& get();
  float measure(const std::string& text, float size) const;
  // Draws with the top of the line box at y; align relative to x.
  void draw(RgbaImage& img, float x, float y, const std::string& text, float size, Rgba colour, Align align) const;
  MeasureText measurer() const;

 private:
  SceneFont();
  std::string data_;
  std::vector<unsigned char> info_;  // stbtt_fontinfo, opaque here
};
std::string scene_font_path();

// Renders the scene on a width x height canvas (white beyond the scene).
RgbaImage render_scene(const Scene& scene, int width, int height);

// Progress: called with (done, total); return false to cancel (throws Cancelled).
using ExportProgress = std::function<bool(int64_t done, int64_t total)>;

// An animated GIF that loops forever, delay in hundredths of a second per frame (the last frame
// holds 3x longer). Written atomically.
void write_animated_gif(const std::string& path, const std::vector<RgbaImage>& frames, int delay_cs,
                        const ExportProgress& progress = {});

// Which tap steps the frames of an export show: every step of the granularity, capped at
// max_frames by skipping evenly (the last step is always shown).
std::vector<int64_t> export_tap_steps(const StepModel& m, StepGranularity g, int64_t max_frames);

// Builds and renders the frames of an animation, all the same size.
std::vector<RgbaImage> render_animation(const StepModel& m, const std::vector<int64_t>& tap_steps,
                                        const SceneOptions& base, const ExportProgress& progress = {});

// Numbered PNG frames frame_0000.png ... in dir (created when missing).
void write_png_frames(const std::string& dir, const std::vector<RgbaImage>& frames, const ExportProgress& progress = {});

}  // namespace convscope
