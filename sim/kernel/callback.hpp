// A move-only `void()` callable with inline storage, for event-loop callbacks.
//
// std::function would do, but it requires copyable callables and its small-buffer is 16
// bytes in libstdc++; events commonly capture `this` plus a few ids, and sometimes own a
// std::unique_ptr. Callables that do not fit inline are boxed in a std::unique_ptr.
#pragma once

#include <cstddef>
#include <memory>
#include <new>
#include <type_traits>
#include <utility>

namespace sim::kernel {

class Callback {
  public:
    static constexpr std::size_t kInlineBytes = 48;

    Callback() = default;

    template <class F, class = std::enable_if_t<!std::is_same_v<std::decay_t<F>, Callback>>>
    Callback(F&& f) {  // NOLINT(google-explicit-constructor): lambdas convert implicitly
        construct(std::forward<F>(f));
    }

    // Replaces the callable with `f`, built in place.
    template <class F>
    void emplace(F&& f) {
        reset();
        construct(std::forward<F>(f));
    }

    Callback(Callback&& other) noexcept { take(other); }
    Callback& operator=(Callback&& other) noexcept {
        if (this != &other) {
            reset();
            take(other);
        }
        return *this;
    }
    Callback(const Callback&) = delete;
    Callback& operator=(const Callback&) = delete;
    ~Callback() { reset(); }

    explicit operator bool() const { return ops_ != nullptr; }
    void operator()() { ops_->invoke(storage_); }

    void reset() {
        if (ops_) {
            if (ops_->destroy) ops_->destroy(storage_);
            ops_ = nullptr;
        }
    }

  private:
    struct Ops {
        void (*invoke)(void*);
        void (*relocate)(void* from, void* to);  // move-construct into `to`, destroy `from`
        void (*destroy)(void*);                  // null when there is nothing to destroy
    };

    template <class Fn>
    struct Boxed {
        std::unique_ptr<Fn> fn;
        void operator()() { (*fn)(); }
    };

    template <class Fn>
    static constexpr Ops kOps{[](void* p) { (*static_cast<Fn*>(p))(); },
                              [](void* from, void* to) {
                                  ::new (to) Fn(std::move(*static_cast<Fn*>(from)));
                                  static_cast<Fn*>(from)->~Fn();
                              },
                              std::is_trivially_destructible_v<Fn>
                                  ? nullptr
                                  : +[](void* p) { static_cast<Fn*>(p)->~Fn(); }};

    template <class F>
    void construct(F&& f) {
        using Fn = std::decay_t<F>;
        if constexpr (sizeof(Fn) <= kInlineBytes && alignof(Fn) <= alignof(std::max_align_t) &&
                      std::is_nothrow_move_constructible_v<Fn>) {
            ::new (static_cast<void*>(storage_)) Fn(std::forward<F>(f));
            ops_ = &kOps<Fn>;
        } else {
            using Box = Boxed<Fn>;
            ::new (static_cast<void*>(storage_)) Box{std::make_unique<Fn>(std::forward<F>(f))};
            ops_ = &kOps<Box>;
        }
    }

    void take(Callback& other) noexcept {
        if (other.ops_) {
            other.ops_->relocate(other.storage_, storage_);
            ops_ = other.ops_;
            other.ops_ = nullptr;
        }
    }

    alignas(std::max_align_t) std::byte storage_[kInlineBytes];
    const Ops* ops_ = nullptr;
};

}  // namespace sim::kernel
