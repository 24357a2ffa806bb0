// Proves the parallel-HDF5 plumbing: every rank writes its own rows of one dataset collectively
// through MPI-IO, then rank 0 reads the whole dataset back and checks it.
#include <cstdio>
#include <vector>

#include <hdf5.h>
#include <mpi.h>

int main(int argc, char** argv) {
  MPI_Init(&argc, &argv);
  int me = 0, n = 1;
  MPI_Comm_rank(MPI_COMM_WORLD, &me);
  MPI_Comm_size(MPI_COMM_WORLD, &n);
  const char* path = argc > 1 ? argv[1] : "smoke.h5";
  const hsize_t rows_per_rank = 4;

  hid_t fapl = H5Pcreate(H5P_FILE_ACCESS);
  H5Pset_fapl_mpio(fapl, MPI_COMM_WORLD, MPI_INFO_NULL);
  hid_t file = H5Fcreate(path, H5F_ACC_TRUNC, H5P_DEFAULT, fapl);
  hsize_t dims[1] = {rows_per_rank * static_cast<hsize_t>(n)};
  hid_t space = H5Screate_simple(1, dims, nullptr);
  hid_t dset = H5Dcreate2(file, "values", H5T_NATIVE_INT64, space, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
  hsize_t start[1] = {rows_per_rank * static_cast<hsize_t>(me)}, count[1] = {rows_per_rank};
  H5Sselect_hyperslab(space, H5S_SELECT_SET, start, nullptr, count, nullptr);
  hid_t mem = H5Screate_simple(1, count, nullptr);
  std::vector<long long> mine(rows_per_rank);
  for (hsize_t i = 0; i < rows_per_rank; ++i) mine[i] = 1000LL * me + static_cast<long long>(i);
  hid_t xfer = H5Pcreate(H5P_DATASET_XFER);
  H5Pset_dxpl_mpio(xfer, H5FD_MPIO_COLLECTIVE);
  herr_t werr = H5Dwrite(dset, H5T_NATIVE_INT64, mem, space, xfer, mine.data());
  H5Pclose(xfer);
  H5Sclose(mem);
  H5Sclose(space);
  H5Dclose(dset);
  H5Fclose(file);
  H5Pclose(fapl);
  MPI_Barrier(MPI_COMM_WORLD);

  int ok = werr >= 0;
  if (me == 0) {
    hid_t f = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
    hid_t d = H5Dopen2(f, "values", H5P_DEFAULT);
    std::vector<long long> all(dims[0]);
    ok = ok && H5Dread(d, H5T_NATIVE_INT64, H5S_ALL, H5S_ALL, H5P_DEFAULT, all.data()) >= 0;
    for (int r = 0; r < n; ++r)
      for (hsize_t i = 0; i < rows_per_rank; ++i)
        ok = ok && all[r * rows_per_rank + i] == 1000LL * r + static_cast<long long>(i);
    H5Dclose(d);
    H5Fclose(f);
    std::printf(ok ? "hdf5_parallel_smoke: ok (%d ranks)\n" : "hdf5_parallel_smoke: FAILED (%d ranks)\n", n);
  }
  MPI_Bcast(&ok, 1, MPI_INT, 0, MPI_COMM_WORLD);
  MPI_Finalize();
  return ok ? 0 : 1;
}
