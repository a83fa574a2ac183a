// A minimal, read-only TFLite flatbuffer reader, independent of nn/'s C loader.
// It reads what the reference harness needs: tensor shapes and types of the first
// subgraph's inputs and outputs, a multiply-accumulate count for GFLOP/s, and a way to
// reorder the outputs (the reference runtime only exposes output 0).
// Every read goes through a DataView, which throws RangeError on an out-of-bounds offset,
// and vectors are length-checked against the file size, so a corrupt file cannot hang us.

const TYPE_NAMES = ['float32', 'float16', 'int32', 'uint8', 'int64', 'string', 'bool',
  'int16', 'complex64', 'int8'];

// TFLite builtin operator codes used for MAC counting (schema.fbs BuiltinOperator).
const OP_CONV_2D = 3;
const OP_DEPTHWISE_CONV_2D = 4;
const OP_FULLY_CONNECTED = 9;
const OP_CUSTOM = 32;
const OP_TRANSPOSE_CONV = 67;
const OP_PLACEHOLDER = 127; // deprecated_builtin_code value meaning "see builtin_code"

class Reader {
  constructor(bytes) {
    this.u8 = bytes;
    this.dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }
  u32(p) { return this.dv.getUint32(p, true); }
  i32(p) { return this.dv.getInt32(p, true); }
  // Absolute position of field `i` of the table at `t`, or 0 when absent.
  field(t, i) {
    const vt = t - this.i32(t);
    const vtSize = this.dv.getUint16(vt, true);
    if (4 + 2 * i + 2 > vtSize) return 0;
    const off = this.dv.getUint16(vt + 4 + 2 * i, true);
    return off ? t + off : 0;
  }
  ref(t, i) {
    const p = this.field(t, i);
    return p ? p + this.u32(p) : 0;
  }
  // A vector field: { at: first element position, n: element count }.
  vec(t, i, elemSize) {
    const v = this.ref(t, i);
    if (!v) return { at: 0, n: 0 };
    const n = this.u32(v);
    if (v + 4 + n * elemSize > this.u8.length) throw new RangeError('vector past end of file');
    return { at: v + 4, n };
  }
  tableAt(vecPos, k) { const p = vecPos + 4 * k; return p + this.u32(p); }
  ints(t, i) {
    const { at, n } = this.vec(t, i, 4);
    return Array.from({ length: n }, (_, k) => this.i32(at + 4 * k));
  }
  str(t, i) {
    const { at, n } = this.vec(t, i, 1);
    return n ? new TextDecoder().decode(this.u8.subarray(at, at + n)) : '';
  }
  scalar(t, i, kind, dflt) {
    const p = this.field(t, i);
    if (!p) return dflt;
    return kind === 'u8' ? this.dv.getUint8(p) : this.i32(p);
  }
}

function subgraph0(r) {
  const root = r.u32(0);
  if (r.u8.length < 8 || new TextDecoder().decode(r.u8.subarray(4, 8)) !== 'TFL3') {
    throw new Error('not a TFLite flatbuffer (identifier is not TFL3)');
  }
  const sgs = r.vec(root, 2, 4);
  if (sgs.n < 1) throw new Error('model has no subgraph');
  return { root, sg: r.tableAt(sgs.at, 0) };
}

function tensorInfo(r, sg, index) {
  const ts = r.vec(sg, 0, 4);
  if (index < 0 || index >= ts.n) throw new RangeError(`tensor index ${index} out of range`);
  const t = r.tableAt(ts.at, index);
  const type = r.scalar(t, 1, 'u8', 0);
  const shape = r.ints(t, 0);
  return {
    index, name: r.str(t, 3), shape, type: TYPE_NAMES[type] ?? `type${type}`,
    count: shape.reduce((a, b) => a * b, 1),
  };
}

function opcodeOf(r, root, index) {
  const codes = r.vec(root, 1, 4);
  if (index >= codes.n) throw new RangeError(`opcode index ${index} out of range`);
  const c = r.tableAt(codes.at, index);
  const dep = r.scalar(c, 0, 'u8', 0);
  const code = dep === OP_PLACEHOLDER ? r.scalar(c, 3, 'i32', 0) : dep;
  return { code, custom: code === OP_CUSTOM ? r.str(c, 1) : '' };
}

// MACs of one operator from static shapes: output elements times the reduction length.
function opMacs(op, ins, outs) {
  const first = (a) => (a ? a.shape : []);
  const w = first(ins[1]);
  const out = outs[0];
  if (!out || !w.length) return 0;
  switch (op.code) {
    case OP_CONV_2D: return out.count * w[1] * w[2] * w[3];       // w: [O, KH, KW, I]
    case OP_DEPTHWISE_CONV_2D: return out.count * w[1] * w[2];    // w: [1, KH, KW, C]
    case OP_FULLY_CONNECTED: return out.count * w[w.length - 1];  // w: [O, I]
    case OP_TRANSPOSE_CONV: {                                     // ins: shape, w, x
      const x = ins[2];
      return x ? x.count * w[0] * w[1] * w[2] : 0;
    }
    case OP_CUSTOM:
      if (op.custom === 'Convolution2DTransposeBias') {           // ins: x, w, bias
        return ins[0].count * w[0] * w[1] * w[2];
      }
      return 0;
    default: return 0;
  }
}

// Parses the parts of a model the harness needs.
export function readModel(bytes) {
  const r = new Reader(bytes);
  const { root, sg } = subgraph0(r);
  const info = (i) => tensorInfo(r, sg, i);
  const inputs = r.ints(sg, 1).map(info);
  const outputs = r.ints(sg, 2).map(info);
  const ops = r.vec(sg, 3, 4);
  let macs = 0;
  const opNames = new Set();
  for (let k = 0; k < ops.n; k++) {
    const o = r.tableAt(ops.at, k);
    const op = opcodeOf(r, root, r.scalar(o, 0, 'u32', 0));
    opNames.add(op.custom || String(op.code));
    const list = (f) => r.ints(o, f).map((i) => (i >= 0 ? info(i) : null));
    macs += opMacs(op, list(1), list(2));
  }
  return { inputs, outputs, macs, operators: ops.n, opNames: [...opNames] };
}

// Returns a copy of the model whose subgraph output `k` is listed first; the graph and
// weights are untouched, so every tensor is computed exactly as before.
export function withOutputFirst(bytes, k) {
  const copy = new Uint8Array(bytes);
  const r = new Reader(copy);
  const { sg } = subgraph0(r);
  const outs = r.vec(sg, 2, 4);
  if (k < 0 || k >= outs.n) throw new RangeError(`output ${k} out of range`);
  const a = r.i32(outs.at);
  r.dv.setInt32(outs.at, r.i32(outs.at + 4 * k), true);
  r.dv.setInt32(outs.at + 4 * k, a, true);
  return copy;
}
