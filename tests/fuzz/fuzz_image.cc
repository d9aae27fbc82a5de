// Image decoding through stb_image on arbitrary bytes, colour and gray, with downscaling.
#include <cstddef>
#include <cstdint>
#include <string>

#include "engine/error.h"
#include "engine/image_io.h"
#include "engine/limits.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  convscope::set_max_tensor_elements(1 << 22);
  const std::string bytes(reinterpret_cast<const char*>(data), size);
  try {
    convscope::decode_image(bytes, "fuzz", size % 2 == 0, 64);
  } catch (const convscope::UserError&) {
  }
  return 0;
}
