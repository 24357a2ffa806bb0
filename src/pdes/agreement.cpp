#include "tessera/pdes/agreement.hpp"

#include <algorithm>
#include <cstdint>
#include <exception>
#include <set>
#include <utility>

#include <fmt/format.h>

namespace tessera::pdes {
namespace {

/// Every rank's failures, rank by rank, through the transport's typed all-gathers: one record
/// per failure and per diagnostic for the numbers, one list of strings for the texts (a
/// failure's message, then each diagnostic's file, key, message and fix).
std::vector<Failure> gather_failures(Transport& t, const std::vector<Failure>& mine) {
  struct Head {
    std::int64_t order;
    std::int32_t code;
    std::int32_t diagnostics;
  };
  std::vector<Head> heads;
  std::vector<std::int32_t> lines;
  std::vector<std::string> texts;
  for (const Failure& f : mine) {
    heads.push_back({f.order, static_cast<std::int32_t>(f.code), static_cast<std::int32_t>(f.diagnostics.size())});
    texts.push_back(f.message);
    for (const Diagnostic& d : f.diagnostics) {
      lines.push_back(d.line);
      for (const std::string* s : {&d.file, &d.key, &d.message, &d.fix}) texts.push_back(*s);
    }
  }
  const auto all_heads = t.all_gather_records(heads);
  const auto all_lines = t.all_gather_records(lines);
  const auto all_texts = t.all_gather_strings(texts);
  std::vector<Failure> all;
  for (std::size_t r = 0; r < all_heads.size(); ++r) {
    std::size_t line = 0, text = 0;
    for (const Head& h : all_heads[r]) {
      Failure f;
      f.order = h.order;
      f.code = static_cast<ExitCode>(h.code);
      f.message = all_texts[r][text++];
      for (std::int32_t k = 0; k < h.diagnostics; ++k) {
        Diagnostic d;
        d.line = all_lines[r][line++];
        for (std::string* s : {&d.file, &d.key, &d.message, &d.fix}) *s = all_texts[r][text++];
        f.diagnostics.push_back(std::move(d));
      }
      all.push_back(std::move(f));
    }
  }
  return all;
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
    all = gather_failures(transport, mine);
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
