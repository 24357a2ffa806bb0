// The rank an MPI launcher gave this process, read from its environment so that commands which
// never initialise MPI (validate, schema, trace) can still tell rank 0 from the others.
#include <cstdlib>
#include <string>

#include "commands.hpp"

namespace tessera::app {

int launcher_rank() {
  // Open MPI's mpirun, PMIx launchers, MPICH/Hydra and Slurm's srun, in that order.
  for (const char* name : {"OMPI_COMM_WORLD_RANK", "PMIX_RANK", "PMI_RANK", "SLURM_PROCID"}) {
    const char* v = std::getenv(name);
    if (v != nullptr && *v != '\0') {
      char* end = nullptr;
      const long r = std::strtol(v, &end, 10);
      if (end != v && *end == '\0' && r >= 0) return static_cast<int>(r);
    }
  }
  return 0;
}

}  // namespace tessera::app
