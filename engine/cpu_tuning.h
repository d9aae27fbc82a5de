// Kernel choices that depend on the processor's microarchitecture, not only on its instruction
// set (Highway dispatches on the instruction set; an AVX-512 Zen 5 and an AVX-512 Sapphire Rapids
// core get the same code but want different strip heights). Measured values only: each profile
// names the machine it was tuned on (tests/bench/RESULTS.md has the figures).
#pragma once
#include <cstdint>
#include <vector>

namespace convscope {

enum class CpuTuning {
  Zen5,            // AMD (tuned on a Zen 5 core, sessions 4-8)
  SapphireRapids,  // Intel and any other vendor (tuned on a Sapphire-Rapids-class core, session 9)
};

struct FlatTuning {
  // Output rows the rolling multi-row kernel walks down per chunk (rounded down to a multiple of
  // the kernel height).
  int roll_chunk_rows;
  // The same for RGB rows in the packed layout (AVX-512), kernels 4x4 to 7x7.
  int roll_chunk_rows_rgb[4];
  // 3x3 RGB / one-channel filters on AVX-512 walk rows with their taps made in registers
  // (FlatShiftRun) instead of the rolling strips.
  bool shift_3x3;
  // The rolling kernel fetches each output row's lines of a later strip into L2 only (else into
  // L1, with write intent).
  bool roll_out_prefetch_l2;

  // Chunk height for a kh x kh kernel: roll_chunk_rows_rgb for packed RGB rows, else roll_chunk_rows.
  int chunk_rows(int64_t kh, bool packed_rgb) const {
    return packed_rgb && kh >= 4 && kh <= 7 ? roll_chunk_rows_rgb[kh - 4] : roll_chunk_rows;
  }
};

// The profile in force: CONVSCOPE_TUNING=zen5|sapphire-rapids if set (read once), else the one
// detected from the CPU vendor. set_cpu_tuning overrides both (tests run every profile; results
// are bit-identical under all of them).
CpuTuning cpu_tuning();
void set_cpu_tuning(CpuTuning tuning);
const char* to_string(CpuTuning tuning);
// Every profile, in the order above (the names CONVSCOPE_TUNING takes are their to_string).
const std::vector<CpuTuning>& all_cpu_tunings();
FlatTuning flat_tuning(CpuTuning tuning);

}  // namespace convscope
