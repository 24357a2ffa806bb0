// Private to the generator: the builder of one NPU's step graph. graph_emitter.cpp emits nodes
// (ids, the compute stream, waits, tags), layer_graph.cpp the transformer layer and the embedding
// and output layers, step_graph.cpp the schedule, pipeline messages, gradient buckets and the
// optimizer.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "tessera/compute/gpu.hpp"
#include "tessera/workload/et.hpp"
#include "tessera/workload/llm/generator.hpp"
#include "tessera/workload/llm/schedule.hpp"
#include "tessera/workload/text_workload.hpp"

namespace tessera::llm::detail {

using NodeId = std::uint64_t;

/// What a pass is doing, for names and tags.
enum class PassKind : std::uint8_t { kForward, kBackward, kRecompute };

/// One parameter tensor of the local model (forward order), for gradient buckets.
struct ParamSlot {
  std::int64_t elements = 0;
  bool expert = false;  ///< in the expert buffer (reduced over EDP)
  int layer = -1;       ///< global layer index; -1 for embedding / output / final norm
  int bucket = -1;      ///< index into the chunk's buckets
};

/// A gradient bucket of one model chunk (params contiguous in backward order).
struct Bucket {
  bool expert = false;
  std::int64_t elements = 0;
  std::vector<int> params;             ///< indices into the chunk's slots
  int pending = 0;                     ///< grads not yet produced in the last backward
  std::optional<NodeId> param_gather;  ///< this step's parameter all-gather
};

struct ChunkParams {
  std::vector<ParamSlot> slots;
  std::vector<Bucket> buckets;                       ///< in launch order (last layers first)
  std::vector<int> index;                            ///< slot of (layer in chunk, SlotKind); -1 when absent
  int embedding = -1, output = -1, final_norm = -1;  ///< slots outside the layers
};

class StepGraph {
 public:
  /// `labels`, when given, receives the parallelism of every node, indexed by node id.
  StepGraph(const StepGenerator& gen, int npu, workload::TraceSink& sink,
            std::vector<workload::CommParallelism>* labels = nullptr);
  void build();

 private:
  // ---- graph_emitter.cpp: nodes
  NodeId compute(const std::string& op, const compute::Kernel& k);
  NodeId collective(const std::string& op, CollectiveType type, Bytes size, GroupKind group,
                    std::vector<NodeId> deps);
  /// `via`: the parallelism the message serves (pp for pipeline messages, tp/cp for rings).
  NodeId send(const std::string& op, GroupKind via, int dst, std::int32_t tag, Bytes size,
              std::vector<NodeId> deps);
  NodeId recv(const std::string& op, GroupKind via, int src, std::int32_t tag, Bytes size);
  NodeId p2p(workload::NodeType type, const std::string& op, int src, int dst, std::int32_t tag, Bytes size,
             std::vector<NodeId> deps);
  /// The next compute node waits for `id` (a CUDA stream wait).
  void wait(NodeId id) { waits_.push_back(id); }
  void wait(const std::optional<NodeId>& id) {
    if (id) waits_.push_back(*id);
  }
  /// The compute node last emitted: where an asynchronous collective is issued.
  std::vector<NodeId> here() const;
  std::string name(const std::string& op) const;
  /// Tag of a point-to-point message; both ends compute the same one.
  std::int32_t tag(int kind, int index, int sub) const;
  bool has_group(GroupKind g) const;

  // Kernel shapes (layer_graph.cpp).
  compute::Kernel gemm(std::int64_t m, std::int64_t n, std::int64_t k, compute::Precision p,
                       bool accumulate_fp32, std::int64_t batch = 1) const;
  compute::Kernel memory(double bytes) const;
  compute::Kernel attention(bool forward, std::int64_t q, std::int64_t kv, bool causal, double heads) const;

  // ---- layer_graph.cpp: one pass of the model pieces on the current micro-batch
  void layer_forward(int layer);
  void layer_backward(int layer, bool last_microbatch);
  void attention_forward();
  void attention_backward();
  /// Sizes and ring neighbours of context-parallel attention on this rank.
  struct CpShape {
    std::int64_t seq = 0, local = 0;  ///< sequence and the rank's part of it
    Bytes kv = 0, qkv = 0, out = 0;   ///< K‖V, Q‖K‖V and output bytes of the rank's tokens
    int next = 0, prev = 0;
  };
  CpShape cp_shape() const;
  /// Context-parallel ring step j's attention kernel.
  compute::Kernel ring_step(bool forward, int j) const;
  void dense_mlp_forward();
  void dense_mlp_backward(int layer, bool last_microbatch);
  /// Token copies this rank dispatches per MoE layer and micro-batch.
  std::int64_t moe_sent_tokens() const;
  void moe_forward();
  void moe_backward(int layer, bool last_microbatch);
  /// A column-parallel GEMM's forward (input all-gathered under SP) and backward.
  void column_forward(const std::string& op, std::int64_t n_out, compute::Precision p);
  void column_backward(const std::string& op, std::int64_t n_out, std::int64_t k_in, compute::Precision p,
                       int layer, int slot_kind, bool last_microbatch);
  /// A row-parallel GEMM's forward (output all-reduced, or reduce-scattered under SP) and backward.
  void row_forward(const std::string& op, std::int64_t k_in, compute::Precision p);
  void row_backward(const std::string& op, std::int64_t k_in, compute::Precision p, int layer, int slot_kind,
                    bool last_microbatch);
  void embedding_forward();
  void embedding_backward(bool last_microbatch);
  void output_forward();
  void output_backward(bool last_microbatch);
  void norm_forward(const std::string& op);
  void norm_backward(const std::string& op, int layer, int slot_kind, bool last_microbatch);

  // ---- step_graph.cpp
  void step(int s);
  void forward_pass(const PipeOp& op);
  void backward_pass(const PipeOp& op);
  void build_buckets();
  /// Marks the gradient of slot `kind` of `layer` (or of the embedding/output) as produced by the
  /// last emitted node; launches the buckets it completes.
  void grad_ready(int layer, int slot_kind, bool last_microbatch);
  void launch_bucket(int chunk, int bucket);
  /// The first forward of a chunk waits for the parameter all-gathers of the buckets holding
  /// transformer layer `layer`'s parameters, or one slot's (embedding, output layer).
  void wait_param_gather(int layer);
  void wait_param_gather_slot(int slot);
  void start_param_gather(int chunk);
  void finalize_and_optimize();
  int virtual_stage(int chunk) const { return chunk * run_.pp + co_.pp; }
  int global_layer(int chunk, int i) const { return layout_.first_layer(virtual_stage(chunk)) + i; }

  const StepGenerator& gen_;
  const LlmRun& run_;
  const Layout& layout_;
  const ProcessGroups& groups_;
  const compute::GpuModel& gpu_;
  int npu_;
  RankCoords co_;
  workload::TraceSink& sink_;
  std::vector<workload::CommParallelism>* labels_;  // per node id, or nullptr
  /// Records the parallelism of node `id` (when labels are wanted).
  void label(NodeId id, GroupKind via);
  workload::EtNode node_;

  // Derived sizes (bytes per element, tokens).
  compute::Precision math_;  ///< GEMM precision of transformer layers
  compute::AttentionBackend backend_;
  int e_ = 2;            ///< activation bytes
  int e_grad_ = 2;       ///< gradient bytes
  int e_param_ = 2;      ///< parameter bytes (1 with fp8 parameters)
  std::int64_t n_ = 0;   ///< tokens per micro-batch on this rank (before SP sharding)
  std::int64_t ns_ = 0;  ///< tokens held between TP regions (n / tp under SP)
  double heads_ = 0;     ///< query heads per TP rank
  double kv_heads_ = 0;  ///< KV heads per TP rank (at least 1)

  // Emission state.
  NodeId next_id_ = 0;
  std::optional<NodeId> last_compute_;
  std::vector<NodeId> waits_;
  std::optional<NodeId> last_dp_comm_;    // DP stream order
  std::optional<NodeId> optimizer_done_;  // previous step's optimizer
  std::vector<NodeId> grad_syncs_;        // this step's bucket collectives

  // Current pass.
  int step_ = 0;
  PassKind pass_ = PassKind::kForward;
  int mb_ = 0;
  int chunk_ = 0;
  int layer_ = -1;

  std::vector<ChunkParams> chunks_;
};

/// Slot kinds within a transformer layer, in forward (parameter creation) order.
enum SlotKind : int {
  kInputNorm = 0,
  kQkv,
  kProj,
  kMlpNorm,
  kFc1,
  kFc2,
  kRouter,
  kExpertFc1,
  kExpertFc2,
  kSlotKinds,
  // Outside transformer layers.
  kEmbedding = 100,
  kOutput,
  kFinalNorm,
};

}  // namespace tessera::llm::detail
