// The rank and size an MPI launcher gave this process, read from its environment: commands that
// never initialise MPI (validate, schema, trace) use the rank to print once, and `run` uses the
// size to decide whether to initialise MPI at all.
#include <cstdlib>
#include <initializer_list>
#include <string>

#include "commands.hpp"

namespace tessera::app {

namespace {
/// The first of `names` set to a non-negative integer in the environment, or -1.
int first_env_int(std::initializer_list<const char*> names) {
  for (const char* name : names) {
    const char* v = std::getenv(name);
    if (v != nullptr && *v != '\0') {
      char* end = nullptr;
      const long r = std::strtol(v, &end, 10);
      if (end != v && *end == '\0' && r >= 0) return static_cast<int>(r);
    }
  }
  return -1;
}
}  // namespace

int launcher_rank() {
  // Open MPI's mpirun, PMIx launchers, MPICH/Hydra and Slurm's srun, in that order.
  const int r = first_env_int({"OMPI_COMM_WORLD_RANK", "PMIX_RANK", "PMI_RANK", "SLURM_PROCID"});
  return r < 0 ? 0 : r;
}

int launcher_size() {
  // srun --mpi=pmix sets no *_SIZE variable before MPI_Init, only SLURM_STEP_NUM_TASKS.
  const int n = first_env_int(
      {"OMPI_COMM_WORLD_SIZE", "PMI_SIZE", "PMIX_SIZE", "MPI_LOCALNRANKS", "SLURM_STEP_NUM_TASKS"});
  return n < 1 ? 1 : n;
}

int launcher_local_size() {
  // Open MPI, PMIx and MPICH/Hydra; Slurm has no plain per-node count, and guessing high would
  // refuse runs that fit, so unknown means 1.
  const int n = first_env_int({"OMPI_COMM_WORLD_LOCAL_SIZE", "PMIX_LOCAL_SIZE", "MPI_LOCALNRANKS"});
  return n < 1 ? 1 : n;
}

}  // namespace tessera::app
