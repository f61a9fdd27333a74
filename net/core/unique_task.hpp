// net::unique_task: a move-only `void(Args...)` callable, so that tasks posted
// to a loop may own buffers and other move-only state. Small callables (up to
// four pointers) are stored inline; larger ones on the heap.
// Thread safety: a value type; not synchronised.
#pragma once

#include <cstddef>
#include <new>
#include <type_traits>
#include <utility>

namespace net {

template <class Signature>
class unique_task;

template <class R, class... Args>
class unique_task<R(Args...)> {
 public:
  unique_task() noexcept = default;

  template <class F, class = std::enable_if_t<
                         !std::is_same<std::decay_t<F>, unique_task>::value>>
  unique_task(F&& f) {  // NOLINT: implicit like std::function
    using fn = std::decay_t<F>;
    if constexpr (sizeof(fn) <= sizeof(storage_) &&
                  alignof(fn) <= alignof(std::max_align_t) &&
                  std::is_nothrow_move_constructible<fn>::value) {
      new (&storage_) fn(std::forward<F>(f));
      ops_ = &inline_ops<fn>;
    } else {
      *reinterpret_cast<fn**>(&storage_) = new fn(std::forward<F>(f));
      ops_ = &heap_ops<fn>;
    }
  }

  unique_task(unique_task&& other) noexcept : ops_(other.ops_) {
    if (ops_ != nullptr) {
      ops_->move(&other.storage_, &storage_);
      other.ops_ = nullptr;
    }
  }

  unique_task& operator=(unique_task&& other) noexcept {
    if (this != &other) {
      reset();
      ops_ = other.ops_;
      if (ops_ != nullptr) {
        ops_->move(&other.storage_, &storage_);
        other.ops_ = nullptr;
      }
    }
    return *this;
  }

  unique_task(const unique_task&) = delete;
  unique_task& operator=(const unique_task&) = delete;

  ~unique_task() { reset(); }

  explicit operator bool() const noexcept { return ops_ != nullptr; }

  R operator()(Args... args) {
    return ops_->call(&storage_, std::forward<Args>(args)...);
  }

 private:
  using storage_t = std::aligned_storage_t<4 * sizeof(void*), alignof(std::max_align_t)>;

  struct ops {
    R (*call)(void*, Args&&...);
    void (*move)(void* from, void* to) noexcept;
    void (*destroy)(void*) noexcept;
  };

  template <class F>
  static constexpr ops inline_ops = {
      [](void* p, Args&&... args) -> R {
        return (*static_cast<F*>(p))(std::forward<Args>(args)...);
      },
      [](void* from, void* to) noexcept {
        new (to) F(std::move(*static_cast<F*>(from)));
        static_cast<F*>(from)->~F();
      },
      [](void* p) noexcept { static_cast<F*>(p)->~F(); }};

  template <class F>
  static constexpr ops heap_ops = {
      [](void* p, Args&&... args) -> R {
        return (**static_cast<F**>(p))(std::forward<Args>(args)...);
      },
      [](void* from, void* to) noexcept {
        *static_cast<F**>(to) = *static_cast<F**>(from);
      },
      [](void* p) noexcept { delete *static_cast<F**>(p); }};

  void reset() noexcept {
    if (ops_ != nullptr) {
      ops_->destroy(&storage_);
      ops_ = nullptr;
    }
  }

  storage_t storage_;
  const ops* ops_ = nullptr;
};

}  // namespace net
