// The rank-0 sinks of sink.hpp: the console report and the JSON summary.
#include <cstdio>

#include "tessera/error.hpp"
#include "tessera/output/sink.hpp"

namespace tessera::output {

void TextReportSink::write(const RunRecords& records, const RunReport& run) {
  bytes_ = 0;
  if (rank_ != 0) return;
  const std::string text =
      format_ == Format::kAstraSim ? format_astra_log(records, run) : format_summary(records, run);
  std::fputs(text.c_str(), out_);
  std::fflush(out_);
  bytes_ = text.size();
}

void SummaryJsonSink::write(const RunRecords& records, const RunReport& run) {
  if (rank_ == 0) write_output_file(target_, summary_json(records, run));
}

}  // namespace tessera::output
