#include "app/gui/compute.h"

#include <algorithm>
#include <cmath>

#include "engine/activation.h"
#include "engine/conv.h"
#include "engine/conv_simd.h"
#include "engine/cpu_tuning.h"
#include "engine/error.h"
#include "engine/thread_pool.h"

namespace convscope {

namespace {

double ms_since(Clock::time_point t0) {
  return std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
}

// Sum of each output channel's weights. Conv2D kernel (KH, KW, Cin/g, Cout): per last index;
// Conv2DTranspose kernel (KH, KW, Cout/g, Cin): per output channel of each group.
std::vector<float> kernel_sums(const Layer& layer, const Tensor& k) {
  std::vector<float> sums(size_t(std::max(layer.filters, 0)), 0.0f);
  if (k.rank() != 4 || layer.filters <= 0) return sums;
  const int64_t d2 = k.dim(2), d3 = k.dim(3);
  for (int64_t i = 0; i < k.size(); ++i) {
    const int64_t c3 = i % d3, c2 = (i / d3) % d2;
    int64_t out = c3;
    if (layer.transpose) {
      const int64_t groups = std::max(layer.groups, 1), cin_per_group = std::max<int64_t>(d3 / groups, 1);
      out = (c3 / cin_per_group) * d2 + c2;
    }
    if (out >= 0 && out < int64_t(sums.size())) sums[size_t(out)] += k.data[size_t(i)];
  }
  return sums;
}

Tensor extract_channel(const Tensor& hwc, int64_t c) {
  Tensor out({hwc.dim(0), hwc.dim(1), 1}, "map");
  const int64_t C = hwc.dim(2);
  for (int64_t i = 0; i < out.size(); ++i) out.data[size_t(i)] = hwc.data[size_t(i * C + c)];
  return out;
}

}  // namespace

Tensor input_for_display(const Tensor& hwc) {
  if (hwc.data.empty()) return hwc;
  auto mm = std::minmax_element(hwc.data.begin(), hwc.data.end());
  if (*mm.first >= 0.0f && *mm.second <= 1.0f) return hwc;
  return normalize_image(hwc, Normalize::MinMax);
}

std::shared_ptr<ComputeResult> run_compute_job(const ComputeJob& job, const std::atomic<bool>* cancel) {
  auto r = std::make_shared<ComputeResult>();
  r->job_id = job.id;
  r->compute_version = job.compute_version;
  r->view = job.view;
  r->submitted = job.submitted;
  if (!job.need_conv && job.base) {
    const ComputeResult& b = *job.base;
    r->layer = b.layer;
    r->plan = b.plan;
    r->input = b.input;
    r->pre = b.pre;
    r->post = b.post;
    r->stats_pre = b.stats_pre;
    r->stats_post = b.stats_post;
    r->kernel_sums = b.kernel_sums;
    r->input_picture = b.input_picture;
    r->engine_ms = b.engine_ms;
    r->threads = b.threads;
    r->simd = b.simd;
    r->tuning = b.tuning;
    r->output_abs_sum = b.output_abs_sum;
    r->output_square_sum = b.output_square_sum;
  } else {
    if (!job.input) throw UserError("no input image");
    r->layer = job.layer;
    r->input = job.input;
    const bool first = job.layer.data_format == DataFormat::ChannelsFirst;
    const Tensor x = first ? to_channels_first(*job.input) : *job.input;
    Layer linear = job.layer;
    linear.activation = Activation::Linear;  // the activation is applied below, to keep both stages
    r->plan = plan_for_input(linear, x.shape);
    Tensor bias({int64_t(job.bias.size())}, "bias");
    bias.data = job.bias;
    RunOptions opt;
    opt.exec.cancel = cancel;
    opt.exec.threads = job.threads;
    ThreadPool& pool = ThreadPool::shared();
    r->threads = job.threads > 0 ? std::min(job.threads, pool.size()) : pool.size();
    r->simd = simd_target_name();
    r->tuning = to_string(cpu_tuning());
    const auto t0 = Clock::now();
    Tensor y = run_layer(linear, x, job.kernel, job.layer.use_bias ? &bias : nullptr, opt);
    if (first) y = to_channels_last(y);
    std::shared_ptr<const Tensor> pre = std::make_shared<const Tensor>(std::move(y)), post = pre;
    if (job.layer.activation != Activation::Linear) {  // linear: both stages are the same tensor
      Tensor a = *pre;
      apply_activation(job.layer.activation, a.data.data(), a.size());
      post = std::make_shared<const Tensor>(std::move(a));
    }
    r->engine_ms = ms_since(t0);
    if (cancel && cancel->load()) throw Cancelled();
    r->stats_pre = all_channel_stats(*pre);
    r->stats_post = post == pre ? r->stats_pre : all_channel_stats(*post);
    r->kernel_sums = kernel_sums(job.layer, job.kernel);
    for (float v : post->data) {
      r->output_abs_sum += std::fabs(double(v));
      r->output_square_sum += double(v) * double(v);
    }
    r->pre = std::move(pre);
    r->post = std::move(post);
    if (job.base && job.base->input == job.input) r->input_picture = job.base->input_picture;  // same input
    else r->input_picture = image_to_rgba(input_for_display(*job.input));
  }

  // The pictures, for the stage and colour map the view asks for.
  const auto t1 = Clock::now();
  const Tensor& shown = r->shown();
  const auto& stats = r->shown_stats();
  const int64_t C = shown.dim(2);
  r->view.selected = std::clamp<int64_t>(r->view.selected, 0, std::max<int64_t>(C - 1, 0));
  ChannelStats all = stats.empty() ? ChannelStats{} : stats[0];
  for (const auto& s : stats) {
    all.min = std::min(all.min, s.min);
    all.max = std::max(all.max, s.max);
  }
  r->ranges.resize(size_t(C));
  r->maps.resize(size_t(C));
  for (int64_t c = 0; c < C; ++c) {
    r->ranges[size_t(c)] = choose_range(job.view.color_map, r->view.shared_range ? all : stats[size_t(c)]);
    r->maps[size_t(c)].width = int(shown.dim(1));
    r->maps[size_t(c)].height = int(shown.dim(0));
    r->maps[size_t(c)].pixels.resize(size_t(shown.dim(0) * shown.dim(1)));
  }
  // Blocks of rows on the engine's pool (idle now): one pass over the output for all maps, each
  // block writing only its own pixels.
  const int64_t rows = shown.dim(0), block = 32;
  ThreadPool::shared().parallel_for((rows + block - 1) / block, job.threads, [&](int64_t b) {
    colorize_rows(shown, r->ranges, r->maps, b * block, std::min(rows, (b + 1) * block));
  }, cancel);
  if (cancel && cancel->load()) throw Cancelled();
  r->thumbs.resize(size_t(C));
  ThreadPool::shared().parallel_for(C, job.threads, [&](int64_t c) {
    r->thumbs[size_t(c)] = shrink_image(r->maps[size_t(c)], kThumbSide);
  }, cancel);
  if (cancel && cancel->load()) throw Cancelled();
  const int64_t in_c = r->input->dim(2);
  r->per_channel_filter = !r->layer.transpose && r->layer.groups == in_c && r->layer.filters == in_c;
  r->normalize_used = resolve_normalize(job.view.normalize, r->kernel_sums);
  const bool rgb = r->per_channel_filter && C == 3;
  const Tensor source = rgb ? shown : extract_channel(shown, r->view.selected);
  r->filtered = image_to_rgba(normalize_image(source, r->normalize_used));
  r->hist = value_histogram(shown, 64, rgb ? -1 : r->view.selected);
  r->colour_ms = ms_since(t1);
  r->finished = Clock::now();
  return r;
}

}  // namespace convscope
