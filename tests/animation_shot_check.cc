// Checks a screenshot of the step-by-step canvas (tests/animation.cmake): the app writes the
// canvas geometry to CONVSCOPE_ANIMATION_REGIONS, this program looks at the pixels of given cells.
//
//   convscope_anim_shot_check SHOT.png REGIONS.json CHECK...
//   CHECK: GRID:Y,X:has:COLOUR   some pixel of the cell is that colour (an outline or highlight)
//          GRID:Y,X:not:COLOUR   no pixel of the cell is
//          GRID:Y,X:tint:COLOUR  the cell's fill (sampled beside its left edge, mid-height) leans to it
//          GRID.KEY=VALUE        a number in the regions file (rows, cols, first_y, first_x)
//   GRID: input, output or kernel; COLOUR: highlight (hover/pin), current (window, cell being
//   computed), red, blue, yellow.
#include <cmath>
#include <cstdio>
#include <string>

#include <nlohmann/json.hpp>

#include "engine/atomic_file.h"
#include "engine/image_io.h"

using namespace convscope;

namespace {

struct Colour {
  int r, g, b;
};

bool named(const std::string& n, Colour* c) {
  if (n == "highlight") *c = {200, 20, 110};
  else if (n == "current") *c = {214, 84, 0};
  else return false;
  return true;
}

int fail(const std::string& why) {
  std::fprintf(stderr, "FAIL: %s\n", why.c_str());
  return 1;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 4) {
    std::fprintf(stderr, "usage: %s SHOT.png REGIONS.json CHECK...\n", argv[0]);
    return 2;
  }
  try {
    const Tensor img = load_image(argv[1]);
    const nlohmann::json regions = nlohmann::json::parse(read_file(argv[2], 1 << 20));
    const int64_t H = img.dim(0), W = img.dim(1), C = img.dim(2);
    auto px = [&](int64_t x, int64_t y, int c) {
      if (x < 0 || y < 0 || x >= W || y >= H) return -1000;
      return static_cast<int>(std::lround(img.data[static_cast<size_t>((y * W + x) * C + std::min<int64_t>(c, C - 1))] * 255));
    };
    int failures = 0;
    for (int i = 3; i < argc; ++i) {
      const std::string check = argv[i];
      const size_t eq = check.find('=');
      if (eq != std::string::npos) {  // GRID.KEY=VALUE
        const size_t dot = check.find('.');
        const auto& g = regions.at(check.substr(0, dot));
        const std::string key = check.substr(dot + 1, eq - dot - 1);
        const double want = std::stod(check.substr(eq + 1));
        if (g.at(key).get<double>() != want)
          failures += fail(check + ": got " + std::to_string(g.at(key).get<double>()));
        else std::printf("ok   %s\n", check.c_str());
        continue;
      }
      // GRID:Y,X:MODE:COLOUR
      const size_t c1 = check.find(':'), c2 = check.find(':', c1 + 1), c3 = check.find(':', c2 + 1);
      if (c1 == std::string::npos || c2 == std::string::npos || c3 == std::string::npos) return fail("bad check " + check);
      const auto& g = regions.at(check.substr(0, c1));
      const std::string yx = check.substr(c1 + 1, c2 - c1 - 1), mode = check.substr(c2 + 1, c3 - c2 - 1),
                        colour = check.substr(c3 + 1);
      const int64_t cy = std::stoll(yx.substr(0, yx.find(','))), cx = std::stoll(yx.substr(yx.find(',') + 1));
      const double cell = g.at("cell").get<double>();
      const double x0 = g.at("x").get<double>() + static_cast<double>(cx - g.at("first_x").get<int64_t>()) * cell;
      const double y0 = g.at("y").get<double>() + static_cast<double>(cy - g.at("first_y").get<int64_t>()) * cell;
      bool ok = false;
      if (mode == "tint") {
        // Beside the left edge, mid-height: the fill, clear of numbers and outlines.
        const int64_t sx = static_cast<int64_t>(x0 + 6), sy = static_cast<int64_t>(y0 + cell / 2);
        const int r = px(sx, sy, 0), gg = px(sx, sy, 1), b = px(sx, sy, 2);
        if (colour == "red") ok = r > b + 20;
        else if (colour == "blue") ok = b > r + 10;
        else if (colour == "yellow") ok = r > b + 15 && gg > b + 10;
        else return fail("bad tint " + colour);
        if (!ok) failures += fail(check + ": the fill is (" + std::to_string(r) + "," + std::to_string(gg) + "," + std::to_string(b) + ")");
        else std::printf("ok   %s\n", check.c_str());
        continue;
      }
      Colour want{};
      if (!named(colour, &want)) return fail("bad colour " + colour);
      for (int64_t y = static_cast<int64_t>(y0) + 1; y < static_cast<int64_t>(y0 + cell) - 1 && !ok; ++y)
        for (int64_t x = static_cast<int64_t>(x0) + 1; x < static_cast<int64_t>(x0 + cell) - 1 && !ok; ++x)
          ok = std::abs(px(x, y, 0) - want.r) + std::abs(px(x, y, 1) - want.g) + std::abs(px(x, y, 2) - want.b) < 40;
      const bool pass = mode == "has" ? ok : mode == "not" ? !ok : false;
      if (mode != "has" && mode != "not") return fail("bad mode " + mode);
      if (!pass) failures += fail(check);
      else std::printf("ok   %s\n", check.c_str());
    }
    return failures ? 1 : 0;
  } catch (const std::exception& e) {
    return fail(e.what());
  }
}
