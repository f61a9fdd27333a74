#include "net/udp/udp_socket.hpp"

#include <net/if.h>
#include <sys/socket.h>

#include <algorithm>
#include <cassert>
#include <cerrno>

#include "net/core/stream.hpp"

namespace net {

struct udp_socket::send_req {
  uv_udp_send_t req;
  byte_buffer bytes;
  uint64_t token;
};

udp_socket::udp_socket(loop& l, std::unique_ptr<observer> obs)
    : handle_base(l), observer_(std::move(obs)) {}

result<udp_socket*> udp_socket::create(loop& l, ip_family family,
                                       std::unique_ptr<observer> obs) {
  auto* s = new udp_socket(l, std::move(obs));
  // uv_udp_init_ex with a family creates the descriptor now; with plain
  // uv_udp_init it appears only at bind or send, and options set before
  // that fail with EBADF.
  unsigned domain = family == ip_family::v4 ? AF_INET : AF_INET6;
  if (int rc = uv_udp_init_ex(l.raw(), &s->udp_, domain); rc < 0) {
    discard(s);
    return uv_error{rc, "uv_udp_init_ex"};
  }
  s->udp_.data = static_cast<handle_base*>(s);
  return s;
}

void udp_socket::set_observer(std::unique_ptr<observer> obs) {
  observer_ = std::move(obs);
}

result<void> udp_socket::bind(const endpoint& local, const bind_options& opts) {
  unsigned flags = 0;
  if (opts.reuse_address) flags |= UV_UDP_REUSEADDR;
  if (opts.ipv6_only && local.family() == ip_family::v6)
    flags |= UV_UDP_IPV6ONLY;
  return result<void>::from_code(
      uv_udp_bind(&udp_, local.sockaddr_ptr(), flags),
      "bind " + local.to_string());
}

result<endpoint> udp_socket::local_endpoint() const {
  return endpoint_of(&udp_, uv_udp_getsockname, "getsockname");
}

result<void> udp_socket::receive_start(size_t buffer_size) {
  if (receiving_) return {};
  if (buffer_size == 0 || buffer_size > loop::read_buffer_size)
    return uv_error{UV_EINVAL, "receive buffer of " +
                                   std::to_string(buffer_size) + " bytes"};
  buffer_size_ = buffer_size;
  int rc =
      uv_udp_recv_start(&udp_, &udp_socket::on_alloc, &udp_socket::on_recv);
  if (rc == 0) receiving_ = true;
  return result<void>::from_code(rc, "receive start");
}

result<void> udp_socket::receive_stop() {
  if (!receiving_) return {};
  receiving_ = false;
  give_back_buffer();
  return result<void>::from_code(uv_udp_recv_stop(&udp_), "receive stop");
}

void udp_socket::on_alloc(uv_handle_t* h, size_t, uv_buf_t* buf) {
  auto* self = static_cast<udp_socket*>(static_cast<handle_base*>(h->data));
  if (self->read_buf_.capacity() == 0)
    self->read_buf_ = self->owner().take_read_buffer();
  // A smaller window than the buffer lets a caller choose where truncation
  // begins (the kernel reports MSG_TRUNC, libuv UV_UDP_PARTIAL).
  auto size = std::min(self->read_buf_.capacity(), self->buffer_size_);
  *buf = uv_buf_init(self->read_buf_.data(), static_cast<unsigned>(size));
}

void udp_socket::give_back_buffer() {
  if (read_buf_.capacity() > 0)
    owner().give_back_read_buffer(std::move(read_buf_));
}

void udp_socket::on_recv(uv_udp_t* h, ssize_t nread, const uv_buf_t*,
                         const sockaddr* addr, unsigned flags) {
  auto* self = static_cast<udp_socket*>(static_cast<handle_base*>(h->data));
  if (nread < 0) {
    self->give_back_buffer();
    if (self->observer_)
      self->observer_->on_receive_error(
          uv_error{static_cast<int>(nread), "receive"});
    return;
  }
  if (addr == nullptr) {
    // nread == 0 without an address: nothing more to read now; libuv only
    // returns the buffer.
    self->give_back_buffer();
    return;
  }
  // nread == 0 with an address is an empty datagram, delivered as such.
  auto bytes = take_read_bytes(self->owner(), self->read_buf_,
                               static_cast<size_t>(nread));
  auto sender = endpoint::from_sockaddr(addr);
  if (!self->observer_ || !sender) return;  // not IPv4/IPv6: cannot happen
  self->observer_->on_datagram(*sender, std::move(bytes),
                               (flags & UV_UDP_PARTIAL) != 0);
}

result<void> udp_socket::send(const endpoint& peer, byte_buffer bytes,
                              uint64_t token) {
  if (is_closing()) return uv_error{UV_ECANCELED, "send on a closing socket"};
  if (bytes.size() > max_datagram)
    return uv_error{UV_EMSGSIZE, "send of " + std::to_string(bytes.size()) +
                                     " bytes to " + peer.to_string()};
  if (send_queue_bytes_ + bytes.size() > send_queue_limit_)
    return uv_error{UV_ENOBUFS, "send to " + peer.to_string() + ": " +
                                    std::to_string(send_queue_bytes_) +
                                    " bytes queued, limit " +
                                    std::to_string(send_queue_limit_)};
  auto req = std::make_unique<send_req>();
  req->bytes = std::move(bytes);
  req->token = token;
  req->req.data = this;
  auto buf =
      uv_buf_init(req->bytes.data(), static_cast<unsigned>(req->bytes.size()));
  if (int rc = uv_udp_send(&req->req, &udp_, &buf, 1, peer.sockaddr_ptr(),
                           &udp_socket::on_sent);
      rc < 0)
    return uv_error{rc, "send to " + peer.to_string()};  // no callback
  send_queue_bytes_ += req->bytes.size();
  req.release();  // on_sent owns it now
  return {};
}

void udp_socket::on_sent(uv_udp_send_t* req, int status) {
  std::unique_ptr<send_req> sr{reinterpret_cast<send_req*>(req)};
  auto* self = static_cast<udp_socket*>(req->data);
  self->send_queue_bytes_ -= sr->bytes.size();
  // Sends cancelled by close() end with UV_ECANCELED after on_closing();
  // the observer has been told already.
  if (self->is_closing() || !self->observer_) return;
  self->observer_->on_send_done(sr->token,
                                result<void>::from_code(status, "send"));
}

size_t udp_socket::send_queue_count() const noexcept {
  return uv_udp_get_send_queue_count(&udp_);
}

result<void> udp_socket::set_broadcast(bool enable) {
  return result<void>::from_code(uv_udp_set_broadcast(&udp_, enable ? 1 : 0),
                                 enable ? "broadcast on" : "broadcast off");
}

result<void> udp_socket::set_ttl(int ttl) {
  return result<void>::from_code(uv_udp_set_ttl(&udp_, ttl),
                                 "ttl " + std::to_string(ttl));
}

result<void> udp_socket::set_membership(const std::string& group,
                                        const std::string& interface_address,
                                        bool join) {
  auto what = std::string{join ? "join " : "leave "} + group;
  if (!interface_address.empty()) what += " on " + interface_address;
  return result<void>::from_code(
      uv_udp_set_membership(
          &udp_, group.c_str(),
          interface_address.empty() ? nullptr : interface_address.c_str(),
          join ? UV_JOIN_GROUP : UV_LEAVE_GROUP),
      what);
}

result<void> udp_socket::set_multicast_loop(bool enable) {
  return result<void>::from_code(
      uv_udp_set_multicast_loop(&udp_, enable ? 1 : 0),
      enable ? "multicast loop on" : "multicast loop off");
}

result<void> udp_socket::set_multicast_ttl(int ttl) {
  return result<void>::from_code(uv_udp_set_multicast_ttl(&udp_, ttl),
                                 "multicast ttl " + std::to_string(ttl));
}

result<void> udp_socket::set_multicast_interface(
    const std::string& interface_address) {
  return result<void>::from_code(
      uv_udp_set_multicast_interface(&udp_, interface_address.c_str()),
      "multicast interface " + interface_address);
}

result<void> udp_socket::bind_to_device(const std::string& name) {
  auto what = "bind to device " + name;
  if (name.size() >= IFNAMSIZ) return uv_error{UV_EINVAL, what};
  uv_os_fd_t fd;
  if (int rc = uv_fileno(raw_handle(), &fd); rc < 0) return uv_error{rc, what};
  // libuv has no API for this option; the descriptor is ours to configure.
  // The kernel checks the name: ENODEV for an interface that does not exist.
  if (::setsockopt(fd, SOL_SOCKET, SO_BINDTODEVICE, name.c_str(),
                   static_cast<socklen_t>(name.size())) != 0)
    return uv_error{uv_translate_sys_error(errno), what};
  return {};
}

void udp_socket::on_close() {
  receiving_ = false;
  give_back_buffer();
  if (observer_) observer_->on_closing();
}

}  // namespace net
