#include "net/core/handle.hpp"

#include <cassert>

namespace net {

handle_base::handle_base(net::loop& l) : loop_(l), id_(l.register_handle(this)) {
  assert(l.on_loop_thread());
}

handle_base::~handle_base() { loop_.unregister_handle(id_); }

void handle_base::close() {
  if (closing_) return;
  closing_ = true;
  on_close();
  uv_close(raw_handle(), &handle_base::on_closed);
}

void handle_base::discard(handle_base* h) { delete h; }

void handle_base::on_closed(uv_handle_t* h) {
  delete static_cast<handle_base*>(h->data);
}

}  // namespace net
