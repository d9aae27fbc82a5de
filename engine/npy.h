// NumPy .npy files (format versions 1.0, 2.0, 3.0): float32 or float64, little-endian, C order.
// Everything else (Fortran order, big-endian, other dtypes, bad magic, truncated data, a header
// claiming absurd sizes) is refused with a UserError naming the file and the problem.
#pragma once
#include <string>

#include "engine/tensor.h"

namespace convscope {

Tensor parse_npy(const std::string& bytes, const std::string& name);  // name used in errors
Tensor read_npy(const std::string& path);
std::string serialize_npy(const Tensor& t);                  // float32, '<f4', C order, v1.0
void write_npy(const std::string& path, const Tensor& t);    // atomically (temp file + rename)

}  // namespace convscope
