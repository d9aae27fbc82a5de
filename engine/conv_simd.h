// The Highway implementation: same contract as reference_conv (NHWC data, Keras kernel layout,
// bias or null, activation applied), with run-time dispatch to the best compiled target.
// This header holds no SIMD types (Highway's skeleton.h pattern).
#pragma once
#include <atomic>

#include "engine/layer.h"
#include "engine/shape.h"

namespace convscope {

class ThreadPool;

struct ExecContext {
  ThreadPool* pool = nullptr;               // null: ThreadPool::shared()
  int threads = 0;                          // 0: all of the pool's threads
  const std::atomic<bool>* cancel = nullptr;  // checked between tiles; throws Cancelled when set
};

void simd_conv(const ConvPlan& plan, const Layer& layer, const float* x, const float* kernel,
               const float* bias, float* y, const ExecContext& ctx);

// Name of the target HWY_DYNAMIC_DISPATCH picks on this processor ("AVX3", "AVX2", "SSE4"...).
const char* simd_target_name();

}  // namespace convscope
