#include "tessera/pdes/agreement.hpp"

#include <algorithm>
#include <exception>
#include <set>
#include <utility>

#include <fmt/format.h>

namespace tessera::pdes {
namespace {

// A rank's failures travel as one string: numbers end in ';', strings are "<length>:<bytes>".
void put(std::string& out, std::int64_t v) { out += fmt::format("{};", v); }
void put(std::string& out, const std::string& s) {
  out += fmt::format("{}:", s.size());
  out += s;
}

class Reader {
 public:
  explicit Reader(const std::string& s) : s_(s) {}
  bool done() const { return pos_ >= s_.size(); }
  std::int64_t number() {
    const std::size_t end = s_.find(';', pos_);
    const std::int64_t v = std::stoll(s_.substr(pos_, end - pos_));
    pos_ = end + 1;
    return v;
  }
  std::string text() {
    const std::size_t colon = s_.find(':', pos_);
    const std::size_t n = std::stoull(s_.substr(pos_, colon - pos_));
    std::string v = s_.substr(colon + 1, n);
    pos_ = colon + 1 + n;
    return v;
  }

 private:
  const std::string& s_;
  std::size_t pos_ = 0;
};

std::string encode(const std::vector<Failure>& failures) {
  std::string out;
  for (const Failure& f : failures) {
    put(out, f.order);
    put(out, static_cast<std::int64_t>(f.code));
    put(out, f.message);
    put(out, static_cast<std::int64_t>(f.diagnostics.size()));
    for (const Diagnostic& d : f.diagnostics) {
      put(out, d.file);
      put(out, static_cast<std::int64_t>(d.line));
      put(out, d.key);
      put(out, d.message);
      put(out, d.fix);
    }
  }
  return out;
}

void decode(const std::string& s, std::vector<Failure>& out) {
  Reader r(s);
  while (!r.done()) {
    Failure f;
    f.order = r.number();
    f.code = static_cast<ExitCode>(r.number());
    f.message = r.text();
    const std::int64_t n = r.number();
    for (std::int64_t i = 0; i < n; ++i) {
      Diagnostic d;
      d.file = r.text();
      d.line = static_cast<int>(r.number());
      d.key = r.text();
      d.message = r.text();
      d.fix = r.text();
      f.diagnostics.push_back(std::move(d));
    }
    out.push_back(std::move(f));
  }
}

}  // namespace

Failure current_failure(std::int64_t order) {
  Failure f;
  f.order = order;
  try {
    throw;
  } catch (const InputError& e) {
    f.code = e.code();
    f.diagnostics = e.diagnostics();
    f.message = e.what();
  } catch (const Error& e) {
    f.code = e.code();
    f.message = e.what();
  } catch (const std::exception& e) {
    f.code = ExitCode::kRuntime;
    f.message = fmt::format("internal error: {}", e.what());
  } catch (...) {
    f.code = ExitCode::kRuntime;
    f.message = "internal error: an unknown exception";
  }
  return f;
}

bool is_agreed(const std::exception& e) { return dynamic_cast<const Agreed*>(&e) != nullptr; }

void agree(Transport& transport, const std::vector<Failure>& mine) {
  std::vector<Failure> all;
  if (transport.size() == 1) {
    all = mine;
  } else {
    // Every rank's failures, rank by rank (so equal keys keep rank order in the stable sort).
    for (const std::string& s : transport.all_gather(encode(mine))) decode(s, all);
  }
  if (all.empty()) return;
  std::stable_sort(all.begin(), all.end(), [](const Failure& a, const Failure& b) { return a.order < b.order; });
  const bool input = std::all_of(all.begin(), all.end(), [](const Failure& f) {
    return f.code == ExitCode::kBadInput && !f.diagnostics.empty();
  });
  if (input) {
    std::vector<Diagnostic> diagnostics;
    std::set<std::string> seen;
    for (const Failure& f : all) {
      for (const Diagnostic& d : f.diagnostics) {
        if (seen.insert(d.str()).second) diagnostics.push_back(d);
      }
    }
    throw AgreedInputError(std::move(diagnostics));
  }
  std::string text;
  std::set<std::string> seen;
  for (const Failure& f : all) {
    if (!seen.insert(f.message).second) continue;
    if (!text.empty()) text += '\n';
    text += f.message;
  }
  throw AgreedError(text, all.front().code);
}

}  // namespace tessera::pdes
