// ordered_map: runs work(i) for every i in [0, n) on a pool of threads and hands each result to
// emit(i, result) on the calling thread, in index order, as soon as it and all before it are done.
// It knows nothing of what the work is. At most `window` finished results wait behind an
// unfinished one, so a slow item holds back a bounded amount of memory, not the rest of the batch.
//
// work must not throw (its callers turn failures into values); if it does, no further items are
// started, the results before it are still emitted, and the exception is rethrown once every
// thread has stopped.
#pragma once

#include <algorithm>
#include <condition_variable>
#include <cstddef>
#include <exception>
#include <map>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

namespace crossocr {

// With in_order false, each result is handed to emit as soon as it is done, whatever its index
// (nothing waits behind a slow item); emit still runs on the calling thread, one at a time.
template <class Result, class Work, class Emit>
void ordered_map(std::size_t n, unsigned threads, std::size_t window, Work work, Emit emit, bool in_order = true) {
  if (n == 0) return;
  std::mutex mutex;
  std::condition_variable changed;
  std::map<std::size_t, Result> done;  // finished, waiting for an earlier one
  std::size_t next = 0;                // the next index a thread takes
  std::size_t emitted = 0;             // how many were handed to emit (in order: every index below)
  bool stop = false;
  std::exception_ptr failure;
  int running = 0;
  window = std::max<std::size_t>(window, 1);

  auto worker = [&] {
    for (;;) {
      std::size_t i;
      {
        std::unique_lock lock(mutex);
        changed.wait(lock, [&] { return stop || next >= n || next < emitted + window; });
        if (stop || next >= n) break;
        i = next++;
      }
      try {
        Result result = work(i);
        std::lock_guard lock(mutex);
        done.emplace(i, std::move(result));
      } catch (...) {
        std::lock_guard lock(mutex);
        if (!failure) failure = std::current_exception();
        stop = true;
      }
      changed.notify_all();
    }
    std::lock_guard lock(mutex);
    --running;
    changed.notify_all();
  };

  std::vector<std::jthread> pool;
  running = static_cast<int>(std::clamp<std::size_t>(threads, 1, n));
  for (int t = 0; t < running; ++t) pool.emplace_back(worker);

  for (; emitted < n; ++emitted) {
    std::optional<Result> result;
    std::size_t index = 0;
    {
      std::unique_lock lock(mutex);
      const auto ready = [&] { return in_order ? done.find(emitted) : done.begin(); };
      changed.wait(lock, [&] { return ready() != done.end() || running == 0; });
      auto it = ready();
      if (it == done.end()) break;  // the threads stopped on a failure before this item
      index = it->first;
      result.emplace(std::move(it->second));
      done.erase(it);
    }
    changed.notify_all();  // the window moved on
    try {
      emit(index, std::move(*result));
    } catch (...) {
      {
        std::lock_guard lock(mutex);
        stop = true;
      }
      changed.notify_all();
      throw;  // the jthreads join on the way out
    }
  }
  pool.clear();
  if (failure) std::rethrow_exception(failure);
}

}  // namespace crossocr
