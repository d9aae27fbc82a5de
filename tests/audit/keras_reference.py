#!/usr/bin/python3
"""Independent numpy reference for Keras 3 (TensorFlow backend) Conv2D and
Conv2DTranspose, written from the Keras / TensorFlow sources only.

Sources relied on (quoted in the audit report):

* TensorFlow tensorflow/core/framework/kernel_shape_util.cc,
  GetWindowedOutputSizeVerboseV2:
      effective_filter_size = (filter_size - 1) * dilation_rate + 1;
      VALID: output_size = (input_size - effective_filter_size + stride) / stride;
      SAME:  output_size = (input_size + stride - 1) / stride;
             padding_needed = max(0, (output_size - 1) * stride
                                     + effective_filter_size - input_size);
             padding_before = padding_needed / 2;
             padding_after  = padding_needed - padding_before;
* keras/src/backend/common/backend_utils.py, _get_output_shape_given_tf_padding
  (the Conv2DTranspose output length used by the TF backend):
      kernel_size = (kernel_size - 1) * dilation_rate + 1
      valid: output_padding = max(kernel_size, strides) - kernel_size if None
             return (input_size - 1) * strides + kernel_size + output_padding
      same:  None -> input_size * strides
             else -> (input_size - 1) * strides + kernel_size % 2 + output_padding
* keras/src/backend/tensorflow/nn.py conv_transpose: computes that output
  shape, then tf.nn.conv_transpose(inputs, kernel, output_shape, strides,
  padding=padding.upper(), dilations=dilation_rate): the gradient of the
  forward conv (input of size output_shape, TF padding computed from it)
  with respect to its input.  TF's Conv2DBackpropInput requires that the
  forward conv of output_shape gives exactly the transposed input's size.
* keras/src/activations/activations.py and keras/src/backend/tensorflow/nn.py
  for the activations (hard_sigmoid = relu6(x + 3) / 6, gelu default
  approximate=False, leaky_relu negative_slope=0.2, elu alpha=1).

Everything is computed in float64.
"""

import math

import numpy as np


class TFRejects(ValueError):
    """A configuration that Keras/TensorFlow refuses."""


# ---------------------------------------------------------------- shapes ---

def eff(k, d):
    return (k - 1) * d + 1


def tf_windowed(in_size, k, d, s, padding):
    """GetWindowedOutputSizeVerboseV2: (out, pad_before, pad_after)."""
    dk = eff(k, d)
    if padding == "valid":
        out = (in_size - dk + s) // s  # C++ truncation; only valid if >= 0
        if in_size - dk + s < 0:
            out = -1
        return out, 0, 0
    if padding == "same":
        out = (in_size + s - 1) // s
        need = max(0, (out - 1) * s + dk - in_size)
        return out, need // 2, need - need // 2
    raise ValueError(padding)


def conv_out_len(in_size, k, d, s, padding):
    out, pb, pa = tf_windowed(in_size, k, d, s, padding)
    if out < 1:
        raise TFRejects(
            f"conv output size {out} < 1 (in={in_size}, k_eff={eff(k, d)}, s={s})")
    return out, pb, pa


def deconv_out_len(in_size, k, d, s, padding, output_padding=None):
    """keras _get_output_shape_given_tf_padding."""
    dk = eff(k, d)
    if padding == "valid":
        op = max(dk, s) - dk if output_padding is None else output_padding
        return (in_size - 1) * s + dk + op
    if output_padding is None:
        return in_size * s
    return (in_size - 1) * s + dk % 2 + output_padding


def transpose_geometry(in_size, k, d, s, padding, output_padding=None, extend=False):
    """Returns (L, pad_before, pad_after) where pad_* are the TF paddings of
    the forward conv of length L (which the transpose is the adjoint of).
    Raises TFRejects when TF's Conv2DBackpropInput would refuse."""
    L = deconv_out_len(in_size, k, d, s, padding, output_padding)
    if L < 1:
        raise TFRejects(f"transposed output length {L} < 1")
    out, pb, pa = tf_windowed(L, k, d, s, padding)
    if extend and out != in_size and padding == "same":
        # ConvScope's documented extension: TF's pad split computed with the
        # transposed input length instead of ceil(L/s).
        need = max(0, (in_size - 1) * s + eff(k, d) - L)
        return L, need // 2, need - need // 2
    if out != in_size:
        raise TFRejects(
            f"TF conv_backprop_input: forward conv of length {L} gives {out}, "
            f"not the input length {in_size}")
    return L, pb, pa


# ------------------------------------------------------------ activations --

SELU_ALPHA = 1.6732632423543772848170429916717
SELU_SCALE = 1.0507009873554804934193349852946

_erf = np.vectorize(math.erf, otypes=[np.float64])


def _sigmoid(x):
    return np.where(x >= 0, 1.0 / (1.0 + np.exp(-np.abs(x))),
                    np.exp(-np.abs(x)) / (1.0 + np.exp(-np.abs(x))))


def activation(name, x):
    x = np.asarray(x, dtype=np.float64)
    with np.errstate(over="ignore"):
        if name in (None, "linear", "none"):
            return x
        if name == "relu":
            return np.maximum(x, 0.0)
        if name == "sigmoid":
            return _sigmoid(x)
        if name == "tanh":
            return np.tanh(x)
        if name == "softplus":
            return np.maximum(x, 0.0) + np.log1p(np.exp(-np.abs(x)))
        if name == "softsign":
            return x / (1.0 + np.abs(x))
        if name == "elu":
            return np.where(x > 0, x, np.expm1(np.minimum(x, 0.0)))
        if name == "selu":
            return SELU_SCALE * np.where(
                x > 0, x, SELU_ALPHA * np.expm1(np.minimum(x, 0.0)))
        if name == "gelu":  # Keras 3 activations.gelu: approximate=False
            return 0.5 * x * (1.0 + _erf(x / math.sqrt(2.0)))
        if name == "gelu_tanh":
            return 0.5 * x * (1.0 + np.tanh(
                math.sqrt(2.0 / math.pi) * (x + 0.044715 * x ** 3)))
        if name in ("swish", "silu"):
            return x * _sigmoid(x)
        if name == "hard_sigmoid":  # Keras 3: relu6(x + 3) / 6
            return np.clip(x + 3.0, 0.0, 6.0) / 6.0
        if name == "hard_sigmoid_keras2":  # tf.keras 2: clip(0.2 x + 0.5)
            return np.clip(0.2 * x + 0.5, 0.0, 1.0)
        if name == "exponential":
            return np.exp(x)
        if name == "leaky_relu":  # Keras 3 activations.leaky_relu slope 0.2
            return np.where(x >= 0, x, 0.2 * x)
    raise ValueError(f"unknown activation {name}")


ACTIVATIONS = ["linear", "relu", "sigmoid", "tanh", "softplus", "softsign",
               "elu", "selu", "gelu", "swish", "silu", "hard_sigmoid",
               "exponential", "leaky_relu"]


# ------------------------------------------------------------ core loops ---

def _pair(v):
    if isinstance(v, (tuple, list)):
        return int(v[0]), int(v[1])
    return int(v), int(v)


def _forward_nhwc(x, k, s, d, pads, out_hw, groups):
    """Plain forward correlation (TF convention) on NHWC float64.
    x: (N,H,W,C), k: (KH,KW,C/groups,F), pads: (top,left)."""
    N, H, W, C = x.shape
    KH, KW, Cg, F = k.shape
    OH, OW = out_hw
    Fg = F // groups
    y = np.zeros((N, OH, OW, F))
    oh = np.arange(OH)
    ow = np.arange(OW)
    for i in range(KH):
        rows = oh * s[0] + i * d[0] - pads[0]
        vr = (rows >= 0) & (rows < H)
        for j in range(KW):
            cols = ow * s[1] + j * d[1] - pads[1]
            vc = (cols >= 0) & (cols < W)
            if not vr.any() or not vc.any():
                continue
            patch = x[:, rows[vr]][:, :, cols[vc]]  # (N, r, c, C)
            ri = np.nonzero(vr)[0]
            ci = np.nonzero(vc)[0]
            for g in range(groups):
                xin = patch[..., g * Cg:(g + 1) * Cg]
                w = k[i, j, :, g * Fg:(g + 1) * Fg]
                contrib = np.einsum("nrcq,qf->nrcf", xin, w)
                idx = np.ix_(np.arange(N), ri, ci,
                             np.arange(g * Fg, (g + 1) * Fg))
                y[idx] += contrib
    return y


def _adjoint_nhwc(g, k, s, d, pads, in_hw, groups):
    """Adjoint of _forward_nhwc with respect to x: g is (N,OH,OW,F), result
    is (N,H,W,C).  Exact scatter of the transpose of the linear map."""
    N, OH, OW, F = g.shape
    KH, KW, Cg, _ = k.shape
    H, W = in_hw
    C = Cg * groups
    Fg = F // groups
    x = np.zeros((N, H, W, C))
    oh = np.arange(OH)
    ow = np.arange(OW)
    for i in range(KH):
        rows = oh * s[0] + i * d[0] - pads[0]
        vr = (rows >= 0) & (rows < H)
        for j in range(KW):
            cols = ow * s[1] + j * d[1] - pads[1]
            vc = (cols >= 0) & (cols < W)
            if not vr.any() or not vc.any():
                continue
            gsub = g[:, vr][:, :, vc]  # (N, r, c, F)
            ri = rows[vr]
            ci = cols[vc]
            for gr in range(groups):
                w = k[i, j, :, gr * Fg:(gr + 1) * Fg]  # (Cg, Fg)
                contrib = np.einsum("nrcf,qf->nrcq",
                                    gsub[..., gr * Fg:(gr + 1) * Fg], w)
                # rows/cols within one tap are distinct (stride >= 1), so
                # fancy-index += is safe.
                idx = np.ix_(np.arange(N), ri, ci,
                             np.arange(gr * Cg, (gr + 1) * Cg))
                x[idx] += contrib
    return x


# ------------------------------------------------------------- public API --

def _to_nhwc(x, data_format):
    return x if data_format == "channels_last" else np.transpose(x, (0, 2, 3, 1))


def _from_nhwc(y, data_format):
    return y if data_format == "channels_last" else np.transpose(y, (0, 3, 1, 2))


def conv2d(x, kernel, bias=None, strides=1, padding="valid", dilation=1,
           groups=1, data_format="channels_last", activation_name="linear",
           check_keras=True):
    """keras.layers.Conv2D forward.  x is 4-D (or 3-D = one image)."""
    s = _pair(strides)
    d = _pair(dilation)
    x = np.asarray(x, dtype=np.float64)
    squeeze = x.ndim == 3
    if squeeze:
        x = x[None]
    k = np.asarray(kernel, dtype=np.float64)
    if check_keras and max(s) > 1 and max(d) > 1:
        raise TFRejects("strides > 1 with dilation_rate > 1")
    xh = _to_nhwc(x, data_format)
    N, H, W, C = xh.shape
    KH, KW, Cg, F = k.shape
    if C % groups or F % groups or Cg * groups != C:
        raise TFRejects("channel/group mismatch")
    oh, pt, pb = conv_out_len(H, KH, d[0], s[0], padding)
    ow, pl, pr = conv_out_len(W, KW, d[1], s[1], padding)
    y = _forward_nhwc(xh, k, s, d, (pt, pl), (oh, ow), groups)
    if bias is not None:
        y = y + np.asarray(bias, dtype=np.float64)
    y = activation(activation_name, y)
    y = _from_nhwc(y, data_format)
    return y[0] if squeeze else y


def conv2d_shape(input_shape, kernel_size, filters, strides=1,
                 padding="valid", dilation=1, data_format="channels_last"):
    s = _pair(strides)
    d = _pair(dilation)
    if data_format == "channels_last":
        N, H, W, C = input_shape
    else:
        N, C, H, W = input_shape
    oh, pt, pb = conv_out_len(H, kernel_size[0], d[0], s[0], padding)
    ow, pl, pr = conv_out_len(W, kernel_size[1], d[1], s[1], padding)
    shape = (N, oh, ow, filters) if data_format == "channels_last" else (N, filters, oh, ow)
    return shape, (pt, pb, pl, pr)


def conv2d_transpose_shape(input_shape, kernel_size, filters, strides=1,
                           padding="valid", dilation=1, output_padding=None,
                           data_format="channels_last"):
    """Returns (output_shape, (top, bottom, left, right)) where the padding is
    what TF's forward conv of the output applies (the crop of the full
    transposed result)."""
    s = _pair(strides)
    d = _pair(dilation)
    op = (None, None) if output_padding is None else _pair(output_padding)
    if data_format == "channels_last":
        N, H, W, C = input_shape
    else:
        N, C, H, W = input_shape
    LH, pt, pb = transpose_geometry(H, kernel_size[0], d[0], s[0], padding, op[0])
    LW, pl, pr = transpose_geometry(W, kernel_size[1], d[1], s[1], padding, op[1])
    shape = (N, LH, LW, filters) if data_format == "channels_last" else (N, filters, LH, LW)
    return shape, (pt, pb, pl, pr)


def conv2d_transpose(x, kernel, bias=None, strides=1, padding="valid",
                     dilation=1, output_padding=None, groups=1,
                     data_format="channels_last", activation_name="linear",
                     check_keras=True, extend=False):
    """keras.layers.Conv2DTranspose forward (TF backend).
    kernel: (KH, KW, filters/groups, Cin).  groups > 1 is not a Keras
    feature; it is defined here as the adjoint of the grouped forward conv
    (PyTorch's grouped conv_transpose)."""
    s = _pair(strides)
    d = _pair(dilation)
    op = None if output_padding is None else _pair(output_padding)
    x = np.asarray(x, dtype=np.float64)
    squeeze = x.ndim == 3
    if squeeze:
        x = x[None]
    k = np.asarray(kernel, dtype=np.float64)
    if check_keras:
        if max(s) > 1 and max(d) > 1:
            raise TFRejects("strides > 1 with dilation_rate > 1")
        if op is not None and (op[0] >= s[0] or op[1] >= s[1]):
            raise TFRejects("output_padding must be < strides")
    xh = _to_nhwc(x, data_format)
    N, H, W, Cin = xh.shape
    KH, KW, Fg, Cin_k = k.shape
    if Cin_k != Cin or Cin % groups:
        raise TFRejects("channel mismatch")
    F = Fg * groups
    LH, pt, pb = transpose_geometry(H, KH, d[0], s[0], padding,
                                    None if op is None else op[0], extend)
    LW, pl, pr = transpose_geometry(W, KW, d[1], s[1], padding,
                                    None if op is None else op[1], extend)
    # Forward conv maps (LH,LW,F) -> (H,W,Cin) with kernel (KH,KW,F/g,Cin).
    y = _adjoint_nhwc(xh, k, s, d, (pt, pl), (LH, LW), groups)
    if bias is not None:
        y = y + np.asarray(bias, dtype=np.float64)
    y = activation(activation_name, y)
    y = _from_nhwc(y, data_format)
    return y[0] if squeeze else y


# -------------------------------------------------------------- self test --

def _self_test(seed=0, n=200):
    """Checks (1) the adjoint identity <A u, v> == <u, A^T v>, and (2) the
    forward conv against a brute-force per-output-element loop."""
    rng = np.random.default_rng(seed)
    for _ in range(n):
        groups = int(rng.choice([1, 1, 2, 3]))
        Cg = int(rng.integers(1, 3))
        Fg = int(rng.integers(1, 3))
        C, F = Cg * groups, Fg * groups
        KH, KW = (int(v) for v in rng.integers(1, 5, 2))
        s = tuple(int(v) for v in rng.integers(1, 4, 2))
        d = (1, 1) if max(s) > 1 else tuple(int(v) for v in rng.integers(1, 3, 2))
        H, W = (int(v) for v in rng.integers(1, 9, 2))
        padding = str(rng.choice(["valid", "same"]))
        try:
            oh, pt, _ = conv_out_len(H, KH, d[0], s[0], padding)
            ow, pl, _ = conv_out_len(W, KW, d[1], s[1], padding)
        except TFRejects:
            continue
        x = rng.standard_normal((2, H, W, C))
        k = rng.standard_normal((KH, KW, Cg, F))
        y = _forward_nhwc(x, k, s, d, (pt, pl), (oh, ow), groups)
        # brute force
        yb = np.zeros_like(y)
        for n_ in range(2):
            for a in range(oh):
                for b in range(ow):
                    for f in range(F):
                        gr = f // Fg
                        acc = 0.0
                        for i in range(KH):
                            for j in range(KW):
                                r = a * s[0] + i * d[0] - pt
                                c = b * s[1] + j * d[1] - pl
                                if 0 <= r < H and 0 <= c < W:
                                    for q in range(Cg):
                                        acc += x[n_, r, c, gr * Cg + q] * k[i, j, q, f]
                        yb[n_, a, b, f] = acc
        assert np.allclose(y, yb, atol=1e-10), "forward mismatch"
        g = rng.standard_normal(y.shape)
        xa = _adjoint_nhwc(g, k, s, d, (pt, pl), (H, W), groups)
        lhs = float(np.sum(y * g))
        rhs = float(np.sum(x * xa))
        assert abs(lhs - rhs) <= 1e-9 * max(1.0, abs(lhs)), "adjoint mismatch"
    # Hand-checked TF examples.
    # tf.nn.conv2d_transpose of ones(1,2,2,1) with ones(3,3,1,1), stride 2,
    # SAME -> 4x4 output; forward pads for L=4: need=max(0,(2-1)*2+3-4)=1,
    # before 0, after 1.
    y = conv2d_transpose(np.ones((1, 2, 2, 1)), np.ones((3, 3, 1, 1)),
                         strides=2, padding="same")
    expect_row = np.array([1, 1, 2, 1], dtype=float)
    assert np.allclose(y[0, :, :, 0], np.outer(expect_row, expect_row)), y[0, :, :, 0]
    print("keras_reference self test passed")


if __name__ == "__main__":
    _self_test()
