#include "engine/limits.h"

#include <atomic>
#include <cstdlib>
#include <limits>

#include "engine/error.h"

namespace convscope {
namespace {

int64_t initial_cap() {
  if (const char* env = std::getenv("CONVSCOPE_MAX_ELEMENTS")) {
    char* end = nullptr;
    long long v = std::strtoll(env, &end, 10);
    if (end != env && *end == '\0' && v > 0) return v;
  }
  return int64_t{1} << 28;
}

std::atomic<int64_t>& cap() {
  static std::atomic<int64_t> c{initial_cap()};
  return c;
}

}  // namespace

int64_t max_tensor_elements() { return cap().load(); }
void set_max_tensor_elements(int64_t n) { cap().store(n > 0 ? n : 1); }

int64_t checked_mul(int64_t a, int64_t b, const std::string& what) {
  int64_t r;
  if (a < 0 || b < 0 || __builtin_mul_overflow(a, b, &r))
    throw UserError(what + ": size overflows (" + std::to_string(a) + " x " + std::to_string(b) + ")");
  return r;
}

int64_t checked_add(int64_t a, int64_t b, const std::string& what) {
  int64_t r;
  if (__builtin_add_overflow(a, b, &r))
    throw UserError(what + ": size overflows (" + std::to_string(a) + " + " + std::to_string(b) + ")");
  return r;
}

void check_element_count(int64_t n, const std::string& what) {
  if (n > max_tensor_elements())
    throw UserError(what + " has " + std::to_string(n) + " elements, above the limit of " +
                    std::to_string(max_tensor_elements()) + " (set CONVSCOPE_MAX_ELEMENTS to change it)");
}

}  // namespace convscope
