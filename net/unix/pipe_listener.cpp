#include "net/unix/pipe_listener.hpp"

#include <fcntl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace net {

namespace {

uv_error sys_error(int err, std::string what) {
  return uv_error{uv_translate_sys_error(err), std::move(what)};
}

const char* file_kind(mode_t mode) {
  if (S_ISREG(mode)) return "a regular file";
  if (S_ISDIR(mode)) return "a directory";
  if (S_ISLNK(mode)) return "a symbolic link";
  if (S_ISFIFO(mode)) return "a FIFO";
  if (S_ISCHR(mode)) return "a character device";
  if (S_ISBLK(mode)) return "a block device";
  return "not a socket";
}

// Whether something accepts connections on the socket file at `addr`: a
// non-blocking connect is refused at once by a socket nobody listens on,
// and succeeds (or finds the backlog full: EAGAIN) with a live listener,
// which then sees a connection that ends at once.
result<bool> someone_listens(const sockaddr_un& addr, const std::string& path) {
  int probe = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  if (probe < 0) return sys_error(errno, "socket (to probe " + path + ")");
  int rc = ::connect(probe, reinterpret_cast<const sockaddr*>(&addr), sizeof addr);
  int err = errno;
  ::close(probe);
  if (rc == 0 || err == EAGAIN) return true;
  if (err == ECONNREFUSED) return false;
  return sys_error(err, "connect (to probe " + path + ")");
}

// Binds a new Unix stream socket to `path` with mode 0600, replacing a stale
// socket file. Returns the bound descriptor.
result<int> bind_socket_file(const std::string& path, const sockaddr_un& addr) {
  // Two attempts: the second after a stale socket file was removed.
  for (int attempt = 0;; ++attempt) {
    int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) return sys_error(errno, "socket for " + path);
    // Linux gives the socket file the socket inode's mode less the umask:
    // set before bind, the file is never wider than 0600, and no
    // process-wide umask change races other threads creating files.
    if (::fchmod(fd, pipe_listener::socket_file_mode) != 0) {
      int err = errno;
      ::close(fd);
      return sys_error(err, "fchmod of the socket for " + path);
    }
    if (::bind(fd, reinterpret_cast<const sockaddr*>(&addr), sizeof addr) == 0)
      return fd;
    int err = errno;
    ::close(fd);
    if (err != EADDRINUSE || attempt > 0) return sys_error(err, "bind " + path);
    struct stat st;
    if (::lstat(path.c_str(), &st) != 0) {
      if (errno == ENOENT) continue;  // gone meanwhile: bind again
      return sys_error(errno, "stat " + path);
    }
    if (!S_ISSOCK(st.st_mode))
      return uv_error{UV_ENOTSOCK, path + " exists and is " +
                                       file_kind(st.st_mode) +
                                       ", not a socket; it was left alone"};
    auto live = someone_listens(addr, path);
    if (!live) return live.error();
    if (*live)
      return uv_error{UV_EADDRINUSE,
                      "bind " + path + ": another process listens on it"};
    // Stale. Remove it only if it is still the file just probed.
    struct stat again;
    if (::lstat(path.c_str(), &again) == 0 && again.st_dev == st.st_dev &&
        again.st_ino == st.st_ino && ::unlink(path.c_str()) != 0 &&
        errno != ENOENT)
      return sys_error(errno, "unlink of the stale socket " + path);
  }
}

}  // namespace

pipe_listener::pipe_listener(loop& l, std::unique_ptr<observer> obs)
    : handle_base(l), observer_(std::move(obs)) {}

result<pipe_listener*> pipe_listener::create(loop& l, const endpoint& local,
                                             const options& opts,
                                             std::unique_ptr<observer> obs) {
  if (!local.is_unix())
    return uv_error{UV_EINVAL, "Unix socket listen on " + local.to_string()};
  auto path = local.path();
  if (path.empty()) return uv_error{UV_EINVAL, "listen on an empty Unix socket path"};
  sockaddr_un addr{};
  std::memcpy(&addr, local.sockaddr_ptr(), sizeof addr);
  auto fd = bind_socket_file(path, addr);
  if (!fd) return fd.error();
  auto* self = new pipe_listener(l, std::move(obs));
  if (int rc = uv_pipe_init(l.raw(), &self->pipe_, 0); rc < 0) {
    ::close(*fd);
    ::unlink(path.c_str());
    discard(self);
    return uv_error{rc, "uv_pipe_init"};
  }
  self->pipe_.data = static_cast<handle_base*>(self);
  self->path_ = path;
  struct stat st;
  if (::lstat(path.c_str(), &st) == 0) {
    self->device_ = st.st_dev;
    self->inode_ = st.st_ino;
    self->owns_file_ = true;
  }
  int rc = uv_pipe_open(&self->pipe_, *fd);
  if (rc < 0) ::close(*fd);  // not the handle's yet
  if (rc == 0)
    rc = uv_listen(reinterpret_cast<uv_stream_t*>(&self->pipe_), opts.backlog,
                   &pipe_listener::on_connection);
  if (rc < 0) {
    self->observer_.reset();  // nobody to tell: the caller gets the error
    self->close();            // removes the file too
    return uv_error{rc, "listen on " + path};
  }
  return self;
}

void pipe_listener::on_connection(uv_stream_t* server, int status) {
  auto* self =
      static_cast<pipe_listener*>(static_cast<handle_base*>(server->data));
  if (!self->observer_) return;
  if (status < 0) {
    self->observer_->on_accept(uv_error{status, "accept"});
    return;
  }
  auto s = pipe_stream::create(self->owner(), nullptr);
  if (!s) {
    self->observer_->on_accept(s.error());
    return;
  }
  if (int rc = uv_accept(server, (*s)->raw_stream()); rc < 0) {
    (*s)->close();
    self->observer_->on_accept(uv_error{rc, "accept"});
    return;
  }
  self->observer_->on_accept(*s);
}

result<endpoint> pipe_listener::local_endpoint() const {
  return endpoint::from_path(path_);
}

void pipe_listener::on_close() {
  if (owns_file_) {
    // Only our own socket: another process may have replaced the file.
    struct stat st;
    if (::lstat(path_.c_str(), &st) == 0 && S_ISSOCK(st.st_mode) &&
        st.st_dev == device_ && st.st_ino == inode_)
      ::unlink(path_.c_str());
    owns_file_ = false;
  }
  if (observer_) observer_->on_closing();
}

}  // namespace net
