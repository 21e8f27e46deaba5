// EnginePool: engines that are not thread-safe (each holds Tesseract APIs, a network or an HTTP
// handle), lent to one thread at a time. Engines are made on first need, at most `most` of them,
// and kept for later reads, so that start-up is paid once per engine, not once per image or batch.
// A borrower waits while all `most` are lent. Thread-safe.
#pragma once

#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <vector>

namespace crossocr {

template <class EngineType>
class EnginePool {
 public:
  // `make` may throw (e.g. ConfigError); the borrower sees the exception.
  EnginePool(unsigned most, std::function<std::unique_ptr<EngineType>()> make)
      : most_(most == 0 ? 1 : most), make_(std::move(make)) {}

  // An engine given back to the pool when the lease ends.
  class Lease {
   public:
    Lease(EnginePool& pool, std::unique_ptr<EngineType> engine) : pool_(&pool), engine_(std::move(engine)) {}
    Lease(Lease&& other) noexcept = default;
    Lease& operator=(Lease&&) = delete;
    ~Lease() {
      if (engine_) pool_->give_back(std::move(engine_));
    }
    EngineType& operator*() const { return *engine_; }
    EngineType* operator->() const { return engine_.get(); }

   private:
    EnginePool* pool_;
    std::unique_ptr<EngineType> engine_;
  };

  Lease borrow() {
    std::unique_lock lock(mutex_);
    returned_.wait(lock, [&] { return !idle_.empty() || made_ < most_; });
    if (!idle_.empty()) {
      std::unique_ptr<EngineType> engine = std::move(idle_.back());
      idle_.pop_back();
      return Lease(*this, std::move(engine));
    }
    ++made_;
    lock.unlock();
    try {
      return Lease(*this, make_());
    } catch (...) {
      std::lock_guard relock(mutex_);
      --made_;
      returned_.notify_one();
      throw;
    }
  }

  // Adds an engine made elsewhere (e.g. the one Reader::open made to check the configuration).
  void adopt(std::unique_ptr<EngineType> engine) {
    std::lock_guard lock(mutex_);
    ++made_;
    idle_.push_back(std::move(engine));
    returned_.notify_one();
  }

 private:
  void give_back(std::unique_ptr<EngineType> engine) {
    std::lock_guard lock(mutex_);
    idle_.push_back(std::move(engine));
    returned_.notify_one();
  }

  unsigned most_;
  std::function<std::unique_ptr<EngineType>()> make_;
  std::mutex mutex_;
  std::condition_variable returned_;
  std::vector<std::unique_ptr<EngineType>> idle_;
  unsigned made_ = 0;
};

}  // namespace crossocr
