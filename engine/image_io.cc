#include "engine/image_io.h"

#include <stb_image.h>
#include <stb_image_write.h>

#include <algorithm>
#include <cmath>
#include <vector>

#include "engine/atomic_file.h"
#include "engine/error.h"
#include "engine/limits.h"

namespace convscope {
namespace {
constexpr size_t kMaxImageFileBytes = size_t{1} << 30;
}

Tensor decode_image(const std::string& bytes, const std::string& name, bool gray, int max_side) {
  if (bytes.size() > static_cast<size_t>(INT32_MAX)) throw UserError(name + ": file too large");
  const auto* data = reinterpret_cast<const stbi_uc*>(bytes.data());
  const int len = static_cast<int>(bytes.size());
  int w = 0, h = 0, comp = 0;
  // Check the header's claimed size before stb allocates anything.
  if (!stbi_info_from_memory(data, len, &w, &h, &comp))
    throw UserError(name + ": not a readable image (" + (stbi_failure_reason() ? stbi_failure_reason() : "unknown format") + ")");
  if (w < 1 || h < 1) throw UserError(name + ": image has no pixels");
  const int64_t pixels = checked_mul(w, h, name);
  check_element_count(checked_mul(pixels, 4, name), name);
  const int want = gray ? 1 : 3;
  stbi_uc* px = stbi_load_from_memory(data, len, &w, &h, &comp, want);
  if (!px) throw UserError(name + ": corrupt image (" + (stbi_failure_reason() ? stbi_failure_reason() : "decode failed") + ")");
  Tensor t({h, w, want}, name);
  for (int64_t i = 0; i < t.size(); ++i) t.data[static_cast<size_t>(i)] = px[i] / 255.0f;
  stbi_image_free(px);
  if (max_side > 0 && std::max(w, h) > max_side) return downscale_image(t, max_side);
  return t;
}

Tensor load_image(const std::string& path, bool gray, int max_side) {
  return decode_image(read_file(path, kMaxImageFileBytes), path, gray, max_side);
}

Tensor downscale_image(const Tensor& src, int max_side) {
  const int64_t h = src.dim(0), w = src.dim(1), c = src.dim(2);
  const int64_t longer = std::max(h, w);
  if (max_side <= 0 || longer <= max_side) return src;
  const double scale = static_cast<double>(max_side) / static_cast<double>(longer);
  const int64_t nh = std::max<int64_t>(1, std::lround(h * scale)), nw = std::max<int64_t>(1, std::lround(w * scale));
  Tensor out({nh, nw, c}, "downscaled image");
  for (int64_t y = 0; y < nh; ++y) {
    const int64_t y0 = y * h / nh, y1 = std::max(y0 + 1, (y + 1) * h / nh);
    for (int64_t x = 0; x < nw; ++x) {
      const int64_t x0 = x * w / nw, x1 = std::max(x0 + 1, (x + 1) * w / nw);
      for (int64_t ch = 0; ch < c; ++ch) {
        double sum = 0;
        for (int64_t yy = y0; yy < y1; ++yy)
          for (int64_t xx = x0; xx < x1; ++xx) sum += src.data[static_cast<size_t>((yy * w + xx) * c + ch)];
        out.data[static_cast<size_t>((y * nw + x) * c + ch)] = static_cast<float>(sum / double((y1 - y0) * (x1 - x0)));
      }
    }
  }
  return out;
}

void save_png_bytes(const std::string& path, int width, int height, int channels, const unsigned char* pixels) {
  write_file_atomically(path, [&](std::FILE* f) {
    auto sink = [](void* ctx, void* data, int size) { std::fwrite(data, 1, static_cast<size_t>(size), static_cast<std::FILE*>(ctx)); };
    if (!stbi_write_png_to_func(sink, f, width, height, channels, pixels, width * channels))
      throw UserError("PNG encoding failed");
  });
}

void save_png(const std::string& path, const Tensor& hwc) {
  if (hwc.rank() != 3 || (hwc.dim(2) != 1 && hwc.dim(2) != 3 && hwc.dim(2) != 4))
    throw UserError("cannot save shape " + shape_to_string(hwc.shape) + " as PNG (needs H, W, 1|3|4)");
  std::vector<unsigned char> px(hwc.data.size());
  for (size_t i = 0; i < px.size(); ++i)
    px[i] = static_cast<unsigned char>(std::lround(std::clamp(hwc.data[i], 0.0f, 1.0f) * 255.0f));
  save_png_bytes(path, static_cast<int>(hwc.dim(1)), static_cast<int>(hwc.dim(0)), static_cast<int>(hwc.dim(2)), px.data());
}

}  // namespace convscope
