"""Lines of a child process's output, for the Python tests.

read_line() reads the descriptor itself and keeps what it read past the
line. select() on a buffered file object followed by readline() misses lines
already in the file's buffer (two lines arriving in one read): the next
select() then waits for output that was already read, until the hang guard.
"""
import os
import select
import time

_unread = {}  # bytes read past the last line returned, per descriptor


def read_line(f, timeout_s):
    """The next line of `f` (a pipe from a child), with its newline; what is
    left at end of output (maybe ""). Raises RuntimeError after timeout_s."""
    fd = f.fileno()
    buf = _unread.pop(fd, b"")
    deadline = time.monotonic() + timeout_s
    while b"\n" not in buf:
        left = deadline - time.monotonic()
        r, _, _ = select.select([fd], [], [], max(0.0, left))
        if not r:
            _unread[fd] = buf
            raise RuntimeError("no line within %.0f s" % timeout_s)
        chunk = os.read(fd, 65536)
        if not chunk:
            return buf.decode()
        buf += chunk
    line, _, rest = buf.partition(b"\n")
    _unread[fd] = rest
    return (line + b"\n").decode()
