// The animation canvas without GL: the scene (what each frame shows), the software renderer, and
// `convscope animate` writing GIFs that giflib decodes with the right frame count and size.
#include <doctest/doctest.h>
#include <gif_lib.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>

#include <unistd.h>

#include "app/cli/animation_render.h"
#include "app/cli/animation_setup.h"
#include "engine/error.h"
#include "engine/steps.h"

using namespace convscope;
namespace fs = std::filesystem;

namespace {

std::string tmp_dir(const std::string& name) {
  const fs::path d = fs::path(CONVSCOPE_TEST_TMP) / name;
  fs::remove_all(d);
  fs::create_directories(d);
  return d.string();
}

int run_cli(const std::string& args, std::string* output = nullptr) {
  // One file per process: CTest runs these test cases as separate processes in parallel, and a
  // shared name let one case read the other's output (seen once under the sanitizer build).
  const std::string out_file =
      std::string(CONVSCOPE_TEST_TMP) + "/animate_cli_out_" + std::to_string(getpid()) + ".txt";
  fs::create_directories(CONVSCOPE_TEST_TMP);
  const int rc = std::system((std::string(CONVSCOPE_BIN) + " " + args + " > " + out_file + " 2>&1").c_str());
  if (output) {
    std::FILE* f = std::fopen(out_file.c_str(), "rb");
    output->clear();
    char buf[4096];
    size_t n;
    while (f && (n = std::fread(buf, 1, sizeof buf, f)) > 0) output->append(buf, n);
    if (f) std::fclose(f);
  }
  std::error_code ignored;
  fs::remove(out_file, ignored);
  return WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
}

// A fixed measure so scene tests do not depend on the font.
float fake_measure(const std::string& t, float size) { return static_cast<float>(t.size()) * size * 0.55f; }

bool has_rect_at(const Scene& s, float x0, float y0, float cell, Rgba stroke) {
  for (const SceneItem& it : s.items)
    if (it.kind == ItemKind::Rect && it.stroke.r == stroke.r && it.stroke.g == stroke.g && it.stroke.b == stroke.b &&
        it.x0 >= x0 - 4 && it.x0 <= x0 + 4 && it.y0 >= y0 - 4 && it.y0 <= y0 + 4 && it.x1 - it.x0 > cell * 0.8f)
      return true;
  return false;
}

}  // namespace

TEST_CASE("animation: the scene puts the kernel window where the step says (tf_same_stride2)") {
  const AnimationSetup s = setup_from_preset(*find_animation_preset("tf_same_stride2"));
  const auto m = make_step_model(s);
  SceneOptions o;
  o.tap_step = m->tap_step_at_end(StepGranularity::Position, 4);  // output (1, 1)
  const Scene scene = build_scene(*m, o, fake_measure);
  // TF 'same' on 6 with stride 2: nothing before, one padding row/column after.
  CHECK(scene.input.first_y == 0);
  CHECK(scene.input.rows == 7);
  CHECK(scene.output.rows == 3);
  // The window of output (1, 1) covers input rows/cols 2..4: its orange box starts at cell (2, 2).
  const Rgba current{214, 84, 0, 255};
  CHECK(has_rect_at(scene, scene.input.left(2) - 2, scene.input.top(2) - 2, o.cell, current));
  // And the output cell being computed is outlined in the same colour.
  CHECK(has_rect_at(scene, scene.output.left(1) - 1, scene.output.top(1) - 1, o.cell, current));
  int64_t gy = -9, gx = -9;
  CHECK(scene.input.hit(scene.input.left(3) + 1, scene.input.top(5) + 1, &gy, &gx));
  CHECK(gy == 5);
  CHECK(gx == 3);
  REQUIRE(!scene.arithmetic.empty());
  CHECK(scene.arithmetic[0].rfind("output[1,1] = ", 0) == 0);
}

TEST_CASE("animation: hovering an output lights its receptive field, hovering an input every output it feeds") {
  const AnimationSetup s = setup_from_preset(*find_animation_preset("padding_strides"));
  const auto m = make_step_model(s);
  SceneOptions o;
  o.hover_output = true;
  o.output_cell = {0, 0};
  const Scene scene = build_scene(*m, o, fake_measure);
  const Rgba hl{200, 20, 110, 255};
  // Output (0, 0) with padding 1 reads padded rows/cols -1..1.
  for (int64_t y = -1; y <= 1; ++y)
    for (int64_t x = -1; x <= 1; ++x) CHECK(has_rect_at(scene, scene.input.left(x) + 3, scene.input.top(y) + 3, o.cell * 0.8f, hl));
  CHECK(!has_rect_at(scene, scene.input.left(2) + 3, scene.input.top(2) + 3, o.cell * 0.8f, hl));
  SceneOptions in = o;
  in.hover_output = false;
  in.hover_input = true;
  in.input_cell = {2, 2};  // the centre pixel
  const Scene s2 = build_scene(*m, in, fake_measure);
  // Outputs whose window (2*o - 1 .. 2*o + 1) contains 2: o = 1 only.
  CHECK(has_rect_at(s2, s2.output.left(1) + 3, s2.output.top(1) + 3, o.cell * 0.8f, hl));
  CHECK(!has_rect_at(s2, s2.output.left(0) + 3, s2.output.top(0) + 3, o.cell * 0.8f, hl));
}

TEST_CASE("animation: convscope animate writes a GIF that giflib decodes with the right frames and size") {
  const std::string dir = tmp_dir("animate_gif");
  const std::string gif = dir + "/anim.gif";
  std::string out;
  REQUIRE(run_cli("animate --preset padding_strides --output " + gif + " --frames-dir " + dir + "/frames --delay-ms 100", &out) == 0);
  int err = 0;
  GifFileType* g = DGifOpenFileName(gif.c_str(), &err);
  REQUIRE(g != nullptr);
  REQUIRE(DGifSlurp(g) == GIF_OK);
  CHECK(g->ImageCount == 9);  // one frame per output position of the 3x3 output
  // Same size as the PNG frames.
  int w = 0, h = 0, c = 0;
  FILE* f = std::fopen((dir + "/frames/frame_0000.png").c_str(), "rb");
  REQUIRE(f != nullptr);
  unsigned char head[24];
  REQUIRE(std::fread(head, 1, 24, f) == 24);
  std::fclose(f);
  w = (head[16] << 24) | (head[17] << 16) | (head[18] << 8) | head[19];
  h = (head[20] << 24) | (head[21] << 16) | (head[22] << 8) | head[23];
  (void)c;
  CHECK(g->SWidth == w);
  CHECK(g->SHeight == h);
  CHECK(fs::exists(dir + "/frames/frame_0008.png"));
  CHECK(!fs::exists(dir + "/frames/frame_0009.png"));
  GraphicsControlBlock gcb;
  REQUIRE(DGifSavedExtensionToGCB(g, 0, &gcb) == GIF_OK);
  CHECK(gcb.DelayTime == 10);
  DGifCloseFile(g, &err);
  // No temporary files left beside the GIF.
  int entries = 0;
  for (const auto& e : fs::directory_iterator(dir)) entries += e.path().filename().string().find(".tmp") != std::string::npos;
  CHECK(entries == 0);

  // Tap granularity and the scatter view of a transposed preset: one frame per tap step.
  const AnimationSetup s = setup_from_preset(*find_animation_preset("no_padding_strides_transposed"));
  StepOptions so;
  so.view = TransposedView::Scatter;
  StepModel m(s.layer, s.input, s.kernel, nullptr, so);
  REQUIRE(run_cli("animate --preset no_padding_strides_transposed --view scatter --granularity tap --output " + gif) == 0);
  g = DGifOpenFileName(gif.c_str(), &err);
  REQUIRE(g != nullptr);
  REQUIRE(DGifSlurp(g) == GIF_OK);
  CHECK(g->ImageCount == m.tap_step_count());
  DGifCloseFile(g, &err);
}

TEST_CASE("animation: convscope animate lists presets and reports bad arguments on one line") {
  std::string out;
  CHECK(run_cli("animate --list-presets", &out) == 0);
  CHECK(out.find("tf_same_stride2") != std::string::npos);
  CHECK(out.find("padding_strides_odd_transposed") != std::string::npos);
  CHECK(run_cli("animate --preset nope --output /tmp/x.gif", &out) == 2);
  CHECK(out.find("unknown preset 'nope'") != std::string::npos);
  CHECK(run_cli("animate --preset dilation", &out) == 2);
  CHECK(out.find("--output") != std::string::npos);
}

TEST_CASE("animation: a session file animates its layer on a region of the image") {
  const std::string dir = tmp_dir("animate_session");
  const std::string session = dir + "/s.json";
  std::FILE* f = std::fopen(session.c_str(), "wb");
  REQUIRE(f);
  std::fputs(R"({"convscope_session": 1,
    "input": {"kind": "grid", "grid_size": 4, "grid_channels": 2, "grid": [0,1,2,3,4,5,6,7,8,9,0,1,2,3,4,5,6,7,8,9,0,1,2,3,4,5,6,7,8,9,0,1]},
    "layer": {"type": "Conv2D", "filters": 2, "kernel_size": [2, 2], "strides": [1, 1], "padding": "same", "groups": 2,
              "use_bias": true, "activation": "relu"},
    "kernel": {"shape": [2, 2, 1, 2], "weights": [1, -1, 2, 0, 0, 1, 1, 1]},
    "bias": {"values": [0.5, -0.5]},
    "animation": {"granularity": "row"}})", f);
  std::fclose(f);
  const AnimationSetup s = load_animation_setup_file(session);
  CHECK(s.input.shape == std::vector<int64_t>{4, 4, 2});
  CHECK(s.granularity == StepGranularity::Row);
  const auto m = make_step_model(s);
  CHECK(m->step_count(StepGranularity::Row) == 4);
  REQUIRE(run_cli("animate --session " + session + " --granularity row --output " + dir + "/s.gif") == 0);
  int err = 0;
  GifFileType* g = DGifOpenFileName((dir + "/s.gif").c_str(), &err);
  REQUIRE(g != nullptr);
  REQUIRE(DGifSlurp(g) == GIF_OK);
  CHECK(g->ImageCount == 4);
  DGifCloseFile(g, &err);
}

#if CONVSCOPE_HAVE_GUI
#include <nlohmann/json.hpp>

#include "app/gui/animation_panel.h"

TEST_CASE("animation: the canvas settings survive a session round trip, and bad ones are refused") {
  AnimationPanelState s;
  s.preset = "dilation";
  s.granularity = StepGranularity::Row;
  s.view = TransposedView::Scatter;
  s.roi_y = 3;
  s.roi_x = 4;
  s.roi_size = 10;
  s.tap_colours = false;
  AnimationPanelState t;
  animation_from_json(t, animation_to_json(s));
  CHECK(t.preset == "dilation");
  CHECK(t.granularity == StepGranularity::Row);
  CHECK(t.view == TransposedView::Scatter);
  CHECK(t.roi_y == 3);
  CHECK(t.roi_x == 4);
  CHECK(t.roi_size == 10);
  CHECK(!t.tap_colours);
  // The CLI reads the same object.
  nlohmann::json session = {{"animation", animation_to_json(s)}};
  CHECK(setup_from_session(session, "x").name == "dilation");
  AnimationPanelState u = t;
  CHECK_THROWS_AS(animation_from_json(u, nlohmann::json{{"preset", "nope"}}), UserError);
  CHECK(u.preset == "dilation");  // unchanged on error
  CHECK_THROWS_AS(animation_from_json(u, nlohmann::json{{"granularity", "pixel"}}), UserError);
}
#endif
