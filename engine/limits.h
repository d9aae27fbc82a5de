// Caps on what the engine will allocate, so a hostile header or an absurd setting gives an error
// instead of an out-of-memory kill. Every size computation goes through checked_mul/checked_add.
#pragma once
#include <cstdint>
#include <string>

namespace convscope {

// Largest number of float elements one tensor (input, output, kernel) may have. Default 2^28
// (1 GiB of float32); the environment variable CONVSCOPE_MAX_ELEMENTS overrides it.
int64_t max_tensor_elements();
void set_max_tensor_elements(int64_t n);

// Products and sums of sizes; throw UserError naming `what` on overflow of int64.
int64_t checked_mul(int64_t a, int64_t b, const std::string& what);
int64_t checked_add(int64_t a, int64_t b, const std::string& what);

// Throws UserError("<what> has N elements, above the limit of M ...") when n is over the cap.
void check_element_count(int64_t n, const std::string& what);

}  // namespace convscope
