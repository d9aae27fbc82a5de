#include "app/gui/colormap.h"

#include <algorithm>
#include <cmath>

namespace convscope {

const char* to_string(ColorMap m) {
  switch (m) {
    case ColorMap::Auto: return "auto";
    case ColorMap::Gray: return "gray";
    case ColorMap::Viridis: return "viridis";
    case ColorMap::Diverging: return "diverging";
  }
  return "auto";
}

ColorMap parse_color_map(const std::string& s) {
  for (ColorMap m : {ColorMap::Gray, ColorMap::Viridis, ColorMap::Diverging})
    if (s == to_string(m)) return m;
  return ColorMap::Auto;
}

namespace {
uint8_t to8(float v) { return uint8_t(std::lround(std::clamp(v, 0.0f, 1.0f) * 255.0f)); }
}  // namespace

Rgba8 gray_color(float t) {
  const uint8_t v = to8(t);
  return {v, v, v, 255};
}

Rgba8 viridis_color(float t) {
  // matplotlib's viridis, 9 control points, linearly interpolated.
  static const float k[9][3] = {{0.267f, 0.005f, 0.329f}, {0.283f, 0.141f, 0.458f}, {0.254f, 0.265f, 0.530f},
                                {0.207f, 0.372f, 0.553f}, {0.164f, 0.471f, 0.558f}, {0.128f, 0.567f, 0.551f},
                                {0.135f, 0.659f, 0.518f}, {0.478f, 0.821f, 0.318f}, {0.993f, 0.906f, 0.144f}};
  t = std::clamp(std::isfinite(t) ? t : 0.0f, 0.0f, 1.0f) * 8.0f;
  const int i = std::min(int(t), 7);
  const float f = t - float(i);
  return {to8(k[i][0] + f * (k[i + 1][0] - k[i][0])), to8(k[i][1] + f * (k[i + 1][1] - k[i][1])),
          to8(k[i][2] + f * (k[i + 1][2] - k[i][2])), 255};
}

Rgba8 diverging_color(float t) {
  // Blue (33, 102, 172) - white - red (178, 24, 43), as ColorBrewer's RdBu ends.
  t = std::clamp(std::isfinite(t) ? t : 0.0f, -1.0f, 1.0f);
  const float neg[3] = {33 / 255.f, 102 / 255.f, 172 / 255.f}, pos[3] = {178 / 255.f, 24 / 255.f, 43 / 255.f};
  const float* end = t < 0 ? neg : pos;
  const float a = std::fabs(t);
  return {to8(1 + a * (end[0] - 1)), to8(1 + a * (end[1] - 1)), to8(1 + a * (end[2] - 1)), 255};
}

ChannelStats channel_stats(const Tensor& hwc, int64_t c) {
  ChannelStats s;
  const int64_t C = hwc.rank() == 3 ? hwc.dim(2) : 1;
  const int64_t n = C ? hwc.size() / C : 0;
  if (n == 0) return s;
  double sum = 0;
  float lo = hwc.data[size_t(c)], hi = lo;
  for (int64_t i = 0; i < n; ++i) {
    const float v = hwc.data[size_t(i * C + c)];
    lo = std::min(lo, v);
    hi = std::max(hi, v);
    sum += v;
  }
  s.min = lo;
  s.max = hi;
  s.mean = float(sum / double(n));
  return s;
}

std::vector<ChannelStats> all_channel_stats(const Tensor& hwc) {
  const int64_t C = hwc.rank() == 3 ? hwc.dim(2) : 1;
  std::vector<ChannelStats> s(static_cast<size_t>(C));
  const int64_t n = C ? hwc.size() / C : 0;
  if (n == 0) return s;
  std::vector<double> sum(static_cast<size_t>(C), 0.0);
  std::vector<float> lo(hwc.data.begin(), hwc.data.begin() + C), hi = lo;
  const float* p = hwc.data.data();
  for (int64_t i = 0; i < n; ++i, p += C)
    for (int64_t c = 0; c < C; ++c) {
      const float v = p[c];
      lo[size_t(c)] = std::min(lo[size_t(c)], v);
      hi[size_t(c)] = std::max(hi[size_t(c)], v);
      sum[size_t(c)] += v;
    }
  for (int64_t c = 0; c < C; ++c) s[size_t(c)] = {lo[size_t(c)], hi[size_t(c)], float(sum[size_t(c)] / double(n))};
  return s;
}

MapRange choose_range(ColorMap requested, const ChannelStats& s) {
  MapRange r;
  r.map = requested == ColorMap::Auto ? (s.signed_values() ? ColorMap::Diverging : ColorMap::Gray) : requested;
  if (r.map == ColorMap::Diverging) {
    const float a = std::max(std::fabs(s.min), std::fabs(s.max));
    r.hi = a > 0 ? a : 1.0f;
    r.lo = -r.hi;
  } else {
    r.lo = s.min;
    r.hi = s.max > s.min ? s.max : s.min + 1.0f;
  }
  return r;
}

Rgba8 map_value(const MapRange& r, float v) {
  if (r.map == ColorMap::Diverging) return diverging_color(v / r.hi);
  const float t = (v - r.lo) / (r.hi - r.lo);
  return r.map == ColorMap::Viridis ? viridis_color(t) : gray_color(t);
}

uint32_t pack(Rgba8 c) { return uint32_t(c.r) | uint32_t(c.g) << 8 | uint32_t(c.b) << 16 | uint32_t(c.a) << 24; }

Rgba8 Image8::at(int x, int y) const {
  const uint32_t p = pixels[size_t(y) * size_t(width) + size_t(x)];
  return {uint8_t(p), uint8_t(p >> 8), uint8_t(p >> 16), uint8_t(p >> 24)};
}

namespace {
constexpr int kLutSteps = 1024;  // 1025 colours over [lo, hi]: odd, so 0 of a diverging range is exact
struct Lut {
  uint32_t colors[kLutSteps + 1];
  float lo, scale;
  explicit Lut(const MapRange& r) : lo(r.lo), scale(r.hi > r.lo ? float(kLutSteps) / (r.hi - r.lo) : 0.0f) {
    for (int i = 0; i <= kLutSteps; ++i) colors[i] = pack(map_value(r, r.lo + (r.hi - r.lo) * float(i) / float(kLutSteps)));
  }
  uint32_t operator()(float v) const {
    const float t = (v - lo) * scale + 0.5f;
    const int k = t >= 0.0f ? (t < float(kLutSteps) ? int(t) : kLutSteps) : 0;  // NaN goes to 0
    return colors[k];
  }
};
}  // namespace

void colorize_rows(const Tensor& hwc, const std::vector<MapRange>& ranges, std::vector<Image8>& maps, int64_t y0,
                   int64_t y1) {
  const int64_t W = hwc.dim(1), C = hwc.dim(2);
  std::vector<Lut> luts;
  luts.reserve(size_t(C));
  for (int64_t c = 0; c < C; ++c) luts.emplace_back(ranges[size_t(c)]);
  for (int64_t i = y0 * W; i < y1 * W; ++i) {
    const float* p = &hwc.data[size_t(i * C)];
    for (int64_t c = 0; c < C; ++c) maps[size_t(c)].pixels[size_t(i)] = luts[size_t(c)](p[c]);
  }
}

Image8 shrink_image(const Image8& img, int max_side) {
  const int longer = std::max(img.width, img.height);
  if (longer <= max_side || max_side <= 0) return img;
  const int f = (longer + max_side - 1) / max_side;
  Image8 out;
  out.width = (img.width + f - 1) / f;
  out.height = (img.height + f - 1) / f;
  out.pixels.resize(size_t(out.width) * size_t(out.height));
  for (int oy = 0; oy < out.height; ++oy)
    for (int ox = 0; ox < out.width; ++ox) {
      unsigned sum[4] = {0, 0, 0, 0}, n = 0;
      for (int y = oy * f; y < std::min(img.height, (oy + 1) * f); ++y)
        for (int x = ox * f; x < std::min(img.width, (ox + 1) * f); ++x) {
          const uint32_t p = img.pixels[size_t(y) * size_t(img.width) + size_t(x)];
          for (int k = 0; k < 4; ++k) sum[k] += (p >> (8 * k)) & 0xFF;
          ++n;
        }
      uint32_t q = 0;
      for (int k = 0; k < 4; ++k) q |= ((sum[k] + n / 2) / n) << (8 * k);
      out.pixels[size_t(oy) * size_t(out.width) + size_t(ox)] = q;
    }
  return out;
}

Image8 colorize_channel(const Tensor& hwc, int64_t c, const MapRange& r) {
  Image8 img;
  img.height = int(hwc.dim(0));
  img.width = int(hwc.dim(1));
  const int64_t C = hwc.dim(2), n = int64_t(img.width) * img.height;
  img.pixels.resize(size_t(n));
  const Lut lut(r);
  const float* p = hwc.data.data() + c;
  for (int64_t i = 0; i < n; ++i, p += C) img.pixels[size_t(i)] = lut(*p);
  return img;
}

Image8 image_to_rgba(const Tensor& hwc) {
  Image8 img;
  img.height = int(hwc.dim(0));
  img.width = int(hwc.dim(1));
  const int64_t C = hwc.dim(2), n = int64_t(img.width) * img.height;
  img.pixels.resize(size_t(n));
  for (int64_t i = 0; i < n; ++i) {
    const float* p = &hwc.data[size_t(i * C)];
    const Rgba8 c = C >= 3 ? Rgba8{to8(p[0]), to8(p[1]), to8(p[2]), 255} : gray_color(p[0]);
    img.pixels[size_t(i)] = pack(c);
  }
  return img;
}

Normalize resolve_normalize(Normalize n, const std::vector<float>& kernel_sums) {
  bool zero_sum = !kernel_sums.empty();
  for (float s : kernel_sums) zero_sum = zero_sum && std::fabs(s) < 1e-5f;
  return resolve_normalize_mode(n, zero_sum);
}

Tensor normalize_image(const Tensor& hwc, Normalize resolved) { return normalize_for_display(hwc, resolved); }

ValueHistogram value_histogram(const Tensor& hwc, int bins, int64_t channel) {
  ValueHistogram out;
  Histogram h;
  const int64_t C = hwc.rank() == 3 ? hwc.dim(2) : 1;
  if (channel >= 0 && C > 1) {
    std::vector<float> v(size_t(hwc.size() / C));
    for (size_t i = 0; i < v.size(); ++i) v[i] = hwc.data[i * size_t(C) + size_t(channel)];
    h = compute_histogram(v.data(), v.size(), bins);
  } else {
    h = compute_histogram(hwc.data.data(), hwc.data.size(), bins);
  }
  out.lo = h.lo;
  out.hi = h.hi;
  out.counts.assign(h.counts.begin(), h.counts.end());
  return out;
}

}  // namespace convscope
