#include "app/gui/export.h"

#include <cstdio>
#include <filesystem>

#include "engine/error.h"
#include "engine/image_io.h"
#include "engine/npy.h"

namespace convscope {

bool ends_with(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

namespace {

Tensor channel_of(const Tensor& hwc, int64_t c) {
  Tensor out({hwc.dim(0), hwc.dim(1)}, "map");
  const int64_t C = hwc.dim(2);
  for (int64_t i = 0; i < out.size(); ++i) out.data[size_t(i)] = hwc.data[size_t(i * C + c)];
  return out;
}

void save_rgba(const std::string& path, const Image8& img) {
  save_png_bytes(path, img.width, img.height, 4, reinterpret_cast<const unsigned char*>(img.pixels.data()));
}

}  // namespace

void save_map(const ComputeResult& r, int64_t channel, const std::string& path) {
  if (channel < 0 || channel >= int64_t(r.maps.size())) throw UserError("no feature map " + std::to_string(channel));
  if (ends_with(path, ".npy")) {
    write_npy(path, channel_of(r.shown(), channel));
  } else {
    save_rgba(path, r.maps[size_t(channel)]);
  }
}

int save_all_maps(const ComputeResult& r, const std::string& dir) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) throw UserError("cannot create folder " + dir + ": " + ec.message());
  for (size_t c = 0; c < r.maps.size(); ++c) {
    char name[32];
    std::snprintf(name, sizeof name, "/map_%02zu", c);
    save_map(r, int64_t(c), dir + name + ".png");
    save_map(r, int64_t(c), dir + name + ".npy");
  }
  return int(r.maps.size());
}

void save_filtered(const ComputeResult& r, const std::string& path) {
  if (ends_with(path, ".npy")) {
    write_npy(path, r.shown());
  } else {
    save_rgba(path, r.filtered);
  }
}

}  // namespace convscope
