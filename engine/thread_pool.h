// One pool of worker threads shared by the app and the command line. parallel_for hands out
// chunk indices dynamically; callers must make each chunk's result independent of which thread
// runs it, so results never depend on the thread count.
#pragma once
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
  void run_chunks();

  std::vector<std::thread> workers_;
  std::mutex call_mutex_;  // serialises parallel_for callers
  std::mutex mutex_;
  std::condition_variable wake_, done_;
  uint64_t generation_ = 0;
  bool stopping_ = false;
  // The current job.
  const std::function<void(int64_t)>* fn_ = nullptr;
  const std::atomic<bool>* cancel_ = nullptr;
  int64_t chunks_ = 0;
  int active_workers_ = 0;  // workers taking part in this job
  int running_ = 0;         // workers still busy with it
  std::atomic<int64_t> next_{0};
  std::exception_ptr error_;
};

}  // namespace convscope
