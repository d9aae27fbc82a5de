// Kernel JSON files (assets/kernels format) on arbitrary text: refuse with UserError or parse;
// a parsed kernel must serialise and parse back to the same weights.
#include <cstddef>
#include <cstdint>
#include <string>

#include "engine/error.h"
#include "engine/kernel_library.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  try {
    const convscope::Kernel k = convscope::parse_kernel_json(text, "fuzz");
    const convscope::Kernel again = convscope::parse_kernel_json(convscope::kernel_to_json(k), "again");
    if (again.weights.size() != k.weights.size() || again.height != k.height || again.width != k.width) __builtin_trap();
  } catch (const convscope::UserError&) {
  }
  return 0;
}
