// Score a raw CSV file with a Gristmill model, reading every cell by the model's own rules.
//
// The JavaScript reference reader for receiving teams, written into the export folder as
// NAME.score.mjs. It needs Node.js 18+ and onnxruntime-node only (no Gristmill), and writes
// the same scores file as `gristmill score` for a CSV written like the training file:
//
//     node NAME.score.mjs new_rows.csv scores.csv [--delimiter ";"]
//
// The rules come from NAME.model.json (each input's `reading`); it is the same specification
// as NAME.score.py, line for line.

import { readFileSync, writeFileSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import * as ort from "onnxruntime-node";

const CHUNK_FIRST = 100000; // a column's number spelling is decided on its first 100,000 rows
const SPACES = "\u00a0\u202f\u2009 ";
const UNITS = /^[+-]?\s*[$€£]\s*|\s*[$€£%]$/g;
const WHOLE = /^[+-]?\d{1,15}\.0+$/;
const ISO = /^(\d{4})-(\d{1,2})-(\d{1,2})(?:[T ](\d{1,2}):(\d{2})(?::(\d{2})(?:\.(\d+))?)?)?$/;
const DMY = /^(\d{1,2})([/.\-])(\d{1,2})\2(\d{4})(?:[T ](\d{1,2}):(\d{2})(?::(\d{2}))?)?$/;

const escape = (text) => text.replace(/[.*+?^${}()|[\]\\\-]/g, "\\$&");

/** One number written with this decimal mark and thousands separator. */
export function numberPattern(decimal, thousands) {
  const mark = escape(decimal);
  let integer = "\\d+";
  if (thousands !== null) {
    const between = `[${thousands === " " ? "" : escape(thousands)}${SPACES}]`;
    integer = `(?:[1-9]\\d{0,2}(?:${between}\\d{3})+|\\d+)`;
  }
  return new RegExp(`^[+-]?(?:${integer}(?:${mark}\\d*)?|${mark}\\d+)(?:[eE][+-]?\\d+)?$`);
}

const float32 = (value) => {
  const out = Math.fround(value);
  return Number.isFinite(out) ? out : NaN; // infinities and values beyond float32: missing
};

/** Rule `numeric`: missing tokens (any case) -> NaN; yes/no words -> 1/0; currency and
 * percent signs removed; the column's number spelling (the first that fits every cell). */
export function readNumbers(cells, rules) {
  const missing = new Set(rules.missing_tokens);
  const yes = new Set(rules.true_words);
  const no = new Set(rules.false_words);
  const cleaned = cells.map((cell) => {
    const text = cell.trim();
    const lower = text.toLowerCase();
    if (missing.has(lower)) return null;
    if (yes.has(lower) || no.has(lower)) return lower;
    return text.replace(UNITS, "").replace(/^\+/, "");
  });
  const numbers = cleaned.slice(0, CHUNK_FIRST).filter((c) => c !== null && !yes.has(c) && !no.has(c));
  let [decimal, thousands] = rules.number_spellings[0];
  for (const [d, t] of rules.number_spellings) {
    const pattern = numberPattern(d, t);
    if (numbers.every((c) => pattern.test(c))) {
      [decimal, thousands] = [d, t];
      break;
    }
  }
  const pattern = numberPattern(decimal, thousands);
  const between = thousands === null ? null : new RegExp(`[${escape(thousands)}${SPACES}]`, "g");
  return cleaned.map((text) => {
    if (text === null) return NaN;
    if (yes.has(text)) return 1;
    if (no.has(text)) return 0;
    if (!pattern.test(text)) return NaN; // not a number: scored as missing
    let plain = between === null ? text : text.replace(between, "");
    if (decimal !== ".") plain = plain.replace(decimal, ".");
    return float32(Number(plain));
  });
}

/** Rule `categorical`: missing tokens exactly as written -> ""; integer codes written with
 * decimals are the code (1.0 -> 1); any other text as written. */
export function readCategories(cells, rules) {
  const missing = new Set(rules.missing_tokens);
  return cells.map((cell) => {
    if (missing.has(cell)) return "";
    if (rules.integer_codes && WHOLE.test(cell)) return String(Math.trunc(Number(cell)) || 0);
    return cell;
  });
}

/** Rule `date`: days since 1970-01-01 UTC; ISO dates, or day/month/year in the order stored
 * in the rules (`date_order`: the order training read the column in, also for a file whose
 * dates leave it open); a model without it: the order the column proves (a first part above
 * 12 proves day first; the default). */
export function readDates(cells, rules) {
  const missing = new Set(rules.missing_tokens);
  const texts = cells.map((c) => c.trim());
  const stored = { 'day first': true, 'month first': false }[rules.date_order];
  let dayVotes = 0;
  let monthVotes = 0;
  for (const text of texts.slice(0, CHUNK_FIRST)) {
    const m = DMY.exec(text);
    if (!m) continue;
    if (Number(m[1]) > 12 && Number(m[3]) <= 12) dayVotes += 1;
    if (Number(m[3]) > 12 && Number(m[1]) <= 12) monthVotes += 1;
  }
  const dayFirst = stored === undefined ? dayVotes >= monthVotes : stored;
  return texts.map((text) => {
    if (missing.has(text.toLowerCase())) return NaN;
    let y, mo, d, h, mi, s;
    let ms = 0;
    const iso = ISO.exec(text);
    const dmy = DMY.exec(text);
    if (iso) {
      [y, mo, d] = [Number(iso[1]), Number(iso[2]), Number(iso[3])];
      [h, mi, s] = [iso[4], iso[5], iso[6]].map((v) => Number(v || 0));
      ms = Number(`0.${iso[7] || "0"}`) * 1000;
    } else if (dmy) {
      const [a, b] = [Number(dmy[1]), Number(dmy[3])];
      y = Number(dmy[4]);
      [d, mo] = dayFirst ? [a, b] : [b, a];
      [h, mi, s] = [dmy[5], dmy[6], dmy[7]].map((v) => Number(v || 0));
    } else {
      return NaN;
    }
    const stamp = Date.UTC(y, mo - 1, d, h, mi, s) + ms;
    const back = new Date(stamp);
    if (back.getUTCMonth() !== mo - 1 || back.getUTCDate() !== d) return NaN; // 31/02
    return float32(stamp / 86400000);
  });
}

/** RFC 4180 CSV text into records (arrays of strings). */
export function parseCsv(text, delimiter) {
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  const records = [];
  let record = [];
  let field = "";
  let quoted = false;
  for (let i = 0; i < text.length; i += 1) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        field += '"';
        i += 1;
      } else if (c === '"') {
        quoted = false;
      } else {
        field += c;
      }
    } else if (c === '"' && field === "") {
      quoted = true;
    } else if (c === delimiter) {
      record.push(field);
      field = "";
    } else if (c === "\n" || c === "\r") {
      if (c === "\r" && text[i + 1] === "\n") i += 1;
      record.push(field);
      records.push(record);
      record = [];
      field = "";
    } else {
      field += c;
    }
  }
  if (field !== "" || record.length) {
    record.push(field);
    records.push(record);
  }
  return records.filter((r) => !(r.length === 1 && r[0] === ""));
}

function guessDelimiter(header) {
  let best = ",";
  for (const d of [",", ";", "\t", "|"]) if (header.split(d).length > header.split(best).length) best = d;
  return best;
}

const csvCell = (value) => {
  const text = String(value);
  return /[",\n\r]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
};

/** Score `dataPath` with the model; returns the number of rows written. */
export async function score(modelPath, dataPath, outPath, delimiter) {
  const meta = JSON.parse(readFileSync(modelPath.replace(/\.onnx$/, ".model.json"), "utf8"));
  const text = readFileSync(dataPath, "utf8");
  const records = parseCsv(text, delimiter || guessDelimiter(text.split("\n", 1)[0]));
  const [header, ...body] = records;
  const column = new Map(header.map((name, i) => [name, i]));
  const n = body.length;
  const feed = {};
  for (const spec of meta.inputs) {
    const j = column.get(spec.name);
    const cells = body.map((r) => (j < r.length ? r[j] : ""));
    if (spec.kind === "categorical") {
      feed[spec.name] = new ort.Tensor("string", readCategories(cells, spec.reading), [n, 1]);
    } else {
      const values = spec.kind === "date" ? readDates(cells, spec.reading) : readNumbers(cells, spec.reading);
      feed[spec.name] = new ort.Tensor("float32", Float32Array.from(values), [n, 1]);
    }
  }
  const session = await ort.InferenceSession.create(modelPath);
  const results = await session.run(feed);
  const keys = ((meta.data || {}).key_columns || []).filter((k) => column.has(k));
  const table = new Map(keys.map((k) => [k, body.map((r) => r[column.get(k)])]));
  if (!keys.length) table.set("row", body.map((_, i) => i + 1));
  const classes = meta.classes || [];
  const positive = meta.positive_class;
  if (results.decision && positive != null) {
    const target = meta.target || "";
    const clash = [...keys, "row", "prediction", "decision", ""].includes(target) || target.startsWith("probability");
    table.set(clash ? "decision" : target, Array.from(results.decision.data));
    const j = classes.indexOf(positive);
    const width = results.probabilities.dims[1];
    table.set(`probability of ${positive}`, body.map((_, r) => results.probabilities.data[r * width + j]));
  } else if (results.probabilities) {
    table.set("prediction", Array.from(results.label.data, String));
    const width = results.probabilities.dims[1];
    classes.forEach((label, j) => {
      table.set(`probability:${label}`, body.map((_, r) => results.probabilities.data[r * width + j]));
    });
  } else {
    table.set("prediction", Array.from(results.variable.data));
  }
  const names = [...table.keys()];
  const lines = [names.map(csvCell).join(",")];
  for (let r = 0; r < n; r += 1) lines.push(names.map((k) => csvCell(table.get(k)[r])).join(","));
  writeFileSync(outPath, lines.join("\n") + "\n");
  return n;
}

const here = fileURLToPath(import.meta.url);
if (process.argv[1] && pathToFileURL(process.argv[1]).href === import.meta.url) {
  const args = process.argv.slice(2);
  const at = args.indexOf("--delimiter");
  const delimiter = at >= 0 ? args.splice(at, 2)[1] : undefined;
  const [data, out] = args;
  const model = join(dirname(here), basename(here).replace(/\.score\.mjs$/, ".onnx"));
  score(model, data, out, delimiter).then((rows) => console.error(`Scored ${rows} rows into ${out}`));
}
