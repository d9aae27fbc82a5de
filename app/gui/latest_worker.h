// One background thread that runs the newest of a stream of jobs (GL-free). The UI thread submits
// and polls, never waits: a job submitted while another runs replaces any job not yet started
// and cancels the running one (the run function checks the flag and throws Cancelled), and the UI
// picks up the newest finished result or error. Used for the feature maps (ComputeWorker) and for
// decoding images (ImageLoader).
#pragma once
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "engine/error.h"

namespace convscope {

template <typename Job, typename Result>
class LatestWorker {
 public:
  using Clock = std::chrono::steady_clock;
  // Runs a job on the worker thread; throws Cancelled when `cancel` is set, or any exception
  // (its message becomes the error).
  using RunFn = std::function<std::shared_ptr<Result>(const Job&, const std::atomic<bool>* cancel)>;

  explicit LatestWorker(RunFn run) : run_(std::move(run)), thread_([this] { loop(); }) {}
  ~LatestWorker() {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      stopping_ = true;
      cancel_ = true;
    }
    wake_.notify_all();
    thread_.join();
  }
  LatestWorker(const LatestWorker&) = delete;
  LatestWorker& operator=(const LatestWorker&) = delete;

  // Replaces any job not yet started and cancels the running one (latest wins).
  void submit(Job job) {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      pending_ = std::make_unique<Job>(std::move(job));
      if (running_) cancel_ = true;  // the running job is stale now
    }
    wake_.notify_all();
  }
  // The newest finished result since the last call, or null.
  std::shared_ptr<const Result> take_result() {
    std::lock_guard<std::mutex> lock(mutex_);
    return std::move(result_);
  }
  // The error of the newest failed job since the last call ("" when none).
  std::string take_error() {
    std::lock_guard<std::mutex> lock(mutex_);
    return std::move(error_);
  }
  bool busy() const {  // a job is pending or running
    std::lock_guard<std::mutex> lock(mutex_);
    return running_ || pending_;
  }
  double busy_seconds() const {  // how long the current job has run
    std::lock_guard<std::mutex> lock(mutex_);
    return running_ ? std::chrono::duration<double>(Clock::now() - started_).count() : 0.0;
  }
  void wait_idle() {  // blocks until no job is pending or running (tests, screenshots)
    std::unique_lock<std::mutex> lock(mutex_);
    idle_.wait(lock, [this] { return !running_ && !pending_; });
  }
  uint64_t jobs_finished() const { return finished_.load(); }
  uint64_t jobs_cancelled() const { return cancelled_.load(); }
  // Called on the worker thread after each finished or failed job (the app wakes its event loop
  // with it: glfwPostEmptyEvent). Set before the first submit.
  void set_on_done(std::function<void()> f) { on_done_ = std::move(f); }

 private:
  void loop() {
    std::unique_lock<std::mutex> lock(mutex_);
    for (;;) {
      wake_.wait(lock, [this] { return stopping_ || pending_; });
      if (stopping_) return;
      std::unique_ptr<Job> job = std::move(pending_);
      running_ = true;
      cancel_ = false;
      started_ = Clock::now();
      lock.unlock();
      std::shared_ptr<Result> result;
      std::string error;
      bool cancelled = false;
      try {
        result = run_(*job, &cancel_);
      } catch (const Cancelled&) {
        cancelled = true;
      } catch (const std::exception& e) {
        error = e.what();
      }
      job.reset();  // free the job's copies outside the lock
      lock.lock();
      running_ = false;
      if (cancelled || (pending_ && !error.empty())) {
        ++cancelled_;
      } else if (result) {
        result_ = std::move(result);
        error_.clear();
        ++finished_;
      } else {
        error_ = error;
      }
      if (!pending_) idle_.notify_all();
      if (on_done_ && !cancelled) {
        lock.unlock();
        on_done_();
        lock.lock();
      }
    }
  }

  RunFn run_;
  mutable std::mutex mutex_;
  std::condition_variable wake_, idle_;
  std::unique_ptr<Job> pending_;
  bool running_ = false, stopping_ = false;
  Clock::time_point started_;
  std::atomic<bool> cancel_{false};
  std::shared_ptr<const Result> result_;
  std::string error_;
  std::atomic<uint64_t> finished_{0}, cancelled_{0};
  std::function<void()> on_done_;
  std::thread thread_;  // last: starts after every member above exists
};

}  // namespace convscope
