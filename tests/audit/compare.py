#!/usr/bin/python3
"""Compare `convscope conv` / `convscope shape --json` with the independent
numpy Keras/TF reference (keras_reference.py) on random and edge cases.

usage: compare.py [--bin build-audit/convscope] [--cases 400] [--seed 1]
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile

import numpy as np

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import keras_reference as kr  # noqa: E402


def fmt_pair(p):
    return f"{p[0]},{p[1]}"


class Runner:
    def __init__(self, binary):
        self.bin = binary
        self.tmp = tempfile.mkdtemp(prefix="cs_audit_")
        self.count = 0
        self.extra = []

    def conv(self, x, k, b, cfg, keep=False):
        self.count += 1
        d = self.tmp if not keep else tempfile.mkdtemp(prefix="cs_case_")
        xp, kp, bp, yp = (os.path.join(d, n) for n in ("x.npy", "k.npy", "b.npy", "y.npy"))
        np.save(xp, x.astype(np.float32))
        np.save(kp, k.astype(np.float32))
        if os.path.exists(yp):
            os.remove(yp)
        cmd = [self.bin, "conv", "--input", xp, "--kernel", kp, "--output", yp,
               "--strides", fmt_pair(cfg["strides"]), "--padding", cfg["padding"],
               "--dilation", fmt_pair(cfg["dilation"]), "--groups", str(cfg["groups"]),
               "--data-format", cfg["data_format"], "--activation", cfg["activation"]]
        cmd += self.extra
        if b is not None:
            np.save(bp, b.astype(np.float32))
            cmd += ["--bias", bp]
        if cfg.get("transpose"):
            cmd.append("--transpose")
            if cfg.get("output_padding") is not None:
                cmd += ["--output-padding", fmt_pair(cfg["output_padding"])]
        r = subprocess.run(cmd, capture_output=True, text=True)
        y = np.load(yp) if (r.returncode == 0 and os.path.exists(yp)) else None
        return r, y, cmd

    def shape(self, in_shape, ksize, filters, cfg):
        cmd = [self.bin, "shape", "--input-shape", ",".join(map(str, in_shape)),
               "--kernel-size", fmt_pair(ksize), "--filters", str(filters),
               "--strides", fmt_pair(cfg["strides"]), "--padding", cfg["padding"],
               "--dilation", fmt_pair(cfg["dilation"]), "--groups", str(cfg["groups"]),
               "--data-format", cfg["data_format"], "--json"]
        if cfg.get("transpose"):
            cmd.append("--transpose")
            if cfg.get("output_padding") is not None:
                cmd += ["--output-padding", fmt_pair(cfg["output_padding"])]
        r = subprocess.run(cmd, capture_output=True, text=True)
        js = None
        if r.returncode == 0:
            try:
                js = json.loads(r.stdout)
            except Exception:
                js = None
        return r, js, cmd


def reference(x, k, b, cfg, act=None):
    f = kr.conv2d_transpose if cfg.get("transpose") else kr.conv2d
    kw = dict(strides=cfg["strides"], padding=cfg["padding"], dilation=cfg["dilation"],
              groups=cfg["groups"], data_format=cfg["data_format"],
              activation_name=cfg["activation"] if act is None else act)
    if cfg.get("transpose"):
        kw["output_padding"] = cfg.get("output_padding")
        kw["check_keras"] = cfg.get("check_keras", True)
        kw["extend"] = cfg.get("extend", False)
    else:
        kw["check_keras"] = cfg.get("check_keras", True)
    return f(x, k, b, **kw)


def tolerance(x, k, b, cfg):
    """Per-element tolerance: float32 accumulation error bound scaled by the
    activation's local slope."""
    x64 = x.astype(np.float64)
    k64 = k.astype(np.float64)
    z = reference(x64, k64, b, cfg, act="linear")
    absscale = reference(np.abs(x64), np.abs(k64),
                         None if b is None else np.abs(b), cfg, act="linear")
    h = 1e-4
    slope = np.abs(kr.activation(cfg["activation"], z + h)
                   - kr.activation(cfg["activation"], z - h)) / (2 * h)
    ref = kr.activation(cfg["activation"], z)
    return 4e-6 * (absscale + 1e-3) * np.maximum(slope, 1.0) + 2e-6 * np.abs(ref) + 1e-7


def spatial_in(x_shape, fmt):
    return (x_shape[1], x_shape[2]) if fmt == "channels_last" else (x_shape[2], x_shape[3])


def random_case(rng, transpose):
    groups = int(rng.choice([1, 1, 1, 2, 3])) if (not transpose or rng.random() < 0.15) else 1
    cg = int(rng.integers(1, 4))
    fg = int(rng.integers(1, 4))
    C, F = cg * groups, fg * groups
    if groups > 1 and rng.random() < 0.3:  # depthwise
        cg, fg = 1, int(rng.integers(1, 3))
        C, F = groups, groups * fg
    ks = (int(rng.integers(1, 6)), int(rng.integers(1, 6)))
    if rng.random() < 0.5:
        strides = (int(rng.integers(1, 5)), int(rng.integers(1, 5)))
        dil = (1, 1)
    else:
        strides = (1, 1)
        dil = (int(rng.integers(1, 4)), int(rng.integers(1, 4)))
    padding = str(rng.choice(["valid", "same"]))
    fmt = str(rng.choice(["channels_last", "channels_first"]))
    H, W = int(rng.integers(1, 14)), int(rng.integers(1, 14))
    N = int(rng.integers(1, 3))
    op = None
    if transpose and rng.random() < 0.5:
        op = (int(rng.integers(0, strides[0])), int(rng.integers(0, strides[1])))
    act = str(rng.choice(kr.ACTIVATIONS))
    cfg = dict(strides=strides, padding=padding, dilation=dil, groups=groups,
               data_format=fmt, activation=act, transpose=transpose, output_padding=op)
    xs = (N, H, W, C) if fmt == "channels_last" else (N, C, H, W)
    if transpose:
        kshape = ks + (fg, C)  # (KH,KW,filters/groups,Cin)
        filters = F
    else:
        kshape = ks + (cg, F)
        filters = F
    return cfg, xs, kshape, filters


def check_case(run, rng, cfg, xs, kshape, filters, use_bias, results, label, scale=1.0):
    x = (rng.standard_normal(xs) * scale).astype(np.float32)
    k = (rng.standard_normal(kshape) * scale).astype(np.float32)
    b = rng.standard_normal(filters).astype(np.float32) if use_bias else None
    try:
        ref = reference(x, k, b, cfg)
        rej = None
    except kr.TFRejects as e:
        ref, rej = None, str(e)
    r, y, cmd = run.conv(x, k, b, cfg)
    rec = dict(label=label, cfg=cfg, xs=xs, kshape=kshape, cmd=" ".join(cmd),
               rc=r.returncode, stderr=r.stderr.strip())
    if ref is None and cfg.get("transpose") and cfg["padding"] == "same" and "forward conv" in rej:
        # The documented corner (same, even extent, output_padding 0): TF has
        # no answer; ConvScope documents extending TF's cropping rule.
        try:
            cfg = dict(cfg, extend=True)
            ref = reference(x, k, b, cfg)
            rec["label"] += " [TF-rejected corner, vs documented extension]"
        except kr.TFRejects:
            ref = None
    if ref is None:
        rec["kind"] = "tf_rejects"
        rec["reason"] = rej
        rec["ok"] = r.returncode != 0
        results.append(rec)
        return rec
    if y is None:
        rec["kind"] = "tool_failed"
        rec["ok"] = False
        rec["expected_shape"] = ref.shape
        results.append(rec)
        return rec
    if y.shape != ref.shape:
        rec["kind"] = "shape_mismatch"
        rec["ok"] = False
        rec["got_shape"] = y.shape
        rec["expected_shape"] = ref.shape
        results.append(rec)
        return rec
    tol = tolerance(x, k, b, cfg)
    # float32 overflow: TF in float32 gives +-inf where the float64 value
    # exceeds float32's range.
    f32max = float(np.finfo(np.float32).max)
    with np.errstate(invalid="ignore"):
        ref = np.where(np.abs(ref) > f32max, np.sign(ref) * np.inf, ref)
    yy = y.astype(np.float64)
    same_inf = np.isinf(ref) & (yy == ref)
    with np.errstate(invalid="ignore"):
        diff = np.where(same_inf, 0.0, np.abs(yy - ref))
    bad = ~(diff <= tol)  # NaN-safe
    rec["kind"] = "values"
    rec["max_abs"] = float(np.nanmax(diff)) if diff.size else 0.0
    rec["max_rel"] = float(np.nanmax(diff / (np.abs(ref) + 1e-6))) if diff.size else 0.0
    rec["max_ratio"] = float(np.nanmax(diff / tol)) if diff.size else 0.0
    rec["ok"] = not bool(bad.any())
    if not rec["ok"]:
        i = np.unravel_index(np.argmax(np.where(bad, diff / tol, 0)), diff.shape)
        rec["worst"] = dict(index=tuple(int(v) for v in i), got=float(y[i]), expected=float(ref[i]))
        rec["n_bad"] = int(bad.sum())
    results.append(rec)
    return rec


def check_shape(run, cfg, xs, ksize, filters, results, label):
    try:
        if cfg.get("transpose"):
            shp, pad = kr.conv2d_transpose_shape(xs, ksize, filters, cfg["strides"], cfg["padding"],
                                                 cfg["dilation"], cfg.get("output_padding"),
                                                 cfg["data_format"])
            # ConvScope reports, for a transposed layer, what is cropped from
            # the full (in-1)*s + extent result: TF's forward pad_before in
            # front, and the remainder (negative = appended) at the back.
            hw = spatial_in(xs, cfg["data_format"])
            L = shp[1:3] if cfg["data_format"] == "channels_last" else shp[2:4]
            full = [(hw[i] - 1) * cfg["strides"][i] + kr.eff(ksize[i], cfg["dilation"][i])
                    for i in range(2)]
            pad = (pad[0], full[0] - L[0] - pad[0], pad[2], full[1] - L[1] - pad[2])
        else:
            shp, pad = kr.conv2d_shape(xs, ksize, filters, cfg["strides"], cfg["padding"],
                                       cfg["dilation"], cfg["data_format"])
        rej = None
    except kr.TFRejects as e:
        shp, pad, rej = None, None, str(e)
    r, js, cmd = run.shape(xs, ksize, filters, cfg)
    rec = dict(label=label, kind="shape", cmd=" ".join(cmd), rc=r.returncode,
               stdout=r.stdout.strip()[:400], stderr=r.stderr.strip())
    if shp is None:
        rec["ok"] = r.returncode != 0 or bool(js and js.get("beyond_keras"))
        rec["reason"] = rej
        rec["kind"] = "shape_tf_rejects"
        results.append(rec)
        return rec
    if js is None:
        rec["ok"] = False
        rec["expected"] = (shp, pad)
        results.append(rec)
        return rec
    got_shape = tuple(js.get("output_shape", ()))
    p = js.get("padding", {})
    if isinstance(p, dict):
        got_pad = (p.get("top"), p.get("bottom"), p.get("left"), p.get("right"))
    else:
        got_pad = tuple(p)
    rec["got"] = (got_shape, got_pad)
    rec["expected"] = (tuple(shp), tuple(pad))
    rec["ok"] = got_shape == tuple(shp) and got_pad == tuple(pad)
    rec["beyond_keras"] = js.get("beyond_keras")
    if rec["ok"] and js.get("beyond_keras") and not (cfg.get("transpose") and cfg["groups"] > 1):
        rec["ok"] = False
        rec["note"] = "Keras-valid configuration flagged beyond_keras"
    results.append(rec)
    return rec


def edge_cases():
    """(label, cfg, xs, kshape, filters) for the probes the brief lists."""
    out = []

    def add(label, transpose, H, W, C, F, ks, strides=(1, 1), padding="valid", dil=(1, 1),
            op=None, groups=1, fmt="channels_last", act="linear", N=1):
        cfg = dict(strides=strides, padding=padding, dilation=dil, groups=groups,
                   data_format=fmt, activation=act, transpose=transpose, output_padding=op)
        xs = (N, H, W, C) if fmt == "channels_last" else (N, C, H, W)
        kshape = ks + ((F // groups, C) if transpose else (C // groups, F))
        out.append((label, cfg, xs, kshape, F))

    for pad in ("valid", "same"):
        for tr in (False, True):
            t = "T" if tr else "C"
            add(f"{t} stride>kernel {pad}", tr, 7, 9, 2, 3, (2, 1), (3, 4), pad)
            add(f"{t} stride>kernel big {pad}", tr, 5, 5, 1, 1, (1, 1), (4, 4), pad)
            add(f"{t} even kernel {pad} s2", tr, 6, 7, 2, 2, (2, 4), (2, 2), pad)
            add(f"{t} even kernel {pad} s1", tr, 5, 6, 1, 2, (4, 2), (1, 1), pad)
            add(f"{t} 1x1 image {pad}", tr, 1, 1, 3, 2, (3, 3), (1, 1), pad)
            add(f"{t} 1x1 image s2 {pad}", tr, 1, 1, 3, 2, (3, 2), (2, 2), pad)
            add(f"{t} 1x1 image k1 {pad}", tr, 1, 1, 2, 2, (1, 1), (1, 1), pad)
            add(f"{t} dilation extent>input {pad}", tr, 3, 4, 2, 2, (3, 3), (1, 1), pad, (3, 2))
            add(f"{t} dilation even extent {pad}", tr, 6, 5, 1, 2, (2, 3), (1, 1), pad, (3, 2))
            add(f"{t} channels_first {pad}", tr, 6, 5, 3, 4, (3, 2), (2, 1), pad, fmt="channels_first")
            add(f"{t} channels_first dil {pad}", tr, 6, 5, 3, 4, (3, 2), (1, 1), pad, (2, 2), fmt="channels_first")
            add(f"{t} groups2 {pad}", tr, 6, 6, 4, 6, (3, 3), (1, 2), pad, groups=2)
            add(f"{t} depthwise {pad}", tr, 5, 6, 3, 3, (3, 2), (2, 1), pad, groups=3)
            add(f"{t} depthwise mult {pad}", tr, 5, 6, 3, 6, (2, 3), (1, 1), pad, (2, 1), groups=3)
            add(f"{t} groups cf {pad}", tr, 5, 6, 4, 2, (3, 3), (1, 1), pad, groups=2, fmt="channels_first")
            add(f"{t} asym stride {pad}", tr, 9, 4, 2, 2, (3, 3), (3, 1), pad)
            add(f"{t} kernel==input {pad}", tr, 4, 3, 1, 1, (4, 3), (1, 1), pad)
        add(f"T valid kernel<stride {pad}", True, 4, 3, 2, 2, (2, 1), (3, 4), pad)
        add(f"T kernel1 stride3 {pad}", True, 3, 3, 1, 1, (1, 1), (3, 3), pad)
        for op in [(0, 0), (1, 0), (1, 2), (2, 1)]:
            add(f"T op={op} s3 k3 {pad}", True, 4, 5, 2, 3, (3, 3), (3, 3), pad, op=op)
            add(f"T op={op} s3 k2x4 {pad}", True, 4, 5, 2, 3, (2, 4), (3, 3), pad, op=op)
            add(f"T op={op} s3 k1 {pad}", True, 3, 2, 1, 1, (1, 1), (3, 3), pad, op=op)
            add(f"T op={op} s3 k5 cf {pad}", True, 3, 2, 2, 1, (5, 5), (3, 3), pad, op=op,
                fmt="channels_first")
        add(f"T op=0 s1 k3 {pad}", True, 4, 4, 1, 1, (3, 3), (1, 1), pad, op=(0, 0))
        add(f"T op=0 s1 k3 dil2 {pad}", True, 4, 4, 1, 1, (3, 3), (1, 1), pad, (2, 2), op=(0, 0))
        add(f"T op=1 s2 k2 {pad}", True, 4, 4, 1, 1, (2, 2), (2, 2), pad, op=(1, 1))
        add(f"T op=1 s2 k4 {pad}", True, 3, 4, 1, 2, (4, 4), (2, 2), pad, op=(1, 1))
        # TF-rejected corner (same, even extent, op 0): expect refusal or a
        # flagged extension.
        add(f"T op=0 s2 k2 {pad} (TF rejects if same)", True, 4, 4, 1, 1, (2, 2), (2, 2), pad, op=(0, 0))
        add(f"T op=0 s1 k2 {pad} (TF rejects if same)", True, 4, 4, 1, 1, (2, 2), (1, 1), pad, op=(0, 0))
        # conv valid with kernel > input: TF rejects.
        add(f"C kernel>input {pad}", False, 2, 5, 1, 1, (3, 3), (1, 1), pad)
        add(f"C dilated extent>input {pad}", False, 3, 5, 1, 1, (2, 2), (1, 1), pad, (3, 1))
    for act in kr.ACTIVATIONS:
        add(f"C act {act}", False, 5, 5, 2, 3, (3, 3), (1, 1), "same", act=act)
        add(f"T act {act}", True, 3, 3, 2, 3, (3, 3), (2, 2), "same", act=act)
    add("C batch 3", False, 5, 4, 2, 2, (3, 2), (2, 1), "same", N=3)
    add("T batch 3", True, 5, 4, 2, 2, (3, 2), (2, 1), "same", N=3)
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", default=os.path.join(os.path.dirname(__file__), "..", "..",
                                                  "build-audit", "convscope"))
    ap.add_argument("--cases", type=int, default=400)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--verbose", action="store_true")
    ap.add_argument("--extra", default="", help="extra conv flags, e.g. '--reference' or '--threads 1'")
    a = ap.parse_args()
    run = Runner(os.path.abspath(a.bin))
    run.extra = a.extra.split()
    rng = np.random.default_rng(a.seed)
    results = []

    # Edge cases.
    for label, cfg, xs, kshape, filters in edge_cases():
        for use_bias in (False, True):
            check_case(run, rng, cfg, xs, kshape, filters, use_bias, results, "edge: " + label)
        check_shape(run, cfg, xs, kshape[:2], filters, results, "edge shape: " + label)

    # 3-D input (one image).
    for tr in (False, True):
        cfg = dict(strides=(2, 1), padding="same", dilation=(1, 1), groups=1,
                   data_format="channels_last", activation="relu", transpose=tr,
                   output_padding=None)
        x = rng.standard_normal((5, 6, 2)).astype(np.float32)
        k = rng.standard_normal((3, 3, 2, 4) if not tr else (3, 3, 4, 2)).astype(np.float32)
        ref = reference(x, k, None, cfg)
        r, y, cmd = run.conv(x, k, None, cfg)
        ok = y is not None and y.shape == ref.shape and np.allclose(y, ref, atol=1e-4)
        results.append(dict(label=f"3-D input transpose={tr}", kind="values", ok=ok,
                            cmd=" ".join(cmd), rc=r.returncode, stderr=r.stderr.strip(),
                            got_shape=None if y is None else y.shape, expected_shape=ref.shape))

    # Random cases.
    n_rand = 0
    n_rej = 0
    while n_rand < a.cases:
        tr = bool(rng.random() < 0.5)
        cfg, xs, kshape, filters = random_case(rng, tr)
        ok_ref = True
        try:
            if tr:
                kr.conv2d_transpose_shape(xs, kshape[:2], filters, cfg["strides"], cfg["padding"],
                                          cfg["dilation"], cfg["output_padding"], cfg["data_format"])
            else:
                kr.conv2d_shape(xs, kshape[:2], filters, cfg["strides"], cfg["padding"],
                                cfg["dilation"], cfg["data_format"])
        except kr.TFRejects:
            ok_ref = False
        if not ok_ref:
            n_rej += 1
            if n_rej > 60:
                continue
            # still record the behaviour on TF-rejected configs, a few
        else:
            n_rand += 1
        scale = float(rng.choice([1.0, 1.0, 0.3, 3.0]))
        check_case(run, rng, cfg, xs, kshape, filters, bool(rng.random() < 0.6), results,
                   "random", scale)
        check_shape(run, cfg, xs, kshape[:2], filters, results, "random shape")

    # Report.
    bad = [r for r in results if not r["ok"]]
    vals = [r for r in results if r.get("kind") == "values" and r["ok"] and "max_abs" in r]
    print(f"tool invocations: {run.count} conv + shapes; records: {len(results)}")
    print(f"random valid cases: {n_rand}; TF-rejected random configs probed: {min(n_rej, 60)}")
    if vals:
        print("agreeing value cases: %d, max abs diff %.3g, max rel diff %.3g, max diff/tol %.3g"
              % (len(vals), max(r["max_abs"] for r in vals), max(r["max_rel"] for r in vals),
                 max(r["max_ratio"] for r in vals)))
    print(f"DISAGREEMENTS: {len(bad)}")
    seen = {}
    for r in bad:
        key = (r["label"].split(" (")[0] if r["label"].startswith("edge") else r["kind"])
        seen.setdefault(key, 0)
        seen[key] += 1
        if seen[key] > (3 if not a.verbose else 1000):
            continue
        print("-" * 78)
        for kk in ("label", "kind", "cmd", "rc", "stderr", "reason", "expected_shape", "got_shape",
                   "max_abs", "max_ratio", "n_bad", "worst", "expected", "got", "note", "stdout",
                   "beyond_keras"):
            if kk in r and r[kk] not in (None, ""):
                print(f"  {kk}: {r[kk]}")
        if "cfg" in r:
            print(f"  cfg: {r['cfg']}  x{r['xs']} k{r['kshape']}")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
