// One pool of worker threads shared by the app and the command line. parallel_for gives each
// thread an equal contiguous range of chunks first (so that repeated calls on the same data, a
// benchmark or a slider moving, find their part of it in that core's cache), then lets threads
// that finish early take what is left of the others' ranges. Callers must make each chunk's
// result independent of which thread runs it, so results never depend on the thread count.
#pragma once
#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace convscope {

class ThreadPool {
 public:
  explicit ThreadPool(int threads);  // threads <= 0: one per hardware thread
  ~ThreadPool();
  ThreadPool(const ThreadPool&) = delete;
  ThreadPool& operator=(const ThreadPool&) = delete;

  int size() const { return static_cast<int>(workers_.size()) + 1; }  // workers + the caller
  // Threads a parallel_for with this max_threads may use (before limiting them to the chunks).
  int threads_for(int max_threads) const { return max_threads <= 0 ? size() : std::min(max_threads, size()); }

  // Runs fn(chunk) for chunk in [0, chunks) on up to max_threads threads (0 = all), the calling
  // thread included, and returns when all are done. One parallel_for runs at a time; concurrent
  // callers wait their turn. If `cancel` becomes true, chunks not yet started are skipped.
  // An exception thrown by fn is rethrown here (the first one).
  void parallel_for(int64_t chunks, int max_threads, const std::function<void(int64_t)>& fn,
                    const std::atomic<bool>* cancel = nullptr);

  // The process-wide pool (sized by hardware threads, created on first use).
  static ThreadPool& shared();

 private:
  void worker_loop(int index);
  void run_chunks(int participant);

  std::vector<std::thread> workers_;
  std::mutex call_mutex_;  // serialises parallel_for callers
  // Waking a sleeping thread costs 10-30 us (more in a VM): workers spin on `state_` for a short
  // while after each job before sleeping on `wake_`, and the caller spins on `running_` before
  // sleeping on `done_`. Back-to-back calls (a layer packs weights, then convolves; the GUI
  // updates several maps) then start in well under a microsecond.
  std::mutex mutex_;
  std::condition_variable wake_, done_;
  bool stopping_ = false;   // under mutex_ (and read by spinning workers through stop_)
  std::atomic<bool> stop_{false};
  int sleepers_ = 0;        // workers blocked on wake_ (under mutex_)
  bool caller_sleeping_ = false;  // the caller is blocked on done_ (under mutex_)
  // generation << 16 | workers taking part: one atomic, so a worker reads both consistently.
  std::atomic<uint64_t> state_{0};
  // The current job (written before state_ is published, stable until running_ drops to 0).
  const std::function<void(int64_t)>* fn_ = nullptr;
  const std::atomic<bool>* cancel_ = nullptr;
  int64_t chunks_ = 0;
  std::atomic<int> running_{0};  // workers still busy with the job
  int participants_ = 0;  // the caller (0) and the workers 1 .. participants_ - 1
  // Next unclaimed chunk of each participant's range [p * chunks / n, (p + 1) * chunks / n): one
  // cache line each, so that the owners' claims do not contend.
  struct alignas(64) Cursor {
    std::atomic<int64_t> next{0};
  };
  std::vector<Cursor> cursors_;
  int64_t range_end(int participant) const { return (participant + 1) * chunks_ / participants_; }
  std::mutex error_mutex_;
  std::exception_ptr error_;
};

}  // namespace convscope
