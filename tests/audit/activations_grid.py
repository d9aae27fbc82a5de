#!/usr/bin/python3
"""Activation grid: convscope conv with a 1x1 identity kernel vs keras_reference.activation (float32-rounded)."""
import sys; sys.dont_write_bytecode = True
import sys, subprocess, numpy as np
import os; sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import keras_reference as kr
import os; B=sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..', 'build-audit', 'convscope')
vals = np.concatenate([np.linspace(-12, 12, 2401), [-3,3,-3.0000001,2.9999998,0,-0.0,1e-8,-1e-8,-100,100,-88,88.7,89,-87,-104,30,-30,20,-20,15,-15,1e-30,-1e-30]]).astype(np.float32)
x = vals.reshape(1,1,-1,1)
np.save('/tmp/ag_x.npy', x); np.save('/tmp/ag_k.npy', np.ones((1,1,1,1),np.float32))
for act in kr.ACTIVATIONS + ['hard_sigmoid_keras2','gelu_tanh']:
    r = subprocess.run([B,'conv','--input','/tmp/ag_x.npy','--kernel','/tmp/ag_k.npy','--output','/tmp/ag_y.npy','--activation',act], capture_output=True, text=True)
    if r.returncode: print(act, 'rc', r.returncode, r.stderr.strip()); continue
    y = np.load('/tmp/ag_y.npy').ravel().astype(np.float64)
    ref = kr.activation(act, vals.astype(np.float64))
    with np.errstate(all='ignore'):
        ref32 = ref.astype(np.float32).astype(np.float64)
        d = np.abs(y-ref32); rel = d/np.maximum(np.abs(ref32),1e-30)
        d = np.where((y==ref32), 0, d); rel=np.where(y==ref32,0,rel)
    i = np.nanargmax(np.where(np.isnan(rel), np.inf, rel))
    print(f"{act:14s} max_abs={np.nanmax(d):.3g} max_rel={np.nanmax(rel):.3g} worst x={vals[i]!r} got={y[i]!r} exp={ref[i]!r}")
