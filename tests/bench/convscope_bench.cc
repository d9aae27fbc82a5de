// convscope-bench: ConvScope's Highway engine next to OpenCV (image filtering) and oneDNN (conv and
// transposed layers), in one process, 1 and 2 threads. Built by default, never run by the tests.
//
// Prints Google Benchmark's usual lines (each run repeated, medians reported), then one summary
// table: per workload and thread count the median time, GFLOP/s (2 x multiply-adds) and the
// ratio baseline time / ConvScope time. Baselines exist only when CMake found them
// (CONVSCOPE_HAVE_OPENCV, CONVSCOPE_HAVE_DNNL).
//
// CONVSCOPE_TARGET=AVX2 (or SSE4, ...) runs ConvScope on that Highway target only, to see what a
// processor without AVX-512 gets; restrict the baselines alike with OPENCV_CPU_DISABLE=AVX512_SKX
// and ONEDNN_MAX_CPU_ISA=AVX2 (oneDNN 2.6 also reads DNNL_MAX_CPU_ISA).
#include <benchmark/benchmark.h>
#include <hwy/targets.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "engine/conv_simd.h"
#include "engine/cpu_tuning.h"
#include "engine/layer.h"
#include "engine/shape.h"
#include "engine/thread_pool.h"

#ifdef CONVSCOPE_HAVE_OPENCV
#include <opencv2/core.hpp>
#include <opencv2/imgproc.hpp>
#endif
#ifdef CONVSCOPE_HAVE_DNNL
#include <omp.h>

#include <oneapi/dnnl/dnnl.hpp>
#endif

namespace {
using namespace convscope;

enum class Group { Image, Conv, Transposed, Live };

struct Workload {
  std::string name;
  Group group;
  Layer layer;
  int64_t h, w, c;
};

Workload image_filter(int64_t h, int64_t w, int k) {
  Layer l;
  l.filters = 3;
  l.groups = 3;
  l.kernel_h = l.kernel_w = k;
  l.padding.kind = PaddingKind::Same;
  l.use_bias = false;
  return {"image " + std::to_string(w) + "x" + std::to_string(h) + "x3 " + std::to_string(k) + "x" + std::to_string(k),
          Group::Image, l, h, w, 3};
}

Workload conv(const std::string& name, int64_t h, int64_t w, int64_t c, int filters, int k, int stride, int dilation,
              int groups = 1) {
  Layer l;
  l.filters = filters;
  l.kernel_h = l.kernel_w = k;
  l.stride_h = l.stride_w = stride;
  l.dilation_h = l.dilation_w = dilation;
  l.groups = groups;
  l.padding.kind = PaddingKind::Same;
  return {name, Group::Conv, l, h, w, c};
}

Workload transposed(const std::string& name, int64_t h, int64_t w, int64_t c, int filters, int k, int stride,
                    int output_padding) {
  Layer l;
  l.transpose = true;
  l.filters = filters;
  l.kernel_h = l.kernel_w = k;
  l.stride_h = l.stride_w = stride;
  l.padding.kind = PaddingKind::Same;
  l.output_padding_h = l.output_padding_w = output_padding;
  return {name, Group::Transposed, l, h, w, c};
}

Workload live(int k) {
  Layer l;
  l.filters = 8;
  l.kernel_h = l.kernel_w = k;
  l.padding.kind = PaddingKind::Same;
  return {"live 1024x1024x3 -> 8 " + std::to_string(k) + "x" + std::to_string(k), Group::Live, l, 1024, 1024, 3};
}

std::vector<Workload> workloads() {
  std::vector<Workload> v;
  for (auto [h, w] : {std::pair<int64_t, int64_t>{1080, 1920}, {2160, 3840}})
    for (int k : {3, 5, 7}) v.push_back(image_filter(h, w, k));
  v.push_back(conv("conv 224x224x3 -> 64 7x7 s2", 224, 224, 3, 64, 7, 2, 1));
  v.push_back(conv("conv 56x56x64 -> 64 3x3", 56, 56, 64, 64, 3, 1, 1));
  v.push_back(conv("conv 28x28x128 -> 128 3x3", 28, 28, 128, 128, 3, 1, 1));
  v.push_back(conv("conv 64x64x64 -> 64 3x3 d2", 64, 64, 64, 64, 3, 1, 2));
  v.push_back(conv("depthwise 112x112x32 3x3", 112, 112, 32, 32, 3, 1, 1, 32));
  v.push_back(transposed("transposed 32x32x64 -> 32 4x4 s2", 32, 32, 64, 32, 4, 2, -1));
  v.push_back(transposed("transposed 16x16x128 -> 64 3x3 s2 op1", 16, 16, 128, 64, 3, 2, 1));
  v.push_back(live(3));
  v.push_back(live(5));
  return v;
}

// Data of one workload, made once.
struct Data {
  ConvPlan plan;
  std::vector<float> x, k, b, y;
};

Data& make_data(const Workload& wl) {
  static std::map<std::string, Data> cache;  // made once per workload, shared by every implementation
  const auto it = cache.find(wl.name);
  if (it != cache.end()) return it->second;
  Data& d = cache[wl.name];
  d.plan = plan_conv(wl.layer, 1, wl.h, wl.w, wl.c);
  const auto ks = d.plan.kernel_shape();
  std::mt19937 rng(1);
  std::uniform_real_distribution<float> u(-1.0f, 1.0f);
  d.x.resize(static_cast<size_t>(wl.h * wl.w * wl.c));
  d.k.resize(static_cast<size_t>(ks[0] * ks[1] * ks[2] * ks[3]));
  d.b.resize(static_cast<size_t>(d.plan.out_c));
  for (float& v : d.x) v = u(rng);
  for (float& v : d.k) v = u(rng);
  for (float& v : d.b) v = u(rng);
  d.y.assign(static_cast<size_t>(d.plan.out_h * d.plan.out_w * d.plan.out_c), 0.0f);
  return d;
}

ThreadPool& pool_for(int threads) {
  static ThreadPool one(1), two(2);
  return threads == 1 ? one : two;
}

void run_convscope(benchmark::State& state, const Workload& wl, int threads) {
  Data& d = make_data(wl);
  ExecContext ctx;
  ctx.pool = &pool_for(threads);
  const float* bias = wl.layer.use_bias ? d.b.data() : nullptr;
  for (auto _ : state) {
    simd_conv(d.plan, wl.layer, d.x.data(), d.k.data(), bias, d.y.data(), ctx);
    benchmark::DoNotOptimize(d.y.data());
    benchmark::ClobberMemory();
  }
  state.counters["GFLOP/s"] = benchmark::Counter(2.0 * static_cast<double>(d.plan.macs()),
                                                 benchmark::Counter::kIsIterationInvariantRate);
}

// Copies the input into an output of the same size in 64 parts on the pool, copy(src, dst, n) per part.
template <class Copy>
void run_copy(benchmark::State& state, const Workload& wl, int threads, Copy copy) {
  Data& d = make_data(wl);
  ThreadPool& pool = pool_for(threads);
  const int64_t n = static_cast<int64_t>(d.x.size()), parts = 64;
  for (auto _ : state) {
    pool.parallel_for(parts, 0, [&](int64_t i) {
      const int64_t a = n * i / parts, b = n * (i + 1) / parts;
      copy(d.x.data() + a, d.y.data() + a, b - a);
    });
    benchmark::DoNotOptimize(d.y.data());
    benchmark::ClobberMemory();
  }
}

// Reads the input and writes an output of the same size once: the floor for a memory-bound filter.
void run_stream(benchmark::State& state, const Workload& wl, int threads) {
  run_copy(state, wl, threads, [](const float* src, float* dst, int64_t n) {
    std::memcpy(dst, src, static_cast<size_t>(n) * sizeof(float));
  });
}

// The same read and write with ordinary stores (a loop of loads and stores, no memcpy): each
// output line is read before it is written, as the kernels' stores do; memcpy's large copies
// (rep movsb) may write lines without reading them.
void run_stream_stores(benchmark::State& state, const Workload& wl, int threads) {
  run_copy(state, wl, threads, [](const float* src, float* dst, int64_t n) {
    // + 0.0f: not an identity for -0.0, so the compiler cannot turn the loop into memcpy.
    for (int64_t j = 0; j < n; ++j) dst[j] = src[j] + 0.0f;
  });
}

// Output rows per chunk of the rolling 3x3 kernel under the tuning in force.
int strip_chunk_rows() { return std::max(3, flat_tuning(cpu_tuning()).roll_chunk_rows / 3 * 3); }

// The same copy in the order the rolling kernel walks an RGB 3x3 image on AVX-512 (under the
// sapphire-rapids tuning; under zen5 3x3 takes the row walk since session 7) and every 4x4..7x7
// image: bands of rows, chunks of the tuning's roll_chunk_rows, strips of 96 floats (3x3's 2
// groups of 3 vectors) walking down each chunk, each row fetching its part of the strip two strips
// on. No arithmetic: what that access order costs.
void run_stream_strips(benchmark::State& state, const Workload& wl, int threads) {
  Data& d = make_data(wl);
  ThreadPool& pool = pool_for(threads);
  const int64_t row = wl.w * wl.c, bands = 16, strip = 96;
  const int64_t chunk = strip_chunk_rows();
  for (auto _ : state) {
    pool.parallel_for(bands, 0, [&](int64_t band) {
      const int64_t b0 = wl.h * band / bands, b1 = wl.h * (band + 1) / bands;
      for (int64_t r0 = b0; r0 < b1; r0 += chunk)
        for (int64_t c = 0; c < row; c += strip)
          for (int64_t r = r0; r < std::min(b1, r0 + chunk); ++r) {
            const float* in = d.x.data() + r * row;
            float* out = d.y.data() + r * row;
            if (c + 3 * strip <= row)
              for (int64_t t = 0; t < strip; t += 16) {
                __builtin_prefetch(in + c + 2 * strip + t);
                __builtin_prefetch(out + c + 2 * strip + t, 1);
              }
            std::memcpy(out + c, in + c, static_cast<size_t>(std::min(strip, row - c)) * sizeof(float));
          }
    });
    benchmark::DoNotOptimize(d.y.data());
    benchmark::ClobberMemory();
  }
}

#ifdef CONVSCOPE_HAVE_OPENCV
void run_opencv(benchmark::State& state, const Workload& wl, int threads) {
  Data& d = make_data(wl);
  cv::setNumThreads(threads);
  cv::Mat src(static_cast<int>(wl.h), static_cast<int>(wl.w), CV_32FC3, d.x.data());
  cv::Mat dst(static_cast<int>(wl.h), static_cast<int>(wl.w), CV_32FC3, d.y.data());
  cv::Mat kernel(wl.layer.kernel_h, wl.layer.kernel_w, CV_32F, d.k.data());  // one plane of the kernel
  for (auto _ : state) {
    cv::filter2D(src, dst, CV_32F, kernel, cv::Point(-1, -1), 0.0, cv::BORDER_CONSTANT);
    benchmark::DoNotOptimize(dst.data);
    benchmark::ClobberMemory();
  }
  state.counters["GFLOP/s"] = benchmark::Counter(2.0 * static_cast<double>(d.plan.macs()),
                                                 benchmark::Counter::kIsIterationInvariantRate);
}
#endif

#ifdef CONVSCOPE_HAVE_DNNL
// oneDNN with NHWC user memory; the primitive picks its own layouts and the reorders to and from
// them (input, weights, output) are part of every timed iteration.
void run_dnnl(benchmark::State& state, const Workload& wl, int threads) {
  using namespace dnnl;
  using tag = memory::format_tag;
  using dt = memory::data_type;
  omp_set_num_threads(threads);
  Data& d = make_data(wl);
  const ConvPlan& p = d.plan;
  engine eng(engine::kind::cpu, 0);
  stream strm(eng);
  const memory::dims src_dims = {1, p.in_c, p.in_h, p.in_w};
  const memory::dims dst_dims = {1, p.out_c, p.out_h, p.out_w};
  const memory::dims strides = {p.y.stride, p.x.stride};
  const memory::dims dilates = {p.y.dilation - 1, p.x.dilation - 1};
  const memory::dims pad_l = {p.y.pad_before, p.x.pad_before};
  const memory::dims pad_r = {p.y.pad_after, p.x.pad_after};
  const memory::dims bias_dims = {p.out_c};
  memory::desc user_w;
  memory::dims w_dims;
  if (p.groups > 1) {  // Keras depthwise (KH, KW, 1, C): g o i h w with strides h w i g o
    w_dims = {p.groups, p.cout_per_group, p.cin_per_group, p.y.kernel, p.x.kernel};
    user_w = memory::desc(w_dims, dt::f32, tag::hwigo);
  } else if (p.transpose) {  // Keras Conv2DTranspose (KH, KW, C_out, C_in): no named tag, strides
    w_dims = {p.out_c, p.in_c, p.y.kernel, p.x.kernel};
    user_w = memory::desc(w_dims, dt::f32,
                          memory::dims{p.in_c, 1, p.x.kernel * p.out_c * p.in_c, p.out_c * p.in_c});
  } else {  // Keras Conv2D (KH, KW, C_in, C_out)
    w_dims = {p.out_c, p.in_c, p.y.kernel, p.x.kernel};
    user_w = memory::desc(w_dims, dt::f32, tag::hwio);
  }
  const memory::desc user_src(src_dims, dt::f32, tag::nhwc), user_dst(dst_dims, dt::f32, tag::nhwc);
  const memory::desc user_b(bias_dims, dt::f32, tag::x);
  const memory::desc any_src(src_dims, dt::f32, tag::any), any_dst(dst_dims, dt::f32, tag::any);
  const memory::desc any_w(w_dims, dt::f32, tag::any);
  memory src_mem(user_src, eng, d.x.data()), dst_mem(user_dst, eng, d.y.data());
  memory w_mem(user_w, eng, d.k.data()), b_mem(user_b, eng, d.b.data());

  primitive prim;
  memory::desc src_md, w_md, dst_md;
  if (p.transpose) {
    const deconvolution_forward::desc desc(prop_kind::forward_inference, algorithm::deconvolution_direct, any_src,
                                           any_w, user_b, any_dst, strides, dilates, pad_l, pad_r);
    const deconvolution_forward::primitive_desc pd(desc, eng);
    prim = deconvolution_forward(pd);
    src_md = pd.src_desc();
    w_md = pd.weights_desc();
    dst_md = pd.dst_desc();
  } else {
    const convolution_forward::desc desc(prop_kind::forward_inference, algorithm::convolution_direct, any_src,
                                         any_w, user_b, any_dst, strides, dilates, pad_l, pad_r);
    const convolution_forward::primitive_desc pd(desc, eng);
    prim = convolution_forward(pd);
    src_md = pd.src_desc();
    w_md = pd.weights_desc();
    dst_md = pd.dst_desc();
  }
  memory src_p = src_md == user_src ? src_mem : memory(src_md, eng);
  memory w_p = w_md == user_w ? w_mem : memory(w_md, eng);
  memory dst_p = dst_md == user_dst ? dst_mem : memory(dst_md, eng);
  const reorder src_r = src_md == user_src ? reorder() : reorder(src_mem, src_p);
  const reorder w_r = w_md == user_w ? reorder() : reorder(w_mem, w_p);
  const reorder dst_r = dst_md == user_dst ? reorder() : reorder(dst_p, dst_mem);
  for (auto _ : state) {
    if (src_md != user_src) src_r.execute(strm, src_mem, src_p);
    if (w_md != user_w) w_r.execute(strm, w_mem, w_p);
    prim.execute(strm, {{DNNL_ARG_SRC, src_p}, {DNNL_ARG_WEIGHTS, w_p}, {DNNL_ARG_BIAS, b_mem}, {DNNL_ARG_DST, dst_p}});
    if (dst_md != user_dst) dst_r.execute(strm, dst_p, dst_mem);
    strm.wait();
    benchmark::ClobberMemory();
  }
  state.counters["GFLOP/s"] = benchmark::Counter(2.0 * static_cast<double>(p.macs()),
                                                 benchmark::Counter::kIsIterationInvariantRate);
}
#endif

// Medians by benchmark name, gathered while the console reporter prints as usual.
class MedianReporter : public benchmark::ConsoleReporter {
 public:
  void ReportRuns(const std::vector<Run>& runs) override {
    for (const Run& r : runs)
      if (r.run_type == Run::RT_Aggregate && r.aggregate_name == "median")
        medians[r.run_name.function_name] = r.GetAdjustedRealTime() / benchmark::GetTimeUnitMultiplier(r.time_unit);
      else if (r.run_type == Run::RT_Aggregate && r.aggregate_name == "min")
        minimums[r.run_name.function_name] = r.GetAdjustedRealTime() / benchmark::GetTimeUnitMultiplier(r.time_unit);
    ConsoleReporter::ReportRuns(runs);
  }
  std::map<std::string, double> medians, minimums;  // seconds
};

std::string key(const std::string& impl, const Workload& wl, int threads) {
  return impl + "/" + wl.name + "/threads:" + std::to_string(threads);
}

void register_all(const std::vector<Workload>& wls) {
  for (const Workload& wl : wls)
    for (int t : {1, 2}) {
      auto reg = [&](const std::string& impl, void (*fn)(benchmark::State&, const Workload&, int)) {
        benchmark::RegisterBenchmark(key(impl, wl, t).c_str(), fn, wl, t)
            ->UseRealTime()
            ->Unit(benchmark::kMillisecond)
            ->MinTime(0.1)
            ->Repetitions(5)
            ->ComputeStatistics("min", [](const std::vector<double>& v) { return *std::min_element(v.begin(), v.end()); })
            ->ReportAggregatesOnly(true);
      };
      reg("convscope", run_convscope);
      if (wl.group == Group::Image) {
        if (wl.layer.kernel_h == 3) {
          reg("stream", run_stream);
          reg("stream-stores", run_stream_stores);
          reg("stream-strips", run_stream_strips);
        }
#ifdef CONVSCOPE_HAVE_OPENCV
        reg("opencv", run_opencv);
#endif
      }
#ifdef CONVSCOPE_HAVE_DNNL
      if (wl.group == Group::Conv || wl.group == Group::Transposed) reg("onednn", run_dnnl);
#endif
    }
}

void print_summary(const std::vector<Workload>& wls, const std::map<std::string, double>& med) {
  std::printf("\nConvScope target: %s, tuning: %s (CONVSCOPE_TUNING). Medians of 5 repetitions (interleaved at random with the other "
              "benchmarks' unless --benchmark_enable_random_interleaving=false). ratio = baseline time / "
              "ConvScope time (> 1: ConvScope is faster).\n\n",
              simd_target_name(), to_string(cpu_tuning()));
  std::printf("| workload | thr | ConvScope ms | GFLOP/s | baseline | baseline ms | baseline GFLOP/s | ratio |\n");
  std::printf("|---|---|---|---|---|---|---|---|\n");
  for (const Workload& wl : wls)
    for (int t : {1, 2}) {
      const auto it = med.find(key("convscope", wl, t));
      if (it == med.end()) continue;
      const double flop = 2.0 * static_cast<double>(plan_conv(wl.layer, 1, wl.h, wl.w, wl.c).macs());
      const double ms = it->second * 1e3;
      std::string base = "-";
      double bms = 0;
      for (const char* b : {"opencv", "onednn"}) {
        const auto bi = med.find(key(b, wl, t));
        if (bi != med.end()) {
          base = b;
          bms = bi->second * 1e3;
        }
      }
      if (bms > 0)
        std::printf("| %s | %d | %.3f | %.1f | %s | %.3f | %.1f | %.2f |\n", wl.name.c_str(), t, ms,
                    flop / it->second * 1e-9, base.c_str(), bms, flop / (bms * 1e-3) * 1e-9, bms / ms);
      else
        std::printf("| %s | %d | %.3f | %.1f | - | - | - | - |\n", wl.name.c_str(), t, ms, flop / it->second * 1e-9);
      const auto si = med.find(key("stream", wl, t)), ss = med.find(key("stream-strips", wl, t));
      const auto so = med.find(key("stream-stores", wl, t));
      if (si != med.end())
        std::printf("| (read input + write output once: %.3f ms; ConvScope / stream = %.2f) | | | | | | | |\n",
                    si->second * 1e3, ms / (si->second * 1e3));
      if (so != med.end())
        std::printf("| (the same with ordinary stores, which read each output line first: %.3f ms; ConvScope / that = "
                    "%.2f) | | | | | | | |\n",
                    so->second * 1e3, ms / (so->second * 1e3));
      if (si != med.end() && ss != med.end())
        std::printf("| (the same copy in the rolling kernel's strip order, chunks of %d rows: %.3f ms = "
                    "%.2f x stream) | | | | | | | |\n",
                    strip_chunk_rows(), ss->second * 1e3, ss->second / si->second);
    }
  if (wls.size() > 1) {
    std::printf("\nTwo threads vs one (ConvScope): ");
    for (const Workload& wl : wls) {
      const auto a = med.find(key("convscope", wl, 1)), b = med.find(key("convscope", wl, 2));
      if (a != med.end() && b != med.end()) std::printf("%s %.2fx; ", wl.name.c_str(), a->second / b->second);
    }
    std::printf("\n");
  }
}

// Restricts the dispatcher to the target named by CONVSCOPE_TARGET, if set. False: no such target here.
bool restrict_target() {
  const char* want = std::getenv("CONVSCOPE_TARGET");
  if (want == nullptr || *want == 0) return true;
  for (const int64_t target : hwy::SupportedAndGeneratedTargets())
    if (std::strcmp(hwy::TargetName(target), want) == 0) {
      hwy::SetSupportedTargetsForTest(target);
      return true;
    }
  std::fprintf(stderr, "convscope-bench: CONVSCOPE_TARGET=%s is not a target this build and processor run\n", want);
  return false;
}

}  // namespace

int main(int argc, char** argv) {
  // Every benchmark's repetitions run interleaved at random with the others' (unless the command
  // line says otherwise): ConvScope's and its baseline's then spread over the same minutes, and
  // the machine's drift (30-50% between minutes on the shared machines) moves both medians alike.
  std::vector<char*> args(argv, argv + argc);
  static char interleave[] = "--benchmark_enable_random_interleaving=true";
  const bool said = std::any_of(args.begin() + 1, args.end(), [](const char* a) {
    return std::strncmp(a, "--benchmark_enable_random_interleaving", 38) == 0;
  });
  if (!said) args.insert(args.begin() + 1, interleave);
  int count = static_cast<int>(args.size());
  args.push_back(nullptr);  // argv[argc], as main's
  benchmark::Initialize(&count, args.data());
  if (!restrict_target()) return 2;
  const std::vector<Workload> wls = workloads();
  register_all(wls);
  MedianReporter reporter;
  benchmark::RunSpecifiedBenchmarks(&reporter);
  print_summary(wls, reporter.medians);
  benchmark::Shutdown();
  return 0;
}
