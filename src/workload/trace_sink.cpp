// FileTraceSink: a converted or generated trace set written as <prefix>.<npu>.et files.
#include <fmt/format.h>

#include "tessera/workload/et_io.hpp"
#include "tessera/workload/text_workload.hpp"

namespace tessera::workload {

struct FileTraceSink::Impl {
  std::unique_ptr<EtWriter> writer;
};

FileTraceSink::FileTraceSink(std::string prefix) : prefix_(std::move(prefix)), impl_(std::make_unique<Impl>()) {}
FileTraceSink::~FileTraceSink() = default;

void FileTraceSink::begin_npu(int npu, const EtGlobalMetadata& metadata) {
  files_.push_back(fmt::format("{}.{}.et", prefix_, npu));
  impl_->writer = std::make_unique<EtWriter>(files_.back(), metadata);
}

void FileTraceSink::node(const EtNode& node) { impl_->writer->write(node); }

void FileTraceSink::end_npu(int) {
  impl_->writer->close();
  impl_->writer.reset();
}

}  // namespace tessera::workload
