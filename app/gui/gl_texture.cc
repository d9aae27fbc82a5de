#include "app/gui/gl_texture.h"

#define GL_GLEXT_PROTOTYPES
#include <GL/gl.h>

#include <utility>

namespace convscope {

GlTexture::~GlTexture() {
  if (tex_) glDeleteTextures(1, &tex_);
}

GlTexture::GlTexture(GlTexture&& o) noexcept
    : tex_(std::exchange(o.tex_, 0)), width_(o.width_), height_(o.height_), source_(o.source_) {}

GlTexture& GlTexture::operator=(GlTexture&& o) noexcept {
  if (this != &o) {
    if (tex_) glDeleteTextures(1, &tex_);
    tex_ = std::exchange(o.tex_, 0);
    width_ = o.width_;
    height_ = o.height_;
    source_ = o.source_;
  }
  return *this;
}

void GlTexture::update(const Image8& img, const void* source) {
  if (source == source_ && tex_) return;
  source_ = source;
  if (img.width <= 0 || img.height <= 0) {
    width_ = height_ = 0;
    return;
  }
  if (!tex_) glGenTextures(1, &tex_);
  glBindTexture(GL_TEXTURE_2D, tex_);
  // Nearest filtering: pixels stay pixels when enlarged (this app shows values, not photos).
  // Mipmaps for minification: big images drawn small read a few texels instead of thousands.
  glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_MIN_FILTER, GL_LINEAR_MIPMAP_LINEAR);
  glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_MAG_FILTER, GL_NEAREST);
  glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_WRAP_S, GL_CLAMP_TO_EDGE);
  glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_WRAP_T, GL_CLAMP_TO_EDGE);
  glPixelStorei(GL_UNPACK_ALIGNMENT, 4);
  glPixelStorei(GL_UNPACK_ROW_LENGTH, 0);
  glTexImage2D(GL_TEXTURE_2D, 0, GL_RGBA, img.width, img.height, 0, GL_RGBA, GL_UNSIGNED_BYTE, img.pixels.data());
  glGenerateMipmap(GL_TEXTURE_2D);
  width_ = img.width;
  height_ = img.height;
}

}  // namespace convscope
