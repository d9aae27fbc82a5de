// Images in and out, through stb_image / stb_image_write. Pixels become floats value/255 (0..1),
// as an (H, W, C) tensor with C = 1 (gray) or 3 (RGB; alpha is dropped).
#pragma once
#include <string>

#include "engine/tensor.h"

namespace convscope {

// Loads PNG/JPEG/BMP/TGA/GIF (first frame). gray: convert to one channel (luma). max_side > 0:
// downscale (box filter) so the longer side is at most max_side. Throws UserError naming the file
// for unreadable or corrupt images and for images above the size limits.
Tensor load_image(const std::string& path, bool gray = false, int max_side = 0);
Tensor decode_image(const std::string& bytes, const std::string& name, bool gray = false, int max_side = 0);

// Box-filter downscale of an (H, W, C) tensor so its longer side is at most max_side.
Tensor downscale_image(const Tensor& hwc, int max_side);

// Writes an (H, W, C) tensor with C in {1, 3, 4} as PNG, values clamped to 0..1 and scaled by 255,
// atomically (temporary file + rename).
void save_png(const std::string& path, const Tensor& hwc);
// 8-bit RGBA/RGB/gray pixels, row-major, as PNG, atomically.
void save_png_bytes(const std::string& path, int width, int height, int channels, const unsigned char* pixels);

}  // namespace convscope
