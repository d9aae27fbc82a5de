// The background computation of the feature maps (GL-free). The UI thread never runs the engine:
// it submits a ComputeJob, the worker thread runs it, a newer job cancels a stale one, and the UI
// picks up the finished ComputeResult (a shared_ptr swap: results change atomically).
#pragma once
#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "app/gui/colormap.h"
#include "app/gui/latest_worker.h"
#include "app/gui/weights.h"
#include "engine/layer.h"
#include "engine/shape.h"
#include "engine/tensor.h"

namespace convscope {

using Clock = std::chrono::steady_clock;

// The view choices that shape the pictures the worker produces.
struct MapView {
  ColorMap color_map = ColorMap::Auto;
  bool shared_range = false;   // one range for all maps instead of one per map
  bool before_activation = false;
  Normalize normalize = Normalize::Auto;  // compare view / saved filtered image
  int64_t selected = 0;                   // output channel shown enlarged and in the histogram
  bool operator==(const MapView& o) const {
    return color_map == o.color_map && shared_range == o.shared_range && before_activation == o.before_activation &&
           normalize == o.normalize && selected == o.selected;
  }
};

struct ComputeResult;
constexpr int kThumbSide = 256;

struct ComputeJob {
  uint64_t id = 0;
  uint64_t compute_version = 0;  // AppState::compute_version the layer/input/weights came from
  // false: only the pictures change (colour map, range, ...): reuse `base`'s outputs.
  bool need_conv = true;
  std::shared_ptr<const ComputeResult> base;
  Layer layer;
  std::shared_ptr<const Tensor> input;  // (H, W, C), always channels-last
  Tensor kernel;                        // Keras layout, constraints applied
  std::vector<float> bias;              // constraints applied
  MapView view;
  int threads = 0;                      // 0: all of the pool's threads
  Clock::time_point submitted = Clock::now();
};

struct ComputeResult {
  uint64_t job_id = 0;
  uint64_t compute_version = 0;
  Layer layer;
  ConvPlan plan;
  std::shared_ptr<const Tensor> input;
  // The layer's output as (H, W, C) channels-last for display, before and after the activation.
  std::shared_ptr<const Tensor> pre, post;
  std::vector<ChannelStats> stats_pre, stats_post;
  std::vector<float> kernel_sums;  // sum of each output channel's weights (for Normalize::Auto)
  MapView view;
  std::vector<Image8> maps;        // one per output channel, for the stage the view shows
  std::vector<Image8> thumbs;      // the same, at most kThumbSide pixels on the longer side
  std::vector<MapRange> ranges;
  bool per_channel_filter = false;  // filters == groups == input channels (an image filter)
  Image8 filtered;                  // the output normalised as an image (RGB when per-channel on 3 channels)
  Normalize normalize_used = Normalize::Clip;
  Image8 input_picture;             // the input as shown beside the output (same normalisation)
  ValueHistogram hist;              // output values before normalisation (the stage shown)
  // sum(|y|) and sum(y^2) of the output after the activation: any l1/l2 activity penalty is
  // l1 * abs_sum + l2 * square_sum, so changing the regularizer needs no recompute.
  double output_abs_sum = 0, output_square_sum = 0;
  double engine_ms = 0, colour_ms = 0;
  int threads = 1;
  std::string simd;
  std::string tuning;  // the engine's CPU tuning profile (engine/cpu_tuning.h)
  Clock::time_point submitted, finished;

  const Tensor& shown() const { return view.before_activation ? *pre : *post; }
  const std::vector<ChannelStats>& shown_stats() const { return view.before_activation ? stats_pre : stats_post; }
};

// Runs a job on the calling thread. Throws UserError (bad settings) or Cancelled.
std::shared_ptr<ComputeResult> run_compute_job(const ComputeJob& job, const std::atomic<bool>* cancel);

// How the input is shown beside a filtered output: images (0..1) as they are, other data
// (integer grids) stretched min..max.
Tensor input_for_display(const Tensor& hwc);

// The feature maps' worker: run_compute_job on a background thread, the newest job wins.
class ComputeWorker : public LatestWorker<ComputeJob, ComputeResult> {
 public:
  ComputeWorker() : LatestWorker(run_compute_job) {}
};

}  // namespace convscope
