// NCCL's user overrides: the environment variables that force or restrict its choices, parsed as NCCL
// parses them (src/graph/tuning.cc parseList, src/graph/connect.cc, src/init.cc, src/transport/nvls.cc)
// but with an error, not a warning, for a value NCCL would reject or ignore.
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace tessera::collective::nccl {

/// Collective functions in NCCL's order (ncclFunc_t; names as ncclFuncStr).
enum class Func { kBroadcast, kReduce, kAllGather, kReduceScatter, kAllReduce };
inline constexpr int kNumFuncs = 5;
/// Algorithms in NCCL's order (NCCL_ALGO_*; names as ncclAlgoStr).
enum class Algo { kTree, kRing, kCollNetDirect, kCollNetChain, kNvls, kNvlsTree, kPat };
inline constexpr int kNumAlgos = 7;
/// Protocols in NCCL's order (NCCL_PROTO_*; names as ncclProtoStr).
enum class Proto { kLl, kLl128, kSimple };
inline constexpr int kNumProtos = 3;

std::string_view to_string(Func f);   ///< "AllReduce", ...
std::string_view to_string(Algo a);   ///< "Ring", "NVLSTree", ...
std::string_view to_string(Proto p);  ///< "LL", "LL128", "Simple"

/// The overrides a user can set. Defaults are NCCL's.
struct NcclOptions {
  /// NCCL_ALGO / NCCL_PROTO as enable matrices [function][algorithm|protocol]; LL128 starts at 2
  /// ("on where NCCL's rule allows it", src/graph/tuning.cc).
  std::array<std::array<int, kNumAlgos>, kNumFuncs> algo_enable{};
  std::array<std::array<int, kNumProtos>, kNumFuncs> proto_enable{};
  /// NCCL_NVLS_ENABLE: 0 off, 1 on, 2 on when the GPUs support multicast.
  int nvls_enable = 2;
  /// NCCL_MIN_NCHANNELS / NCCL_MAX_NCHANNELS (legacy NCCL_MIN_NRINGS / NCCL_MAX_NRINGS): clamp the
  /// collective CTAs after NCCL's duplication; -1 = unset.
  int min_nchannels = -1;
  int max_nchannels = -1;
  /// NCCL_MIN_CTAS / NCCL_MAX_CTAS (communicator config minCTAs/maxCTAs, default 1 and 64); they
  /// clamp the collective CTAs and the NVLS CTAs.
  int min_ctas = 1;
  int max_ctas = 64;
  /// NCCL_NVLS_NCHANNELS: NVLS CTAs; -1 = NCCL's default (16 on sm90).
  int nvls_nchannels = -1;
  /// NCCL_NVLS_CHUNKSIZE (bytes) and NCCL_NVLSTREE_MAX_CHUNKSIZE (-1 = NCCL's default).
  std::int64_t nvls_chunk_bytes = 128 * 1024;
  std::int64_t nvlstree_max_chunk_bytes = -1;
  /// NCCL_BUFFSIZE / NCCL_LL_BUFFSIZE / NCCL_LL128_BUFFSIZE: per-connection buffers; -1 = default.
  std::int64_t buff_bytes[kNumProtos] = {-1, -1, -1};
  /// NCCL_P2P_NET_CHUNKSIZE / NCCL_P2P_NVL_CHUNKSIZE / NCCL_P2P_PCI_CHUNKSIZE, NCCL_P2P_LL_THRESHOLD.
  std::int64_t p2p_net_chunk_bytes = 128 * 1024;
  std::int64_t p2p_nvl_chunk_bytes = 512 * 1024;
  std::int64_t p2p_pci_chunk_bytes = 128 * 1024;
  std::int64_t p2p_ll_threshold_bytes = 16384;
  /// NCCL_P2P_PXN_LEVEL (0 never, 1 when needed, 2 as much as possible) and NCCL_PXN_DISABLE.
  int p2p_pxn_level = 2;
  bool pxn_disable = false;

  NcclOptions();
  bool algo_enabled(Func f, Algo a) const { return algo_enable[int(f)][int(a)] != 0; }
};

/// The variable names `set_option` accepts.
const std::vector<std::string>& option_names();

/// Applies one variable, e.g. ("NCCL_ALGO", "allreduce:tree,ring;broadcast:ring"). Throws InputError
/// whose key is `where` (a file and key, or "environment") plus the variable, with the valid values
/// and a "did you mean" for a misspelt name or element.
void set_option(NcclOptions& options, std::string_view name, std::string_view value,
                std::string_view where = "environment");

/// Applies every NCCL_* variable of `vars` that `set_option` knows; other names are left alone (NCCL
/// reads hundreds of variables). All errors are reported together.
NcclOptions options_from_environment(const std::map<std::string, std::string>& vars);

/// NCCL's parseList on its own: fills `list[prefix][element]` from a string such as
/// "ring,collnetdirect;allreduce:tree,collnetdirect;broadcast:ring" or "^LL128;allreduce:LL128".
/// Returns "" or a description of the first problem.
std::string parse_list(std::string_view text, const std::vector<std::string_view>& prefixes,
                       const std::vector<std::string_view>& elements, std::vector<std::vector<int>>& list);

}  // namespace tessera::collective::nccl
