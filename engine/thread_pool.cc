#include "engine/thread_pool.h"

namespace convscope {

ThreadPool::ThreadPool(int threads) {
  if (threads <= 0) threads = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  for (int i = 0; i < threads - 1; ++i) workers_.emplace_back([this, i] { worker_loop(i); });
}

ThreadPool::~ThreadPool() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  for (auto& t : workers_) t.join();
}

ThreadPool& ThreadPool::shared() {
  static ThreadPool pool(0);
  return pool;
}

void ThreadPool::run_chunks() {
  for (;;) {
    const int64_t i = next_.fetch_add(1);
    if (i >= chunks_) return;
    if (cancel_ && cancel_->load(std::memory_order_relaxed)) continue;
    try {
      (*fn_)(i);
    } catch (...) {
      std::lock_guard<std::mutex> lock(mutex_);
      if (!error_) error_ = std::current_exception();
      next_.store(chunks_);  // stop handing out work
    }
  }
}

void ThreadPool::worker_loop(int index) {
  uint64_t seen = 0;
  for (;;) {
    {
      std::unique_lock<std::mutex> lock(mutex_);
      wake_.wait(lock, [&] { return stopping_ || generation_ != seen; });
      if (stopping_) return;
      seen = generation_;
      if (index >= active_workers_) continue;
    }
    run_chunks();
    {
      std::lock_guard<std::mutex> lock(mutex_);
      if (--running_ == 0) done_.notify_all();
    }
  }
}

void ThreadPool::parallel_for(int64_t chunks, int max_threads, const std::function<void(int64_t)>& fn,
                              const std::atomic<bool>* cancel) {
  if (chunks <= 0) return;
  std::lock_guard<std::mutex> call(call_mutex_);
  int threads = max_threads <= 0 ? size() : std::min(max_threads, size());
  threads = static_cast<int>(std::min<int64_t>(threads, chunks));
  {
    std::lock_guard<std::mutex> lock(mutex_);
    fn_ = &fn;
    cancel_ = cancel;
    chunks_ = chunks;
    next_.store(0);
    error_ = nullptr;
    active_workers_ = threads - 1;
    running_ = threads - 1;
    ++generation_;
  }
  if (threads > 1) wake_.notify_all();
  run_chunks();
  std::exception_ptr error;
  {
    std::unique_lock<std::mutex> lock(mutex_);
    done_.wait(lock, [&] { return running_ == 0; });
    fn_ = nullptr;
    error = error_;
  }
  if (error) std::rethrow_exception(error);
}

}  // namespace convscope
