// Turning float maps into pixels, GL-free: colour maps (grayscale, viridis, a diverging map
// centred on 0), per-channel statistics; the normalisations and histograms of
// `convscope filter --normalize` come from engine/normalize.h (shared, so both agree).
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "engine/normalize.h"
#include "engine/tensor.h"

namespace convscope {

enum class ColorMap { Auto, Gray, Viridis, Diverging };
using Normalize = NormalizeMode;  // engine/normalize.h: auto, clip, abs, offset, minmax
const char* to_string(ColorMap);
ColorMap parse_color_map(const std::string&);  // unknown -> Auto

struct Rgba8 {
  uint8_t r = 0, g = 0, b = 0, a = 255;
  bool operator==(const Rgba8& o) const { return r == o.r && g == o.g && b == o.b && a == o.a; }
};

// t in [0, 1] (clamped).
Rgba8 gray_color(float t);
Rgba8 viridis_color(float t);
// t in [-1, 1]: blue (negative) - white (0) - red (positive).
Rgba8 diverging_color(float t);

struct ChannelStats {
  float min = 0, max = 0, mean = 0;
  bool signed_values() const { return min < 0; }
};
// Stats of channel c of an (H, W, C) tensor.
ChannelStats channel_stats(const Tensor& hwc, int64_t c);
// Stats of every channel, in one pass over the data.
std::vector<ChannelStats> all_channel_stats(const Tensor& hwc);

// The range a colour map shows and how values map into it.
struct MapRange {
  ColorMap map = ColorMap::Gray;  // resolved: never Auto
  float lo = 0, hi = 1;           // Diverging: lo = -hi
};
// Auto picks Diverging for signed data (range symmetric around 0), Gray otherwise.
MapRange choose_range(ColorMap requested, const ChannelStats& s);
Rgba8 map_value(const MapRange& r, float v);

// An 8-bit RGBA picture of one map, row-major.
struct Image8 {
  int width = 0, height = 0;
  std::vector<uint32_t> pixels;  // RGBA in memory order (little-endian uint32: 0xAABBGGRR)
  Rgba8 at(int x, int y) const;
};
uint32_t pack(Rgba8 c);
// A smaller copy for thumbnails: the mean of f x f blocks, f the smallest integer that brings the
// longer side to at most max_side (a copy when it already fits).
Image8 shrink_image(const Image8& img, int max_side);
// Channel c of an (H, W, C) tensor through a range.
Image8 colorize_channel(const Tensor& hwc, int64_t c, const MapRange& r);
// Every channel at once, rows [y0, y1) only (one pass over the data; rows can go to different
// threads). `maps` must hold C images of the tensor's size.
void colorize_rows(const Tensor& hwc, const std::vector<MapRange>& ranges, std::vector<Image8>& maps, int64_t y0,
                   int64_t y1);
// An (H, W, C) image with values in 0..1: C = 1 gray, C = 3 RGB (other C: the first channel).
Image8 image_to_rgba(const Tensor& hwc);

// Auto resolved as engine/normalize.h does: offset when the kernel of every output channel sums
// to 0 (signed output), clip otherwise.
Normalize resolve_normalize(Normalize n, const std::vector<float>& kernel_sums);
Tensor normalize_image(const Tensor& hwc, Normalize resolved);  // normalize_for_display

// A histogram of an (H, W, C) tensor's values (all channels, or only `channel` when >= 0), with
// float counts for plotting. Computed by engine/normalize.h's compute_histogram.
struct ValueHistogram {
  float lo = 0, hi = 0;
  std::vector<float> counts;
};
ValueHistogram value_histogram(const Tensor& hwc, int bins, int64_t channel = -1);

}  // namespace convscope
