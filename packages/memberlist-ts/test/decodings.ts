/**
 * Reads the decoded-text companions of the captures (`*.txt` and
 * `vectors.txt` in test/vectors/), written by a decoder we
 * did not write, so the tests can hold our decoding against them.
 *
 * An entry is a header line, then an indented tree, two spaces a level:
 *   1795327992.865291 UDP 127.0.0.1:21000 -> 127.0.0.1:21001 132B
 *     hasCrc crc32=0xbd884d69 (ok)
 *       compound n=2 lens=[61, 60]
 *         alive {Addr: 0x7f000001, Incarnation: 1, Meta: None, Node: 'alpha', ...}
 * vectors.txt headers are `source NB hex`. In a dict, `0x..` is a byte
 * string, `'..'` a text string, None nil.
 */
import { readFileSync } from 'node:fs';

export type Value = number | string | boolean | null | Uint8Array;
export type Fields = Record<string, Value>;

export type Layer =
  | { kind: 'encrypted'; version: number; plaintextLength: number }
  | { kind: 'encryptedStream'; length: number; version: number; plaintextLength: number }
  | { kind: 'hasCrc'; crc: number; ok: boolean }
  | { kind: 'compound'; lengths: number[] }
  | { kind: 'compress'; algo: number; compressedLength: number; length: number }
  | { kind: 'message'; name: string; fields: Fields }
  | { kind: 'pushPull'; header: Fields }
  | { kind: 'pushNodeState'; fields: Fields };

export interface Node {
  readonly layer: Layer;
  readonly children: Node[];
}

export interface Entry {
  /** `UDP` or `TCP` for captures, the source file name for vectors.txt. */
  readonly transport: string;
  readonly time?: number;
  readonly src?: string;
  readonly dst?: string;
  readonly length: number;
  /** vectors.txt only. */
  readonly bytes?: Uint8Array;
  /** The top of the tree (an `encrypted` line comes first, as its own node, in enc.txt). */
  readonly nodes: Node[];
}

export function hexBytes(hex: string): Uint8Array {
  if (hex.length % 2 !== 0 || !/^[0-9a-f]*$/i.test(hex)) throw new Error(`bad hex ${hex}`);
  return Uint8Array.from(Buffer.from(hex, 'hex'));
}

/** Parses `{Key: value, ...}` as the decoder prints it. */
export function parseFields(text: string): Fields {
  const out: Fields = {};
  let i = 0;
  const expect = (s: string): void => {
    if (!text.startsWith(s, i)) throw new Error(`expected ${s} at ${i} in ${text}`);
    i += s.length;
  };
  expect('{');
  while (text[i] !== '}') {
    const keyEnd = text.indexOf(':', i);
    if (keyEnd < 0) throw new Error(`no key in ${text}`);
    const key = text.slice(i, keyEnd).trim();
    i = keyEnd + 1;
    while (text[i] === ' ') i++;
    let value: Value;
    if (text[i] === "'") {
      let s = '';
      i++;
      while (text[i] !== "'") {
        const c = text[i];
        if (c === undefined) throw new Error(`unterminated string in ${text}`);
        if (c === '\\') {
          const next = text[i + 1];
          if (next === 'x') {
            s += String.fromCharCode(parseInt(text.slice(i + 2, i + 4), 16));
            i += 4;
            continue;
          }
          s += next ?? '';
          i += 2;
          continue;
        }
        s += c;
        i++;
      }
      i++;
      value = s;
    } else {
      const end = text.slice(i).search(/[,}]/);
      const token = text.slice(i, i + end).trim();
      i += end;
      if (token === 'None') value = null;
      else if (token === 'True') value = true;
      else if (token === 'False') value = false;
      else if (token.startsWith('0x')) value = hexBytes(token.slice(2));
      else if (/^-?\d+$/.test(token)) value = Number(token);
      else throw new Error(`unknown value ${token} in ${text}`);
    }
    out[key] = value;
    if (text[i] === ',') i++;
    while (text[i] === ' ') i++;
  }
  return out;
}

function parseLayer(text: string): Layer {
  let m: RegExpMatchArray | null;
  if ((m = /^encrypted vsn=(\d+) -> (\d+)B plaintext$/.exec(text))) {
    return { kind: 'encrypted', version: Number(m[1]), plaintextLength: Number(m[2]) };
  }
  if ((m = /^encrypt\(stream\) len=(\d+) vsn=(\d+) -> (\d+)B plaintext$/.exec(text))) {
    return {
      kind: 'encryptedStream',
      length: Number(m[1]),
      version: Number(m[2]),
      plaintextLength: Number(m[3]),
    };
  }
  if ((m = /^hasCrc crc32=0x([0-9a-f]{8}) \((ok|bad)\)$/.exec(text))) {
    return { kind: 'hasCrc', crc: parseInt(m[1] ?? '', 16), ok: m[2] === 'ok' };
  }
  if ((m = /^compound n=(\d+) lens=\[([\d, ]*)\]$/.exec(text))) {
    const lengths = (m[2] ?? '')
      .split(',')
      .filter((s) => s.trim() !== '')
      .map(Number);
    if (lengths.length !== Number(m[1])) throw new Error(`compound count mismatch: ${text}`);
    return { kind: 'compound', lengths };
  }
  if ((m = /^compress Algo=(\d+) (\d+)B -> (\d+)B$/.exec(text))) {
    return {
      kind: 'compress',
      algo: Number(m[1]),
      compressedLength: Number(m[2]),
      length: Number(m[3]),
    };
  }
  if ((m = /^pushPull header (\{.*\})$/.exec(text))) {
    return { kind: 'pushPull', header: parseFields(m[1] ?? '') };
  }
  if ((m = /^pushNodeState (\{.*\})$/.exec(text))) {
    return { kind: 'pushNodeState', fields: parseFields(m[1] ?? '') };
  }
  if ((m = /^(\w+) (\{.*\})$/.exec(text))) {
    return { kind: 'message', name: m[1] ?? '', fields: parseFields(m[2] ?? '') };
  }
  throw new Error(`unknown decoding line: ${text}`);
}

function parseHeader(line: string): Omit<Entry, 'nodes'> {
  let m: RegExpMatchArray | null;
  if ((m = /^(\d+\.\d+) UDP (\S+) -> (\S+) (\d+)B$/.exec(line))) {
    return { transport: 'UDP', time: Number(m[1]), src: m[2], dst: m[3], length: Number(m[4]) };
  }
  if ((m = /^TCP stream (\S+) -> (\S+) (\d+)B$/.exec(line))) {
    return { transport: 'TCP', src: m[1], dst: m[2], length: Number(m[3]) };
  }
  if ((m = /^(\w+) (\d+)B ([0-9a-f]+)$/.exec(line))) {
    return { transport: m[1] ?? '', length: Number(m[2]), bytes: hexBytes(m[3] ?? '') };
  }
  throw new Error(`unknown entry header: ${line}`);
}

export function parseDecodings(text: string): Entry[] {
  const entries: Entry[] = [];
  let stack: { depth: number; children: Node[] }[] = [];
  for (const raw of text.split('\n')) {
    if (raw.trim() === '' || raw.startsWith('#')) continue;
    const indent = raw.length - raw.trimStart().length;
    if (indent === 0) {
      const nodes: Node[] = [];
      entries.push({ ...parseHeader(raw.trim()), nodes });
      stack = [{ depth: 0, children: nodes }];
      continue;
    }
    if (indent % 2 !== 0) throw new Error(`odd indent: ${raw}`);
    const depth = indent / 2;
    while (stack.length > 0 && (stack[stack.length - 1]?.depth ?? 0) >= depth) stack.pop();
    const parent = stack[stack.length - 1];
    if (parent === undefined || parent.depth !== depth - 1) {
      throw new Error(`indent jumps at: ${raw}`);
    }
    const node: Node = { layer: parseLayer(raw.trim()), children: [] };
    parent.children.push(node);
    stack.push({ depth, children: node.children });
  }
  return entries;
}

export function readDecodings(path: string): Entry[] {
  return parseDecodings(readFileSync(path, 'utf8'));
}
