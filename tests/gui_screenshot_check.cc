// Checks a screenshot of the app (written by `convscope --screenshot` with CONVSCOPE_REGIONS set):
//   gui_screenshot_check SHOT.png --size WxH [--regions R.json --same A B] [--ramp A]
// --size: the picture has exactly this size; always: the picture is not blank (many colours,
// real contrast). --same A B: regions A and B (grids of `cells` x `cells` values) show the same
// colour in every cell. --ramp A: region A's cells get brighter in raster order (a ramp grid).
// Exit status 0 when every check passes, 1 otherwise (each failure printed).
#include <cmath>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <set>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>
#include <stb_image.h>

namespace {

struct Picture {
  int w = 0, h = 0;
  std::vector<unsigned char> rgb;
  const unsigned char* at(int x, int y) const { return &rgb[(size_t(y) * size_t(w) + size_t(x)) * 3]; }
};

struct Region {
  float x, y, w, h;
  int cells;
};

int failures = 0;
void fail(const std::string& s) {
  std::fprintf(stderr, "FAIL: %s\n", s.c_str());
  ++failures;
}

Region region(const nlohmann::json& j, const std::string& name) {
  const auto& r = j.at("regions").at(name);
  return {r.at("x").get<float>(), r.at("y").get<float>(), r.at("w").get<float>(), r.at("h").get<float>(),
          r.value("cells", 1)};
}

// Colour of cell (cx, cy): sampled near the cell's top-left corner (away from printed values).
void cell_color(const Picture& p, const Region& r, int cx, int cy, int out[3]) {
  const float cw = r.w / float(r.cells), ch = r.h / float(r.cells);  // square grids
  const int x = int(r.x + cw * (float(cx) + 0.18f)), y = int(r.y + ch * (float(cy) + 0.18f));
  if (x < 0 || y < 0 || x >= p.w || y >= p.h) {
    out[0] = out[1] = out[2] = -1000;
    return;
  }
  const unsigned char* c = p.at(x, y);
  for (int i = 0; i < 3; ++i) out[i] = c[i];
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: gui_screenshot_check SHOT.png --size WxH [--regions R.json --same A B] [--ramp A]\n");
    return 2;
  }
  Picture p;
  int n = 0;
  unsigned char* data = stbi_load(argv[1], &p.w, &p.h, &n, 3);
  if (!data) {
    std::fprintf(stderr, "FAIL: cannot read %s\n", argv[1]);
    return 1;
  }
  p.rgb.assign(data, data + size_t(p.w) * size_t(p.h) * 3);
  stbi_image_free(data);

  // Not blank: many distinct colours and real contrast.
  std::set<unsigned> colours;
  double sum = 0, sum2 = 0;
  for (int y = 0; y < p.h; y += 2)
    for (int x = 0; x < p.w; x += 2) {
      const unsigned char* c = p.at(x, y);
      colours.insert(unsigned(c[0]) << 16 | unsigned(c[1]) << 8 | c[2]);
      const double l = 0.299 * c[0] + 0.587 * c[1] + 0.114 * c[2];
      sum += l;
      sum2 += l * l;
    }
  const double count = double((p.w + 1) / 2) * double((p.h + 1) / 2);
  const double sd = std::sqrt(std::max(0.0, sum2 / count - (sum / count) * (sum / count)));
  if (colours.size() < 64) fail("only " + std::to_string(colours.size()) + " distinct colours: blank picture?");
  if (sd < 8.0) fail("luminance standard deviation " + std::to_string(sd) + ": blank picture?");

  nlohmann::json regions;
  for (int i = 2; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--size" && i + 1 < argc) {
      int w = 0, h = 0;
      std::sscanf(argv[++i], "%dx%d", &w, &h);
      if (p.w != w || p.h != h)
        fail("size " + std::to_string(p.w) + "x" + std::to_string(p.h) + ", expected " + std::to_string(w) + "x" + std::to_string(h));
    } else if (a == "--regions" && i + 1 < argc) {
      std::ifstream f(argv[++i]);
      if (!f) {
        fail(std::string("cannot read regions ") + argv[i]);
        continue;
      }
      regions = nlohmann::json::parse(f);
    } else if (a == "--same" && i + 2 < argc) {
      const Region ra = region(regions, argv[i + 1]), rb = region(regions, argv[i + 2]);
      i += 2;
      if (ra.cells != rb.cells) {
        fail("regions have " + std::to_string(ra.cells) + " and " + std::to_string(rb.cells) + " cells per side");
        continue;
      }
      int bad = 0;
      std::set<int> distinct;
      for (int cy = 0; cy < ra.cells; ++cy)
        for (int cx = 0; cx < ra.cells; ++cx) {
          int ca[3], cb[3];
          cell_color(p, ra, cx, cy, ca);
          cell_color(p, rb, cx, cy, cb);
          distinct.insert(ca[0] << 16 | ca[1] << 8 | ca[2]);
          const int d = std::max({std::abs(ca[0] - cb[0]), std::abs(ca[1] - cb[1]), std::abs(ca[2] - cb[2])});
          if (d > 3 && bad++ < 5)
            std::fprintf(stderr, "  cell (%d, %d): (%d, %d, %d) vs (%d, %d, %d)\n", cy, cx, ca[0], ca[1], ca[2], cb[0],
                         cb[1], cb[2]);
        }
      if (bad) fail(std::to_string(bad) + " cells differ between the two regions");
      if (int(distinct.size()) < ra.cells) fail("the first region shows only " + std::to_string(distinct.size()) + " colours");
    } else if (a == "--ramp" && i + 1 < argc) {
      const Region r = region(regions, argv[++i]);
      int prev = -1, bad = 0;
      for (int cy = 0; cy < r.cells; ++cy)
        for (int cx = 0; cx < r.cells; ++cx) {
          int c[3];
          cell_color(p, r, cx, cy, c);
          const int l = c[0] + c[1] + c[2];
          if (l < prev) ++bad;
          prev = l;
        }
      if (bad) fail(std::to_string(bad) + " cells of " + argv[i] + " are darker than the cell before them (not a ramp)");
    } else if (a == "--has-colour" && i + 2 < argc) {
      // At least 20 pixels of the region within 40 of R,G,B (e.g. the red of an error message).
      const Region r = region(regions, argv[i + 1]);
      int want[3] = {0, 0, 0};
      std::sscanf(argv[i + 2], "%d,%d,%d", &want[0], &want[1], &want[2]);
      i += 2;
      int hits = 0;
      for (int y = int(r.y); y < int(r.y + r.h) && y < p.h; ++y)
        for (int x = int(r.x); x < int(r.x + r.w) && x < p.w; ++x) {
          if (x < 0 || y < 0) continue;
          const unsigned char* c = p.at(x, y);
          if (std::abs(c[0] - want[0]) + std::abs(c[1] - want[1]) + std::abs(c[2] - want[2]) < 40) ++hits;
        }
      if (hits < 20) fail(std::string("region ") + argv[i - 1] + " has only " + std::to_string(hits) + " pixels of colour " + argv[i]);
    } else {
      std::fprintf(stderr, "unknown argument %s\n", a.c_str());
      return 2;
    }
  }
  if (failures == 0) std::printf("ok: %s (%dx%d, %zu colours)\n", argv[1], p.w, p.h, colours.size());
  return failures ? 1 : 0;
}
