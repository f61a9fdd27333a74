// ref_echo_server: the reference for tools/bench.sh. A plain libuv echo server
// written the way the libuv book (docs.libuv.org/en/v1.x/guide) writes it:
// malloc(suggested_size) per read, one uv_write per read whose buffer is freed
// in the write callback, uv_close on EOF or error. Single-threaded; everything
// runs on the default loop. Keep it honest: no optimisation beyond the book.
//
//   ref_echo_server [--listen HOST:PORT]   (default 127.0.0.1:0, [v6]:port ok)
//
// The first stdout line is {"event":"listening","address":...,"port":N};
// SIGINT or SIGTERM closes every handle and exits 0.
#include <uv.h>

#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

#include "tools/hostport.hpp"

namespace {

// The book's DEFAULT_BACKLOG. tools/loadgen never keeps more than 64
// connections unaccepted, so it does not limit the benchmark.
constexpr int backlog = 128;

struct write_req {
  uv_write_t req;
  uv_buf_t buf;
};

uv_tcp_t server;
uv_signal_t sigint_handle;
uv_signal_t sigterm_handle;

void alloc_buffer(uv_handle_t*, size_t suggested_size, uv_buf_t* buf) {
  buf->base = static_cast<char*>(malloc(suggested_size));
  buf->len = suggested_size;
}

void on_close(uv_handle_t* handle) { free(handle); }

void echo_write(uv_write_t* req, int status) {
  // ECANCELED is the normal fate of writes still queued at shutdown.
  if (status < 0 && status != UV_ECANCELED)
    fprintf(stderr, "ref_echo_server: write: %s\n", uv_err_name(status));
  auto* wr = reinterpret_cast<write_req*>(req);
  free(wr->buf.base);
  free(wr);
}

void echo_read(uv_stream_t* client, ssize_t nread, const uv_buf_t* buf) {
  if (nread > 0) {
    auto* wr = static_cast<write_req*>(malloc(sizeof(write_req)));
    wr->buf = uv_buf_init(buf->base, static_cast<unsigned>(nread));
    if (int rc = uv_write(&wr->req, client, &wr->buf, 1, echo_write); rc < 0) {
      fprintf(stderr, "ref_echo_server: write: %s\n", uv_err_name(rc));
      free(wr->buf.base);
      free(wr);
      uv_close(reinterpret_cast<uv_handle_t*>(client), on_close);
    }
    return;
  }
  if (nread < 0) {
    if (nread != UV_EOF && nread != UV_ECONNRESET)
      fprintf(stderr, "ref_echo_server: read: %s\n",
              uv_err_name(static_cast<int>(nread)));
    uv_close(reinterpret_cast<uv_handle_t*>(client), on_close);
  }
  free(buf->base);
}

void on_new_connection(uv_stream_t* listener, int status) {
  if (status < 0) {
    fprintf(stderr, "ref_echo_server: accept: %s\n", uv_err_name(status));
    return;
  }
  auto* client = static_cast<uv_tcp_t*>(malloc(sizeof(uv_tcp_t)));
  uv_tcp_init(listener->loop, client);
  if (uv_accept(listener, reinterpret_cast<uv_stream_t*>(client)) == 0)
    uv_read_start(reinterpret_cast<uv_stream_t*>(client), alloc_buffer,
                  echo_read);
  else
    uv_close(reinterpret_cast<uv_handle_t*>(client), on_close);
}

// The listener and the signal handles are statics; only clients are heap.
bool is_static(uv_handle_t* h) {
  return h == reinterpret_cast<uv_handle_t*>(&server) ||
         h == reinterpret_cast<uv_handle_t*>(&sigint_handle) ||
         h == reinterpret_cast<uv_handle_t*>(&sigterm_handle);
}

void close_any(uv_handle_t* h, void*) {
  if (!uv_is_closing(h)) uv_close(h, is_static(h) ? nullptr : on_close);
}

void on_signal(uv_signal_t* handle, int) {
  uv_walk(handle->loop, close_any, nullptr);
}

}  // namespace

int main(int argc, char** argv) {
  auto where = tools::parse_listen_args(argc, argv, "ref_echo_server");

  // libuv leaves SIGPIPE alone: without this, a client that closes while
  // its echo is still being written would kill the server (exit 141).
  signal(SIGPIPE, SIG_IGN);
  uv_loop_t* loop = uv_default_loop();
  uv_tcp_init(loop, &server);
  int rc =
      uv_tcp_bind(&server, reinterpret_cast<const sockaddr*>(&where.addr), 0);
  // libuv may defer EADDRINUSE from bind to listen; both are checked.
  if (rc == 0)
    rc = uv_listen(reinterpret_cast<uv_stream_t*>(&server), backlog,
                   on_new_connection);
  if (rc < 0) {
    fprintf(stderr, "ref_echo_server: listen %s: %s\n", where.text.c_str(),
            uv_err_name(rc));
    return 1;
  }
  sockaddr_storage bound{};
  int len = sizeof bound;
  uv_tcp_getsockname(&server, reinterpret_cast<sockaddr*>(&bound), &len);

  uv_signal_init(loop, &sigint_handle);
  uv_signal_start(&sigint_handle, on_signal, SIGINT);
  uv_signal_init(loop, &sigterm_handle);
  uv_signal_start(&sigterm_handle, on_signal, SIGTERM);

  tools::print_listening(where.host, reinterpret_cast<sockaddr*>(&bound));

  uv_run(loop, UV_RUN_DEFAULT);
  rc = uv_loop_close(loop);
  if (rc != 0) {
    fprintf(stderr, "ref_echo_server: uv_loop_close: %s\n", uv_err_name(rc));
    return 1;
  }
  return 0;
}
