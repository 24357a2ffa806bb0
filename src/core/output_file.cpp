#include "tessera/output_file.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <random>

#include <fmt/format.h>

#include "tessera/error.hpp"

namespace tessera {
namespace {

namespace fs = std::filesystem;

[[noreturn]] void refuse(const OutputTarget& t, const std::string& what, const std::string& fix) {
  throw InputError(Diagnostic{"", 0, t.flag, fmt::format("{}: {}", t.given, what), fix});
}

const char* kind_of(mode_t mode) {
  if (S_ISFIFO(mode)) return "a FIFO";
  if (S_ISCHR(mode)) return "a character device";
  if (S_ISBLK(mode)) return "a block device";
  if (S_ISSOCK(mode)) return "a socket";
  return "a special file";
}

/// The descriptor a path names without naming a file: /dev/stdout, /dev/stderr, /dev/fd/N,
/// /proc/self/fd/N. Written through the open descriptor, so "> log" or ">> log" in the shell keeps
/// its meaning (reopening the path would start at offset 0, renaming would replace the file).
int inherited_descriptor(const std::string& path) {
  if (path == "/dev/stdout") return STDOUT_FILENO;
  if (path == "/dev/stderr") return STDERR_FILENO;
  for (const char* prefix : {"/dev/fd/", "/proc/self/fd/"}) {
    const std::size_t n = std::strlen(prefix);
    if (path.size() > n && path.compare(0, n, prefix) == 0) {
      const std::string digits = path.substr(n);
      if (digits.find_first_not_of("0123456789") != std::string::npos || digits.size() > 6) return -1;
      return std::atoi(digits.c_str());
    }
  }
  return -1;
}

/// Follows symbolic links by hand, so a link to a file that does not exist yet names the file it
/// will create (realpath() fails on a dangling link).
std::string follow_links(const OutputTarget& t) {
  std::string p = t.given;
  for (int hops = 0;; ++hops) {
    struct stat st {};
    if (::lstat(p.c_str(), &st) != 0 || !S_ISLNK(st.st_mode)) return p;
    if (hops == 40) refuse(t, "too many levels of symbolic links", "point the link at a file");
    std::string target(PATH_MAX, '\0');
    const ssize_t n = ::readlink(p.c_str(), target.data(), target.size());
    if (n < 0) refuse(t, fmt::format("cannot read the symbolic link ({})", std::strerror(errno)), "");
    target.resize(static_cast<std::size_t>(n));
    p = target.front() == '/' ? target : (fs::path(p).parent_path() / target).string();
  }
}

std::string real_path(const std::string& p) {
  char buf[PATH_MAX];
  return ::realpath(p.c_str(), buf) ? std::string(buf) : std::string();
}

void write_all(int fd, std::string_view bytes, const std::string& what) {
  std::size_t done = 0;
  while (done < bytes.size()) {
    const ssize_t n = ::write(fd, bytes.data() + done, bytes.size() - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      throw Error(fmt::format("cannot write {}: {}", what, std::strerror(errno)));
    }
    done += static_cast<std::size_t>(n);
  }
}

}  // namespace

OutputTarget resolve_output(const std::string& path, const std::string& flag, bool needs_regular_file) {
  OutputTarget t{path, flag, "", true};
  if (path.empty()) refuse(t, "an empty path", "give a file name, or leave the option out");
  if (const int fd = inherited_descriptor(path); fd >= 0) {
    if (needs_regular_file)
      refuse(t, "this output is written with seeks, so it must be a regular file, not a stream",
             "give a file name");
    if (::fcntl(fd, F_GETFD) < 0) refuse(t, fmt::format("descriptor {} is not open", fd), "");
    t.resolved = path;
    t.regular = false;
    return t;
  }
  const std::string p = follow_links(t);
  struct stat st {};
  if (::stat(p.c_str(), &st) == 0) {
    if (S_ISDIR(st.st_mode)) refuse(t, "is a directory", "give a file name inside it");
    if (!S_ISREG(st.st_mode)) {
      if (needs_regular_file)
        refuse(t, fmt::format("is {}; this output is written with seeks, so it must be a regular file",
                              kind_of(st.st_mode)),
               "give a file name");
      if (::access(p.c_str(), W_OK) != 0)
        refuse(t, fmt::format("is {} that cannot be written ({})", kind_of(st.st_mode), std::strerror(errno)), "");
      t.resolved = real_path(p);
      t.regular = false;
      return t;
    }
  } else if (errno != ENOENT) {
    refuse(t, fmt::format("cannot use this path ({})", std::strerror(errno)), "check each folder of the path");
  }
  // A regular or new file: its folder must exist and be writable (the temporary is made there).
  const fs::path fp(p);
  const std::string base = fp.filename().string();
  if (base.empty() || base == "." || base == "..") refuse(t, "names a folder, not a file", "give a file name");
  const std::string dir = fp.parent_path().empty() ? std::string(".") : fp.parent_path().string();
  const std::string real_dir = real_path(dir);
  struct stat dst {};
  if (real_dir.empty() || ::stat(real_dir.c_str(), &dst) != 0 || !S_ISDIR(dst.st_mode))
    refuse(t, fmt::format("the folder {} does not exist", dir), "create it first, or write somewhere else");
  if (::access(real_dir.c_str(), W_OK | X_OK) != 0)
    refuse(t, fmt::format("the folder {} is not writable ({})", dir, std::strerror(errno)),
           "write somewhere else (the file is written next to its final name, then renamed)");
  t.resolved = real_dir == "/" ? "/" + base : real_dir + "/" + base;
  return t;
}

void check_distinct_outputs(const std::vector<OutputTarget>& targets) {
  std::vector<Diagnostic> errors;
  for (std::size_t i = 0; i < targets.size(); ++i) {
    for (std::size_t j = 0; j < i; ++j) {
      if (targets[i].resolved != targets[j].resolved) continue;
      errors.push_back(Diagnostic{
          "", 0, targets[i].flag,
          fmt::format("{} is the same file as {} {}: one output would overwrite the other", targets[i].given,
                      targets[j].flag, targets[j].given),
          "give each output its own file"});
    }
  }
  if (!errors.empty()) throw InputError(std::move(errors));
}

std::int64_t random_tag() {
  std::random_device rd;
  const std::uint64_t r = (static_cast<std::uint64_t>(rd()) << 32) ^ rd();
  return static_cast<std::int64_t>(r >> 1);
}

std::string unique_suffix() { return fmt::format("{}.{:016x}", ::getpid(), random_tag()); }

OutputFile::OutputFile(OutputTarget target, std::string suffix, bool create) : target_(std::move(target)) {
  if (!target_.regular) {
    path_ = target_.resolved;
    return;
  }
  path_ = fmt::format("{}.partial.{}", target_.resolved, suffix.empty() ? unique_suffix() : suffix);
  if (!create) return;
  // O_EXCL: the name is new, so nothing that existed before (a file, a directory, a link planted
  // there) is written through or removed later.
  const int fd = ::open(path_.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
  if (fd < 0) {
    throw Error(fmt::format("{} {}: cannot create the temporary file {} ({})", target_.flag, target_.given, path_,
                            std::strerror(errno)));
  }
  created_ = true;
  // A replaced file keeps its permissions.
  struct stat st {};
  if (::stat(target_.resolved.c_str(), &st) == 0 && S_ISREG(st.st_mode)) ::fchmod(fd, st.st_mode & 07777);
  ::close(fd);
}

OutputFile::~OutputFile() {
  if (created_ && !committed_) ::unlink(path_.c_str());
}

void OutputFile::commit() {
  if (!target_.regular || committed_) return;
  if (::rename(path_.c_str(), target_.resolved.c_str()) != 0) {
    throw Error(fmt::format("{} {}: cannot move the finished file {} into place ({})", target_.flag, target_.given,
                            path_, std::strerror(errno)));
  }
  committed_ = true;
}

void write_output_file(const OutputTarget& target, std::string_view bytes) {
  const std::string what = fmt::format("{} {}", target.flag, target.given);
  if (const int fd = inherited_descriptor(target.given); fd >= 0 && !target.regular) {
    write_all(fd, bytes, what);
    return;
  }
  if (!target.regular) {
    // O_NONBLOCK for the open only: a FIFO nobody reads is an error, not a wait forever.
    const int fd = ::open(target.resolved.c_str(), O_WRONLY | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0) {
      throw Error(fmt::format("cannot open {}: {}{}", what, std::strerror(errno),
                              errno == ENXIO ? " (a FIFO that no process reads)" : ""));
    }
    ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) & ~O_NONBLOCK);
    try {
      write_all(fd, bytes, what);
    } catch (...) {
      ::close(fd);
      throw;
    }
    ::close(fd);
    return;
  }
  OutputFile out(target);
  const int fd = ::open(out.path().c_str(), O_WRONLY | O_TRUNC | O_CLOEXEC);
  if (fd < 0) throw Error(fmt::format("cannot open {} for {}: {}", out.path(), what, std::strerror(errno)));
  try {
    write_all(fd, bytes, what);
    // A full disk on some file systems (NFS, quotas) shows only at fsync or close.
    if (::fsync(fd) != 0 && errno != EINVAL) throw Error(fmt::format("cannot write {}: {}", what, std::strerror(errno)));
  } catch (...) {
    ::close(fd);
    throw;
  }
  if (::close(fd) != 0) throw Error(fmt::format("cannot write {}: {}", what, std::strerror(errno)));
  out.commit();
}

}  // namespace tessera
