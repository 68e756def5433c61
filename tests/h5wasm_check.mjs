// Read an HDF5 file with h5wasm (libhdf5 2.0 in WebAssembly, a second and
// stricter reader than the system's libhdf5) and print a canonical JSON
// digest of everything in it; or compare the digests of two files.
//
//   node tests/h5wasm_check.mjs FILE            print FILE's digest
//   node tests/h5wasm_check.mjs --against IN OUT
//       digest both; OUT must match IN. Where h5wasm cannot read something
//       of IN (a filter it lacks, a type it refuses), OUT's entry must be
//       readable or fail the same way; values OUT stores with a filter
//       h5wasm lacks (and IN did not) are counted as not checked; when
//       h5wasm cannot open IN at all, OUT must open and every value in it
//       must read.
//
// Install: `npm install` in tests/ (package.json names h5wasm).
//
// The digest walks hard links depth first in name order, entering each
// object once; objects are named by the smallest path that reaches them
// (so files with different addresses compare). Per object: kind, links
// (hard: kind of the target; soft: target; external: file and path), and
// for datasets and attributes the datatype metadata h5wasm reports, shape,
// max shape and a SHA-256 of the values in canonical form (numbers by
// their bytes, object references by the target's name, region references
// by the target's name and the selected values). Hard-link sharing is the
// list of path sets naming one object.
//
// Exit status: 0 fine (digest printed, or files match), 1 mismatch or an
// unreadable OUT, 2 usage or h5wasm missing.
import { createHash } from "node:crypto";

let h5wasm;
try {
  h5wasm = await import("h5wasm/node");
} catch (e) {
  console.error("h5wasm_check: h5wasm is not installed (run `npm install` in tests/): " + e.message);
  process.exit(2);
}
const M = await h5wasm.ready;
// Keep libhdf5's error stack off stderr: failures are caught and recorded.
try {
  M.deactivate_throwing_error_handler?.();
} catch (e) {
  /* older h5wasm */
}

// The filters h5wasm's libhdf5 has built in (deflate, shuffle, fletcher32,
// szip, nbit, scale-offset); it loads no plugins here.
const H5WASM_FILTERS = new Set([1, 2, 3, 4, 5, 6]);
// Datasets above this many bytes are read in slices along dimension 0.
const SLICE_BYTES = 64 << 20;

const hex = (u8) =>
  (u8 && u8.buffer instanceof ArrayBuffer ? Buffer.from(u8.buffer, u8.byteOffset, u8.byteLength) : Buffer.from(u8 || [])).toString("hex");
const errText = (e) => String((e && e.message) || e).split("\n")[0].slice(0, 200);

class Digest {
  constructor(path) {
    this.file = new h5wasm.File(path, "r");
    this.fid = this.file.file_id;
    this.objects = {}; // identity -> entry
    this.paths = {}; // identity -> [paths]
    this.first = {}; // identity -> first path
    this.errors = 0;
    this.walk("/", 0);
    this.key = {};
    for (const [id, ps] of Object.entries(this.paths)) this.key[id] = ps.slice().sort(cmpBytes)[0];
    // Values last: references name objects by the keys just made.
    for (const [id, entry] of Object.entries(this.objects)) {
      const path = this.first[id];
      entry.attrs = this.attrs(path);
      if (entry.kind === "dataset") Object.assign(entry, this.dataset(path));
    }
  }

  identity(path) {
    return hex(M.create_object_reference(this.fid, path));
  }

  walk(path, depth) {
    const id = this.identity(path);
    (this.paths[id] ||= []).push(path);
    if (this.first[id] !== undefined) return;
    this.first[id] = path;
    const type = M.get_type(this.fid, path);
    const entry = { kind: type === M.H5G_GROUP ? "group" : type === M.H5G_DATASET ? "dataset" : type === M.H5G_TYPE ? "datatype" : "unknown " + type };
    this.objects[id] = entry;
    if (entry.kind === "datatype") entry.dtype = this.guard(() => meta(M.get_datatype_metadata(this.fid, path)));
    if (entry.kind !== "group") return;
    if (depth > 1000) {
      entry.error = "groups nested too deeply";
      this.errors++;
      return;
    }
    let names;
    try {
      names = M.get_names(this.fid, path, false).slice().sort(cmpBytes);
    } catch (e) {
      entry.error = "links: " + errText(e);
      this.errors++;
      return;
    }
    entry.links = [];
    for (const name of names) {
      const p = (path === "/" ? "" : path) + "/" + name;
      const soft = M.get_symbolic_link(this.fid, p);
      if (typeof soft === "string") {
        entry.links.push([name, "soft", soft]);
        continue;
      }
      const ext = M.get_external_link(this.fid, p);
      if (ext && ext.filename !== undefined) {
        entry.links.push([name, "external", ext.filename, ext.obj_path]);
        continue;
      }
      const t = M.get_type(this.fid, p);
      if (t === M.H5G_UDLINK || t < 0) {
        entry.links.push([name, "other", t]);
        continue;
      }
      entry.links.push([name, "hard", t]);
      this.walk(p, depth + 1);
    }
  }

  guard(fn) {
    try {
      return fn();
    } catch (e) {
      this.errors++;
      return { error: errText(e) };
    }
  }

  attrs(path) {
    const out = {};
    let names;
    try {
      names = M.get_attribute_names(this.fid, path).slice().sort(cmpBytes);
    } catch (e) {
      this.errors++;
      return { error: errText(e) };
    }
    for (const name of names) {
      out[name] = this.guard(() => {
        const a = new h5wasm.Attribute(this.fid, path, name);
        const m = meta(a.metadata);
        return { dtype: m, shape: a.shape, value: this.hashValues([() => a.value]) };
      });
    }
    return out;
  }

  dataset(path) {
    return this.guard(() => {
      const ds = new h5wasm.Dataset(this.fid, path);
      const m = ds.metadata;
      // libhdf5 skips an optional filter it does not have and returns the
      // still-encoded bytes: such values mean nothing, so they count as
      // unreadable rather than being compared.
      const missing = (ds.filters || []).filter((f) => !H5WASM_FILTERS.has(f.id));
      if (missing.length) {
        this.errors++;
        return { dtype: meta(m), shape: m.shape, maxshape: m.maxshape, value: { error: "filter " + missing.map((f) => f.id + " (" + f.name + ")").join(", ") + " not in h5wasm" } };
      }
      const shape = m.shape;
      const out = { dtype: meta(m), shape, maxshape: m.maxshape };
      const pieces = [];
      const n = shape ? shape.reduce((a, b) => a * b, 1) : 0;
      if (shape && shape.length > 0 && n * m.size > SLICE_BYTES && shape[0] > 1) {
        const step = Math.max(1, Math.floor((shape[0] * SLICE_BYTES) / (n * m.size)));
        for (let i = 0; i < shape[0]; i += step) {
          const j = Math.min(shape[0], i + step);
          pieces.push(() => ds.slice([[i, j]]));
        }
      } else {
        pieces.push(() => ds.value);
      }
      out.value = this.hashValues(pieces);
      return out;
    });
  }

  // SHA-256 over the canonical JSON of each piece (an error text instead
  // when h5wasm cannot read the values).
  hashValues(pieces) {
    const h = createHash("sha256");
    for (const piece of pieces) {
      let v;
      try {
        v = piece();
      } catch (e) {
        this.errors++;
        return { error: errText(e) };
      }
      h.update(JSON.stringify(this.canon(v, 0)));
    }
    return h.digest("hex");
  }

  refName(ref) {
    const id = hex(ref.ref_data);
    if (this.key[id] !== undefined) return this.key[id];
    if (/^0*$/.test(id) || /^f*$/.test(id)) return null;
    try {
      const e = this.file.dereference(ref);
      return e && e.path !== undefined ? "anonymous:" + (e.constructor && e.constructor.name) : "unresolvable";
    } catch (err) {
      return "unresolvable";
    }
  }

  canon(v, depth) {
    if (depth > 64) return "too deep";
    if (v === null || v === undefined) return null;
    if (v.constructor && v.constructor.name === "RegionReference") {
      const id = hex(v.ref_data);
      if (/^0*$/.test(id)) return { regref: null };
      try {
        const r = this.file.dereference(v);
        const src = r.source_dataset;
        const tid = this.identity(src.path);
        return { regref: this.key[tid] ?? src.path, meta: meta(r.metadata), value: this.canon(r.value, depth + 1) };
      } catch (e) {
        return { regref: "unresolvable" };
      }
    }
    if (v.constructor && v.constructor.name === "Reference") return { ref: this.refName(v) };
    if (ArrayBuffer.isView(v)) return { bytes: v.constructor.name, hex: hex(new Uint8Array(v.buffer, v.byteOffset, v.byteLength)) };
    if (Array.isArray(v)) return v.map((x) => this.canon(x, depth + 1));
    if (typeof v === "bigint") return { bigint: v.toString() };
    if (typeof v === "number") {
      const b = new Float64Array([v]);
      return Number.isFinite(v) && !Object.is(v, -0) ? v : { f64: hex(new Uint8Array(b.buffer)) };
    }
    if (typeof v === "string" || typeof v === "boolean") return v;
    if (v instanceof Map) return { map: [...v.entries()].map(([k, x]) => [k, this.canon(x, depth + 1)]) };
    if (typeof v === "object") {
      const o = {};
      for (const k of Object.keys(v).sort()) o[k] = this.canon(v[k], depth + 1);
      return o;
    }
    return String(v);
  }

  // The digest: objects by canonical name, links naming their targets'
  // canonical names through the paths recorded in the walk.
  result() {
    const objects = {};
    for (const [id, entry] of Object.entries(this.objects)) objects[this.key[id]] = entry;
    const sharing = Object.values(this.paths)
      .filter((ps) => ps.length > 1)
      .map((ps) => ps.slice().sort(cmpBytes))
      .sort((a, b) => cmpBytes(a[0], b[0]));
    return { objects: sortKeys(objects), sharing, errors: this.errors };
  }

  close() {
    this.file.close();
  }
}

// Byte-wise order of UTF-16 JS strings as their UTF-8 encodings.
function cmpBytes(a, b) {
  return Buffer.compare(Buffer.from(a), Buffer.from(b));
}

function sortKeys(o) {
  const out = {};
  for (const k of Object.keys(o).sort(cmpBytes)) out[k] = o[k];
  return out;
}

// Type metadata without what describes storage rather than the type
// (chunking, virtual sources, total size).
function meta(m) {
  if (!m || typeof m !== "object") return m;
  const out = {};
  for (const k of Object.keys(m).sort()) {
    if (k === "chunks" || k === "virtual_sources" || k === "total_size") continue;
    const v = m[k];
    out[k] = v && typeof v === "object" && !Array.isArray(v) ? meta(v) : Array.isArray(v) ? v.map((x) => (x && typeof x === "object" ? meta(x) : x)) : v;
  }
  return out;
}

function digestOf(path) {
  const d = new Digest(path);
  const r = d.result();
  d.close();
  return r;
}

// Entries of a (IN) and b (OUT) compared; where a holds an error, b may
// hold the same error or a value.
function compare(a, b, where, diffs, lenient) {
  // OUT may use a filter h5wasm lacks where IN did not (repack -f): those
  // values cannot be checked here (h5dump and h5py check them).
  if (b && typeof b === "object" && typeof b.error === "string" && / not in h5wasm$/.test(b.error) && !(a && a.error === b.error)) {
    unchecked.push(where);
    return;
  }
  if (a && typeof a === "object" && a.error !== undefined && Object.keys(a).length === 1) {
    if (!lenient) return;
    if (b && typeof b === "object" && b.error !== undefined && b.error !== a.error) diffs.push(where + ": error " + JSON.stringify(a.error) + " vs " + JSON.stringify(b.error));
    return;
  }
  if (a === null || b === null || typeof a !== "object" || typeof b !== "object" || Array.isArray(a) !== Array.isArray(b)) {
    if (JSON.stringify(a) !== JSON.stringify(b)) diffs.push(where + ": " + short(a) + " vs " + short(b));
    return;
  }
  const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
  for (const k of keys) compare(a[k], b[k], where + "/" + k, diffs, lenient);
}

function short(x) {
  const s = JSON.stringify(x);
  return s === undefined ? "undefined" : s.length > 160 ? s.slice(0, 160) + "..." : s;
}

const args = process.argv.slice(2);
if (args.length === 1 && !args[0].startsWith("--")) {
  let d;
  try {
    d = digestOf(args[0]);
  } catch (e) {
    console.error("h5wasm_check: cannot read " + args[0] + ": " + errText(e));
    if (process.env.H5WASM_DEBUG) console.error(e.stack);
    process.exit(1);
  }
  console.log(JSON.stringify(d, null, 1));
  process.exit(0);
}
if (args.length !== 3 || args[0] !== "--against") {
  console.error("usage: node tests/h5wasm_check.mjs FILE | --against IN OUT");
  process.exit(2);
}
let din = null;
let why = "";
try {
  din = digestOf(args[1]);
} catch (e) {
  why = errText(e);
}
let dout;
try {
  dout = digestOf(args[2]);
} catch (e) {
  console.log("h5wasm: cannot open " + args[2] + ": " + errText(e));
  process.exit(1);
}
if (!din) {
  if (dout.errors) {
    console.log("h5wasm: IN unreadable (" + why + "); OUT opens but " + dout.errors + " value(s) do not read");
    process.exit(1);
  }
  console.log("h5wasm: IN unreadable (" + why + "); OUT reads (" + Object.keys(dout.objects).length + " objects)");
  process.exit(0);
}
const diffs = [];
const unchecked = [];
compare(din.objects, dout.objects, "", diffs, true);
if (JSON.stringify(din.sharing) !== JSON.stringify(dout.sharing)) diffs.push("hard-link sharing: " + short(din.sharing) + " vs " + short(dout.sharing));
if (diffs.length) {
  for (const d of diffs.slice(0, 20)) console.log("  " + d);
  console.log("h5wasm: " + diffs.length + " difference(s)");
  process.exit(1);
}
console.log(
  "h5wasm: equal (" + Object.keys(dout.objects).length + " objects" +
    (din.errors ? ", " + din.errors + " unreadable in IN too" : "") +
    (unchecked.length ? ", " + unchecked.length + " values of OUT not checked: filters h5wasm lacks" : "") + ")"
);
process.exit(0);
