// A dense float32 tensor in C order. The shape's meaning (NHWC, NCHW, HWIO...) belongs to the
// caller; the engine's kernels work on NHWC.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

namespace convscope {

struct Tensor {
  std::vector<int64_t> shape;
  std::vector<float> data;

  Tensor() = default;
  // Allocates zeros after checking the element count against the limits (throws UserError).
  explicit Tensor(std::vector<int64_t> shape_, const std::string& what = "tensor");

  int64_t rank() const { return static_cast<int64_t>(shape.size()); }
  int64_t size() const { return static_cast<int64_t>(data.size()); }
  int64_t dim(int i) const { return shape.at(i); }
};

// Product of the dims with overflow and limit checks; `what` names the tensor in errors.
int64_t element_count(const std::vector<int64_t>& shape, const std::string& what);

std::string shape_to_string(const std::vector<int64_t>& shape);  // "(1, 28, 28, 3)"

// NHWC <-> NCHW for rank-4 tensors (also rank 3: HWC <-> CHW).
Tensor to_channels_last(const Tensor& nchw);
Tensor to_channels_first(const Tensor& nhwc);

}  // namespace convscope
