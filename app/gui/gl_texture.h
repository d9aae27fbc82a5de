// GL behind a tiny module: a move-only RGBA texture re-uploaded only when its source changes.
#pragma once
#include <cstdint>

#include <imgui.h>

#include "app/gui/colormap.h"

namespace convscope {

class GlTexture {
 public:
  GlTexture() = default;
  ~GlTexture();
  GlTexture(GlTexture&& o) noexcept;
  GlTexture& operator=(GlTexture&& o) noexcept;
  GlTexture(const GlTexture&) = delete;
  GlTexture& operator=(const GlTexture&) = delete;

  // Uploads `img` unless `source` is the image already uploaded (pointer identity).
  void update(const Image8& img, const void* source);
  ImTextureID id() const { return (ImTextureID)(intptr_t)tex_; }
  bool valid() const { return tex_ != 0 && width_ > 0; }
  int width() const { return width_; }
  int height() const { return height_; }

 private:
  unsigned tex_ = 0;
  int width_ = 0, height_ = 0;
  const void* source_ = nullptr;
};

}  // namespace convscope
