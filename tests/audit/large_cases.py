#!/usr/bin/python3
"""Larger layers (SIMD remainders, depthwise, transposed with output_padding) in both data formats."""
import sys; sys.dont_write_bytecode = True
import sys, numpy as np
import os; sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import compare as C, keras_reference as kr
BIN = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..', 'build', 'convscope')
run = C.Runner(BIN)
rng = np.random.default_rng(99)
res = []
cases = [
 (False, (2,37,53,17), (3,5,17,19), dict(strides=(1,1),padding='same',dilation=(2,3),groups=1)),
 (False, (1,33,31,24), (4,4,8,21), dict(strides=(2,3),padding='same',dilation=(1,1),groups=3)),
 (False, (1,40,29,16), (3,3,1,32), dict(strides=(1,1),padding='valid',dilation=(1,1),groups=16)),
 (False, (1,40,29,16), (5,2,1,16), dict(strides=(3,2),padding='same',dilation=(1,1),groups=16)),
 (True, (2,17,23,13), (4,3,11,13), dict(strides=(2,3),padding='same',dilation=(1,1),groups=1,output_padding=(1,2))),
 (True, (1,19,21,9), (5,5,7,9), dict(strides=(1,1),padding='same',dilation=(2,2),groups=1)),
 (True, (1,16,15,8), (2,2,5,8), dict(strides=(4,4),padding='valid',dilation=(1,1),groups=1)),
 (True, (1,16,15,8), (3,3,5,8), dict(strides=(2,2),padding='valid',dilation=(1,1),groups=1,output_padding=(1,0))),
 (True, (1,12,13,6), (3,3,1,6), dict(strides=(2,2),padding='same',dilation=(1,1),groups=6)),
]
for tr, xs, ks, c in cases:
  for fmt in ('channels_last','channels_first'):
    cfg = dict(c, transpose=tr, data_format=fmt, activation=str(rng.choice(kr.ACTIVATIONS)))
    cfg.setdefault('output_padding', None)
    xs2 = xs if fmt=='channels_last' else (xs[0],xs[3],xs[1],xs[2])
    F = ks[3] if not tr else ks[2]*cfg['groups']
    r = C.check_case(run, rng, cfg, xs2, ks, F, True, res, 'big')
    print(tr, fmt, r['kind'], r['ok'], r.get('max_ratio'), r.get('stderr'))
# float64 input
x = rng.standard_normal((1,6,7,3)); k = rng.standard_normal((3,3,3,2))
np.save('/tmp/f64x.npy', x); np.save('/tmp/f64k.npy', k)
import subprocess
r = subprocess.run([BIN,'conv','--input','/tmp/f64x.npy','--kernel','/tmp/f64k.npy','--output','/tmp/f64y.npy','--padding','same','--strides','2'],capture_output=True,text=True)
y = np.load('/tmp/f64y.npy'); ref = kr.conv2d(x.astype(np.float32), k.astype(np.float32), strides=2, padding='same')
print('float64 input', r.returncode, y.dtype, y.shape, np.abs(y-ref).max())
