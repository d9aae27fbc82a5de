// The .npy reader on arbitrary bytes: it may refuse (UserError), never crash or over-allocate.
#include <cstddef>
#include <cstdint>
#include <string>

#include "engine/error.h"
#include "engine/limits.h"
#include "engine/npy.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  convscope::set_max_tensor_elements(1 << 20);
  try {
    const convscope::Tensor t = convscope::parse_npy(std::string(reinterpret_cast<const char*>(data), size), "fuzz");
    // A successful parse must round-trip.
    const convscope::Tensor u = convscope::parse_npy(convscope::serialize_npy(t), "again");
    if (u.shape != t.shape || u.data.size() != t.data.size()) __builtin_trap();
  } catch (const convscope::UserError&) {
  }
  return 0;
}
