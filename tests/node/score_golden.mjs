// A real foreign client of a Gristmill model package: score NAME.golden.csv with
// onnxruntime-node and compare with the expected outputs the exporter wrote.
//
// Usage: node score_golden.mjs DIR NAME
//
// Reads DIR/NAME.model.json (inputs, task, classes, threshold, outputs) -- onnxruntime-node has
// no metadata API, which is why the package carries that sidecar -- and DIR/NAME.golden.csv,
// feeds every input as a [N, 1] tensor (float: Float32Array, empty cell = NaN; string: empty
// cell = ""), runs DIR/NAME.onnx and compares: labels (and the binary decision at the stored
// threshold) must be identical, numbers within 1e-5 (absolute; relative for values above 1 in
// size, so that a regression value of 300 is not held to a third of a float32 step).
//
// Prints one JSON line {"rows", "label_mismatches", "max_difference", "outputs", ...} and exits
// 0 when everything matches, 1 when something differs, 2 on an error (message on stderr).
// No dependency besides onnxruntime-node: the CSV parser is below.

import { readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";

const TOLERANCE = 1e-5;
const SHOWN_MISMATCHES = 5;

class UsageError extends Error {}

/** Parse RFC 4180 CSV text into an array of records (arrays of strings). */
export function parseCsv(text) {
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1); // UTF-8 byte order mark
  const records = [];
  let record = [];
  let field = "";
  let i = 0;
  let line = 1;
  let atFieldStart = true;
  const endField = () => {
    record.push(field);
    field = "";
    atFieldStart = true;
  };
  const endRecord = () => {
    endField();
    records.push(record);
    record = [];
  };
  while (i < text.length) {
    const c = text[i];
    if (atFieldStart && c === '"') {
      // A quoted field: everything up to the closing quote, "" standing for one quote.
      const opened = line;
      i += 1;
      for (;;) {
        if (i >= text.length) throw new UsageError(`CSV: a quoted field opened on line ${opened} is never closed`);
        const q = text[i];
        if (q === '"') {
          if (text[i + 1] === '"') {
            field += '"';
            i += 2;
            continue;
          }
          i += 1;
          break;
        }
        if (q === "\n") line += 1;
        field += q;
        i += 1;
      }
      const next = text[i];
      if (i < text.length && next !== "," && next !== "\n" && next !== "\r") {
        throw new UsageError(`CSV: unexpected text after a closing quote on line ${line}`);
      }
      atFieldStart = false;
      continue;
    }
    atFieldStart = false;
    if (c === ",") {
      endField();
      i += 1;
    } else if (c === "\r" || c === "\n") {
      endRecord();
      i += c === "\r" && text[i + 1] === "\n" ? 2 : 1;
      line += 1;
    } else if (c === '"') {
      throw new UsageError(`CSV: a quote inside an unquoted field on line ${line}`);
    } else {
      field += c;
      i += 1;
    }
  }
  // The last record, unless the text ended with a line break (no empty trailing record).
  if (!atFieldStart || record.length > 0) endRecord();
  return records;
}

function parseFloatCell(text, column, row) {
  const cell = text.trim();
  if (cell === "") return NaN;
  const words = { nan: NaN, inf: Infinity, "+inf": Infinity, "-inf": -Infinity };
  const lowered = cell.toLowerCase();
  if (lowered in words) return words[lowered];
  const value = Number(cell);
  if (Number.isNaN(value)) {
    throw new UsageError(`golden row ${row + 1}, column ${JSON.stringify(column)}: ${JSON.stringify(text)} is not a number`);
  }
  return value;
}

function readJson(path) {
  let text;
  try {
    text = readFileSync(path, "utf8");
  } catch (error) {
    throw new UsageError(`cannot read ${path}: ${error.message}`);
  }
  try {
    return JSON.parse(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text);
  } catch (error) {
    throw new UsageError(`${path} is not valid JSON: ${error.message}`);
  }
}

function readGolden(path) {
  let text;
  try {
    text = new TextDecoder("utf-8", { fatal: true }).decode(readFileSync(path));
  } catch (error) {
    throw new UsageError(`cannot read ${path} as UTF-8: ${error.message}`);
  }
  const records = parseCsv(text);
  if (records.length < 2) throw new UsageError(`${path} has no data rows`);
  const [header, ...rows] = records;
  rows.forEach((row, r) => {
    if (row.length !== header.length) {
      throw new UsageError(`${path}: data row ${r + 1} has ${row.length} fields, the header has ${header.length}`);
    }
  });
  const index = new Map(header.map((name, j) => [name, j]));
  if (index.size !== header.length) throw new UsageError(`${path}: a column name appears twice in the header`);
  return { index, rows };
}

function column(golden, name) {
  const j = golden.index.get(name);
  if (j === undefined) throw new UsageError(`the golden file has no column ${JSON.stringify(name)}`);
  return golden.rows.map((row) => row[j]);
}

function buildFeed(ort, metadata, golden) {
  const n = golden.rows.length;
  const feed = {};
  for (const input of metadata.inputs) {
    const cells = column(golden, input.name);
    if (input.type === "float") {
      const data = Float32Array.from(cells, (cell, r) => parseFloatCell(cell, input.name, r));
      feed[input.name] = new ort.Tensor("float32", data, [n, 1]);
    } else if (input.type === "string") {
      feed[input.name] = new ort.Tensor("string", cells, [n, 1]);
    } else {
      throw new UsageError(`input ${JSON.stringify(input.name)} has type ${JSON.stringify(input.type)}; expected float or string`);
    }
  }
  return feed;
}

/** Collects label and number comparisons across outputs. */
class Comparison {
  constructor() {
    this.labelMismatches = 0;
    this.valueMismatches = 0;
    this.maxDifference = 0;
    this.shown = [];
  }

  note(message) {
    if (this.shown.length < SHOWN_MISMATCHES) this.shown.push(message);
  }

  labels(name, actual, expected) {
    expected.forEach((want, r) => {
      const got = String(actual[r]);
      if (got !== want) {
        this.labelMismatches += 1;
        this.note(`row ${r + 1} ${name}: got ${JSON.stringify(got)}, expected ${JSON.stringify(want)}`);
      }
    });
  }

  numbers(name, actual, expected) {
    expected.forEach((text, r) => {
      const want = parseFloatCell(text, name, r);
      const got = Number(actual[r]);
      if (Number.isNaN(want) && Number.isNaN(got)) return;
      const difference = Math.abs(got - want);
      const ok = difference <= TOLERANCE * Math.max(1, Math.abs(want));
      if (Number.isNaN(difference)) this.maxDifference = Infinity;
      else if (difference > this.maxDifference) this.maxDifference = difference;
      if (!ok) {
        this.valueMismatches += 1;
        this.note(`row ${r + 1} ${name}: got ${got}, expected ${want} (difference ${difference})`);
      }
    });
  }
}

/** Column j of a row-major [N, width] tensor. */
function tensorColumn(tensor, j, width) {
  const n = tensor.dims[0];
  return Array.from({ length: n }, (_, r) => tensor.data[r * width + j]);
}

function compare(metadata, results, golden) {
  const comparison = new Comparison();
  const compared = [];
  const has = (name) => golden.index.has(name);
  const n = golden.rows.length;
  for (const name of metadata.outputs) {
    const tensor = results[name];
    if (tensor === undefined) throw new UsageError(`the model gave no output ${JSON.stringify(name)}`);
    if (tensor.dims[0] !== n) throw new UsageError(`output ${name} has ${tensor.dims[0]} rows for ${n} input rows`);
    const width = tensor.dims.length > 1 ? tensor.dims[1] : 1;
    if (name === "label") {
      comparison.labels("label", Array.from(tensor.data), column(golden, "expected:label"));
    } else if (name === "probabilities") {
      const classes = metadata.classes || [];
      if (classes.length !== width) throw new UsageError(`${classes.length} classes in model.json, ${width} probability columns`);
      classes.forEach((label, j) => {
        const header = `expected:probability:${label}`;
        comparison.numbers(header, tensorColumn(tensor, j, width), column(golden, header));
      });
    } else if (name === "variable") {
      comparison.numbers("variable", tensorColumn(tensor, 0, width), column(golden, "expected:variable"));
    } else if (name === "scores") {
      for (let j = 0; j < width; j += 1) {
        const header = `expected:score:${j}`;
        comparison.numbers(header, tensorColumn(tensor, j, width), column(golden, header));
      }
    } else if (name === "decision") {
      // The binary decision at the stored threshold, computed inside the graph.
      comparison.labels("decision", Array.from(tensor.data), column(golden, "expected:decision"));
    } else {
      throw new UsageError(`output ${JSON.stringify(name)} is not one the package format defines`);
    }
    compared.push(name);
  }
  if (has("expected:decision") && !compared.includes("decision")) {
    // Older packages: the binary decision as a client would make it: positive when P(positive) >= threshold.
    const { classes, positive_class: positive, threshold } = metadata;
    if (!results.probabilities || classes.length !== 2 || typeof threshold !== "number" || !classes.includes(positive)) {
      throw new UsageError("the golden file has expected:decision but model.json has no binary threshold");
    }
    const j = classes.indexOf(positive);
    const other = classes[1 - j];
    const p = tensorColumn(results.probabilities, j, 2);
    comparison.labels("decision", p.map((value) => (value >= threshold ? positive : other)), column(golden, "expected:decision"));
    compared.push("decision");
  }
  if (compared.length === 0) throw new UsageError("model.json lists no outputs to compare");
  return { comparison, compared };
}

async function main(argv) {
  if (argv.length !== 2) throw new UsageError("usage: node score_golden.mjs DIR NAME");
  const [dir, name] = argv;
  const metadata = readJson(join(dir, `${name}.model.json`));
  if (metadata.format !== "gristmill-model") throw new UsageError(`${name}.model.json is not a Gristmill model description`);
  if (!Array.isArray(metadata.inputs) || !Array.isArray(metadata.outputs)) throw new UsageError(`${name}.model.json has no inputs or outputs`);
  const golden = readGolden(join(dir, `${name}.golden.csv`));
  let ort;
  try {
    ort = (await import("onnxruntime-node")).default;
  } catch (error) {
    throw new UsageError(`onnxruntime-node is not installed here (run: ONNXRUNTIME_NODE_INSTALL=skip npm ci): ${error.message}`);
  }
  // One thread: 50 rows need no parallelism, and spinning worker threads crawl on a busy CI box.
  const session = await ort.InferenceSession.create(join(dir, `${name}.onnx`), {
    intraOpNumThreads: 1,
    interOpNumThreads: 1,
  });
  const described = metadata.inputs.map((input) => input.name);
  if (JSON.stringify([...session.inputNames].sort()) !== JSON.stringify([...described].sort())) {
    throw new UsageError(`the model's inputs ${JSON.stringify(session.inputNames)} are not the ones model.json describes ${JSON.stringify(described)}`);
  }
  const results = await session.run(buildFeed(ort, metadata, golden));
  const { comparison, compared } = compare(metadata, results, golden);
  const report = {
    rows: golden.rows.length,
    label_mismatches: comparison.labelMismatches,
    max_difference: Number.isFinite(comparison.maxDifference) ? comparison.maxDifference : null,
    outputs: compared,
    value_mismatches: comparison.valueMismatches,
    tolerance: TOLERANCE,
    runtime: `onnxruntime-node ${ort.env.versions?.node ?? "unknown"}`,
  };
  process.stdout.write(`${JSON.stringify(report)}\n`);
  for (const message of comparison.shown) process.stderr.write(`mismatch: ${message}\n`);
  const matches = comparison.labelMismatches === 0 && comparison.valueMismatches === 0;
  return matches ? 0 : 1;
}

// Run only as a script, so that the tests can import parseCsv on its own.
if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (error) => {
      const detail = error instanceof UsageError ? error.message : error?.stack ?? String(error);
      process.stderr.write(`score_golden: ${detail}\n`);
      process.exitCode = 2;
    },
  );
}
