#include "net/resolver.hpp"

#include <netdb.h>

#include <memory>

namespace net {

// The part every request shares. `owner` is the resolver while somebody
// waits for the answer and nullptr once nobody does (cancelled, timed out,
// resolver closed): libuv still owns the request until its callback, which
// then only frees it.
struct resolver::request {
  virtual ~request() = default;
  virtual uv_req_t* raw() noexcept = 0;
  /// Calls the callback with `e`; at most once.
  virtual void fail(uv_error e) = 0;
  /// Destroys the callback unrun, releasing whatever it holds.
  virtual void drop() = 0;

  resolver* owner = nullptr;
  request_id id = 0;
  uint64_t deadline = 0;  // uv_now() ms; 0: none
  uint64_t timeout_ms = 0;
  std::string what;  // "getaddrinfo example.com 80": the errors' context
};

// The request of one kind: Uv is uv_getaddrinfo_t or uv_getnameinfo_t.
template <class Uv, class Callback>
struct resolver::typed_request final : request {
  uv_req_t* raw() noexcept override {
    return reinterpret_cast<uv_req_t*>(&req);
  }
  void fail(uv_error e) override {
    auto callback = std::move(cb);
    if (callback) callback(std::move(e));
  }
  void drop() override { cb = Callback{}; }

  Uv req;
  Callback cb;
};

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

resolver::request_id resolver::admit(request* req, uint64_t timeout_ms) {
  req->owner = this;
  req->id = next_id_++;
  pending_.emplace(req->id, req);
  ++stats_.started;
  if (timeout_ms > 0) {
    req->timeout_ms = timeout_ms;
    req->deadline = uv_now(owner().raw()) + timeout_ms;
    deadlines_.emplace(req->deadline, req->id);
    arm_timer();
  }
  return req->id;
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
  addrinfo ai{};
  ai.ai_family = hints.family;
  ai.ai_socktype = hints.socktype;
  ai.ai_protocol = hints.protocol;
  ai.ai_flags = hints.flags;
  auto req = std::make_unique<addrinfo_request>();
  req->cb = std::move(cb);
  req->what = std::move(what);
  req->req.data = req.get();
  // libuv copies host, service and hints into the request: nothing here
  // needs to outlive the call.
  int rc = uv_getaddrinfo(owner().raw(), &req->req, &resolver::on_addrinfo,
                          host.empty() ? nullptr : host.c_str(),
                          service.empty() ? nullptr : service.c_str(), &ai);
  if (rc < 0) return uv_error{rc, req->what};  // the callback will never run
  return admit(req.release(), timeout_ms);     // on_addrinfo frees it
}

result<resolver::request_id> resolver::getnameinfo(const endpoint& peer,
                                                   int flags,
                                                   uint64_t timeout_ms,
                                                   nameinfo_callback cb) {
  std::string what = "getnameinfo " + peer.to_string();
  if (is_closing())
    return uv_error{UV_ECANCELED, what + " on a closed resolver"};
  auto req = std::make_unique<nameinfo_request>();
  req->cb = std::move(cb);
  req->what = std::move(what);
  req->req.data = req.get();
  int rc = uv_getnameinfo(owner().raw(), &req->req, &resolver::on_nameinfo,
                          peer.sockaddr_ptr(), flags);
  if (rc < 0) return uv_error{rc, req->what};
  return admit(req.release(), timeout_ms);
}

void resolver::forget(request* req) {
  pending_.erase(req->id);
  if (req->deadline != 0) deadlines_.erase({req->deadline, req->id});
  req->owner = nullptr;
}

resolver::cancel_outcome resolver::detach(request* req) {
  forget(req);
  // uv_cancel succeeds only while the work waits in the thread pool's queue;
  // the callback then still runs, with UV_EAI_CANCELED, and frees the request.
  if (uv_cancel(req->raw()) == 0) {
    ++stats_.cancelled;
    return cancel_outcome::cancelled;
  }
  ++stats_.abandoned;
  return cancel_outcome::abandoned;
}

resolver::cancel_outcome resolver::cancel(request_id id) {
  auto it = pending_.find(id);
  if (it == pending_.end()) return cancel_outcome::unknown;
  auto* req = it->second;
  auto outcome = detach(req);
  arm_timer();  // its deadline may have been the next one
  // Nobody is told: the canceller knows. Dropping the callback now releases
  // whatever it holds (an actor handle) without waiting for libuv.
  req->drop();
  return outcome;
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
  std::vector<request*> expired;
  for (auto& entry : deadlines_) {
    if (entry.first > now) break;
    expired.push_back(pending_.at(entry.second));
  }
  for (auto* req : expired) {
    detach(req);
    ++stats_.timed_out;
  }
  arm_timer();
  // Callbacks last: they may start or cancel other requests.
  for (auto* req : expired)
    req->fail(uv_error{UV_ETIMEDOUT, req->what + ": no answer within " +
                                         std::to_string(req->timeout_ms) +
                                         " ms"});
}

void resolver::on_close() {
  uv_timer_stop(&timer_);
  std::vector<request*> all;
  all.reserve(pending_.size());
  for (auto& entry : pending_) all.push_back(entry.second);
  for (auto* req : all) {
    detach(req);
    req->drop();
  }
}

void resolver::on_addrinfo(uv_getaddrinfo_t* raw, int status, addrinfo* res) {
  std::unique_ptr<addrinfo_request> req{
      static_cast<addrinfo_request*>(raw->data)};
  std::unique_ptr<addrinfo, void (*)(addrinfo*)> answers{res, uv_freeaddrinfo};
  auto* self = req->owner;
  if (self == nullptr) return;  // cancelled, timed out or closed: discarded
  self->forget(req.get());
  self->arm_timer();
  if (status < 0) {
    ++self->stats_.failed;
    req->fail(uv_error{status, req->what});
    return;
  }
  addrinfo_result out;
  for (auto* ai = res; ai != nullptr; ai = ai->ai_next) {
    if (ai->ai_canonname != nullptr && out.canonical_name.empty())
      out.canonical_name = ai->ai_canonname;
    auto ep = endpoint::from_sockaddr(ai->ai_addr);
    if (!ep) continue;  // neither IPv4 nor IPv6: not an endpoint
    out.addresses.push_back({*ep, ai->ai_socktype, ai->ai_protocol});
  }
  ++self->stats_.succeeded;
  auto cb = std::move(req->cb);
  cb(std::move(out));
}

void resolver::on_nameinfo(uv_getnameinfo_t* raw, int status, const char* host,
                           const char* service) {
  std::unique_ptr<nameinfo_request> req{
      static_cast<nameinfo_request*>(raw->data)};
  auto* self = req->owner;
  if (self == nullptr) return;
  self->forget(req.get());
  self->arm_timer();
  if (status < 0) {
    ++self->stats_.failed;
    req->fail(uv_error{status, req->what});
    return;
  }
  ++self->stats_.succeeded;
  auto cb = std::move(req->cb);
  cb(nameinfo_result{host != nullptr ? host : "",
                     service != nullptr ? service : ""});
}

}  // namespace net
