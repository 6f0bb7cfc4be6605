import fs from 'node:fs';
import { createRequire } from 'node:module';

/**
 * Syntax check of shell scripts with mvdan/sh (the `sh-syntax` WebAssembly build), run
 * synchronously: the module is compiled once and instantiated per script, so loading the
 * model stays synchronous.
 */
export interface ShellSyntaxError {
  message: string;
  line: number;
  column: number;
}

interface GoRuntime {
  importObject: WebAssembly.Imports;
  run(instance: WebAssembly.Instance): Promise<void>;
}

interface Exports {
  memory: WebAssembly.Memory;
  wasmAlloc(size: number): number;
  wasmFree(pointer: number): void;
  process(...args: (number | boolean)[]): number;
}

let compiled: { module: WebAssembly.Module; Go: new () => GoRuntime } | undefined | null;

function load(): { module: WebAssembly.Module; Go: new () => GoRuntime } | undefined {
  if (compiled !== undefined) return compiled ?? undefined;
  try {
    const require = createRequire(import.meta.url);
    const pkg = require.resolve('sh-syntax/package.json');
    require('sh-syntax/vendors/wasm_exec');
    const Go = (globalThis as unknown as { Go: new () => GoRuntime }).Go;
    const module = new WebAssembly.Module(fs.readFileSync(pkg.replace(/package\.json$/, 'main.wasm')));
    compiled = { module, Go };
  } catch {
    compiled = null;
  }
  return compiled ?? undefined;
}

/** The first syntax error of a bash script, undefined when it parses (or the checker is unavailable). */
export function checkShellSyntax(text: string): ShellSyntaxError | undefined {
  const wasm = load();
  if (!wasm) return undefined;
  const go = new wasm.Go();
  const instance = new WebAssembly.Instance(wasm.module, go.importObject);
  void go.run(instance);
  const { memory, wasmAlloc, wasmFree, process } = instance.exports as unknown as Exports;
  const encoder = new TextEncoder();
  const put = (bytes: Uint8Array): number => {
    const p = wasmAlloc(bytes.byteLength);
    new Uint8Array(memory.buffer).set(bytes, p);
    return p;
  };
  const name = encoder.encode('');
  const body = encoder.encode(text);
  const stop = encoder.encode('');
  const [pName, pBody, pStop] = [put(name), put(body), put(stop)];
  // Argument order of the module's `process` export: file path, text, print?, keepComments,
  // variant (1 = bash), stopAt, recoverErrors, then printer options (unused when parsing).
  const result = process(
    pName,
    name.byteLength,
    name.byteLength,
    pBody,
    body.byteLength,
    body.byteLength,
    false,
    false,
    1,
    pStop,
    0,
    0,
    0,
    false,
    2,
    true,
    true,
    true,
    false,
    false,
    false,
    false,
  );
  wasmFree(pName);
  wasmFree(pBody);
  wasmFree(pStop);
  const bytes = new Uint8Array(memory.buffer).subarray(result);
  const json = new TextDecoder().decode(bytes.subarray(0, bytes.indexOf(0)));
  let parsed: { parseError?: { Text: string; Pos?: { Line: number; Col: number } } | null; message?: string };
  try {
    parsed = JSON.parse(json) as typeof parsed;
  } catch {
    return undefined;
  }
  if (!parsed.parseError) return undefined;
  return { message: parsed.parseError.Text, line: parsed.parseError.Pos?.Line || 1, column: parsed.parseError.Pos?.Col || 1 };
}
