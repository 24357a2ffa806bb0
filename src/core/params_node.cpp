// The parameter tree's own operations: lookup, the "expected X, got Y" wording, locations.
#include <fmt/format.h>

#include "tessera/params/node.hpp"

namespace tessera::params {

std::string join_path(const std::string& parent, const std::string& key) {
  if (parent.empty()) return key;
  return parent + "." + key;
}

const Node* Node::find(const std::string& key) const {
  for (const auto& [k, v] : entries) {
    if (k == key) return &v;
  }
  return nullptr;
}

namespace {

// A scalar as it appears in a message: at most 60 bytes; control bytes and bytes that never occur
// in UTF-8 as \xNN (UTF-8 such as "µs" is kept), so a binary file given by mistake yields a
// readable line instead of raw bytes on the terminal.
std::string printable(const std::string& text) {
  constexpr std::size_t kMax = 60;
  std::string out;
  for (std::size_t i = 0; i < text.size() && i < kMax; ++i) {
    const auto c = static_cast<unsigned char>(text[i]);
    const bool never_utf8 = c == 0xc0 || c == 0xc1 || c >= 0xf5;
    if (c >= 0x20 && c != 0x7f && !never_utf8) out += static_cast<char>(c);
    else out += fmt::format("\\x{:02x}", c);
  }
  if (text.size() > kMax) out += fmt::format("... ({} bytes)", text.size());
  return out;
}

}  // namespace

std::string Node::describe() const {
  switch (kind) {
    case Kind::kNull:
      return "nothing (null)";
    case Kind::kList:
      return "a list";
    case Kind::kMap:
      return "a mapping";
    case Kind::kScalar:
      break;
  }
  switch (scalar_type) {
    case Scalar::kString:
      return fmt::format("the string \"{}\"", printable(text));
    case Scalar::kNumber:
      return fmt::format("the number {}", text);
    case Scalar::kBool:
      return fmt::format("the boolean {}", text);
    case Scalar::kPlain:
      break;
  }
  return fmt::format("\"{}\"", printable(text));
}

Diagnostic Node::diag(std::string message, std::string fix) const {
  return Diagnostic{file, line, path, std::move(message), std::move(fix)};
}

}  // namespace tessera::params
