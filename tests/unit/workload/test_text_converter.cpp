// ASTRA-sim text workloads: byte-identical to Chakra's text converter, node counts per mode, and
// one clear error per malformed input.
#include <fstream>

#include "tessera/workload/et_io.hpp"
#include "tessera/workload/microbench.hpp"
#include "tessera/workload/text_workload.hpp"
#include "tessera/workload/trace_set.hpp"
#include "test_util.hpp"

namespace tessera::workload {
namespace {
using namespace test;

const std::vector<std::string> kConvertible = {
    "microAllReduce",       "microAllToAll", "Resnet50_DataParallel", "MLP_ModelParallel", "MLP_HybridParallel_Data_Model",
    "MLP_HybridParallel_Model_Data", "DLRM_HybridParallel"};

TEST(TextConverter, MatchesChakraByteForByte) {
  const auto dir = scratch_dir();
  for (const auto& stem : kConvertible) {
    const auto w = parse_text_workload(repo("traces/text/" + stem + ".txt"));
    FileTraceSink sink(dir + "/" + stem);
    convert_text_workload(w, 2, 2, sink);
    ASSERT_EQ(sink.files().size(), 2u);
    for (int npu = 0; npu < 2; ++npu) {
      const std::string name = stem + "." + std::to_string(npu) + ".et";
      EXPECT_EQ(read_bytes(dir + "/" + name), read_bytes(fixture("chakra-text-converter/" + name))) << name;
    }
  }
}

TEST(TextConverter, NodesPerPassFollowTheModeGraphs) {
  const std::vector<std::pair<std::string, std::uint64_t>> expected = {
      {"microAllReduce", 1},     {"Resnet50_DataParallel", 215},         {"MLP_ModelParallel", 29},
      {"MLP_HybridParallel_Data_Model", 35}, {"MLP_HybridParallel_Model_Data", 35}, {"DLRM_HybridParallel", 32}};
  const auto dir = scratch_dir();
  for (const auto& [stem, count] : expected) {
    const auto w = parse_text_workload(repo("traces/text/" + stem + ".txt"));
    EXPECT_EQ(text_nodes_per_pass(w), count) << stem;
    FileTraceSink sink(dir + "/" + stem);
    convert_text_workload(w, 1, 3, sink);
    EtReader r(sink.files()[0]);
    EtNode n;
    std::uint64_t nodes = 0;
    while (r.next(n)) ++nodes;
    EXPECT_EQ(nodes, 3 * count) << stem;
  }
}

TEST(TextConverter, ResNet50Contents) {
  const auto w = parse_text_workload(repo("traces/text/Resnet50_DataParallel.txt"));
  EXPECT_EQ(w.mode, Parallelism::kData);
  EXPECT_EQ(w.num_layers, 54);
  ASSERT_EQ(w.layers.size(), 54u);
  EXPECT_EQ(w.layers[0].name, "conv1");
  EXPECT_EQ(w.layers[0].line, 3);
  std::int64_t wg_bytes = 0;
  for (const auto& l : w.layers) wg_bytes += l.wg_size;
  EXPECT_EQ(wg_bytes, 102'011'648);
  EXPECT_EQ(w.text.find('\r'), std::string::npos);  // CRLF becomes LF, as Python text mode reads it
  EXPECT_EQ(text_workload_stem("a/b/Resnet50_DataParallel.txt"), "Resnet50_DataParallel");
}

TEST(TextConverter, IdsContinueAcrossNpus) {
  const auto dir = scratch_dir();
  const auto w = parse_text_workload(repo("traces/text/MLP_ModelParallel.txt"));
  FileTraceSink sink(dir + "/m");
  convert_text_workload(w, 3, 2, sink);
  EtReader r(sink.files()[2]);
  EtNode n;
  ASSERT_TRUE(r.next(n));
  EXPECT_EQ(n.id, 2u * 2u * 29u);  // NPU k starts at k * nodes-per-file
}

void expect_text_error(const std::string& dir, const std::string& content, const std::vector<std::string>& needles) {
  write_bytes(dir + "/w.txt", content);
  expect_input_error([&] { parse_text_workload(dir + "/w.txt"); }, needles);
}

TEST(TextConverterErrors, UnsupportedParallelism) {
  expect_input_error([] { parse_text_workload(repo("traces/text/Transformer_HybridParallel.txt")); },
                     {"Transformer_HybridParallel.txt:1", "unsupported parallelism type 'HYBRID_TRANSFORMER'",
                      "ASTRA-sim 1.0"});
  expect_input_error([] { parse_text_workload(repo("traces/text/sample_per_layer_parallel_HybridCustomized.txt")); },
                     {"'HYBRID_CUSTOMIZED'"});
}

TEST(TextConverterErrors, MalformedLines) {
  const auto dir = scratch_dir();
  const std::string layer = "l0 -1 1 NONE 0 1 NONE 0 1 ALLREDUCE 8 1\n";
  expect_text_error(dir, "DATA\n1\n" + layer + "\n", {"w.txt:4", "cannot parse the layer: 0 column(s)", "blank lines"});
  expect_text_error(dir, "DATA\n1\nl0 -1 1 NONE 0\n", {"w.txt:3", "5 column(s), need 12"});
  expect_text_error(dir, "DATA\n1\nl0 -1 x NONE 0 1 NONE 0 1 ALLREDUCE 8 1\n", {"w.txt:3", "column 3 (fwd_time) is 'x'"});
  expect_text_error(dir, "DATA\nmany\n" + layer, {"w.txt:2", "number of layers"});
  expect_text_error(dir, "HYBRID_DLRM\n1\n" + layer, {"w.txt:1", "last bottom layer"});
  expect_text_error(dir, "DATA\n1\n", {"no layers"});
  expect_text_error(dir, "", {"empty"});
  expect_input_error([] { parse_text_workload("/no/such/w.txt"); }, {"/no/such/w.txt", "does not exist"});
}

TEST(TextConverterErrors, GraphThatChakraCannotBuild) {
  // HYBRID_DLRM whose layer 0 has no ALLTOALL forward comm: Chakra's converter crashes.
  const auto dir = scratch_dir();
  write_bytes(dir + "/d.txt",
              "HYBRID_DLRM 1\n2\nemb -1 1 NONE 0 1 ALLTOALL 8 1 NONE 0 1\ntop -1 1 NONE 0 1 NONE 0 1 ALLREDUCE 8 1\n");
  const auto w = parse_text_workload(dir + "/d.txt");
  FileTraceSink sink(dir + "/d");
  expect_input_error([&] { convert_text_workload(w, 1, 1, sink); }, {"d.txt:4", "cannot be converted", "ALLTOALL"});
}

TEST(Microbench, MatchesAstraSimFixtures) {
  const auto dir = scratch_dir();
  for (const std::string c : {"all_reduce", "all_gather", "reduce_scatter", "all_to_all"}) {
    for (int npus : {4, 8, 16}) {
      const std::string sub = c + "/" + std::to_string(npus) + "npus_1MB";
      FileTraceSink sink(dir + "/" + c + std::to_string(npus));
      generate_microbenchmark(*collective_from_name(c), npus, 1 << 20, sink);
      ASSERT_EQ(sink.files().size(), static_cast<std::size_t>(npus));
      for (int i = 0; i < npus; ++i) {
        EXPECT_EQ(read_bytes(sink.files()[i]),
                  read_bytes(fixture("astra-sim/microbenchmarks/" + sub + "/" + c + "." + std::to_string(i) + ".et")))
            << sub << " npu " << i;
      }
    }
  }
}

TEST(Microbench, NamesAndErrors) {
  EXPECT_EQ(microbench_node_name(CollectiveType::kAllToAll, 16, 64 << 20), "all_to_all_16npus_64MB");
  EXPECT_EQ(microbench_node_name(CollectiveType::kAllReduce, 4, 1000), "all_reduce_4npus_1000B");
  const auto dir = scratch_dir();
  FileTraceSink sink(dir + "/b");
  expect_input_error([&] { generate_microbenchmark(CollectiveType::kGather, 4, 8, sink); },
                     {"no microbenchmark for GATHER"});
}

TEST(TextConverter, UnknownCollectiveNamesBecomeAllReduceWithOneWarningEach) {
  // Chakra's mapping is kept (byte-compatible output) but no longer silent: one warning per
  // distinct name with its first line and column; columns the mode never converts are ignored.
  const auto dir = scratch_dir();
  const std::string path = dir + "/typo.txt";
  {
    std::ofstream f(path);
    f << "DATA\n3\n"
      << "l1 -1 5 ALLTOAL 0 5 NONE 0 5 ALLREDUC 64 0\n"   // fwd ALLTOAL: unused in DATA
      << "l2 -1 5 NONE 0 5 NONE 0 5 ALLREDUC 64 0\n"
      << "l3 -1 5 NONE 0 5 NONE 0 5 NONE 64 0\n";        // NONE as a weight-gradient collective
  }
  const auto w = parse_text_workload(path);
  ASSERT_EQ(w.warnings.size(), 2u);
  EXPECT_EQ(w.warnings[0].file, path);
  EXPECT_EQ(w.warnings[0].line, 3);
  EXPECT_NE(w.warnings[0].str().find("unknown collective 'ALLREDUC' (column 10) is simulated as ALLREDUCE"),
            std::string::npos) << w.warnings[0].str();
  EXPECT_NE(w.warnings[0].str().find("1 more use(s)"), std::string::npos) << w.warnings[0].str();
  EXPECT_EQ(w.warnings[1].line, 5);
  EXPECT_NE(w.warnings[1].str().find("collective NONE (column 10) is simulated as an ALLREDUCE"), std::string::npos)
      << w.warnings[1].str();
  // The converted nodes are still ALL_REDUCE (comm_type 0), as Chakra writes them.
  const TraceSet set = load_text_workload(path, 1, 1, LoadOptions{});
  EXPECT_EQ(set.warnings.size(), 2u);
  std::size_t all_reduces = 0;
  for (const Node& n : set.npus[0].nodes()) {
    if (n.type() == NodeType::kCommColl && n.collective() == CollectiveType::kAllReduce) ++all_reduces;
  }
  EXPECT_EQ(all_reduces, 3u);
  // Every shipped convertible workload names only known collectives.
  for (const auto& stem : kConvertible) {
    EXPECT_TRUE(parse_text_workload(repo("traces/text/" + stem + ".txt")).warnings.empty()) << stem;
  }
}

}  // namespace
}  // namespace tessera::workload
