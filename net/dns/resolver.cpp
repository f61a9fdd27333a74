#include "net/dns/resolver.hpp"

#include <netdb.h>

#include <algorithm>
#include <condition_variable>
#include <cstring>
#include <deque>
#include <mutex>
#include <thread>

namespace net {

// -- lookup_workers -----------------------------------------------------------

namespace {

struct worker_pool {
  std::mutex mtx;
  std::condition_variable wake;
  std::deque<std::shared_ptr<lookup_workers::work>> queue;  // guarded by mtx
  size_t max_threads = 4;                                    // guarded by mtx
  size_t threads = 0;                                        // guarded by mtx
  size_t idle = 0;                                           // guarded by mtx
  size_t busy = 0;                                           // guarded by mtx
  bool used = false;                                         // guarded by mtx

  void serve() {
    std::unique_lock<std::mutex> lock{mtx};
    for (;;) {
      ++idle;
      wake.wait(lock, [this] { return !queue.empty(); });
      --idle;
      auto w = std::move(queue.front());
      queue.pop_front();
      ++busy;
      lock.unlock();
      w->run();
      w.reset();  // may free the work: outside the lock
      lock.lock();
      --busy;
    }
  }
};

// Never destroyed: detached workers may use it until the process ends.
worker_pool& pool() {
  static auto* p = new worker_pool;
  return *p;
}

}  // namespace

bool lookup_workers::configure(size_t threads) {
  auto& p = pool();
  std::lock_guard<std::mutex> guard{p.mtx};
  if (p.used) return false;
  p.max_threads = std::max<size_t>(threads, 1);
  return true;
}

size_t lookup_workers::threads() {
  auto& p = pool();
  std::lock_guard<std::mutex> guard{p.mtx};
  return p.max_threads;
}

void lookup_workers::submit(std::shared_ptr<work> w) {
  auto& p = pool();
  std::lock_guard<std::mutex> guard{p.mtx};
  p.used = true;
  p.queue.push_back(std::move(w));
  if (p.idle < p.queue.size() && p.threads < p.max_threads) {
    ++p.threads;
    std::thread{[&p] { p.serve(); }}.detach();
  }
  p.wake.notify_one();
}

bool lookup_workers::withdraw(const work* w) {
  auto& p = pool();
  std::lock_guard<std::mutex> guard{p.mtx};
  auto it = std::find_if(p.queue.begin(), p.queue.end(),
                         [w](const auto& q) { return q.get() == w; });
  if (it == p.queue.end()) return false;
  p.queue.erase(it);
  return true;
}

size_t lookup_workers::busy() {
  auto& p = pool();
  std::lock_guard<std::mutex> guard{p.mtx};
  return p.busy;
}

// -- requests -----------------------------------------------------------------

namespace {

// getaddrinfo's and getnameinfo's EAI_ codes as libuv's UV_EAI_ ones (as
// libuv's own uv_getaddrinfo reports them).
int uv_code_of_eai(int eai) {
  switch (eai) {
    case 0:
      return 0;
    case EAI_ADDRFAMILY:
      return UV_EAI_ADDRFAMILY;
    case EAI_AGAIN:
      return UV_EAI_AGAIN;
    case EAI_BADFLAGS:
      return UV_EAI_BADFLAGS;
    case EAI_CANCELED:
      return UV_EAI_CANCELED;
    case EAI_FAIL:
      return UV_EAI_FAIL;
    case EAI_FAMILY:
      return UV_EAI_FAMILY;
    case EAI_MEMORY:
      return UV_EAI_MEMORY;
    case EAI_NODATA:
      return UV_EAI_NODATA;
    case EAI_NONAME:
      return UV_EAI_NONAME;
    case EAI_OVERFLOW:
      return UV_EAI_OVERFLOW;
    case EAI_SERVICE:
      return UV_EAI_SERVICE;
    case EAI_SOCKTYPE:
      return UV_EAI_SOCKTYPE;
    case EAI_SYSTEM:
      return -errno;
    default:
      return UV_UNKNOWN;
  }
}

bool is_ascii(const std::string& s) {
  return std::all_of(s.begin(), s.end(), [](char c) {
    return static_cast<unsigned char>(c) < 0x80;
  });
}

}  // namespace

// The part every request shares. The loop side (resolver) and the worker
// both hold it; `wanted` says whether the resolver still waits for the
// answer, and the worker posts the answer only while it does.
struct resolver::request : lookup_workers::work,
                           std::enable_shared_from_this<request> {
  /// Loop thread: calls the callback with `e`; at most once.
  virtual void fail(uv_error e) = 0;
  /// Loop thread: calls the callback with the answer the worker found.
  virtual void answer() = 0;
  /// Loop thread: destroys the callback unrun, releasing what it holds.
  virtual void drop() = 0;
  /// Worker thread: the blocking call.
  virtual void look_up() = 0;

  void run() override {
    look_up();
    std::lock_guard<std::mutex> guard{mtx};
    if (!wanted) return;
    // The resolver clears `wanted` (under mtx) before it closes, and the
    // loop closes it before it stops: `home` is alive here.
    home->post([self = shared_from_this()](loop& l) {
      if (auto* r = l.find_as<resolver>(self->resolver_id)) r->complete(*self);
    });
  }

  /// Loop thread: nobody waits for the answer any more.
  void unwant() {
    std::lock_guard<std::mutex> guard{mtx};
    wanted = false;
  }

  // Set before submission, then read-only.
  loop* home = nullptr;
  handle_id resolver_id = 0;
  request_id id = 0;
  std::string what;  // "getaddrinfo example.com 80": the errors' context
  // Loop thread only.
  uint64_t deadline = 0;  // uv_now() ms; 0: none
  uint64_t timeout_ms = 0;

  std::mutex mtx;
  bool wanted = true;  // guarded by mtx
  // Written by the worker before it posts; read by the loop after.
  int status = 0;
};

// The answering half of both kinds of lookup: one result, one callback.
template <class Result>
struct resolver::answering_request : request {
  void fail(uv_error e) override {
    auto callback = std::move(cb);
    if (callback) callback(std::move(e));
  }
  void answer() override {
    auto callback = std::move(cb);
    if (!callback) return;
    if (status < 0)
      callback(uv_error{status, what});
    else
      callback(std::move(out));
  }
  void drop() override { cb = {}; }

  Result out;
  unique_task<void(result<Result>)> cb;
};

struct resolver::addrinfo_request final : answering_request<addrinfo_result> {

  void look_up() override {
    // International names in their ASCII (punycode) form, as libuv asks.
    if (!is_ascii(host)) hints.ai_flags |= AI_IDN;
    addrinfo* res = nullptr;
    status = uv_code_of_eai(
        ::getaddrinfo(host.empty() ? nullptr : host.c_str(),
                      service.empty() ? nullptr : service.c_str(), &hints,
                      &res));
    if (status < 0) return;
    for (auto* ai = res; ai != nullptr; ai = ai->ai_next) {
      if (ai->ai_canonname != nullptr && out.canonical_name.empty())
        out.canonical_name = ai->ai_canonname;
      auto ep = endpoint::from_sockaddr(ai->ai_addr);
      if (!ep) continue;  // neither IPv4 nor IPv6: not an endpoint
      resolved_address a{*ep, ai->ai_socktype, ai->ai_protocol};
      auto same = [&a](const resolved_address& b) {
        return b.address == a.address && b.socktype == a.socktype &&
               b.protocol == a.protocol;
      };
      if (std::none_of(out.addresses.begin(), out.addresses.end(), same))
        out.addresses.push_back(std::move(a));
    }
    ::freeaddrinfo(res);
  }

  std::string host;
  std::string service;
  addrinfo hints{};
};

struct resolver::nameinfo_request final : answering_request<nameinfo_result> {

  void look_up() override {
    char host[NI_MAXHOST];
    char service[NI_MAXSERV];
    auto* sa = peer.sockaddr_ptr();
    socklen_t len = sa->sa_family == AF_INET6 ? sizeof(sockaddr_in6)
                                              : sizeof(sockaddr_in);
    status = uv_code_of_eai(::getnameinfo(sa, len, host, sizeof(host), service,
                                          sizeof(service), flags));
    if (status < 0) return;
    out.host = host;
    out.service = service;
  }

  endpoint peer;
  int flags = 0;
};

// -- resolver -----------------------------------------------------------------

resolver::resolver(loop& l) : handle_base(l) {}

result<resolver*> resolver::create(loop& l) {
  auto* r = new resolver(l);
  if (int rc = uv_timer_init(l.raw(), &r->timer_); rc < 0) {
    discard(r);
    return uv_error{rc, "uv_timer_init"};
  }
  r->timer_.data = static_cast<handle_base*>(r);
  return r;
}

resolver::request_id resolver::admit(std::shared_ptr<request> req,
                                     uint64_t timeout_ms) {
  req->home = &owner();
  req->resolver_id = id();
  req->id = next_id_++;
  auto rid = req->id;
  ++stats_.started;
  if (timeout_ms > 0) {
    req->timeout_ms = timeout_ms;
    req->deadline = uv_now(owner().raw()) + timeout_ms;
    deadlines_.emplace(req->deadline, rid);
    arm_timer();
  }
  pending_.emplace(rid, req);
  lookup_workers::submit(std::move(req));
  return rid;
}

result<resolver::request_id> resolver::getaddrinfo(const std::string& host,
                                                   const std::string& service,
                                                   const addrinfo_hints& hints,
                                                   uint64_t timeout_ms,
                                                   addrinfo_callback cb) {
  std::string what =
      "getaddrinfo " + host + (service.empty() ? "" : " " + service);
  if (is_closing())
    return uv_error{UV_ECANCELED, what + " on a closed resolver"};
  if (host.empty() && service.empty())
    return uv_error{UV_EINVAL, "getaddrinfo needs a host or a service"};
  auto req = std::make_shared<addrinfo_request>();
  req->hints.ai_family = hints.family;
  req->hints.ai_socktype = hints.socktype;
  req->hints.ai_protocol = hints.protocol;
  req->hints.ai_flags = hints.flags;
  req->host = host;
  req->service = service;
  req->cb = std::move(cb);
  req->what = std::move(what);
  return admit(std::move(req), timeout_ms);
}

result<resolver::request_id> resolver::getnameinfo(const endpoint& peer,
                                                   int flags,
                                                   uint64_t timeout_ms,
                                                   nameinfo_callback cb) {
  std::string what = "getnameinfo " + peer.to_string();
  if (is_closing())
    return uv_error{UV_ECANCELED, what + " on a closed resolver"};
  auto req = std::make_shared<nameinfo_request>();
  req->peer = peer;
  req->flags = flags;
  req->cb = std::move(cb);
  req->what = std::move(what);
  return admit(std::move(req), timeout_ms);
}

void resolver::forget(request& req) {
  if (req.deadline != 0) deadlines_.erase({req.deadline, req.id});
  req.unwant();
  pending_.erase(req.id);  // may release the loop's share of `req`
}

resolver::cancel_outcome resolver::detach(request& req) {
  auto keep = req.shared_from_this();
  forget(req);
  if (lookup_workers::withdraw(&req)) {
    ++stats_.cancelled;
    return cancel_outcome::cancelled;
  }
  ++stats_.abandoned;
  return cancel_outcome::abandoned;
}

resolver::cancel_outcome resolver::cancel(request_id id) {
  auto it = pending_.find(id);
  if (it == pending_.end()) return cancel_outcome::unknown;
  auto req = it->second;
  auto outcome = detach(*req);
  arm_timer();  // its deadline may have been the next one
  // Nobody is told: the canceller knows. Dropping the callback now releases
  // whatever it holds (an actor handle) without waiting for the worker.
  req->drop();
  return outcome;
}

void resolver::complete(request& req) {
  auto it = pending_.find(req.id);
  // Cancelled, timed out or closed after the worker posted: discarded.
  if (it == pending_.end() || it->second.get() != &req) return;
  auto keep = std::move(it->second);
  forget(req);
  arm_timer();
  if (req.status < 0)
    ++stats_.failed;
  else
    ++stats_.succeeded;
  req.answer();
}

void resolver::arm_timer() {
  if (is_closing()) return;
  if (deadlines_.empty()) {
    uv_timer_stop(&timer_);
    return;
  }
  auto now = uv_now(owner().raw());
  auto first = deadlines_.begin()->first;
  uv_timer_start(
      &timer_,
      [](uv_timer_t* t) {
        static_cast<resolver*>(static_cast<handle_base*>(t->data))->on_timer();
      },
      first > now ? first - now : 0, 0);
}

void resolver::on_timer() {
  auto now = uv_now(owner().raw());
  std::vector<std::shared_ptr<request>> expired;
  for (auto& entry : deadlines_) {
    if (entry.first > now) break;
    expired.push_back(pending_.at(entry.second));
  }
  for (auto& req : expired) {
    detach(*req);
    ++stats_.timed_out;
  }
  arm_timer();
  // Callbacks last: they may start or cancel other requests.
  for (auto& req : expired)
    req->fail(uv_error{UV_ETIMEDOUT, req->what + ": no answer within " +
                                         std::to_string(req->timeout_ms) +
                                         " ms"});
}

void resolver::on_close() {
  uv_timer_stop(&timer_);
  std::vector<std::shared_ptr<request>> all;
  all.reserve(pending_.size());
  for (auto& entry : pending_) all.push_back(entry.second);
  for (auto& req : all) {
    detach(*req);
    req->drop();
  }
}

}  // namespace net
