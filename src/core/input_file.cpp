#include "tessera/input_file.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include <fmt/format.h>

#include "tessera/error.hpp"

namespace tessera {
namespace {

const char* kind_of(mode_t mode) {
  if (S_ISDIR(mode)) return "a directory";
  if (S_ISFIFO(mode)) return "a FIFO (named pipe)";
  if (S_ISCHR(mode)) return "a character device";
  if (S_ISBLK(mode)) return "a block device";
  if (S_ISSOCK(mode)) return "a socket";
  return "not a regular file";
}

/// Closes the descriptor on every path out of read_input_file.
struct Fd {
  int fd;
  ~Fd() {
    if (fd >= 0) ::close(fd);
  }
};

}  // namespace

std::string read_input_file(const std::string& path, const std::string& open_message, const std::string& open_fix,
                            std::int64_t max_bytes) {
  // O_NONBLOCK: opening a FIFO for reading would otherwise wait for a writer before fstat can
  // tell what it is.
  Fd f{::open(path.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC)};
  if (f.fd < 0) {
    const int err = errno;
    throw InputError(Diagnostic{path, 0, "", fmt::format("{} ({})", open_message, std::strerror(err)), open_fix});
  }
  struct stat st {};
  if (::fstat(f.fd, &st) != 0) {
    throw InputError(Diagnostic{path, 0, "", fmt::format("cannot examine the file ({})", std::strerror(errno)), ""});
  }
  if (!S_ISREG(st.st_mode)) {
    throw InputError(Diagnostic{path, 0, "", fmt::format("is {}, not a regular file", kind_of(st.st_mode)),
                                "give the path of an input file (inputs are read whole, so they must be files)"});
  }
  if (st.st_size > max_bytes) {
    throw InputError(Diagnostic{
        path, 0, "",
        fmt::format("the file is too large: {} bytes, at most {} bytes ({} MiB) are read for an input of this kind",
                    static_cast<std::int64_t>(st.st_size), max_bytes, max_bytes >> 20),
        "check that this is the intended file (configuration inputs are small)"});
  }
  // Back to blocking reads: a regular file never blocks, but the flag would make EAGAIN possible.
  ::fcntl(f.fd, F_SETFL, ::fcntl(f.fd, F_GETFL) & ~O_NONBLOCK);
  std::string text;
  text.resize(static_cast<std::size_t>(st.st_size));
  std::size_t got = 0;
  // Read until EOF but never past max_bytes (the file may grow while it is read).
  while (true) {
    if (got == text.size()) {
      if (static_cast<std::int64_t>(text.size()) > max_bytes) break;
      text.resize(std::min<std::size_t>(text.size() + 65536, static_cast<std::size_t>(max_bytes) + 1));
    }
    const ssize_t n = ::read(f.fd, text.data() + got, text.size() - got);
    if (n < 0) {
      if (errno == EINTR) continue;
      throw InputError(Diagnostic{path, 0, "", fmt::format("cannot read the file ({})", std::strerror(errno)), ""});
    }
    if (n == 0) break;
    got += static_cast<std::size_t>(n);
  }
  if (static_cast<std::int64_t>(got) > max_bytes) {
    throw InputError(Diagnostic{path, 0, "",
                                fmt::format("the file is too large: more than {} bytes ({} MiB)", max_bytes,
                                            max_bytes >> 20),
                                "check that this is the intended file"});
  }
  text.resize(got);
  return text;
}

}  // namespace tessera
