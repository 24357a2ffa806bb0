"""The sample records written by hdf5_write_driver on 1, 2 and 4 ranks (round-robin NPUs, so a
rank's rows are scattered blocks) give files with identical content, in the documented layout."""
import os
import unittest

import h5py
import numpy as np

from h5_content import differences

DIR = os.environ.get("TESSERA_SAMPLE_H5_DIR", "")


def sample(np_):
    return os.path.join(DIR, f"np{np_}.h5")


class RankCounts(unittest.TestCase):
    def test_same_content_on_1_2_4_ranks(self):
        for n in (2, 4):
            self.assertEqual(differences(sample(1), sample(n)), [], f"np1 vs np{n}")

    def test_no_partial_file_left(self):
        for n in (1, 2, 4):
            self.assertFalse(os.path.exists(sample(n) + ".partial"))

    def test_layout(self):
        with h5py.File(sample(4), "r") as f:
            self.assertEqual(f.attrs["format"], b"tessera-timeline")
            self.assertEqual(int(f.attrs["format_version"]), 1)
            self.assertEqual(int(f.attrs["num_npus"]), 8)
            self.assertEqual(f.attrs["config"], b"network: {preset: ring-8}\n")
            strings = [s.decode() for s in f["strings"][()]]
            self.assertEqual(strings, sorted(set(strings)))
            self.assertEqual(strings[0], "")
            index = f["index/intervals"][()]
            self.assertEqual(len(index), 9)
            rows = f["npu/intervals"]
            self.assertEqual(index[-1], rows.shape[0])
            # Every NPU: 3 layers x (compute + all-reduce) + send + recv, in time order.
            for n in range(8):
                tl = rows[index[n]:index[n + 1]]
                self.assertEqual(len(tl), 8)
                self.assertTrue((tl["npu"] == n).all())
                self.assertTrue((np.diff(tl["start"]) >= 0).all())
                self.assertEqual(strings[tl["name"][0]], "layer0.fwd_bwd")
                self.assertEqual(list(tl["kind"][:2]), [4, 7])
            summary = f["npu/summary"][()]
            self.assertEqual(list(summary["npu"]), list(range(8)))
            for n in range(8):
                tl = rows[index[n]:index[n + 1]]
                comp = tl[tl["kind"] == 4]
                self.assertEqual(summary["compute"][n], int((comp["end"] - comp["start"]).sum()))
                self.assertEqual(summary["finish"][n], int(tl["end"].max()))
            self.assertEqual(int(f.attrs["end_time_ps"]), int(summary["finish"].max()))
            cidx = f["index/collectives"][()]
            self.assertEqual(list(np.diff(cidx)), [3] * 8)
            names = [strings[i] for i in f["links/totals"]["name"]]
            self.assertEqual(names, sorted(names))
            self.assertEqual(f["links/busy_fraction"].shape, (8, int(f.attrs["end_time_ps"]) // 1_000_000 + 1))
            busy = f["links/busy_fraction"][()]
            self.assertTrue(((busy >= 0) & (busy <= 1.0 + 1e-12)).all())
            # Per-link totals agree with the series.
            width = int(f.attrs["link_bin_width_ps"])
            np.testing.assert_allclose(busy.sum(axis=1) * width, f["links/totals"]["busy"], rtol=1e-12)
            self.assertTrue((f["links/bytes"][()].sum(axis=1) <= f["links/totals"]["bytes"]).all())


if __name__ == "__main__":
    unittest.main()
