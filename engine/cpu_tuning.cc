#include "engine/cpu_tuning.h"

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <cstring>

namespace convscope {
namespace {

CpuTuning detect() {
  if (const char* env = std::getenv("CONVSCOPE_TUNING")) {
    for (const CpuTuning t : all_cpu_tunings())
      if (std::strcmp(env, to_string(t)) == 0) return t;
    std::fprintf(stderr, "convscope: CONVSCOPE_TUNING=%s is not zen5 or sapphire-rapids; detecting\n", env);
  }
#if defined(__GNUC__) && (defined(__x86_64__) || defined(__i386__))
  if (__builtin_cpu_is("amd")) return CpuTuning::Zen5;
#endif
  return CpuTuning::SapphireRapids;
}

std::atomic<int> chosen{-1};

}  // namespace

CpuTuning cpu_tuning() {
  int t = chosen.load(std::memory_order_relaxed);
  if (t < 0) {
    int expected = -1;
    chosen.compare_exchange_strong(expected, static_cast<int>(detect()));
    t = chosen.load(std::memory_order_relaxed);
  }
  return static_cast<CpuTuning>(t);
}

void set_cpu_tuning(CpuTuning tuning) { chosen.store(static_cast<int>(tuning)); }

const char* to_string(CpuTuning tuning) {
  return tuning == CpuTuning::Zen5 ? "zen5" : "sapphire-rapids";
}

const std::vector<CpuTuning>& all_cpu_tunings() {
  static const std::vector<CpuTuning> all{CpuTuning::Zen5, CpuTuning::SapphireRapids};
  return all;
}

FlatTuning flat_tuning(CpuTuning tuning) {
  switch (tuning) {
    case CpuTuning::Zen5:
      // Zen 5: 7x7 ran 1.13x (4K) and 1.18x (1080p, 2 threads) faster in chunks of 70 rows than of
      // 21 (session 7, before chunks carried their partial sums); the 3x3 row walk 1.05-1.22x
      // faster than the strips (1080p and 4K RGB). RGB rows since session 13 (chunks carrying,
      // one thread, in one process): 4K 4x4 / 5x5 / 6x6 / 7x7 in chunks of 16 / 20 / 48 / 35 rows
      // 1.07x / 1.14-1.17x / 1.05x / 1.05x faster than of 72 (1080p 4x4 1.12x, 5x5 0.96-1.04x,
      // 6x6 and 7x7 0.98-1.01x); one-channel 4K 5x5 ran 0.96x at 20 rows, so other layouts keep 72.
      return {72, {16, 20, 48, 35}, true, false};
    case CpuTuning::SapphireRapids:
    default:
      // Sapphire Rapids (in one process, one thread): 72-row chunks ran 0.60-0.66x the speed of
      // 24-row ones at 4K (5x5, 7x7) and 0.91-0.95x at 1080p; 10-40 rows measured alike. The 3x3
      // strips in 24-row chunks ran 1.09-1.21x faster than the row walk (4K / 1080p RGB). The
      // output rows fetched ahead into L2 instead of L1 (session 12): 5x5 RGB 1.02-1.04x at 1080p
      // and 4K (one thread, alternating in one process); not fetching them at all was slower at
      // 1440p and 4K (0.9x).
      return {24, {24, 24, 24, 24}, false, true};
  }
}

}  // namespace convscope
