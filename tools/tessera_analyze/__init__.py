"""Analysis of Tessera's HDF5 output (docs/hdf5-layout.md): `tools/tessera-analyze`."""
