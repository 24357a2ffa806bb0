"""Canonical content of an HDF5 file (every dataset's dtype, shape and values, every attribute),
for comparing files that HDF5 lays out differently on disk."""
import h5py
import numpy as np


def content(path):
    out = {}
    with h5py.File(path, "r") as f:
        out["/attrs"] = {k: (v.tobytes() if isinstance(v, np.ndarray) else v) for k, v in f.attrs.items()}

        def visit(name, obj):
            if isinstance(obj, h5py.Dataset):
                data = obj[()]
                out[name] = (str(obj.dtype), obj.shape, data.tobytes() if isinstance(data, np.ndarray) else data)
            else:
                out[name] = ("group", dict(obj.attrs))
        f.visititems(visit)
    return out


def differences(a, b):
    ca, cb = content(a), content(b)
    diffs = [f"only in {a}: {k}" for k in sorted(set(ca) - set(cb))]
    diffs += [f"only in {b}: {k}" for k in sorted(set(cb) - set(ca))]
    diffs += [f"differs: {k}" for k in sorted(set(ca) & set(cb)) if ca[k] != cb[k]]
    return diffs
