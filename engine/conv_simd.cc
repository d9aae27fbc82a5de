// Highway kernels for the convolution (contract in conv_simd.h). Work is cut into bands of output
// rows (one parallel_for chunk each, cancellable between bands). A band copies each input row it
// needs, once, into a small ring of padded rows (conv_rows.h: border values included) just before
// its first use, so the kernels below run branch-free over whole vectors. Three kernels, picked by
// a ladder in Conv():
//   - depthwise, stride 1 in x, few channels: "flat" rows. Output row element j = (ox, c) reads
//     padded-row element j + kx*dx*C through weights that depend on c = j % C only, so lanes run
//     over x and c together with C/gcd(C, lanes) weight patterns per tap (3 for RGB on any width).
//     The interior of a row reads the input rows directly; only short pieces at both ends are
//     padded copies (the image filters are memory-bound: one read, one write per element).
//     Square kernels (2x2..7x7) with stride 1 and no dilation in y compute several output rows at
//     once, each input vector loaded once for every output row it feeds: from 3x3 a strip walking
//     down with the KH output rows in flight (FlatRollStrip), otherwise (2x2, too many weight
//     patterns for its accumulators, or on 16 registers RGB 3x3) 4-row blocks (FlatMultiBlock;
//     2 rows for RGB 6x6 and 7x7 on AVX2). On AVX-512, RGB rows with 2x2 and 4x4..7x7 kernels use
//     packed lanes (one weight pattern); RGB 3x3 keeps three patterns and, under the Zen 5
//     tuning (engine/cpu_tuning.h), runs 6 rows walking right with its taps made in registers
//     (FlatShiftRun: one load per input vector); the Sapphire Rapids tuning keeps it on the strips.
//   - depthwise otherwise: channels in lanes, several output pixels per block.
//   - everything else (dense, grouped, transposed): register-blocked direct convolution, PB output
//     pixels x CB vectors of output channels in accumulators, weights packed per channel tile as
//     [tap][ci][CB*lanes] and summed in passes of a few input channels whose weights fit L1.
//     A transposed layer runs as stride-phase sub-convolutions (only the taps that land on an
//     output's phase, no zero insertion) through the same kernel.
// Each output element's sum is computed in an order fixed by the layer alone (channel pass, tap,
// input channel), never by the band or thread, so results are bit-identical for any thread count.
// Tails reuse a full block shifted back over already-computed outputs: they are recomputed to the
// same bits, so overlapping stores are harmless.
#include <algorithm>
#include <atomic>
#include <cstring>
#include <functional>
#include <utility>
#include <vector>

#include "engine/activation.h"
#include "engine/border.h"
#include "engine/conv_rows.h"
#include "engine/conv_simd.h"
#include "engine/cpu_tuning.h"
#include "engine/error.h"
#include "engine/reference_conv.h"
#include "engine/thread_pool.h"

#undef HWY_TARGET_INCLUDE
#define HWY_TARGET_INCLUDE "engine/conv_simd.cc"
#include "hwy/foreach_target.h"  // IWYU pragma: keep
#include "hwy/highway.h"
#include "hwy/aligned_allocator.h"
#include "hwy/cache_control.h"

HWY_BEFORE_NAMESPACE();
namespace convscope {
namespace HWY_NAMESPACE {
namespace hn = hwy::HWY_NAMESPACE;
using DF = hn::ScalableTag<float>;
using VF = hn::Vec<DF>;

#if HWY_TARGET == HWY_AVX3 || HWY_TARGET == HWY_AVX3_DL
constexpr int kRegs = 32;
#else
constexpr int kRegs = 16;
#endif

// Extra floats after every padded row: the flat and per-channel kernels may load a few vectors
// past the last column (into lanes whose results are never stored).
size_t RowSlack() { return 8 * hn::Lanes(DF()); }

bool VectorActivation(Activation a) {
  return a == Activation::Linear || a == Activation::Relu || a == Activation::LeakyRelu ||
         a == Activation::HardSigmoid;
}

// The activations that are exact in a few vector ops (same float ops as activation.cc); the
// others are applied per row afterwards with the scalar activate().
HWY_INLINE VF Activate(DF d, VF v, Activation a) {
  switch (a) {
    case Activation::Relu:
      return hn::Max(v, hn::Zero(d));  // x > 0 ? x : 0
    case Activation::LeakyRelu:
      return hn::IfThenElse(v > hn::Zero(d), v, hn::Mul(v, hn::Set(d, 0.2f)));
    case Activation::HardSigmoid:  // clamp(x / 6 + 0.5, 0, 1)
      return hn::Min(hn::Max(hn::Add(hn::Div(v, hn::Set(d, 6.0f)), hn::Set(d, 0.5f)), hn::Zero(d)),
                     hn::Set(d, 1.0f));
    default:
      return v;
  }
}

// Makes the compiler materialise p as one pointer: otherwise it may hoist base + j0 + offset out
// of the tap loop as one index register per vector, run out of registers and spill.
HWY_INLINE void KeepInRegister(const float*& p) {
#if defined(__GNUC__) || defined(__clang__)
  asm("" : "+r"(p));
#else
  (void)p;
#endif
}

// Makes the compiler hold v in a register: otherwise it may fold the same load into several FMAs
// as a memory operand, one load per FMA (the load ports, not the FMAs, then set the pace).
HWY_INLINE void KeepVecInRegister(VF& v) {
// (g++ only: clang cannot tie a vector operand held in memory, e.g. under the fuzzing build.)
#if HWY_ARCH_X86 && HWY_TARGET != HWY_SCALAR && defined(__GNUC__) && !defined(__clang__)
  asm("" : "+v"(v.raw));
#else
  (void)v;
#endif
}

// Stores the first `count` lanes of v (count may exceed the lane count: then all of them).
HWY_INLINE void StorePartial(DF d, VF v, int64_t count, float* p) {
  const int64_t n = static_cast<int64_t>(hn::Lanes(d));
  if (count >= n) {
    hn::StoreU(v, d, p);
  } else if (count > 0) {
    HWY_ALIGN float tmp[HWY_MAX_BYTES / sizeof(float)];
    hn::Store(v, d, tmp);
    std::memcpy(p, tmp, static_cast<size_t>(count) * sizeof(float));
  }
}

// Transposes one lanes x lanes block: dst[j * dst_stride + i] = src[i * src_stride + j]. log2(lanes)
// rounds of ConcatEven/ConcatOdd over row pairs: each round moves the low bit of the column index to
// the top of the row index and the low bit of the row index to the top of the column index, so
// after log2(lanes) rounds rows and columns have traded places (a 16 x 16 block: 64 shuffles, about
// 5x faster than element-by-element copies).
HWY_INLINE void TransposeBlock(const float* src, int64_t src_stride, float* dst, int64_t dst_stride) {
#if HWY_TARGET == HWY_SCALAR
  dst[0] = src[0];
  (void)src_stride, (void)dst_stride;
#else
  const DF d;
  constexpr int kN = static_cast<int>(HWY_LANES(float));
  VF rows[kN], next[kN];
  for (int i = 0; i < kN; ++i) rows[i] = hn::LoadU(d, src + i * src_stride);
  for (int round = 1; round < kN; round *= 2) {
    for (int i = 0; i < kN / 2; ++i) {
      next[i] = hn::ConcatEven(d, rows[2 * i + 1], rows[2 * i]);
      next[kN / 2 + i] = hn::ConcatOdd(d, rows[2 * i + 1], rows[2 * i]);
    }
    for (int i = 0; i < kN; ++i) rows[i] = next[i];
  }
  for (int i = 0; i < kN; ++i) hn::StoreU(rows[i], d, dst + i * dst_stride);
#endif
}

// ------------------------------------------------------------------------------------------------
// Dense / grouped / transposed: register-blocked direct convolution.

struct TapPtr {
  const float* in;  // input of output pixel t = 0 at this tap, at the group's first channel
  const float* w;   // packed weights of this tap and channel tile: [ci][CB * lanes]
};

struct DenseRow {
  const TapPtr* taps;
  int64_t ntaps;
  int64_t ci0, ci1;  // this pass's input channels of the group: [ci0, ci1)
  int64_t in_step;   // floats between the inputs of consecutive output pixels
  const float* bias; // CB * lanes packed bias of the tile
  float* out;        // output pixel t = 0, first channel of the tile
  int64_t out_step;  // floats between consecutive output pixels
  int64_t valid;     // output channels of the tile that exist (<= CB * lanes)
  Activation act;
  // Input channels are summed in passes of a few channels (so the pass's weights stay in L1);
  // between passes the partial sums of the row live in `acc_in` / `acc_out` (CB * lanes floats
  // per pixel, two buffers so that a shifted tail block reads what it read before).
  const float* acc_in;  // null on the first pass: start from zero
  float* acc_out;       // null on the last pass: finish into `out`
};

// Output pixels [t0, t0 + PB) of a row, CB vectors of output channels.
template <int PB, int CB>
HWY_INLINE void DenseBlock(const DenseRow& r, int64_t t0) {
  const DF d;
  const size_t N = hn::Lanes(d);
  VF acc[PB][CB];
  for (int p = 0; p < PB; ++p)
    for (int c = 0; c < CB; ++c)
      acc[p][c] = r.acc_in ? hn::Load(d, r.acc_in + ((t0 + p) * CB + c) * N) : hn::Zero(d);
  for (int64_t k = 0; k < r.ntaps; ++k) {
    const float* HWY_RESTRICT in = r.taps[k].in + t0 * r.in_step;
    const float* HWY_RESTRICT w = r.taps[k].w + r.ci0 * CB * N;
    for (int64_t ci = r.ci0; ci < r.ci1; ++ci, w += CB * N) {
      VF wv[CB];
      for (int c = 0; c < CB; ++c) wv[c] = hn::LoadU(d, w + c * N);
      for (int p = 0; p < PB; ++p) {
        const VF xb = hn::Set(d, in[p * r.in_step + ci]);  // x[pixel p, ci] in every lane
        for (int c = 0; c < CB; ++c) acc[p][c] = hn::MulAdd(xb, wv[c], acc[p][c]);  // += x * w[ci, co..]
      }
    }
  }
  if (r.acc_out) {
    for (int p = 0; p < PB; ++p)
      for (int c = 0; c < CB; ++c) hn::Store(acc[p][c], d, r.acc_out + ((t0 + p) * CB + c) * N);
    return;
  }
  for (int p = 0; p < PB; ++p) {
    float* out = r.out + (t0 + p) * r.out_step;
    for (int c = 0; c < CB; ++c) {
      const VF v = Activate(d, hn::Add(acc[p][c], hn::LoadU(d, r.bias + c * N)), r.act);
      StorePartial(d, v, r.valid - static_cast<int64_t>(c * N), out + c * N);
    }
  }
}

template <int CB>
constexpr int DensePixels() {
  // Accumulators PB*CB plus CB weight vectors and one broadcast must fit the register file.
  return std::min(12, (kRegs - CB - 2) / CB);
}

// A tail block in a function of its own, on 16-register targets: inlined into the row loop, g++ 12
// kept some of its accumulators on the stack there (AVX2, 4 or 2 tail pixels: a store and a reload
// around every FMA), and the 28- and 56-pixel rows of the conv benchmark spent a fifth to a third
// of their time in the tail. Out of line, the AVX2 conv layers ran 1.07-1.29x faster on a Zen 5
// core (224x224x3 7x7 s2 2.47 -> 2.32 ms, 28x28x128 2.98 -> 2.31-2.38 ms: 97-102 GFLOP/s, the
// AVX2 FMA peak), SSE4 up to 1.08x. On AVX-512 it is left inline: there the same change let the
// compiler spill in the full blocks of the 32-filter layers instead (1.4x slower).
template <int PB, int CB>
HWY_NOINLINE void DenseTailBlock(const DenseRow& r, int64_t t0) {
  DenseBlock<PB, CB>(r, t0);
}

// One block of `rest` (< PB) pixels at t0: DenseBlock<rest, CB> picked by a compile-time ladder.
template <int CB, int R>
HWY_INLINE void DenseTail(const DenseRow& r, int64_t t0, int64_t rest) {
  if constexpr (R > 0) {
    if (rest == R) {
      if constexpr (kRegs < 32) return DenseTailBlock<R, CB>(r, t0);
      return DenseBlock<R, CB>(r, t0);
    }
    DenseTail<CB, R - 1>(r, t0, rest);
  }
}

template <int CB>
void DenseRowRun(DenseRow r, int64_t count, int64_t cin, int64_t ci_pass, float* scratch) {
  constexpr int PB = DensePixels<CB>();
  const int64_t tile_floats = count * CB * static_cast<int64_t>(hn::Lanes(DF()));
  float* bufs[2] = {scratch, scratch ? scratch + tile_floats : nullptr};  // null: one pass only
  int which = 0;
  for (int64_t ci0 = 0; ci0 < cin; ci0 += ci_pass) {
    r.ci0 = ci0;
    r.ci1 = std::min(cin, ci0 + ci_pass);
    r.acc_in = ci0 == 0 ? nullptr : bufs[which];
    r.acc_out = r.ci1 == cin ? nullptr : bufs[which ^ 1];
    which ^= 1;
    int64_t t = 0;
    for (; t + PB <= count; t += PB) DenseBlock<PB, CB>(r, t);
    DenseTail<CB, PB - 1>(r, t, count - t);  // the last count % PB pixels in one block
  }
}

// Pixels per full block of DenseRowRun for cb vectors of output channels.
int DenseBlockPixels(int cb) {
  switch (cb) {
    case 1: return DensePixels<1>();
    case 2: return DensePixels<2>();
    case 3: return DensePixels<3>();
    default: return DensePixels<4>();
  }
}

void DenseRowDispatch(int cb, const DenseRow& r, int64_t count, int64_t cin, int64_t ci_pass, float* scratch) {
  switch (cb) {
    case 1: return DenseRowRun<1>(r, count, cin, ci_pass, scratch);
    case 2: return DenseRowRun<2>(r, count, cin, ci_pass, scratch);
    case 3: return DenseRowRun<3>(r, count, cin, ci_pass, scratch);
    default: return DenseRowRun<4>(r, count, cin, ci_pass, scratch);
  }
}

// ------------------------------------------------------------------------------------------------
// Dense with out_c == lanes / 2 and no groups (the app's live update: 8 filters on AVX-512), kernel
// rows merged (reduction index j = kx * C + ci, contiguous in the padded row). One output channel
// set fills only half a vector, so each vector instead holds two consecutive reduction steps of one
// pixel: lane 2k sums the even j of output channel k, lane 2k + 1 the odd j. The input pair
// (x[j], x[j + 1]) is one 64-bit broadcast load, so every FMA does useful work in all lanes. At the
// end ConcatEven + ConcatOdd of two pixels' accumulators give [pixel t sums, pixel t + 1 sums],
// which are adjacent in the NHWC output. The sum order is fixed by the layer (even part + odd part,
// then bias): bit-identical for any thread count.

#if HWY_TARGET != HWY_SCALAR
struct PairRow {
  const TapPtr* taps;  // per kernel row: input of pixel 0, weights [pairs][lanes]
  int64_t ntaps;
  int64_t red;         // reduction length per kernel row (KW * C)
  int64_t in_step;     // floats between consecutive output pixels' inputs
  const float* bias;   // [lanes]: b[k] in lanes k and k + lanes / 2
  float* out;          // pixel 0; pixels are lanes / 2 floats apart
  Activation act;
};

template <int PB>  // PB even
HWY_INLINE void PairBlock(const PairRow& r, int64_t t0) {
  const DF d;
  const hn::Repartition<double, DF> dd;
  const hn::RebindToUnsigned<DF> du;
  const size_t N = hn::Lanes(d);
  // Even lanes: the odd reduction tail multiplies x only there (odd lanes get 0, not 0 * x).
  const auto even = hn::RebindMask(d, hn::Eq(hn::And(hn::Iota(du, 0), hn::Set(du, 1u)), hn::Zero(du)));
  VF acc[PB];
  for (int p = 0; p < PB; ++p) acc[p] = hn::Zero(d);
  const int64_t full = r.red / 2;
  for (int64_t k = 0; k < r.ntaps; ++k) {
    const float* HWY_RESTRICT in = r.taps[k].in + t0 * r.in_step;
    const float* HWY_RESTRICT w = r.taps[k].w;
    for (int64_t m = 0; m < full; ++m, w += N) {
      const VF wv = hn::Load(d, w);  // lanes 2k, 2k+1: w[j = 2m, k], w[2m + 1, k]
      for (int p = 0; p < PB; ++p) {
        double pair;  // x[pixel p, j = 2m] and x[pixel p, 2m + 1]
        std::memcpy(&pair, in + p * r.in_step + 2 * m, sizeof(pair));
        acc[p] = hn::MulAdd(hn::BitCast(d, hn::Set(dd, pair)), wv, acc[p]);  // += (x[2m], x[2m+1]) * w
      }
    }
    if (r.red & 1) {
      const VF wv = hn::Load(d, w);  // lanes 2k: w[j = red - 1, k]; odd lanes 0
      for (int p = 0; p < PB; ++p)
        acc[p] = hn::MulAdd(hn::IfThenElseZero(even, hn::Set(d, in[p * r.in_step + 2 * full])), wv, acc[p]);
    }
  }
  const VF b = hn::LoadU(d, r.bias);
  const size_t half = N / 2;
  for (int p = 0; p < PB; p += 2) {
    // [even sums of pixel p | of pixel p+1] + [odd sums ...] = both pixels' outputs, then bias.
    const VF sum = hn::Add(hn::ConcatEven(d, acc[p + 1], acc[p]), hn::ConcatOdd(d, acc[p + 1], acc[p]));
    hn::StoreU(Activate(d, hn::Add(sum, b), r.act), d, r.out + (t0 + p) * static_cast<int64_t>(half));
  }
}

constexpr int kPairPixels = kRegs >= 32 ? 16 : 8;  // pixels per full PairBlock

// count >= 2 pixels; blocks that would pass the end shift back (same bits again).
void PairRowRun(const PairRow& r, int64_t count) {
  constexpr int PB = kPairPixels;
  int64_t t = 0;
  for (; t + PB <= count; t += PB) PairBlock<PB>(r, t);
  if (t == count) return;
  if (count >= PB) return PairBlock<PB>(r, count - PB);
  for (; t + 2 <= count; t += 2) PairBlock<2>(r, t);
  if (t < count) PairBlock<2>(r, count - 2);
}
constexpr bool kHavePairs = true;
#else
struct PairRow {
  const TapPtr* taps;
  int64_t ntaps, red, in_step;
  const float* bias;
  float* out;
  Activation act;
};
void PairRowRun(const PairRow&, int64_t) {}
constexpr int kPairPixels = 2;
constexpr bool kHavePairs = false;
#endif

// ------------------------------------------------------------------------------------------------
// Depthwise, channels in lanes: out[t, c] = sum over taps in[t*in_step + tap, c] * w[tap, c].

struct DepthRow {
  const float* const* taps;  // input of output pixel 0 at each tap (padded row + column offset)
  int64_t ntaps;
  const float* w;            // [tap][wstride] weights, zero padded
  int64_t wstride;
  const float* bias;         // bias padded to wstride
  int64_t channels;          // C' (channels after the depth multiplier)
  int64_t in_step;           // floats between consecutive output pixels' inputs
  float* out;
  Activation act;
};

template <int PB>
HWY_INLINE void DepthBlock(const DepthRow& r, int64_t t0, int64_t c0, int64_t valid) {
  const DF d;
  VF acc[PB];
  for (int p = 0; p < PB; ++p) acc[p] = hn::Zero(d);
  for (int64_t k = 0; k < r.ntaps; ++k) {
    const VF w = hn::LoadU(d, r.w + k * r.wstride + c0);
    const float* in = r.taps[k] + t0 * r.in_step + c0;
    KeepInRegister(in);
    for (int p = 0; p < PB; ++p) acc[p] = hn::MulAdd(hn::LoadU(d, in + p * r.in_step), w, acc[p]);
  }
  const VF b = hn::LoadU(d, r.bias + c0);
  for (int p = 0; p < PB; ++p)
    StorePartial(d, Activate(d, hn::Add(acc[p], b), r.act), valid, r.out + (t0 + p) * r.channels + c0);
}

void DepthRowRun(const DepthRow& r, int64_t count) {
  constexpr int PB = kRegs >= 32 ? 12 : 8;
  const int64_t N = static_cast<int64_t>(hn::Lanes(DF()));
  // Channel tiles; the last one shifts back to end at C' (same bits where it overlaps).
  for (int64_t c0 = 0; c0 < r.channels; c0 += N) {
    const int64_t cs = (c0 + N > r.channels && r.channels >= N) ? r.channels - N : c0;
    const int64_t valid = std::min(N, r.channels - cs);
    if (count >= PB) {
      int64_t t = 0;
      for (; t + PB <= count; t += PB) DepthBlock<PB>(r, t, cs, valid);
      if (t < count) DepthBlock<PB>(r, count - PB, cs, valid);
    } else {
      for (int64_t t = 0; t < count; ++t) DepthBlock<1>(r, t, cs, valid);
    }
  }
}

// ------------------------------------------------------------------------------------------------
// Depthwise, stride 1 in x: flat rows. Output element j of the row (j = ox*C + c) is
// sum over taps of row_ky[j + kx*dx*C] * w[tap, j % C]; a vector at j0 (a multiple of C) uses
// weight pattern v = (j0 / lanes) % P where P = lcm(C, lanes) / lanes.

struct FlatRow {
  const float* const* taps;  // padded row + kx*dx*C per tap
  int64_t ntaps;
  const float* wpat;         // [tap][P][lanes]
  const float* bpat;         // [P][lanes]
  float* out;
  int64_t length;            // out_w * C
  Activation act;
};

// GB groups of P vectors at j0 (a multiple of P * lanes, or of C for the shifted tail).
template <int P, int GB>
HWY_INLINE void FlatBlock(const FlatRow& r, int64_t j0, int64_t valid) {
  const DF d;
  const size_t N = hn::Lanes(d);
  VF acc[GB * P];
  for (int i = 0; i < GB * P; ++i) acc[i] = hn::Zero(d);
  for (int64_t k = 0; k < r.ntaps; ++k) {
    const float* in = r.taps[k] + j0;
    KeepInRegister(in);  // loads below use in + constant offsets instead of 15 index registers
    const float* HWY_RESTRICT wp = r.wpat + k * P * N;
    for (int v = 0; v < P; ++v) {
      const VF w = hn::Load(d, wp + v * N);  // weights of channels (j0 + v*N + lane) % C
      for (int g = 0; g < GB; ++g)
        acc[g * P + v] = hn::MulAdd(hn::LoadU(d, in + (g * P + v) * N), w, acc[g * P + v]);
    }
  }
  for (int g = 0; g < GB; ++g)
    for (int v = 0; v < P; ++v) {
      const int64_t off = static_cast<int64_t>((g * P + v) * N);
      const VF y = Activate(d, hn::Add(acc[g * P + v], hn::Load(d, r.bpat + v * N)), r.act);
      StorePartial(d, y, valid - off, r.out + j0 + off);
    }
}

template <int P>
void FlatRowRun(const FlatRow& r) {
  constexpr int GB = std::max(1, (kRegs >= 32 ? 16 : 8) / P);
  const int64_t N = static_cast<int64_t>(hn::Lanes(DF()));
  const int64_t group = P * N, block = GB * group;  // both multiples of C
  const int64_t L = r.length;
  if (L >= block) {
    int64_t j = 0;
    for (; j + block <= L; j += block) FlatBlock<P, GB>(r, j, block);
    if (j < L) FlatBlock<P, GB>(r, L - block, block);
  } else if (L >= group) {
    int64_t j = 0;
    for (; j + group <= L; j += group) FlatBlock<P, 1>(r, j, group);
    if (j < L) FlatBlock<P, 1>(r, L - group, group);
  } else {
    FlatBlock<P, 1>(r, 0, L);  // reads past the row into its slack; stores only L values
  }
}

void FlatRowDispatch(int p, const FlatRow& r) {
  switch (p) {
    case 1: return FlatRowRun<1>(r);
    case 2: return FlatRowRun<2>(r);
    case 3: return FlatRowRun<3>(r);
    default: return FlatRowRun<4>(r);
  }
}

// Several output rows at once (stride 1 and no dilation in y): output row q of the block reads
// input rows q .. q + KH - 1 of the block's R + KH - 1 rows, so each input vector is loaded once
// and feeds every output row it belongs to (up to min(R, KH) of them): about R*KH/(R+KH-1) fewer
// unaligned (mostly cache-line-split) input loads than one row at a time. Per output element the
// sum runs over (ky, kx) in the same order as FlatBlock, so both give the same bits.
struct FlatRows {
  const float* const* rows;  // R + KH - 1 input rows (padded piece or input row), at the segment
  int64_t kh;                // square kernels, kh = kw in [2, 7]
  int64_t kx_step;           // floats between taps kx and kx + 1 (dx * C)
  const float* wpat;         // [kx][ky][P][lanes] (kx-major: one pointer step per tap kx)
  const float* bpat;         // [P][lanes]
  float* const* outs;        // R output rows, at the segment
  int64_t length;            // elements per output row in this segment
  Activation act;
  bool prefetch;             // 4-row blocks: the image is far larger than the caches, fetch blocks
                             // ahead (the rolling kernel always fetches ahead)
  bool near_out = false;     // rolling kernel: also fetch the output row two rows down (see
                             // RowsAliasInL1)
  bool out_ahead_l2 = false; // rolling kernel: output lines of later strips fetched into L2 only
  // Rolling kernel, consecutive chunks of one band (see FlatRollCarryFloats): the partial sums of
  // the KH - 1 output rows below a chunk, per strip. carry_in: this chunk's first KH - 1 output
  // rows start from them (its first KH - 1 input rows were read by the chunk above); carry_out: the
  // chunk's last input rows also feed the rows below, whose sums are saved there.
  float* carry = nullptr;
  bool carry_in = false, carry_out = false;
};

// Blocks (or strips) ahead that the flat multi-row kernels fetch the input and output lines of.
// One ahead was too close on a Zen 5 core (7x7 at 1080p: 1.6x slower than two ahead; three ahead
// were 6% slower than two again).
constexpr int kFlatPrefetchAhead = 2;

// Accumulators available to the multi-row flat kernel; rows per block for P weight patterns.
constexpr int kFlatAcc = kRegs >= 32 ? 24 : 12;
constexpr int kFlatR = 4;  // 3 rows x 2 groups measured slower on AVX3
constexpr int kLanes = static_cast<int>(HWY_LANES(float));
// Rows per block for P patterns and a KH x KH kernel. AVX2 with three patterns (RGB) and 6x6 or
// 7x7 takes 2 rows x 2 groups instead of 4 x 1: each weight load then serves two input vectors
// (7x7: 1.07 loads per FMA instead of 1.36). With the AVX2 code on a Zen 5 core, 1.10-1.15x faster
// (1080p and 4K, 1 and 2 threads; 2x2 and 3x3 0.96x, so they keep 4 rows); the SSSE3 code (4
// lanes) ran 1.2-1.5x slower that way.
constexpr int FlatRowsPerBlock(int P, int KH) {
  return kRegs < 32 && kLanes == 8 && P == 3 && KH >= 6 ? 2 : std::max(1, std::min(kFlatR, kFlatAcc / P));
}

// "Packed" flat rows (AVX-512 only): for C = 3 channels the vectors step by U = (lanes / C) * C
// = 15 floats instead of a whole vector, so every vector starts at a pixel and one weight pattern
// serves all of them (P = 1 instead of 3). Three times the output vectors per weight load: the
// loads, not the FMAs, set the pace of the block. The last lane computes a value that is never
// stored. Per element the sum order is unchanged. (5 or 7 channels have 5 or 7 weight patterns on
// 16 lanes, more than the flat kernels take: those images run on the per-channel kernel.)
// Used by the multi-row kernels except for 3x3 (see packed_ok in Conv()).
constexpr int PackedStep(int c) { return kLanes / c * c; }
constexpr bool PackedChannels(int64_t c) { return kRegs >= 32 && c == 3; }

// Input row I of the block (I in [0, R + KH - 1)): every tap kx, every vector; output rows
// q in [I - KH + 1, I] (within [0, R)) take it through kernel row ky = I - q. All bounds are
// compile-time, so the unrolled code holds acc[R][GB * P] in registers with no branches. S: floats
// between consecutive vectors (the lane count, or the packed step).
template <int P, int GB, int R, int KH, int S, int I>
HWY_INLINE void FlatMultiInputRow(const FlatRows& r, int64_t j0, VF (&acc)[R][GB * P]) {
  const DF d;
  const size_t N = hn::Lanes(d);
  constexpr int q_lo = std::max(0, I - KH + 1), q_hi = std::min(R - 1, I), nq = q_hi - q_lo + 1;
  const float* in = r.rows[I] + j0;
  const float* wk = r.wpat;  // [kx][ky][P][lanes]
  // Square kernels (KW == KH): kx runs a compile-time count, fully unrolled.
  for (int kx = 0; kx < KH; ++kx, in += r.kx_step, wk += KH * P * N) {
    // Opaque pointers: otherwise the compiler merges the loads of w[ky, kx] that every input row
    // repeats (same address) and keeps them live across rows, spilling the accumulators.
    KeepInRegister(in);
    KeepInRegister(wk);
    for (int v = 0; v < P; ++v) {
      if (nq < GB) {
        // Fewer weights than input vectors: hold the nq weights, stream the inputs.
        VF w[nq];
        for (int q = q_lo; q <= q_hi; ++q) {
          w[q - q_lo] = hn::Load(d, wk + ((I - q) * P + v) * N);  // w[ky = I - q, kx]
          KeepVecInRegister(w[q - q_lo]);  // one load for GB FMAs
        }
        for (int g = 0; g < GB; ++g) {
          VF x = hn::LoadU(d, in + (g * P + v) * S);
          if (nq > 1) KeepVecInRegister(x);  // one (unaligned) load for every output row
          for (int q = q_lo; q <= q_hi; ++q) acc[q][g * P + v] = hn::MulAdd(x, w[q - q_lo], acc[q][g * P + v]);
        }
      } else {
        VF xv[GB];  // input row I at tap kx, vector v of each group: loaded once for all output rows
        for (int g = 0; g < GB; ++g) {
          xv[g] = hn::LoadU(d, in + (g * P + v) * S);
          if (nq > 1) KeepVecInRegister(xv[g]);  // one (unaligned) load for every output row
        }
        for (int q = q_lo; q <= q_hi; ++q) {
          VF w = hn::Load(d, wk + ((I - q) * P + v) * N);  // w[ky = I - q, kx], channels of vector v
          if (GB > 1) KeepVecInRegister(w);  // one load for GB FMAs
          for (int g = 0; g < GB; ++g) acc[q][g * P + v] = hn::MulAdd(xv[g], w, acc[q][g * P + v]);  // += x * w
        }
      }
    }
  }
}

template <int P, int GB, int R, int KH, int S, size_t... Is>
HWY_INLINE void FlatMultiRows(const FlatRows& r, int64_t j0, VF (&acc)[R][GB * P], std::index_sequence<Is...>) {
  (FlatMultiInputRow<P, GB, R, KH, S, static_cast<int>(Is)>(r, j0, acc), ...);
}

// Adds the bias, activates and stores one output row's GB * P vectors of a multi-row block at
// out (the first `valid` floats).
template <int P, int GB, int S>
HWY_INLINE void FlatStoreRow(const VF (&acc)[GB * P], const float* bpat, Activation act, float* out, int64_t valid) {
  const DF d;
  const size_t N = hn::Lanes(d);
  for (int g = 0; g < GB; ++g)
    for (int v = 0; v < P; ++v) {
      const int64_t off = static_cast<int64_t>((g * P + v) * S);
      const VF y = Activate(d, hn::Add(acc[g * P + v], hn::Load(d, bpat + v * N)), act);
      if constexpr (S == kLanes) {
        StorePartial(d, y, valid - off, out + off);
      } else if (valid >= off + kLanes && g + 1 < GB) {
        // Packed: a whole vector; its last lane is overwritten by the next vector's store just
        // after (a masked store that splits a cache line costs several times more).
        hn::StoreU(y, d, out + off);
      } else if (valid > off) {  // the block's last vector: the next lane is not ours
        hn::BlendedStore(y, hn::FirstN(d, static_cast<size_t>(std::min<int64_t>(S, valid - off))), d, out + off);
      }
    }
}

template <int P, int GB, int R, int KH, int S>
HWY_INLINE void FlatMultiBlock(const FlatRows& r, int64_t j0, int64_t valid) {
  const DF d;
  VF acc[R][GB * P];
  for (int q = 0; q < R; ++q)
    for (int i = 0; i < GB * P; ++i) acc[q][i] = hn::Zero(d);
  FlatMultiRows<P, GB, R, KH, S>(r, j0, acc, std::make_index_sequence<R + KH - 1>());
  // Locals: vector stores may alias anything, so fields of r would be reloaded after each one.
  const Activation act = r.act;
  const float* bpat = r.bpat;
  float* outs[R];
  for (int q = 0; q < R; ++q) outs[q] = r.outs[q] + j0;
  for (int q = 0; q < R; ++q) FlatStoreRow<P, GB, S>(acc[q], bpat, act, outs[q], valid);
}

// Fetches the lines of the R + KH - 1 input rows and R output rows (for writing) that a block at
// j0 reads and writes. The block walks along its rows, but ten interleaved rows are more streams
// than the hardware prefetchers follow at full speed: without this, the 3x3 filter at 1080p and 4K
// ran 1.2-1.3x slower on a Zen 5 core when it still took these blocks (it costs a few percent
// when the image fits in the caches, hence FlatRows::prefetch).
template <int R, int KH>
HWY_INLINE void FlatPrefetchBlock(const FlatRows& r, int64_t j0, int64_t n) {
  for (int i = 0; i < R + KH - 1; ++i)
    for (int64_t o = 0; o < n; o += 16) hwy::Prefetch(r.rows[i] + j0 + o);
  for (int q = 0; q < R; ++q)
    for (int64_t o = 0; o < n; o += 16) __builtin_prefetch(r.outs[q] + j0 + o, 1);
}

template <int P, int KH, int S>
void FlatMultiRun(const FlatRows& r) {
  constexpr int R = FlatRowsPerBlock(P, KH);
  constexpr int GB = std::max(1, kFlatAcc / (R * P));
  const int64_t group = P * S, block = GB * group;  // both multiples of C
  const int64_t L = r.length;
  if (L >= block) {
    int64_t j = 0;
    for (; j + block <= L; j += block) {
      const int64_t ahead = j + kFlatPrefetchAhead * block;
      if (r.prefetch && ahead < L) FlatPrefetchBlock<R, KH>(r, ahead, std::min(block, L - ahead));
      FlatMultiBlock<P, GB, R, KH, S>(r, j, block);
    }
    if (j < L) FlatMultiBlock<P, GB, R, KH, S>(r, L - block, block);
  } else if (L >= group) {
    int64_t j = 0;
    for (; j + group <= L; j += group) FlatMultiBlock<P, 1, R, KH, S>(r, j, group);
    if (j < L) FlatMultiBlock<P, 1, R, KH, S>(r, L - group, group);
  } else {
    FlatMultiBlock<P, 1, R, KH, S>(r, 0, L);  // reads past the row into its slack; stores only L values
  }
}

// Registers a strip of GB groups of P vectors holds for a KH x KH kernel: KH * P * GB accumulators,
// plus either the GB input vectors and one weight (a single group's weights are FMA memory
// operands) or, for input rows feeding fewer output rows than there are groups, those rows'
// weights and one input vector (FlatRollInputRow's two loops).
constexpr int RollRegs(int P, int KH, int GB) { return KH * P * GB + (KH < GB ? KH + 1 : GB + (GB > 1 ? 1 : 0)); }
// The most groups whose registers fit 16 (0: not even one).
constexpr int RollGroups16(int P, int KH) {
  int groups = 0;
  for (int g = 1; g <= 8; ++g)
    if (RollRegs(P, KH, g) <= 16) groups = g;
  return groups;
}
// Accumulator groups of the rolling kernel.
// 32 registers: kFlatAcc accumulators; one group is enough. Against the 4-row blocks on a Zen 5
// core (270x480 depthwise images, 1 thread): 2 groups ran 1.04x (64 channels, 3x3), 1.09-1.52x
// (6, 12 or 24 channels, 3x3; 1.38-1.48x at 112x112 on 2 threads), 1.28x (32 channels, 5x5) and
// 1.85x (12 channels, 4x4) faster; 1 group 1.05-1.72x (24 or 64 channels 5x5, 32 or 12 channels
// 7x7). 5x5 with one pattern takes 5 groups (25 accumulators + 5 inputs + 1 weight = 31
// registers): 1.04-1.06x faster than 4 on a Zen 5 core, 1080p and 4K (9 groups for 3x3 gained nothing).
// 16 registers: as many groups as RollRegs fits (see RollTakes for when it is used).
constexpr int FlatRollGroups(int P, int KH) {
  return kRegs >= 32 ? (KH == 5 && P == 1 ? 25 : kFlatAcc) / (KH * P) : RollGroups16(P, KH);
}
// On 16 registers the rolling kernel needs at least 10 accumulators (an FMA's 4-cycle latency at two
// per cycle needs 8 independent sums in flight; the 4-row blocks hold 12) and, with several weight
// patterns, a kernel of 4x4 or more (for 3x3 the blocks' 4 rows load each input row 1.5 times per
// output row, against once, and that gain was smaller than what the strip order costs). On the
// Zen 5 core, running the AVX2 code (in-process A/B against the 4-row blocks, 1080p, 1 and 2
// threads): RGB 4x4 / 5x5 (12 / 15 accumulators) ran 1.11-1.25x faster (4K 5x5 1.13-1.19x; the
// SSSE3 code 1.32-1.43x), one channel 5x5 / 6x6 (2 groups) 1.04-1.20x (SSSE3 1.6-1.95x), 16 channels
// 7x7 1.13x; 7 or 8 accumulators (one channel 7x7, 16 channels 4x4) ran 0.70-1.0x, and 3x3 with 2, 3
// or 4 patterns (16, 3 or 32 channels) 0.8-1.08x (540x960x32: 0.80-0.89x). (Until session 6 the
// 16-register rule asked for 3 groups, after Sapphire Rapids measurements of the AVX-512 code.)
constexpr int kRollMinAcc16 = 10;
// Output rows a strip walks down at most (a band's rows in chunks of whole multiples of KH):
// FlatTuning::chunk_rows (engine/cpu_tuning.h). Until session 12 every chunk paid for its first
// and last KH - 1 input rows, which feed fewer than KH output rows in flight, so taller chunks were
// cheaper: on a Zen 5 core, 7x7 ran 1.13x (4K) and 1.18x (1080p, 2 threads) faster in chunks of 70
// rows than of 21. Since then the chunks of a band hand on their partial sums (FlatRows::carry) and
// only bands pay, so the height is what the caches want (session 13: 16-48 rows for 4K RGB).
// On a Sapphire-Rapids-class core the same 72-row chunks ran 0.60-0.66x the speed of 24-row ones at
// 4K (5x5 and 7x7, 1 and 2 threads) and 0.91-0.95x at 1080p, with 10 to 40 rows alike.
// Whether the rolling kernel takes KH x KH kernels with P patterns; each size is instantiated for
// exactly one of the two multi-row kernels (the other one never sees it).
// (3x3 too since session 4: on a Zen 5 core 1-20% faster than the 4-row blocks, 1080p and 4K RGB and
// the depthwise layer, 1 and 2 threads.)
constexpr bool RollTakes(int P, int KH) {
  return KH >= 3 && KH <= 7 && FlatRollGroups(P, KH) >= 1 &&
         (kRegs >= 32 || (KH * P * FlatRollGroups(P, KH) >= kRollMinAcc16 && (KH >= 4 || P == 1)));
}

// S: the packed step, or kLanes.
template <int P, int S>
void FlatMultiRunP(const FlatRows& r) {
  switch (r.kh) {
    case 2: if constexpr (!RollTakes(P, 2)) return FlatMultiRun<P, 2, S>(r); break;
    case 3: if constexpr (!RollTakes(P, 3)) return FlatMultiRun<P, 3, S>(r); break;
    case 4: if constexpr (!RollTakes(P, 4)) return FlatMultiRun<P, 4, S>(r); break;
    case 5: if constexpr (!RollTakes(P, 5)) return FlatMultiRun<P, 5, S>(r); break;
    case 6: if constexpr (!RollTakes(P, 6)) return FlatMultiRun<P, 6, S>(r); break;
    case 7: if constexpr (!RollTakes(P, 7)) return FlatMultiRun<P, 7, S>(r); break;
    default: break;
  }
  HWY_ASSERT(false);  // the rolling kernel takes this size
}

// p: weight patterns; packed_c: the channel count when the packed layout is used (else 0, p = 1).
void FlatMultiDispatch(int p, int64_t packed_c, const FlatRows& r) {
  if constexpr (kRegs >= 32) {
    if (packed_c == 3) return FlatMultiRunP<1, PackedStep(3)>(r);
  }
  switch (p) {
    case 1: return FlatMultiRunP<1, kLanes>(r);
    case 2: return FlatMultiRunP<2, kLanes>(r);
    case 3: return FlatMultiRunP<3, kLanes>(r);
    default: return FlatMultiRunP<4, kLanes>(r);
  }
}

// Rolling multi-row flat kernel: a strip of GB * P vectors walks down m * KH output rows, keeping
// the KH output rows that the current input row feeds in accumulators: acc[slot], where output
// row o lives in slot o % KH. Each input row is loaded once per tap and feeds KH output rows
// (every row, not only the middle ones of a short block); after input row i, output row
// i - KH + 1 is complete: it is stored and its slot zeroed for output row i + 1. Unrolled by KH
// input rows, the slots are compile-time. The first group of KH input rows has no outputs above
// row 0 (ky <= u), the last KH - 1 input rows none below row m*KH - 1 (ky > u). Per output
// element the sum runs over (ky, kx) in FlatBlock's order: the same bits.
// Input rows ahead of the current one whose part of this strip is fetched into L1. The far fetch
// above is two strips ahead, and a chunk of 72 rows puts more than L1 holds between the two: on a
// Zen 5 core this made 5x5 and 7x7 at 1080p 1.10-1.15x faster (1, 2 or 4 rows ahead alike).
constexpr int kRollNearRows = 2;
// Rows whose stride is a multiple of 4096 bytes (RGB rows a multiple of 1024 pixels wide, one
// channel 1024, 2048, ...) put the lines a strip touches down its rows into the same few L1 sets,
// and the output lines fetched two strips ahead are evicted before the stores come: those images
// also fetch the output row kRollNearRows down in the current strip. In one process on a Zen 5
// core: RGB 1024x1024 7x7 1.05-1.07x faster (2 threads 1.05x), 5x5 1.02-1.04x, one channel
// 2048x2048 7x7 1.01x. Rows less aliased gained nothing (4K RGB rows, 1024 mod 4096 bytes: 0.995-1.008x)
// and others lost 2-7% (one channel 1920 7x7, RGB 4x4 / 6x6, the depthwise layer).
constexpr bool RowsAliasInL1(int64_t row_bytes) { return row_bytes % 4096 == 0; }

// kNear: row i + kRollNearRows exists (not for the last rows of a chunk).
template <int P, int GB, int KH, int S, int U, int KyLo, int KyHi, bool kNear>
HWY_INLINE void FlatRollInputRow(const FlatRows& r, int64_t i, int64_t j0, VF (&acc)[KH][GB * P]) {
  const DF d;
  const size_t N = hn::Lanes(d);
  constexpr int nq = KyHi - KyLo + 1;
  const float* in = r.rows[i] + j0;
  const float* wk = r.wpat;  // [kx][ky][P][lanes]
  // The strip walks down the rows, so the hardware sees no stream: fetch this row's part of a
  // later strip now (kFlatPrefetchAhead strips on: it is read that many chunks of rows later).
  constexpr int kBlock = GB * P * S, kLines = (kBlock + 15) / 16 + 1;
  for (int t = 0; t < kLines; ++t) hwy::Prefetch(in + kFlatPrefetchAhead * kBlock + 16 * t);
  if constexpr (kNear) {
    const float* near = r.rows[i + kRollNearRows] + j0;
    for (int t = 0; t < kLines; ++t) hwy::Prefetch(near + 16 * t);
  }
#pragma GCC unroll 1
  for (int kx = 0; kx < KH; ++kx, in += r.kx_step, wk += KH * P * N) {
    KeepInRegister(in);
    KeepInRegister(wk);
    for (int v = 0; v < P; ++v) {
      if constexpr (nq < GB) {  // hold the nq weights, stream the inputs
        VF w[nq];
        for (int ky = KyLo; ky <= KyHi; ++ky) {
          w[ky - KyLo] = hn::Load(d, wk + (ky * P + v) * N);
          KeepVecInRegister(w[ky - KyLo]);
        }
        for (int g = 0; g < GB; ++g) {
          VF x = hn::LoadU(d, in + (g * P + v) * S);
          if (nq > 1) KeepVecInRegister(x);
          for (int ky = KyLo; ky <= KyHi; ++ky) {
            VF& a = acc[(U - ky + KH) % KH][g * P + v];
            a = hn::MulAdd(x, w[ky - KyLo], a);
          }
        }
      } else {  // hold the GB input vectors, stream the weights
        VF xv[GB];
        for (int g = 0; g < GB; ++g) {
          xv[g] = hn::LoadU(d, in + (g * P + v) * S);
          if (nq > 1) KeepVecInRegister(xv[g]);
        }
        for (int ky = KyLo; ky <= KyHi; ++ky) {
          VF w = hn::Load(d, wk + (ky * P + v) * N);
          if (GB > 1) KeepVecInRegister(w);
          for (int g = 0; g < GB; ++g) {
            VF& a = acc[(U - ky + KH) % KH][g * P + v];
            a = hn::MulAdd(xv[g], w, a);
          }
        }
      }
    }
  }
}

// Input row base + U; then output row base + U - KH + 1 is complete (none before the first
// group's last row): stored, and its slot zeroed for the next output row. kCarry (last group):
// the row also feeds the output rows below the chunk (ky <= U), whose slots are saved afterwards.
template <int P, int GB, int KH, int S, bool kFirst, bool kLast, int U, bool kCarry = false>
HWY_INLINE void FlatRollStep(const FlatRows& r, int64_t base, int64_t j0, int64_t valid, VF (&acc)[KH][GB * P]) {
  constexpr int lo = kLast && !kCarry ? U + 1 : 0, hi = kFirst ? U : KH - 1;
  // The chunk has m * KH + KH - 1 input rows: only its last group has rows with none kRollNearRows
  // further down.
  constexpr bool kNear = !kLast || U + kRollNearRows <= KH - 2;
  FlatRollInputRow<P, GB, KH, S, U, lo, hi, kNear>(r, base + U, j0, acc);
  if constexpr (!kFirst || U == KH - 1) {
    constexpr int slot = (U + 1) % KH;
    float* out = r.outs[base + U - KH + 1] + j0;
    constexpr int kBlock = GB * P * S;
    for (int t = 0; t < (kBlock + 15) / 16 + 1; ++t) {
      if (r.out_ahead_l2)
        __builtin_prefetch(out + kFlatPrefetchAhead * kBlock + 16 * t, 1, 2);  // prefetcht1
      else
        __builtin_prefetch(out + kFlatPrefetchAhead * kBlock + 16 * t, 1);
    }
    if constexpr (!kLast) {  // (not in the last group, whose last rows have none two rows down)
      if (r.near_out) {
        const float* out_near = r.outs[base + U - KH + 1 + kRollNearRows] + j0;
        for (int t = 0; t < (kBlock + 15) / 16 + 1; ++t) __builtin_prefetch(out_near + 16 * t, 1);
      }
    }
    FlatStoreRow<P, GB, S>(acc[slot], r.bpat, r.act, out, valid);
    for (int i = 0; i < GB * P; ++i) acc[slot][i] = hn::Zero(DF());
  }
}

// Input rows base + U for U in Us; kFirst: base == 0; kLast: base == m * KH (U < KH - 1).
template <int P, int GB, int KH, int S, bool kFirst, bool kLast, bool kCarry, size_t... Us>
HWY_INLINE void FlatRollGroup(const FlatRows& r, int64_t base, int64_t j0, int64_t valid, VF (&acc)[KH][GB * P],
                              std::index_sequence<Us...>) {
  (FlatRollStep<P, GB, KH, S, kFirst, kLast, static_cast<int>(Us), kCarry>(r, base, j0, valid, acc), ...);
}

// carry: this strip's (KH - 1) x GB * P vectors of r.carry (see FlatRows). Slot q holds output row
// q of the chunk below (m * KH is a multiple of KH), so the saved slots are the next chunk's slots.
template <int P, int GB, int KH, int S>
HWY_INLINE void FlatRollStrip(const FlatRows& r, int64_t m, int64_t j0, int64_t valid, float* carry) {
  const DF d;
  const size_t N = hn::Lanes(d);
  VF acc[KH][GB * P];
  for (int q = 0; q < KH; ++q)
    for (int i = 0; i < GB * P; ++i) acc[q][i] = hn::Zero(d);
  if (r.carry_in) {
    // Output rows 0..KH-2 have their sums over input rows 0..KH-2 already: input row KH - 1 on.
    for (int q = 0; q < KH - 1; ++q)
      for (int i = 0; i < GB * P; ++i) acc[q][i] = hn::Load(d, carry + (q * GB * P + i) * N);
    FlatRollStep<P, GB, KH, S, true, false, KH - 1>(r, 0, j0, valid, acc);
  } else {
    FlatRollGroup<P, GB, KH, S, true, false, false>(r, 0, j0, valid, acc, std::make_index_sequence<KH>());
  }
  for (int64_t base = KH; base < m * KH; base += KH)
    FlatRollGroup<P, GB, KH, S, false, false, false>(r, base, j0, valid, acc, std::make_index_sequence<KH>());
  if (r.carry_out) {
    FlatRollGroup<P, GB, KH, S, false, true, true>(r, m * KH, j0, valid, acc, std::make_index_sequence<KH - 1>());
    for (int q = 0; q < KH - 1; ++q)
      for (int i = 0; i < GB * P; ++i) hn::Store(acc[q][i], d, carry + (q * GB * P + i) * N);
  } else {
    FlatRollGroup<P, GB, KH, S, false, true, false>(r, m * KH, j0, valid, acc, std::make_index_sequence<KH - 1>());
  }
}


// r.rows: m * KH + KH - 1 input rows, r.outs: m * KH output rows. Strip k of the row keeps its
// carry at r.carry + k * (KH - 1) * GB * P lanes (the strips are the same for every chunk).
template <int P, int KH, int S>
void FlatRollRun(const FlatRows& r, int64_t m) {
  constexpr int GB = std::max(1, FlatRollGroups(P, KH));
  const int64_t group = P * S, block = GB * group;
  const int64_t L = r.length;
  const int64_t stride = (KH - 1) * GB * P * static_cast<int64_t>(hn::Lanes(DF()));
  float* carry = r.carry;  // null without carries (never read then)
  auto next = [&] {
    float* c = carry;
    if (carry) carry += stride;
    return c;
  };
  if (L >= block) {
    int64_t j = 0;
    for (; j + block <= L; j += block) FlatRollStrip<P, GB, KH, S>(r, m, j, block, next());
    if (j < L) FlatRollStrip<P, GB, KH, S>(r, m, L - block, block, next());
  } else if (L >= group) {
    int64_t j = 0;
    for (; j + group <= L; j += group) FlatRollStrip<P, 1, KH, S>(r, m, j, group, next());
    if (j < L) FlatRollStrip<P, 1, KH, S>(r, m, L - group, group, next());
  } else {
    FlatRollStrip<P, 1, KH, S>(r, m, 0, L, next());
  }
}

template <int P, int S>
void FlatRollRunP(const FlatRows& r, int64_t m) {
  switch (r.kh) {  // only the sizes it takes are instantiated
    case 3: if constexpr (RollTakes(P, 3)) return FlatRollRun<P, 3, S>(r, m); break;
    case 4: if constexpr (RollTakes(P, 4)) return FlatRollRun<P, 4, S>(r, m); break;
    case 5: if constexpr (RollTakes(P, 5)) return FlatRollRun<P, 5, S>(r, m); break;
    case 6: if constexpr (RollTakes(P, 6)) return FlatRollRun<P, 6, S>(r, m); break;
    case 7: if constexpr (RollTakes(P, 7)) return FlatRollRun<P, 7, S>(r, m); break;
    default: break;
  }
  HWY_ASSERT(false);  // FlatRollFits() said no
}

// ------------------------------------------------------------------------------------------------
// 3x3 filters of RGB and one-channel images on AVX-512: rows of output vectors walking right, taps
// made in registers. The image filters are memory-bound, and on a Zen 5 core what a streaming
// kernel pays for is every load of the streamed rows, not the arithmetic: a side test that read
// each input vector once ran at memcpy speed, reading it three times (the taps kx at +0, +3, +6
// floats) 2-2.6x memcpy (tests/bench/RESULTS.md, session 7). So each input row's vectors are
// loaded once, walking right, and the taps at +kStep and +2 kStep floats are made from the vector
// and the next one with `valignd`. kShiftRows output rows at a time (from two more input rows)
// share every input vector, the 9 weights of a column's pattern sit in registers, and the rows walk
// right as sequential streams the hardware prefetchers follow (the rolling kernel's strips walk
// down instead). Against the rolling kernel it replaces (in-process A/B, Zen 5, three sets), RGB:
// 1080p 1.05-1.22x faster on one thread and 0.99-1.05x on two, 4K 1.13-1.22x and 1.14-1.15x; one
// channel: 4K 1.10-1.11x / 1.02-1.14x, 1080p (which stays in the L3) 0.91-1.06x, 512x512
// 1.32-1.38x. Per output element the sum runs over (ky, kx) in FlatBlock's order from zero, then
// the bias: the same bits as every other flat kernel (tests/simd_test.cc checks that order bit
// for bit).

#if HWY_TARGET == HWY_AVX3 || HWY_TARGET == HWY_AVX3_DL

// Lanes [kShift, kShift + 16) of the pair lo:hi (0 < kShift < 16): one valignd.
template <int kShift>
HWY_INLINE VF ShiftAcross(VF lo, VF hi) {
  return VF{_mm512_castsi512_ps(
      _mm512_alignr_epi32(_mm512_castps_si512(hi.raw), _mm512_castps_si512(lo.raw), kShift))};
}

constexpr int kShiftRows = 6;  // 6 rows: 9 weights + 6 sums + 8 input vectors + 3 temporaries
// Input vectors fetched this far ahead of the column being computed (R + 2 rows, 2 KiB each):
// 1.06-1.2x faster than none, and 256 floats the same; 1024 floats and fetching the output rows
// too were not faster (in-process A/B, RGB 1080p and 4K).
constexpr int kShiftPrefetchFloats = 512;

// The 9 weights [kx][ky] of pattern V of P.
template <int P, int V>
HWY_INLINE void LoadShiftWeights(const float* wpat, VF (&w)[3][3]) {
  const DF d;
  const size_t N = hn::Lanes(d);
#pragma GCC unroll 3
  for (int kx = 0; kx < 3; ++kx)
#pragma GCC unroll 3
    for (int ky = 0; ky < 3; ++ky) w[kx][ky] = hn::Load(d, wpat + ((kx * 3 + ky) * P + V) * N);
}

// Output column V (weight pattern V of P) at j of R rows; taps kStep floats apart. cur[k] holds
// input row k's vector at j and becomes the one at j + N. kMaskNext: the segment ends at j + N
// (only the 2 kStep lanes the taps use of the next vector are read, as the unshifted taps would).
template <int R, int P, int kStep, int V, bool kMaskNext>
HWY_INLINE void FlatShiftColumn(const FlatRows& r, const float* const* in, float* const* out, int64_t j,
                                const VF (&w)[3][3], VF (&cur)[R + 2]) {
  const DF d;
  const size_t N = hn::Lanes(d);
  // Locals: vector stores may alias anything, so fields of r would be reloaded after each one.
  const float* const bpat = r.bpat;
  const Activation act = r.act;
  VF acc[R];
#pragma GCC unroll 8
  for (int o = 0; o < R; ++o) acc[o] = hn::Zero(d);
  // Fully unrolled (R + 2 rows, 3 kernel rows each): the sums stay in registers.
#pragma GCC unroll 10
  for (int k = 0; k < R + 2; ++k) {
    const float* next_p = in[k] + j + N;
    hwy::Prefetch(next_p + kShiftPrefetchFloats);
    const VF next = kMaskNext ? hn::MaskedLoad(hn::FirstN(d, 2 * kStep), d, next_p) : hn::LoadU(d, next_p);
    const VF t0 = cur[k], t1 = ShiftAcross<kStep>(cur[k], next), t2 = ShiftAcross<2 * kStep>(cur[k], next);
#pragma GCC unroll 3
    for (int ky = 0; ky < 3; ++ky) {  // output row o = k - ky takes this row through kernel row ky
      const int o = k - ky;
      if (o < 0 || o >= R) continue;
      acc[o] = hn::MulAdd(t0, w[0][ky], acc[o]);
      acc[o] = hn::MulAdd(t1, w[1][ky], acc[o]);
      acc[o] = hn::MulAdd(t2, w[2][ky], acc[o]);
    }
    cur[k] = next;
  }
  const VF bias = hn::Load(d, bpat + V * N);
#pragma GCC unroll 8
  for (int o = 0; o < R; ++o) hn::StoreU(Activate(d, hn::Add(acc[o], bias), act), d, out[o] + j);
}

// P columns (patterns 0 .. P - 1) at j, a multiple of the channel count; kLast: the segment ends
// at j + P N. One pattern: its weights `w1` stay in registers along the row; three: each
// column loads its pattern's (27 weights and the sums do not fit the registers together).
template <int R, int P, int kStep, bool kLast>
HWY_INLINE void FlatShiftUnit(const FlatRows& r, const float* const* in, float* const* out, int64_t j,
                              const VF (&w1)[3][3], VF (&cur)[R + 2]) {
  const int64_t N = static_cast<int64_t>(hn::Lanes(DF()));
  if constexpr (P == 1) {
    FlatShiftColumn<R, P, kStep, 0, kLast>(r, in, out, j, w1, cur);
  } else {
    static_assert(P == 3, "one or three patterns");
    const float* const wpat = r.wpat;
    VF w[3][3];
    LoadShiftWeights<P, 0>(wpat, w);
    FlatShiftColumn<R, P, kStep, 0, false>(r, in, out, j, w, cur);
    LoadShiftWeights<P, 1>(wpat, w);
    FlatShiftColumn<R, P, kStep, 1, false>(r, in, out, j + N, w, cur);
    LoadShiftWeights<P, 2>(wpat, w);
    FlatShiftColumn<R, P, kStep, 2, kLast>(r, in, out, j + 2 * N, w, cur);
  }
}

// R output rows from r.rows[row0 .. row0 + R + 1] along the whole segment
// (r.length >= P N + 2 kStep).
template <int R, int P, int kStep>
void FlatShiftBlock(const FlatRows& r, int64_t row0) {
  const DF d;
  const int64_t N = static_cast<int64_t>(hn::Lanes(d)), unit = P * N, L = r.length;
  const float* in[R + 2];
  float* out[R];
  for (int k = 0; k < R + 2; ++k) in[k] = r.rows[row0 + k];
  for (int o = 0; o < R; ++o) out[o] = r.outs[row0 + o];
  VF w1[3][3];  // one pattern: loaded once for the row
  if constexpr (P == 1) LoadShiftWeights<1, 0>(r.wpat, w1);
  VF cur[R + 2];
#pragma GCC unroll 10
  for (int k = 0; k < R + 2; ++k) cur[k] = hn::LoadU(d, in[k]);
  int64_t j = 0;
  // Whole units while the vector after them lies within the row's reach (L + 2 kStep floats),
  // then one more whose last column reads only the lanes it uses of that vector.
  for (; j + unit + N <= L + 2 * kStep; j += unit) FlatShiftUnit<R, P, kStep, false>(r, in, out, j, w1, cur);
  if (j + unit <= L) {
    FlatShiftUnit<R, P, kStep, true>(r, in, out, j, w1, cur);
    j += unit;
  }
  // The rest: a unit ending at L, shifted back over columns already stored (the same bits again).
  if (j < L) {
    j = L - unit;
#pragma GCC unroll 10
    for (int k = 0; k < R + 2; ++k) cur[k] = hn::LoadU(d, in[k] + j);
    FlatShiftUnit<R, P, kStep, true>(r, in, out, j, w1, cur);
  }
}

// rows: the chunk's rows + 2 input rows, outs: rows output rows (a multiple of 3).
template <int P, int kStep>
void FlatShiftRun(const FlatRows& r, int64_t rows) {
  int64_t q = 0;
  for (; q + kShiftRows <= rows; q += kShiftRows) FlatShiftBlock<kShiftRows, P, kStep>(r, q);
  for (; q + 3 <= rows; q += 3) FlatShiftBlock<3, P, kStep>(r, q);
  HWY_DASSERT(q == rows);
}

// Runs the rolling kernel's chunk (m * 3 rows) through FlatShiftRun when it takes it: 3x3 without
// dilation on RGB (three weight patterns, taps 3 floats apart) or one channel (one pattern, taps
// 1 apart), rows long enough for one unit.
bool FlatShiftDispatch(int p, const FlatRows& r, int64_t m) {
  if (r.kh != 3) return false;
  if (p == 3 && r.kx_step == 3 && r.length >= 3 * kLanes + 6) {
    FlatShiftRun<3, 3>(r, m * 3);
    return true;
  }
  if (p == 1 && r.kx_step == 1 && r.length >= kLanes + 2) {
    FlatShiftRun<1, 1>(r, m * 3);
    return true;
  }
  return false;
}
#endif  // AVX-512

// Whether the rolling kernel takes a KH x KH kernel with p patterns (packed_c != 0: one).
bool FlatRollFits(int64_t kh, int64_t p, int64_t packed_c) {
  return RollTakes(packed_c ? 1 : static_cast<int>(p), static_cast<int>(kh));
}

// Floats of FlatRows::carry that FlatRollDispatch's strips use on a segment of `length` (the
// same P and step as FlatRollDispatch picks).
int64_t FlatRollCarryFloats(int p, int64_t packed_c, int64_t kh, int64_t length) {
  const bool packed = kRegs >= 32 && packed_c == 3;
  const int P = packed ? 1 : std::min(p, 4);
  const int64_t S = packed ? PackedStep(3) : kLanes;
  const int64_t GB = std::max(1, FlatRollGroups(P, static_cast<int>(kh))), group = P * S, block = GB * group;
  const int64_t strips = length >= block ? length / block + 1 : length >= group ? length / group + 1 : 1;
  return strips * (kh - 1) * GB * P * kLanes;
}

// shift_3x3: FlatTuning::shift_3x3 (the row walk where it takes the layout, else the strips).
void FlatRollDispatch(int p, int64_t packed_c, const FlatRows& r, int64_t m, bool shift_3x3) {
  if constexpr (kRegs >= 32) {
    if (packed_c == 3) return FlatRollRunP<1, PackedStep(3)>(r, m);
  }
#if HWY_TARGET == HWY_AVX3 || HWY_TARGET == HWY_AVX3_DL
  if (shift_3x3 && FlatShiftDispatch(p, r, m)) return;
#else
  (void)shift_3x3;
#endif
  switch (p) {
    case 1: return FlatRollRunP<1, kLanes>(r, m);
    case 2: return FlatRollRunP<2, kLanes>(r, m);
    case 3: return FlatRollRunP<3, kLanes>(r, m);
    default: return FlatRollRunP<4, kLanes>(r, m);
  }
}

// ------------------------------------------------------------------------------------------------

const char* TargetName() { return hwy::TargetName(HWY_TARGET); }

int64_t Gcd(int64_t a, int64_t b) {
  while (b) {
    const int64_t t = a % b;
    a = b;
    b = t;
  }
  return a;
}

using AlignedFloats = hwy::AlignedFreeUniquePtr<float[]>;

// Largest padded-row ring one band may hold (64 MiB); the benchmark workloads use well under 1 MiB.
constexpr int64_t kMaxRingFloats = int64_t{16} << 20;

AlignedFloats AllocFloats(int64_t n) {
  AlignedFloats p = hwy::AllocateAligned<float>(static_cast<size_t>(std::max<int64_t>(n, 1)));
  if (!p) throw std::bad_alloc();
  return p;
}

// A buffer a pool thread keeps from one band (and one call) to the next. Per-band buffers
// allocated anew let the allocator hand their pages back and fault them in again band after band:
// on a Zen 5 core the rolling 6x6 RGB filter at 1080p in two chunks per band (whose carries take
// 124 KB) ran 1.2x slower than with glibc told to keep its memory (MALLOC_TRIM_THRESHOLD_).
// Buffers above kKeepFloats are allocated for the band only, so a thread keeps at most
// 5 x 2 MiB (the benchmark workloads need under 1 MiB each).
constexpr int64_t kKeepFloats = int64_t{1} << 19;
struct KeptFloats {
  int64_t capacity = 0;
  AlignedFloats data;
  float* at_least(int64_t n) {  // grows (contents lost), never shrinks
    if (capacity < n) {
      data = AllocFloats(n);
      capacity = n;
    }
    return data.get();
  }
};
// n floats for one band: `kept`'s storage or, past kKeepFloats, `own`'s.
float* BandFloats(KeptFloats& kept, AlignedFloats& own, int64_t n) {
  if (n > kKeepFloats) {
    own = AllocFloats(n);
    return own.get();
  }
  return kept.at_least(n);
}
// The buffers of Conv's band body, one of each in use at a time on a thread (a band runs to its
// end before its thread takes another).
struct BandBuffers {
  KeptFloats ring, pass_sums, carry[3];
};
thread_local BandBuffers band_buffers;

// Dense layers on several threads: each thread packs its own copy of the weights (at the start of
// its first band of the call) instead of sharing one. Packing on the pool, or on one thread, made
// each core pull the packed weights that the other core wrote through the shared cache: 2-thread
// packing took 2.2x as long as on one thread (transposed 16x16x128 -> 64: 20 us against 9), and
// the bands slowed down as much when one thread packed for both. Packing locally costs the
// one-thread time on each core, in parallel. Up to kLocalPackFloats (4 MiB); larger layers pack
// once, serially, and share (their packing is a negligible part of their time).
constexpr int64_t kLocalPackFloats = int64_t{1} << 20;
struct LocalPacked {
  uint64_t call = 0;  // the Conv call these weights belong to
  KeptFloats w;
};
thread_local LocalPacked local_packed;
std::atomic<uint64_t> conv_calls{0};

void Conv(const ConvPlan& p, const Layer& layer, const float* x, const float* kernel, const float* bias,
          float* y, const ExecContext& ctx) {
  const DF df;
  const int64_t N = static_cast<int64_t>(hn::Lanes(df));
  const int64_t KH = p.y.kernel, KW = p.x.kernel, taps = KH * KW;
  const int64_t sy = p.y.stride, sx = p.x.stride, dy = p.y.dilation, dx = p.x.dilation;
  const int64_t cin_g = p.cin_per_group, cout_g = p.cout_per_group;
  const bool depthwise = !p.transpose && cin_g == 1;
  const bool vec_act = VectorActivation(layer.activation);
  const float constant = p.transpose ? 0.0f : border_constant(layer.border, layer.border_value);

  // Columns: padded layout and the input channel width of a padded column (C' = C * multiplier).
  const conv_rows::PaddedAxis ax = p.transpose ? conv_rows::transposed_axis(p.x) : conv_rows::forward_axis(p.x);
  const conv_rows::PaddedAxis ay = p.transpose ? conv_rows::transposed_axis(p.y) : conv_rows::forward_axis(p.y);
  const int64_t expand = depthwise ? cout_g : 1;
  const int64_t cw = p.in_c * expand;
  // Degenerate layers (dilations or paddings in the tens of thousands) would need a padded-row
  // ring far beyond the memory budget: the scalar reference computes them with no extra memory.
  const double ring_bound = double(p.transpose ? ay.lead + 1 : p.y.extent + 8) * double(ax.size) * double(cw);
  if (ring_bound > double(kMaxRingFloats)) {
    reference_conv(p, layer, x, kernel, bias, y);
    return;
  }
  const conv_rows::RowPadder padder(ax, p.in_w, p.in_c, expand, layer.border, constant, p.transpose);
  const int64_t row_stride = padder.floats() + static_cast<int64_t>(RowSlack());

  // ---- Pick the kernel and pack its weights.
  enum class Kind { Flat, Depth, Dense } kind;
  int64_t pattern = 0;  // flat: weight patterns per tap
  if (depthwise) {
    pattern = cw / Gcd(cw, N);
    kind = (sx == 1 && pattern <= 4) ? Kind::Flat : Kind::Depth;
  } else {
    kind = Kind::Dense;
  }

  AlignedFloats wpack, bpack;
  ThreadPool& pool = ctx.pool ? *ctx.pool : ThreadPool::shared();
  const int threads = pool.threads_for(ctx.threads);
  bool local_pack = false;          // dense: each thread packs its own copy (LocalPacked)
  int64_t packed_floats = 0;        // dense: size of the packed weights
  std::function<void(float*)> pack_all;  // dense: packs every tap into its argument
  const uint64_t call_id = ++conv_calls;
  int cb = 1;
  int64_t tile_w = 0, tiles = 0, wstride = 0;
  if (kind == Kind::Flat) {
    // wpat[tap][v][lane] = w[tap, (v*N + lane) % C'];  Keras depthwise layout is (KH, KW, 1, C').
    // P * N = lcm(C', N): each tap's patterns are whole copies of its C' weights. (Copied, not
    // indexed with i % C': a division per float was 1.5 us of a 13 us call on a 12x112x32 image.)
    const int64_t pn = pattern * N;
    wpack = AllocFloats(taps * pn);
    bpack = AllocFloats(pn);
    for (int64_t t = 0; t < taps; ++t)
      for (int64_t i = 0; i < pn; i += cw) std::copy(kernel + t * cw, kernel + (t + 1) * cw, wpack.get() + t * pn + i);
    for (int64_t i = 0; i < pn; i += cw) {
      if (bias)
        std::copy(bias, bias + cw, bpack.get() + i);
      else
        std::fill(bpack.get() + i, bpack.get() + i + cw, 0.0f);
    }
  } else if (kind == Kind::Depth) {
    wstride = (cw + N - 1) / N * N + N;
    wpack = AllocFloats(taps * wstride);
    bpack = AllocFloats(wstride);
    std::fill(wpack.get(), wpack.get() + taps * wstride, 0.0f);
    std::fill(bpack.get(), bpack.get() + wstride, 0.0f);
    for (int64_t t = 0; t < taps; ++t)
      std::copy(kernel + t * cw, kernel + (t + 1) * cw, wpack.get() + t * wstride);
    if (bias) std::copy(bias, bias + cw, bpack.get());
  } else {
    // Channel tiles of CB vectors, as few padded lanes as possible.
    const int max_cb = kRegs >= 32 ? 4 : 2;
    const int64_t nv = (cout_g + N - 1) / N;
    tiles = (nv + max_cb - 1) / max_cb;
    cb = static_cast<int>((nv + tiles - 1) / tiles);
    tile_w = cb * N;
    // packed[g][tile][tap][ci][tile_w], zero beyond cout_g.
    const int64_t per_tile = taps * cin_g * tile_w;
    bpack = AllocFloats(p.groups * tiles * tile_w);
    std::fill(bpack.get(), bpack.get() + p.groups * tiles * tile_w, 0.0f);
    // Loops ordered so that the Keras kernel is read sequentially (the packing must stay cheap
    // next to the convolution: a few percent of a sub-millisecond layer). Captures by value: it
    // outlives this block (with several threads, each packs its own copy from its first band).
    const int64_t groups = p.groups, in_c = p.in_c, out_c = p.out_c;
    const bool transpose = p.transpose;
    auto pack_tap = [=](float* packed, int64_t t) {
      for (int64_t g = 0; g < groups; ++g)
        for (int64_t tile = 0; tile < tiles; ++tile) {
          float* dst = packed + (g * tiles + tile) * per_tile + t * cin_g * tile_w;
          const int64_t ol0 = tile * tile_w, ol1 = std::min(cout_g, ol0 + tile_w);
          if (ol1 - ol0 < tile_w) std::fill(dst, dst + cin_g * tile_w, 0.0f);  // lanes past cout_g
          if (transpose) {  // Conv2DTranspose (KH, KW, C_out/groups, C_in): a transpose per tap
            // Blocks of lanes x lanes through registers, the edges element by element; the reads
            // stay within one tap's kernel (C_out/groups x C_in floats, L1-sized for the usual layers).
            const float* src = kernel + t * cout_g * in_c + g * cin_g;  // src[ol * C_in + cl]
            auto row = [&](int64_t cl) { return dst + cl * tile_w - ol0; };  // row(cl)[ol]
            int64_t cl = 0;
            for (; cl + N <= cin_g; cl += N) {
              int64_t ol = ol0;
              for (; ol + N <= ol1; ol += N) TransposeBlock(src + ol * in_c + cl, in_c, row(cl) + ol, tile_w);
              for (; ol < ol1; ++ol)
                for (int64_t c = cl; c < cl + N; ++c) row(c)[ol] = src[ol * in_c + c];
            }
            for (; cl < cin_g; ++cl)
              for (int64_t ol = ol0; ol < ol1; ++ol) row(cl)[ol] = src[ol * in_c + cl];
          } else {  // Conv2D (KH, KW, C_in/groups, C_out): read rows of C_out
            for (int64_t cl = 0; cl < cin_g; ++cl) {
              const float* src = kernel + (t * cin_g + cl) * out_c + g * cout_g;
              std::copy(src + ol0, src + ol1, dst + cl * tile_w);
            }
          }
        }
    };
    packed_floats = p.groups * tiles * per_tile;
    pack_all = [pack_tap, taps](float* packed) {
      for (int64_t t = 0; t < taps; ++t) pack_tap(packed, t);
    };
    // (out_c == lanes / 2, the live update: its pair layout below is built from the shared copy.)
    local_pack = threads > 1 && packed_floats <= kLocalPackFloats && p.out_c * 2 != N;
    if (!local_pack) {
      wpack = AllocFloats(packed_floats);
      pack_all(wpack.get());
    }
    for (int64_t co = 0; co < p.out_c; ++co) {
      const int64_t g = co / cout_g, ol = co % cout_g;
      bpack[(g * tiles + ol / tile_w) * tile_w + ol % tile_w] = bias ? bias[co] : 0.0f;
    }
  }

  // Dense: input channels per pass, so that a pass's weights (the taps one output row uses x ci x
  // tile) take about kDensePassBytes. A transposed row uses only its stride phase's taps. Between
  // passes every block stores and reloads its accumulators; weights streamed from L2 cost less
  // than that. Half of a Zen 5 core's 1 MiB L2 (the benchmark layers then run in one pass): 1.04-1.10x
  // faster than 32 KiB passes on the conv and transposed layers there (1 thread); on the
  // Sapphire Rapids core of sessions 1-3, 16 KiB to 1 MiB measured the same.
  constexpr int64_t kDensePassBytes = int64_t{512} << 10;
  auto phase_taps = [](int64_t k, int64_t dil, int64_t stride) {  // most taps on one phase
    std::vector<int64_t> count(static_cast<size_t>(stride), 0);
    for (int64_t i = 0; i < k; ++i) ++count[static_cast<size_t>((i * dil) % stride)];
    return *std::max_element(count.begin(), count.end());
  };
  const int64_t row_taps = p.transpose ? phase_taps(KH, dy, sy) * phase_taps(KW, dx, sx) : taps;
  const int64_t ci_pass =
      kind == Kind::Dense
          ? std::clamp<int64_t>(kDensePassBytes / (4 * row_taps * std::max<int64_t>(tile_w, 1)), 1, cin_g)
          : 1;
  // Dense forward without groups or horizontal dilation: a kernel row's (kx, ci) pairs are
  // contiguous in the padded row and in the packed weights, so they run as one long reduction
  // (fewer, longer loops: a 7x7 kernel on 3 channels gets 7 loops of 21, not 49 of 3).
  const bool merge_kx = kind == Kind::Dense && !p.transpose && dx == 1 && p.groups == 1;
  const int64_t ci_pass_merged =
      merge_kx ? std::clamp<int64_t>(kDensePassBytes / (4 * KH * std::max<int64_t>(tile_w, 1)), 1, KW * cin_g) : 1;
  const bool multi_pass = kind == Kind::Dense && (merge_kx ? ci_pass_merged < KW * cin_g : ci_pass < cin_g);
  // Two reduction steps per vector (PairBlock) when one pixel's outputs fill exactly half a vector.
  const bool pairs = kHavePairs && merge_kx && !multi_pass && p.out_c * 2 == N && p.out_w >= 2;
  const int64_t red = KW * cin_g, npairs = (red + 1) / 2;
  AlignedFloats pair_w, pair_b;
  if (pairs) {  // [ky][pair m][lane]: lane 2k = w[ky, j = 2m, k], lane 2k + 1 = w[ky, 2m + 1, k]
    pair_w = AllocFloats(KH * npairs * N);
    pair_b = AllocFloats(N);
    for (int64_t ky = 0; ky < KH; ++ky) {
      const float* src = wpack.get() + ky * KW * cin_g * tile_w;  // [j][tile_w], tile 0
      for (int64_t m = 0; m < npairs; ++m)
        for (int64_t k = 0; k < N / 2; ++k)
          for (int64_t e = 0; e < 2; ++e) {
            const int64_t j = 2 * m + e;
            pair_w[(ky * npairs + m) * N + 2 * k + e] = j < red ? src[j * tile_w + k] : 0.0f;
          }
    }
    for (int64_t k = 0; k < N; ++k) pair_b[k] = bpack[k % (N / 2)];
  }

  // Flat rows read the interior straight from the input rows (no copy): only the first nL and last
  // nR output pixels of a row read padded columns, from two short padded pieces per row. Segments
  // are at least one weight-pattern group long, so no block reads past its segment; where they
  // overlap, the outputs are computed twice to the same bits.
  int64_t seg_l = 0, seg_r = 0, int_a = 0, int_b = 0, piece_l = 0, piece_r = 0;
  bool flat_direct = false;
  if (kind == Kind::Flat && expand == 1) {
    const int64_t min_px = pattern * N / cw;  // one group of P vectors, in pixels
    int_a = std::min(p.out_w, p.x.pad_before);
    // (A packed vector reads lanes past its last pixel: the interior then stops one pixel short
    // of the row's end, so that the last row's reads stay inside the image.)
    const int64_t spare = PackedChannels(cw) ? 1 : 0;
    int_b = std::clamp<int64_t>(p.in_w - (KW - 1) * dx + p.x.pad_before - spare, 0, p.out_w);
    if (int_b - int_a >= min_px) {
      flat_direct = true;
      seg_l = std::min(p.out_w, std::max(int_a, min_px));
      seg_r = std::min(p.out_w, std::max(p.out_w - int_b, min_px));
      piece_l = seg_l + (KW - 1) * dx;  // padded columns [0, piece_l)
      piece_r = seg_r + (KW - 1) * dx;  // padded columns [out_w - seg_r, ax.size)
    }
  }
  const int64_t piece_stride = (piece_l + piece_r) * cw + static_cast<int64_t>(RowSlack());
  // Dense forward rows (and their PairBlock form) likewise: output pixels [dense_l, dense_l +
  // dense_mid), whole blocks whose reads stay inside the input row, read it directly; only the
  // padded columns the blocks at the two ends read, [0, dense_piece_l) and [dense_piece_r,
  // ax.size), are built. (Whole padded-row copies were 1-3% of the conv benchmark layers' time
  // and 8% of the live update's.) Each pixel's sum is the same whichever segment computes it.
  int64_t dense_l = 0, dense_mid = 0, dense_piece_l = 0, dense_piece_r = 0;
  bool dense_direct = false;
  if (kind == Kind::Dense && !p.transpose) {
    const int64_t pb = pairs ? kPairPixels : DenseBlockPixels(cb);
    const int64_t first = std::min(p.out_w, (ax.lead + sx - 1) / sx);  // first ox reading no left padding
    const int64_t last_start = ax.lead + p.in_w - 1 - (KW - 1) * dx;   // last start column with no right padding
    const int64_t end = last_start < 0 ? 0 : std::min(p.out_w, last_start / sx + 1);
    dense_l = std::min(p.out_w, (first + pb - 1) / pb * pb);
    dense_mid = std::max<int64_t>(0, (end - dense_l) / pb * pb);
    if (pairs && p.out_w - dense_l - dense_mid == 1) dense_mid -= pb;  // PairRowRun takes >= 2 pixels
    if (dense_mid > 0) {
      dense_direct = true;
      dense_piece_l = dense_l == 0 ? 0 : (dense_l - 1) * sx + (KW - 1) * dx + 1;
      dense_piece_r = (dense_l + dense_mid) * sx;
    }
  }
  AlignedFloats constant_row;
  if (flat_direct || dense_direct) {
    constant_row = AllocFloats(p.in_w * p.in_c);
    std::fill(constant_row.get(), constant_row.get() + p.in_w * p.in_c, constant);
  }

  // ---- Bands of output rows, one chunk each: about 16 per image so that both threads stay busy
  // and a cancel is seen soon. The padded rows live in a ring of `ring` rows (all the rows one
  // output row reads), each built once per band just before the first output row that needs it.
  // Flat rows with stride 1 and no dilation in y run several output rows per block (each input
  // row loaded once for all of them); the ring then holds the block's rows. The rolling kernel
  // takes chunks of m * KH rows (up to FlatTuning::chunk_rows), the others blocks of multi_rows.
  const bool multi_shape = flat_direct && sy == 1 && dy == 1 && KH >= 2 && KH <= 7 && KW == KH;
  // RGB rows take the packed layout, except 3x3 on the multi-row path: its three patterns in 2
  // strip groups ran 1.04-1.09x faster on a Zen 5 core (1080p and 4K, 1 and 2 threads) than one
  // packed pattern in 8 groups (4x4: 1.03x, 5x5..7x7: 1.3-1.7x the other way; on Sapphire Rapids
  // 1.04x for 3x3 too), and on AVX-512 under the zen5 tuning the rolling kernel's chunks of rows
  // go to FlatShiftRun (see FlatRollDispatch).
  const bool packed_ok = kind == Kind::Flat && PackedChannels(cw) && pattern > 1 && !(multi_shape && KH == 3);
  const bool roll = multi_shape && FlatRollFits(KH, pattern, packed_ok ? cw : 0);
  const FlatTuning tuning = flat_tuning(cpu_tuning());
  const int64_t roll_m_cap = std::max<int64_t>(1, tuning.chunk_rows(KH, packed_ok) / KH);
  const int64_t multi_rows =
      roll ? roll_m_cap * KH
           : multi_shape ? FlatRowsPerBlock(static_cast<int>(pattern), static_cast<int>(KH)) : 1;
  const int64_t min_multi_band = roll ? KH : multi_rows;  // shorter bands run one row at a time
  int64_t rows_per_band = std::max<int64_t>(1, (p.out_h + 15) / 16);
  // Every band of the rolling kernel pays for 2 (KH - 1) input rows that feed fewer than KH output
  // rows and rebuilds KH - 1 padded pieces: at least 4 KH rows per band while two bands remain (the
  // depthwise benchmark layer's 6-row bands of 112 rows: 12 rows ran 1.07x / 1.09x faster on
  // 1 / 2 threads on Zen 5; bands of 1080p images are taller anyway).
  if (roll) rows_per_band = std::max(rows_per_band, std::min<int64_t>(4 * KH, (p.out_h + 1) / 2));
  // Whole blocks per band (no block shifted back to fit): multiples of KH rows for the rolling
  // kernel, of multi_rows for the others.
  const int64_t band_unit = roll ? KH : multi_rows;
  if (band_unit > 1 && rows_per_band >= band_unit)
    rows_per_band = std::max<int64_t>(band_unit, (rows_per_band + band_unit / 2) / band_unit * band_unit);
  const int64_t bands = (p.out_h + rows_per_band - 1) / rows_per_band;
  const bool multi = multi_rows > 1 && rows_per_band >= min_multi_band;
  const int64_t ring = p.transpose ? ay.lead + 1 : p.y.extent + (multi ? multi_rows - 1 : 0);
  // Multi-row blocks of RGB-like rows use the packed layout (one pattern: pattern 0 of each tap,
  // whose lane i holds channel i % C, is exactly the packed weights and bias).
  const int64_t packed_c = multi && packed_ok ? cw : 0;
  AlignedFloats wpack_kx;  // multi: the flat weight patterns reordered [kx][ky][P][lanes]
  if (multi) {
    const int64_t pn = pattern * N, pn_kx = (packed_c ? 1 : pattern) * N;
    wpack_kx = AllocFloats(taps * pn_kx);
    for (int64_t ky = 0; ky < KH; ++ky)
      for (int64_t kx = 0; kx < KW; ++kx)
        std::copy(wpack.get() + (ky * KW + kx) * pn, wpack.get() + (ky * KW + kx) * pn + pn_kx,
                  wpack_kx.get() + (kx * KH + ky) * pn_kx);
  }

  // Padded rows needed by output row oy: [lo, hi].
  auto rows_needed = [&](int64_t oy, int64_t* lo, int64_t* hi) {
    if (p.transpose) {
      const int64_t q = (oy + p.y.pad_before) / sy;
      *lo = q + ay.lead - ((KH - 1) * dy) / sy;
      *hi = q + ay.lead;
    } else {
      *lo = oy * sy;
      *hi = oy * sy + (KH - 1) * dy;
    }
  };

  const int64_t image_in = p.in_h * p.in_w * p.in_c;
  const int64_t image_out = p.out_h * p.out_w * p.out_c;
  // Flat multi-row blocks fetch ahead only when one image's input and output are well past the
  // caches of a core (1080p RGB: 50 MB; the depthwise benchmark layer, 3 MB, ran 5% slower with it).
  const bool flat_prefetch = (image_in + image_out) * int64_t{sizeof(float)} > (int64_t{8} << 20);
  // (AVX-512 only: measured there; the SSSE3 code ran the same with it, 0.99-1.02x.)
  const bool near_out = kRegs >= 32 && flat_prefetch && RowsAliasInL1(p.out_w * p.out_c * int64_t{sizeof(float)});
  pool.parallel_for(p.batch * bands, ctx.threads, [&](int64_t chunk) {
    if (ctx.cancel && ctx.cancel->load(std::memory_order_relaxed)) throw Cancelled();
    const int64_t n = chunk / bands, band = chunk % bands;
    const int64_t oy0 = band * rows_per_band, oy1 = std::min(p.out_h, oy0 + rows_per_band);
    const float* image = x + n * image_in;
    float* out_image = y + n * image_out;
    // Dense weights: this thread's own packed copy (see LocalPacked), or the shared one.
    const float* wdense = wpack.get();
    if (local_pack) {
      LocalPacked& mine = local_packed;
      if (mine.call != call_id) {
        pack_all(mine.w.at_least(packed_floats));
        mine.call = call_id;
      }
      wdense = mine.w.data.get();
    }

    const int64_t slot_floats = flat_direct ? piece_stride : row_stride;
    BandBuffers& kept = band_buffers;
    AlignedFloats own_ring;
    float* const ring_data = BandFloats(kept.ring, own_ring, ring * slot_floats);
    std::vector<const float*> slot_src(static_cast<size_t>(ring));  // flat / dense_direct: the row's data
    int64_t built = -1;  // highest padded row built so far (the ring holds [built - ring + 1, built])
    auto build_rows = [&](int64_t oy) {
      int64_t lo, hi;
      rows_needed(oy, &lo, &hi);
      for (int64_t r = std::max(lo, built + 1); r <= hi; ++r) {
        const int64_t iy_raw = r - ay.lead;
        const int64_t iy = p.transpose ? (iy_raw >= 0 && iy_raw < p.in_h ? iy_raw : -1)
                                       : border_source(iy_raw, p.in_h, layer.border);
        const float* src = iy < 0 ? nullptr : image + iy * p.in_w * p.in_c;
        float* dst = ring_data + (r % ring) * slot_floats;
        if (flat_direct || dense_direct) slot_src[static_cast<size_t>(r % ring)] = src ? src : constant_row.get();
        if (flat_direct) {
          padder.build_range(src, dst, 0, piece_l);
          padder.build_range(src, dst + piece_l * cw, p.out_w - seg_r, p.out_w - seg_r + piece_r);
          std::fill(dst + (piece_l + piece_r) * cw, dst + slot_floats, 0.0f);
        } else if (dense_direct) {
          padder.build_range(src, dst, 0, dense_piece_l);
          padder.build_range(src, dst + dense_piece_r * cw, dense_piece_r, ax.size);
          std::fill(dst + padder.floats(), dst + row_stride, 0.0f);
        } else {
          padder.build(src, dst);
          std::fill(dst + padder.floats(), dst + row_stride, 0.0f);
        }
      }
      built = std::max(built, hi);
    };
    auto band_row = [&](int64_t padded_row) { return ring_data + (padded_row % ring) * slot_floats; };
    // Dense forward: the input of output pixel ox0 in padded row `padded`, from the padded row or
    // (direct: ox0 * sx >= ax.lead) straight from the input row.
    auto dense_input = [&](int64_t padded, int64_t ox0, bool direct) {
      return direct ? slot_src[static_cast<size_t>(padded % ring)] + (ox0 * sx - ax.lead) * cw
                    : band_row(padded) + ox0 * sx * cw;
    };
    // Calls run(ox0, count, direct) on the row's non-empty segments (see dense_direct).
    auto for_dense_segments = [&](auto&& run) {
      if (!dense_direct) return run(int64_t{0}, p.out_w, false);
      if (dense_l > 0) run(int64_t{0}, dense_l, false);
      run(dense_l, dense_mid, true);
      if (dense_l + dense_mid < p.out_w) run(dense_l + dense_mid, p.out_w - dense_l - dense_mid, false);
    };

    // Partial sums between input-channel passes: two buffers of one row x one channel tile.
    AlignedFloats own_pass_sums;
    float* const pass_sums = multi_pass ? BandFloats(kept.pass_sums, own_pass_sums, 2 * p.out_w * tile_w) : nullptr;
    std::vector<const float*> tap_in(static_cast<size_t>(taps)), tap_mid(tap_in), tap_right(tap_in);
    std::vector<TapPtr> tap_list(static_cast<size_t>(taps));
    // Asks for the input rows the next output row will copy, so that DRAM reads overlap this
    // row's arithmetic and stores instead of stalling the copy.
    auto prefetch_rows = [&](int64_t oy) {
      if (oy >= oy1) return;
      int64_t lo, hi;
      rows_needed(oy, &lo, &hi);
      for (int64_t r = std::max(lo, built + 1); r <= hi; ++r) {
        const int64_t iy_raw = r - ay.lead;
        if (iy_raw < 0 || iy_raw >= p.in_h) continue;
        const char* src = reinterpret_cast<const char*>(image + iy_raw * p.in_w * p.in_c);
        const int64_t bytes = p.in_w * p.in_c * static_cast<int64_t>(sizeof(float));
        for (int64_t o = 0; o < bytes; o += 64) hwy::Prefetch(src + o);
      }
    };
    if (multi && oy1 - oy0 >= min_multi_band) {
      // Blocks of H rows; the last one shifts back to end at oy1 (its rows get the same bits again,
      // and never leave the band). A band shorter than that runs one row at a time below.
      std::vector<const float*> rows_l(static_cast<size_t>(multi_rows + KH - 1)), rows_m(rows_l), rows_r(rows_l);
      std::vector<float*> outs_l(static_cast<size_t>(multi_rows)), outs_m(outs_l), outs_r(outs_l);
      const int P = static_cast<int>(pattern);
      // Rolling chunks of one band hand the partial sums of the KH - 1 rows below each chunk to the
      // next chunk (FlatRows::carry), so that no input row is read by two chunks, except around a
      // chunk shifted back to end at oy1 (a band not a multiple of KH rows long).
      // (Only bands of more than one chunk carry: most bands of small images are one chunk.)
      const int64_t seg_len[3] = {seg_l * cw, (int_b - int_a) * cw, seg_r * cw};
      AlignedFloats own_carry[3];
      float* carry[3] = {nullptr, nullptr, nullptr};
      if (roll && oy1 - oy0 > roll_m_cap * KH)
        for (int s = 0; s < 3; ++s)
          carry[s] = BandFloats(kept.carry[s], own_carry[s], FlatRollCarryFloats(P, packed_c, KH, seg_len[s]));
      auto chunk_rows = [&](int64_t ob) {  // rows of the chunk at ob (rolling), before any shift
        return std::min({roll_m_cap, (oy1 - ob + KH - 1) / KH, (oy1 - oy0) / KH}) * KH;
      };
      bool carried = false;  // the previous chunk saved carries for this one
      int64_t H = multi_rows;
      for (int64_t ob = oy0; ob < oy1; ob += H) {
        int64_t m = 0;  // rolling: chunks of m * KH rows
        if (roll) {
          H = chunk_rows(ob);
          m = H / KH;
        }
        const int64_t b = std::min(ob, oy1 - H);
        const bool carry_in = carried;  // (a chunk that carries out is followed by one not shifted)
        const bool carry_out = carry[0] && b == ob && ob + H < oy1 && ob + H + chunk_rows(ob + H) <= oy1;
        carried = carry_out;
        for (int64_t q = 0; q < H; ++q) build_rows(b + q);  // (no software prefetch: a burst of
        // prefetches for H whole rows stalls on the fill buffers; the hardware streams these rows)
        for (int64_t i = 0; i < H + KH - 1; ++i) {
          const int64_t slot = (b + i) % ring;
          const float* piece = ring_data + slot * slot_floats;
          rows_l[static_cast<size_t>(i)] = piece;
          rows_m[static_cast<size_t>(i)] = slot_src[static_cast<size_t>(slot)] + (int_a - p.x.pad_before) * cw;
          rows_r[static_cast<size_t>(i)] = piece + piece_l * cw;
        }
        for (int64_t q = 0; q < H; ++q) {
          float* out_row = out_image + (b + q) * p.out_w * p.out_c;
          outs_l[static_cast<size_t>(q)] = out_row;
          outs_m[static_cast<size_t>(q)] = out_row + int_a * cw;
          outs_r[static_cast<size_t>(q)] = out_row + (p.out_w - seg_r) * cw;
        }
        const FlatRows segments[3] = {
            {rows_l.data(), KH, dx * cw, wpack_kx.get(), bpack.get(), outs_l.data(), seg_l * cw, layer.activation,
             flat_prefetch, near_out, tuning.roll_out_prefetch_l2},
            {rows_m.data(), KH, dx * cw, wpack_kx.get(), bpack.get(), outs_m.data(), (int_b - int_a) * cw,
             layer.activation, flat_prefetch, near_out, tuning.roll_out_prefetch_l2},
            {rows_r.data(), KH, dx * cw, wpack_kx.get(), bpack.get(), outs_r.data(), seg_r * cw, layer.activation,
             flat_prefetch, near_out, tuning.roll_out_prefetch_l2}};
        for (int s = 0; s < 3; ++s) {
          FlatRows seg = segments[s];
          if (roll) {
            seg.carry = carry[s];
            seg.carry_in = carry_in;
            seg.carry_out = carry_out;
            FlatRollDispatch(P, packed_c, seg, m, tuning.shift_3x3);
          } else {
            FlatMultiDispatch(P, packed_c, seg);
          }
        }
        if (!vec_act)
          for (int64_t q = 0; q < H; ++q)
            apply_activation(layer.activation, out_image + (b + q) * p.out_w * p.out_c, p.out_w * p.out_c);
      }
      return;
    }
    for (int64_t oy = oy0; oy < oy1; ++oy) {
      build_rows(oy);
      prefetch_rows(oy + 1);
      float* out_row = out_image + oy * p.out_w * p.out_c;
      if (kind == Kind::Flat || kind == Kind::Depth) {
        for (int64_t ky = 0; ky < KH && !flat_direct; ++ky) {
          const float* row = band_row(oy * sy + ky * dy);
          for (int64_t kx = 0; kx < KW; ++kx) tap_in[static_cast<size_t>(ky * KW + kx)] = row + kx * dx * cw;
        }
        float* dst = out_row;
        if (flat_direct) {
          // Left piece, interior straight from the input rows, right piece.
          for (int64_t ky = 0; ky < KH; ++ky) {
            const int64_t slot = (oy * sy + ky * dy) % ring;
            const float* left = ring_data + slot * slot_floats;
            const float* src = slot_src[static_cast<size_t>(slot)];
            for (int64_t kx = 0; kx < KW; ++kx) {
              const size_t t = static_cast<size_t>(ky * KW + kx);
              tap_in[t] = left + kx * dx * cw;
              tap_mid[t] = src + (int_a + kx * dx - p.x.pad_before) * cw;
              tap_right[t] = left + (piece_l + kx * dx) * cw;
            }
          }
          const int P = static_cast<int>(pattern);
          FlatRowDispatch(P, FlatRow{tap_in.data(), taps, wpack.get(), bpack.get(), dst, seg_l * cw, layer.activation});
          FlatRowDispatch(P, FlatRow{tap_mid.data(), taps, wpack.get(), bpack.get(), dst + int_a * cw,
                                     (int_b - int_a) * cw, layer.activation});
          FlatRowDispatch(P, FlatRow{tap_right.data(), taps, wpack.get(), bpack.get(),
                                     dst + (p.out_w - seg_r) * cw, seg_r * cw, layer.activation});
        } else if (kind == Kind::Flat) {
          const FlatRow r{tap_in.data(), taps, wpack.get(), bpack.get(), dst, p.out_w * cw, layer.activation};
          FlatRowDispatch(static_cast<int>(pattern), r);
        } else {
          const DepthRow r{tap_in.data(), taps, wpack.get(), wstride, bpack.get(), cw, sx * cw, dst,
                           layer.activation};
          DepthRowRun(r, p.out_w);
        }
      } else if (pairs) {
        for_dense_segments([&](int64_t ox0, int64_t count, bool direct) {
          for (int64_t ky = 0; ky < KH; ++ky)
            tap_list[static_cast<size_t>(ky)] = {dense_input(oy * sy + ky * dy, ox0, direct),
                                                 pair_w.get() + ky * npairs * N};
          PairRowRun(PairRow{tap_list.data(), KH, red, sx * cw, pair_b.get(), out_row + ox0 * p.out_c, layer.activation},
                     count);
        });
      } else if (!p.transpose) {
        for (int64_t g = 0; g < p.groups; ++g)
          for (int64_t tile = 0; tile < tiles; ++tile) {
            const float* wt = wdense + (g * tiles + tile) * taps * cin_g * tile_w;
            for_dense_segments([&](int64_t ox0, int64_t count, bool direct) {
              int64_t nt = 0;
              for (int64_t ky = 0; ky < KH; ++ky) {
                const float* row = dense_input(oy * sy + ky * dy, ox0, direct) + g * cin_g;
                for (int64_t kx = 0; kx < (merge_kx ? 1 : KW); ++kx) {
                  const int64_t t = ky * KW + kx;
                  tap_list[static_cast<size_t>(nt++)] = {row + kx * dx * cw, wt + t * cin_g * tile_w};
                }
              }
              const DenseRow r{tap_list.data(), nt, 0, cin_g, sx * cw, bpack.get() + (g * tiles + tile) * tile_w,
                               out_row + ox0 * p.out_c + g * cout_g + tile * tile_w, p.out_c,
                               std::min(tile_w, cout_g - tile * tile_w), layer.activation, nullptr, nullptr};
              if (merge_kx)  // one "tap" per kernel row: (kx, ci) run contiguously in input and weights
                DenseRowDispatch(cb, r, count, KW * cin_g, ci_pass_merged, pass_sums);
              else
                DenseRowDispatch(cb, r, count, cin_g, ci_pass, pass_sums);
            });
          }
      } else {
        // Transposed: this row's phase ry takes taps ky with (ky*dy) % sy == ry from padded row
        // q + lead - floor(ky*dy/sy); likewise per column phase rx.
        const int64_t ty = oy + p.y.pad_before, ry = ty % sy, qy = ty / sy;
        for (int64_t rx = 0; rx < sx; ++rx) {
          // Outputs ox = qx*sx + rx - before for qx in [qx_lo, qx_hi].
          const int64_t bx = p.x.pad_before;
          const int64_t qx_lo = std::max<int64_t>(0, conv_rows::floor_div(bx - rx + sx - 1, sx));
          const int64_t qx_hi = conv_rows::floor_div(p.out_w - 1 + bx - rx, sx);
          if (qx_hi < qx_lo) continue;
          const int64_t ox0 = qx_lo * sx + rx - bx;
          for (int64_t g = 0; g < p.groups; ++g)
            for (int64_t tile = 0; tile < tiles; ++tile) {
              const float* wt = wdense + (g * tiles + tile) * taps * cin_g * tile_w;
              int64_t nt = 0;
              for (int64_t ky = 0; ky < KH; ++ky) {
                if ((ky * dy) % sy != ry) continue;
                const float* row = band_row(qy + ay.lead - (ky * dy) / sy) + g * cin_g;
                for (int64_t kx = 0; kx < KW; ++kx) {
                  if ((kx * dx) % sx != rx) continue;
                  const int64_t col = qx_lo + ax.lead - (kx * dx) / sx;
                  tap_list[static_cast<size_t>(nt++)] = {row + col * cw, wt + (ky * KW + kx) * cin_g * tile_w};
                }
              }
              const DenseRow r{tap_list.data(), nt, 0, cin_g, cw, bpack.get() + (g * tiles + tile) * tile_w,
                               out_row + ox0 * p.out_c + g * cout_g + tile * tile_w, sx * p.out_c,
                               std::min(tile_w, cout_g - tile * tile_w), layer.activation, nullptr, nullptr};
              DenseRowDispatch(cb, r, qx_hi - qx_lo + 1, cin_g, ci_pass, pass_sums);
            }
        }
      }
      if (!vec_act) apply_activation(layer.activation, out_row, p.out_w * p.out_c);
    }
  }, ctx.cancel);
  if (ctx.cancel && ctx.cancel->load()) throw Cancelled();
}

}  // namespace HWY_NAMESPACE
}  // namespace convscope
HWY_AFTER_NAMESPACE();

#if HWY_ONCE
namespace convscope {

HWY_EXPORT(Conv);
HWY_EXPORT(TargetName);

void simd_conv(const ConvPlan& plan, const Layer& layer, const float* x, const float* kernel,
               const float* bias, float* y, const ExecContext& ctx) {
  HWY_DYNAMIC_DISPATCH(Conv)(plan, layer, x, kernel, bias, y, ctx);
}

const char* simd_target_name() { return HWY_DYNAMIC_DISPATCH(TargetName)(); }

}  // namespace convscope
#endif
