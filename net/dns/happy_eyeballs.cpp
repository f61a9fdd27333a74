#include "net/dns/happy_eyeballs.hpp"

#include <algorithm>

namespace net {

std::vector<endpoint> interleave_families(
    const std::vector<endpoint>& addresses, ip_family first,
    size_t first_family_count) {
  std::vector<endpoint> leading;
  std::vector<endpoint> other;
  auto seen = [&](const endpoint& ep) {
    return std::find(leading.begin(), leading.end(), ep) != leading.end() ||
           std::find(other.begin(), other.end(), ep) != other.end();
  };
  for (const auto& ep : addresses) {
    if (seen(ep)) continue;
    (ep.family() == first ? leading : other).push_back(ep);
  }
  std::vector<endpoint> out;
  out.reserve(leading.size() + other.size());
  size_t a = 0;
  size_t b = 0;
  size_t lead = std::max<size_t>(first_family_count, 1);
  while (a < lead && a < leading.size()) out.push_back(leading[a++]);
  while (a < leading.size() || b < other.size()) {
    if (b < other.size()) out.push_back(other[b++]);
    if (a < leading.size()) out.push_back(leading[a++]);
  }
  return out;
}

happy_eyeballs::happy_eyeballs(happy_eyeballs_options options)
    : options_(options) {}

size_t happy_eyeballs::in_flight() const noexcept {
  return static_cast<size_t>(
      std::count_if(attempts_.begin(), attempts_.end(),
                    [](const attempt& a) { return a.result.empty(); }));
}

bool happy_eyeballs::known(const endpoint& ep) const {
  auto in = [&](const std::vector<endpoint>& v) {
    return std::find(v.begin(), v.end(), ep) != v.end();
  };
  return in(resolved_) || in(queue_) ||
         std::any_of(attempts_.begin(), attempts_.end(),
                     [&](const attempt& a) { return a.peer == ep; });
}

std::vector<endpoint> happy_eyeballs::addresses() const {
  std::vector<endpoint> out;
  for (const auto& a : attempts_) out.push_back(a.peer);
  const auto& rest = phase_ == phase::resolving
                         ? interleave_families(resolved_, preferred(),
                                               options_.first_family_count)
                         : queue_;
  out.insert(out.end(), rest.begin(), rest.end());
  return out;
}

happy_eyeballs::step happy_eyeballs::resolved(
    ip_family family, const std::vector<endpoint>& addresses, uint64_t now_ms) {
  step s;
  auto& fam = family_of(family);
  if (finished() || fam.done) return finish(std::move(s));
  fam.done = true;
  std::vector<endpoint> fresh;
  for (const auto& ep : addresses)
    if (!known(ep) && std::find(fresh.begin(), fresh.end(), ep) == fresh.end())
      fresh.push_back(ep);
  if (phase_ == phase::resolving) {
    resolved_.insert(resolved_.end(), fresh.begin(), fresh.end());
    after_resolution_event(s, now_ms);
    return finish(std::move(s));
  }
  // Connecting already (§3: "added to the list of addresses to try"). The
  // queue is re-interleaved so that it continues with the family the most
  // recent attempt did not use.
  queue_.insert(queue_.end(), fresh.begin(), fresh.end());
  ip_family next = preferred();
  if (!attempts_.empty())
    next = attempts_.back().peer.family() == ip_family::v6 ? ip_family::v4
                                                           : ip_family::v6;
  queue_ = interleave_families(queue_, next, 1);
  if (in_flight() == 0)
    start_next(s, now_ms);  // the race had stalled waiting for addresses
  else
    fail_if_exhausted();
  return finish(std::move(s));
}

happy_eyeballs::step happy_eyeballs::resolve_failed(ip_family family,
                                                    const std::string& error,
                                                    uint64_t now_ms) {
  step s;
  auto& fam = family_of(family);
  if (finished() || fam.done) return finish(std::move(s));
  fam.done = true;
  fam.error = error.empty() ? "EAI_FAIL" : error;
  if (phase_ == phase::resolving)
    after_resolution_event(s, now_ms);
  else
    fail_if_exhausted();
  return finish(std::move(s));
}

void happy_eyeballs::after_resolution_event(step& s, uint64_t now) {
  if (all_resolved()) {
    if (resolved_.empty()) {
      // The more telling error: a failure to reach or ask the resolver
      // (EAI_AGAIN, EAI_FAIL, ...) over "no such name / no such address".
      auto rank = [](const std::string& e) {
        if (e.empty()) return 0;
        if (e == "EAI_NONAME" || e == "EAI_NODATA" || e == "EAI_ADDRFAMILY")
          return 1;
        return 2;
      };
      const auto& first = family_of(preferred()).error;
      const auto& second =
          family_of(preferred() == ip_family::v6 ? ip_family::v4
                                                 : ip_family::v6)
              .error;
      auto error = rank(second) > rank(first) ? second : first;
      if (error.empty()) error = "EAI_NODATA";  // answers without addresses
      return fail(error, true);
    }
    return begin_connecting(s, now);
  }
  if (resolved_.empty()) return;  // only a failure so far: wait for the other
  if (family_of(preferred()).done) return begin_connecting(s, now);
  // §3: the other family answered first; give the preferred one a moment.
  if (!resolution_deadline_) {
    resolution_deadline_ = now + options_.resolution_delay_ms;
    if (options_.resolution_delay_ms == 0) begin_connecting(s, now);
  }
}

void happy_eyeballs::begin_connecting(step& s, uint64_t now) {
  phase_ = phase::connecting;
  resolution_deadline_.reset();
  queue_ =
      interleave_families(resolved_, preferred(), options_.first_family_count);
  resolved_.clear();
  start_next(s, now);
}

void happy_eyeballs::start_next(step& s, uint64_t now) {
  if (queue_.empty()) return fail_if_exhausted();
  attempts_.push_back(attempt{queue_.front(), "", now, 0});
  queue_.erase(queue_.begin());
  last_start_ms_ = now;
  s.start.push_back(attempts_.size() - 1);
}

void happy_eyeballs::fail_if_exhausted() {
  if (phase_ != phase::connecting || !queue_.empty() || in_flight() > 0 ||
      !all_resolved())
    return;
  // Every attempt failed: report the one that failed last.
  const attempt* last = nullptr;
  for (const auto& a : attempts_)
    if (last == nullptr || a.ended_ms >= last->ended_ms) last = &a;
  fail(last != nullptr ? last->result : "ECONNREFUSED", false);
}

void happy_eyeballs::fail(std::string error, bool resolution) {
  phase_ = phase::failed;
  resolution_failure_ = resolution;
  error_ = std::move(error);
  resolution_deadline_.reset();
}

happy_eyeballs::step happy_eyeballs::attempt_connected(size_t index,
                                                       uint64_t now_ms) {
  step s;
  if (finished() || index >= attempts_.size() ||
      !attempts_[index].result.empty())
    return finish(std::move(s));
  auto& won = attempts_[index];
  won.result = "connected";
  won.ended_ms = now_ms;
  winner_ = index;
  phase_ = phase::connected;
  for (size_t i = 0; i < attempts_.size(); ++i) {
    auto& a = attempts_[i];
    if (!a.result.empty()) continue;
    a.result = "cancelled";
    a.ended_ms = now_ms;
    s.cancel.push_back(i);
  }
  return finish(std::move(s));
}

happy_eyeballs::step happy_eyeballs::attempt_failed(size_t index,
                                                    const std::string& error,
                                                    uint64_t now_ms) {
  step s;
  if (finished() || index >= attempts_.size() ||
      !attempts_[index].result.empty())
    return finish(std::move(s));
  auto& a = attempts_[index];
  a.result = error.empty() ? "ECONNABORTED" : error;
  a.ended_ms = now_ms;
  // §5: the next attempt starts when the previous one fails. An older
  // attempt failing leaves the schedule alone: the most recent one still
  // has its delay to run.
  if (index + 1 == attempts_.size() && !queue_.empty())
    start_next(s, now_ms);
  else
    fail_if_exhausted();
  return finish(std::move(s));
}

happy_eyeballs::step happy_eyeballs::tick(uint64_t now_ms) {
  step s;
  if (finished()) return finish(std::move(s));
  if (options_.timeout_ms > 0 && now_ms >= options_.timeout_ms) {
    for (size_t i = 0; i < attempts_.size(); ++i) {
      auto& a = attempts_[i];
      if (!a.result.empty()) continue;
      a.result = "ETIMEDOUT";
      a.ended_ms = now_ms;
      s.cancel.push_back(i);
    }
    fail("ETIMEDOUT", phase_ == phase::resolving);
    return finish(std::move(s));
  }
  if (phase_ == phase::resolving) {
    if (resolution_deadline_ && now_ms >= *resolution_deadline_)
      begin_connecting(s, now_ms);
  } else if (!queue_.empty() &&
             now_ms >= last_start_ms_ + options_.attempt_delay_ms) {
    start_next(s, now_ms);
  }
  return finish(std::move(s));
}

happy_eyeballs::step happy_eyeballs::finish(step s) const {
  if (finished()) return s;
  std::optional<uint64_t> wake;
  auto earliest = [&](uint64_t t) {
    if (!wake || t < *wake) wake = t;
  };
  if (options_.timeout_ms > 0) earliest(options_.timeout_ms);
  if (phase_ == phase::resolving && resolution_deadline_)
    earliest(*resolution_deadline_);
  if (phase_ == phase::connecting && !queue_.empty())
    earliest(last_start_ms_ + options_.attempt_delay_ms);
  s.wake_ms = wake;
  return s;
}

}  // namespace net
