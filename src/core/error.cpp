#include "tessera/error.hpp"

#include <fmt/format.h>

namespace tessera {

std::string Diagnostic::str() const {
  std::string out;
  if (!file.empty()) {
    out += file;
    if (line > 0) out += fmt::format(":{}", line);
    out += ": ";
  }
  if (!key.empty()) out += key + ": ";
  out += message;
  if (!fix.empty()) out += " (fix: " + fix + ")";
  return out;
}

namespace {
std::string join(const std::vector<Diagnostic>& ds) {
  std::string out;
  for (std::size_t i = 0; i < ds.size(); ++i) {
    if (i) out += '\n';
    out += "error: " + ds[i].str();
  }
  return out;
}
}  // namespace

InputError::InputError(std::vector<Diagnostic> diagnostics)
    : Error(join(diagnostics), ExitCode::kBadInput), diagnostics_(std::move(diagnostics)) {}

}  // namespace tessera
