#include "engine/thread_pool.h"

#include <chrono>

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#endif

namespace convscope {
namespace {

// How long an idle thread polls before it blocks. Long enough to bridge the gap between the
// parallel_for calls of one computation, short enough to cost nothing noticeable when idle.
constexpr auto kSpin = std::chrono::microseconds(200);

inline void cpu_relax() {
#if defined(__x86_64__) || defined(__i386__)
  _mm_pause();
#endif
}

// Polls `ready` until it returns true or kSpin passes. Every 64 polls it yields the core: when
// the machine is busy (other processes on the cores), the thread this one waits for may need it.
template <class Ready>
bool spin_until(Ready&& ready) {
  const auto start = std::chrono::steady_clock::now();
  for (int i = 1;; ++i) {
    if (ready()) return true;
    cpu_relax();
    if (i % 64 == 0) {
      if (std::chrono::steady_clock::now() - start > kSpin) return ready();
      std::this_thread::yield();
    }
  }
}

constexpr uint64_t kActiveBits = 16;

}  // namespace

ThreadPool::ThreadPool(int threads) {
  if (threads <= 0) threads = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  cursors_ = std::vector<Cursor>(static_cast<size_t>(threads));
  for (int i = 0; i < threads - 1; ++i) workers_.emplace_back([this, i] { worker_loop(i); });
}

ThreadPool::~ThreadPool() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stopping_ = true;
    stop_.store(true);
  }
  wake_.notify_all();
  for (auto& t : workers_) t.join();
}

ThreadPool& ThreadPool::shared() {
  static ThreadPool pool(0);
  return pool;
}

void ThreadPool::run_chunks(int participant) {
  // Own range first, then the others' leftovers. fetch_add hands every index out once; an index
  // at or past the range's end means that range is exhausted.
  for (int k = 0; k < participants_; ++k) {
    const int q = (participant + k) % participants_;
    const int64_t end = range_end(q);
    for (;;) {
      const int64_t i = cursors_[static_cast<size_t>(q)].next.fetch_add(1);
      if (i >= end) break;
      if (cancel_ && cancel_->load(std::memory_order_relaxed)) continue;
      try {
        (*fn_)(i);
      } catch (...) {
        std::lock_guard<std::mutex> lock(error_mutex_);
        if (!error_) error_ = std::current_exception();
        for (Cursor& c : cursors_) c.next.store(chunks_);  // stop handing out work
      }
    }
  }
}

void ThreadPool::worker_loop(int index) {
  uint64_t seen = 0;  // generation of the last job this worker looked at
  for (;;) {
    uint64_t state = state_.load(std::memory_order_acquire);
    auto fresh = [&] {
      state = state_.load(std::memory_order_acquire);
      return (state >> kActiveBits) != seen || stop_.load(std::memory_order_relaxed);
    };
    if (!spin_until(fresh)) {
      std::unique_lock<std::mutex> lock(mutex_);
      ++sleepers_;
      wake_.wait(lock, [&] { return stopping_ || fresh(); });
      --sleepers_;
    }
    if (stop_.load()) return;
    seen = state >> kActiveBits;
    const int active = static_cast<int>(state & ((uint64_t{1} << kActiveBits) - 1));
    if (index >= active) continue;  // not part of this job
    run_chunks(index + 1);
    if (running_.fetch_sub(1, std::memory_order_acq_rel) == 1) {
      std::lock_guard<std::mutex> lock(mutex_);
      if (caller_sleeping_) done_.notify_all();
    }
  }
}

void ThreadPool::parallel_for(int64_t chunks, int max_threads, const std::function<void(int64_t)>& fn,
                              const std::atomic<bool>* cancel) {
  if (chunks <= 0) return;
  std::lock_guard<std::mutex> call(call_mutex_);
  int threads = threads_for(max_threads);
  threads = static_cast<int>(std::min<int64_t>(threads, chunks));
  fn_ = &fn;
  cancel_ = cancel;
  chunks_ = chunks;
  participants_ = threads;
  for (int q = 0; q < threads; ++q) cursors_[static_cast<size_t>(q)].next.store(q * chunks / threads);
  error_ = nullptr;
  running_.store(threads - 1);
  bool wake = false;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    const uint64_t generation = (state_.load() >> kActiveBits) + 1;
    state_.store(generation << kActiveBits | static_cast<uint64_t>(threads - 1), std::memory_order_release);
    wake = threads > 1 && sleepers_ > 0;
  }
  if (wake) wake_.notify_all();
  run_chunks(0);
  if (!spin_until([&] { return running_.load(std::memory_order_acquire) == 0; })) {
    std::unique_lock<std::mutex> lock(mutex_);
    caller_sleeping_ = true;
    done_.wait(lock, [&] { return running_.load(std::memory_order_acquire) == 0; });
    caller_sleeping_ = false;
  }
  fn_ = nullptr;
  std::exception_ptr error;
  {
    std::lock_guard<std::mutex> lock(error_mutex_);
    error = error_;
  }
  if (error) std::rethrow_exception(error);
}

}  // namespace convscope
