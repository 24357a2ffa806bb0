// Shared by the LLM tests: a run of a preset with the batch and parallel sizes given.
#pragma once

#include "tessera/workload/llm/run.hpp"

namespace tessera::llm::test {

inline LlmRun make_run(const char* model, std::int64_t gbs, int mbs, int tp, int pp = 1, int vp = 1,
                       int cp = 1) {
  LlmRun r;
  r.model = *find_model_preset(model);
  r.global_batch = gbs;
  r.micro_batch = mbs;
  r.tp = tp;
  r.pp = pp;
  r.vp = vp;
  r.cp = cp;
  return r;
}

}  // namespace tessera::llm::test
