// loadgen_histogram: a log-linear latency histogram for tools/loadgen. Values
// (nanoseconds) below 64 are exact; above, each power of two is split into 32
// buckets, so a reported percentile is within ~3% of the true value. One
// thread only; a value type (fixed 15 KiB array, no allocation per sample).
#pragma once

#include <array>
#include <cmath>
#include <cstdint>

namespace loadgen {

/// Fixed-size log-linear histogram of 64-bit values.
class histogram {
 public:
  /// Counts one value.
  void add(uint64_t v) noexcept {
    ++counts_[index_of(v)];
    ++count_;
  }

  uint64_t count() const noexcept { return count_; }

  /// The value at quantile q (0..1), as the midpoint of its bucket; 0 if
  /// empty.
  double quantile(double q) const noexcept {
    if (count_ == 0) return 0;
    // Nearest rank: the ceil(q * n)-th smallest value.
    auto rank =
        static_cast<uint64_t>(std::ceil(q * static_cast<double>(count_)));
    rank = rank == 0 ? 0 : rank - 1;
    if (rank >= count_) rank = count_ - 1;
    uint64_t seen = 0;
    for (int i = 0; i < buckets; ++i) {
      seen += counts_[i];
      if (seen > rank) return midpoint_of(i);
    }
    return midpoint_of(buckets - 1);
  }

 private:
  static constexpr int sub_bits = 5;
  static constexpr int sub = 1 << sub_bits;
  static constexpr int buckets = (64 - sub_bits + 1) * sub;

  static int index_of(uint64_t v) noexcept {
    if (v < 2 * sub) return static_cast<int>(v);
    int msb = 63 - __builtin_clzll(v);
    int shift = msb - sub_bits;
    return (shift + 1) * sub + static_cast<int>((v >> shift) - sub);
  }

  static double midpoint_of(int i) noexcept {
    if (i < 2 * sub) return i;
    int shift = i / sub - 1;
    uint64_t lo = static_cast<uint64_t>(i % sub + sub) << shift;
    return static_cast<double>(lo) +
           static_cast<double>((uint64_t{1} << shift) - 1) / 2;
  }

  std::array<uint64_t, buckets> counts_{};
  uint64_t count_ = 0;
};

}  // namespace loadgen
