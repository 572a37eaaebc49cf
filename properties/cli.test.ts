import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { SafetensorsFile } from '../reference/io/safetensors.js';
import { encodeSafetensors, type NamedTensor } from '../reference/io/safetensors-write.js';
import { tensor } from '../reference/tensor/tensor.js';
import { ssdFixtureFiles } from './helpers/fixture-paths.js';
import { hfCheckpointDirs } from './helpers/oracle.js';
import { runCli } from './helpers/run-cli.js';
import { OnnxSession } from '../onnx/runtime/session.js';

const dir = mkdtempSync(join(tmpdir(), 'ssdcheck-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

interface SsdJson {
  case: string;
  pass: boolean;
  results: { impl: string; form: string; output: string; against: string; maxAbs: number; maxRel: number; pass: boolean }[];
}

/** A copy of a fixture with one tensor changed by `edit`. */
function editedFixture(source: string, name: string, edit: (data: Float64Array) => void): string {
  const file = SafetensorsFile.fromBytes(readFileSync(source));
  const tensors: Record<string, NamedTensor> = {};
  for (const key of file.names()) {
    const t = file.read(key);
    if (key === name) edit(t.data);
    tensors[key] = { tensor: tensor(t.shape, t.data) };
  }
  const path = join(dir, `${name}-${basename(source)}`);
  writeFileSync(path, encodeSafetensors(tensors, { ...file.metadata }));
  return path;
}

describe('ssdcheck ssd', () => {
  test.each(ssdFixtureFiles())('%s: exit 0, every form within 1e-9 of f64, JSON as documented', (path) => {
    const run = runCli(['ssd', path, '--json']);
    expect(run.status, run.stderr).toBe(0);
    const out = JSON.parse(run.stdout) as SsdJson;
    expect(out.case).toBe(basename(path, '.safetensors'));
    expect(out.pass).toBe(true);
    const gated = out.results.filter((r) => r.against === 'f64');
    expect(new Set(gated.map((r) => r.form))).toEqual(new Set(['quadratic', 'recurrent', 'chunked']));
    expect(new Set(gated.map((r) => r.output))).toEqual(new Set(['y', 'final_state', 'step.y', 'step.state']));
    for (const r of gated) expect(r.maxRel).toBeLessThan(1e-9);
    expect(out.results.some((r) => r.against.startsWith('triton_'))).toBe(true);
  });

  test('a case whose golden output is wrong exits 1 and names the failing rows', () => {
    const path = editedFixture(ssdFixtureFiles()[0], 'f64.y', (data) => { data[3] += 1e-3; });
    const run = runCli(['ssd', path, '--form', 'chunked', '--json']);
    expect(run.status).toBe(1);
    const out = JSON.parse(run.stdout) as SsdJson;
    expect(out.pass).toBe(false);
    expect(out.results.filter((r) => !r.pass && r.against === 'f64').map((r) => r.output)).toEqual(['y']);
  });

  test('--dt-limit overrides the case: a binding limit the golden data lacks fails', () => {
    const free = ssdFixtureFiles().find((p) => !p.includes('limit'))!;
    expect(runCli(['ssd', free, '--form', 'recurrent', '--dt-limit', '0.2,0.2']).status).toBe(1);
    expect(runCli(['ssd', free, '--form', 'recurrent', '--dt-limit', '0,inf']).status).toBe(0);
  });

  test.each([
    [['ssd'], /^ssdcheck: case: expected one case file/],
    [['ssd', 'nope.safetensors'], /^ssdcheck: file: expected a readable safetensors file, got nope\.safetensors \(ENOENT\)/],
    [['ssd', '$FIXTURE', '--form', 'fast'], /^ssdcheck: --form: expected one of quadratic, recurrent, chunked, all, got "fast"/],
    [['ssd', '$FIXTURE', '--chunk-size', '0'], /^ssdcheck: --chunk-size: expected an integer >= 1, got "0"/],
    [['ssd', '$FIXTURE', '--dt-limit', '0.5'], /^ssdcheck: --dt-limit: expected "lo,hi"/],
    [['ssd', '$FIXTURE', '--bogus'], /^ssdcheck: ssdcheck ssd: expected options as in --help, got Unknown option '--bogus'/],
    [['frobnicate'], /^ssdcheck: command: expected one of .*verify.*ssd/],
  ])('bad input %j exits 2 with one line, no stack', (args, message) => {
    const run = runCli(args.map((a) => (a === '$FIXTURE' ? ssdFixtureFiles()[0] : a)));
    expect(run.status).toBe(2);
    expect(run.stderr).toMatch(message);
    expect(run.stderr.trim().split('\n')).toHaveLength(1);
  });

  test('a corrupt case file exits 2 with a safetensors error', () => {
    const path = join(dir, 'corrupt.safetensors');
    writeFileSync(path, readFileSync(ssdFixtureFiles()[0]).subarray(0, 1000));
    const run = runCli(['ssd', path]);
    expect(run.status).toBe(2);
    expect(run.stderr).toMatch(/truncated/);
  });

  test('a case missing an input tensor exits 2 naming it', () => {
    const source = SafetensorsFile.fromBytes(readFileSync(ssdFixtureFiles()[0]));
    const tensors = Object.fromEntries(source.names().filter((n) => n !== 'dt_bias').map((n) => [n, { tensor: source.read(n) }]));
    const path = join(dir, 'no-dt-bias.safetensors');
    writeFileSync(path, encodeSafetensors(tensors));
    const run = runCli(['ssd', path]);
    expect(run.status).toBe(2);
    expect(run.stderr).toMatch(/tensor 'dt_bias': expected present/);
  });
});

describe('ssdcheck verify and help', () => {
  test('verify checks every bundled case and form, exits 0 and writes its report', () => {
    const out = join(dir, 'report');
    const run = runCli(['verify', '--out', out]);
    expect(run.status, run.stderr).toBe(0);
    for (const path of ssdFixtureFiles()) expect(run.stdout).toContain(basename(path, '.safetensors'));
    const report = JSON.parse(readFileSync(join(out, 'verify.json'), 'utf-8'));
    const rows = report.rows as { suite: string; case: string; impl: string; variant: string; pass: boolean }[];
    expect(run.stdout).toContain(`${rows.length} of ${rows.length} rows pass: PASS`);
    expect(report.pass).toBe(true);
    expect(rows.filter((r) => r.suite === 'ssd' && r.impl === 'reference')).toHaveLength(ssdFixtureFiles().length * 3);
    for (const dir of hfCheckpointDirs()) expect(rows.some((r) => r.suite === 'model' && r.case === basename(dir) && r.variant === 'hf semantics')).toBe(true);
    expect(report.run.commit).toBeTruthy();
    expect(existsSync(join(out, 'verify.md'))).toBe(true);
  });

  test.each(['ssd', 'verify', 'model', 'generate', 'diverge', 'export'])('%s --help prints its usage and exits 0', (command) => {
    const run = runCli([command, '--help']);
    expect(run.status).toBe(0);
    expect(run.stdout).toMatch(new RegExp(`^ssdcheck ${command}`));
    expect(run.stdout).toMatch(/Exit code/);
    expect(run.stdout).toMatch(/--json/);
  });

  test('--help lists every command', () => {
    const run = runCli(['--help']);
    expect(run.status).toBe(0);
    for (const command of ['verify', 'ssd', 'model', 'generate', 'diverge', 'export', 'report']) expect(run.stdout).toMatch(new RegExp(`\\n  ${command} `));
  });
});

describe('ssdcheck model, generate, diverge', () => {
  const [codestral, g1] = ['tiny-codestral', 'tiny-g1'].map((name) => hfCheckpointDirs().find((d) => basename(d) === name)!);

  test.each([[codestral, 'hf', 0], [g1, 'hf', 0], [g1, 'reference', 0], [codestral, 'reference', 1]] as const)(
    'model %s --semantics %s exits %i, JSON as documented',
    (dir, semantics, status) => {
      const run = runCli(['model', dir, '--oracle', join(dir, 'oracle.safetensors'), '--semantics', semantics, '--json']);
      expect(run.status, run.stderr).toBe(status);
      const out = JSON.parse(run.stdout);
      expect(out).toMatchObject({ pass: status === 0, semantics, impl: 'reference' });
      expect(out.logits.length).toBeGreaterThan(8);
      for (const r of out.logits) expect(Object.keys(r).sort()).toEqual(['against', 'case', 'maxAbs', 'pass']);
      expect(out.sequences.map((s: { name: string }) => s.name).sort()).toEqual(['generate_cached', 'generate_uncached', 'single0.generate', 'single1.generate', 'single2.generate']);
    },
  );

  test('generate prints one line of ids per row, the same with and without the cache', () => {
    const args = ['generate', g1, '--ids', '5,17,3', '--ids', '8,2', '--max-new-tokens', '5', '--eos-token-id', 'none'];
    const cached = runCli(args);
    const uncached = runCli([...args, '--no-cache']);
    expect(cached.status, cached.stderr).toBe(0);
    const lines = cached.stdout.trim().split('\n');
    expect(lines).toHaveLength(2);
    for (const line of lines) expect(line).toMatch(/^\d+(,\d+){4}$/);
    expect(uncached.stdout).toBe(cached.stdout);
    const right = runCli([...args, '--padding-side', 'right']);
    expect(right.stdout).toBe(cached.stdout);
  });

  test('generate continues the fixture rows as HF did', () => {
    const oracle = SafetensorsFile.fromBytes(readFileSync(join(g1, 'oracle.safetensors')));
    const prompt = Array.from(oracle.read('single2.input_ids').data);
    const expected = Array.from(oracle.read('single2.generate').data).slice(prompt.length);
    const run = runCli(['generate', g1, '--ids', prompt.join(','), '--max-new-tokens', String(expected.length), '--semantics', 'hf']);
    expect(run.stdout.trim()).toBe(expected.join(','));
  });

  test('diverge measures the group-norm divergence on tiny-codestral and none on tiny-g1', () => {
    const rowsOf = (dir: string, extra: string[] = []) => {
      const run = runCli(['diverge', dir, '--json', ...extra]);
      expect(run.status, run.stderr).toBe(0);
      return JSON.parse(run.stdout).rows as { divergence: string; promptMaxAbs: number; generationMaxAbs: number }[];
    };
    const norm = (rows: ReturnType<typeof rowsOf>) => rows.find((r) => r.divergence === 'gated-norm')!;
    expect(norm(rowsOf(codestral)).promptMaxAbs).toBeGreaterThan(1e-2);
    expect(norm(rowsOf(g1)).promptMaxAbs).toBe(0);
    const clamp = (rows: ReturnType<typeof rowsOf>) => rows.find((r) => r.divergence === 'decode-dt-clamp')!;
    expect(clamp(rowsOf(g1)).generationMaxAbs).toBe(0);
    expect(clamp(rowsOf(g1, ['--dt-limit', '0.05,0.2'])).generationMaxAbs).toBeGreaterThan(1e-3);
  });

  test.each([
    [['model', '$G1', '--semantics', 'torch'], /^ssdcheck: --semantics: expected one of reference, hf, got "torch"/],
    [['model', '/nonexistent'], /^ssdcheck: --oracle: expected an oracle safetensors file, got \/nonexistent\/oracle\.safetensors \(not found\)/],
    [['generate', '$G1'], /^ssdcheck: --ids: expected at least one prompt/],
    [['generate', '$G1', '--ids', '5,x'], /^ssdcheck: --ids: expected comma-separated token ids/],
    [['generate', '$G1', '--ids', '5,999'], /^ssdcheck: inputIds: expected token ids in \[0, 96\), got 999/],
    [['generate', '$G1', '--ids', '5', '--max-new-tokens', '-1'], /^ssdcheck: ssdcheck generate: expected options as in --help, got Option '--max-new-tokens' argument is ambiguous/],
    [['generate', '$G1', '--ids', '5', '--max-new-tokens=0'], /^ssdcheck: --max-new-tokens: expected an integer >= 1, got "0"/],
    [['diverge', '$G1', '--dt-limit', 'x'], /^ssdcheck: --dt-limit: expected "lo,hi"/],
    [['diverge', '$G1', '--seed', 'x'], /^ssdcheck: --seed: expected an integer >= 0, got "x"/],
    [['report', 'drift', '--seed', 'abc'], /^ssdcheck: --seed: expected an integer >= 0, got "abc"/],
    [['report', 'drift', '--impl', 'gpu'], /^ssdcheck: --impl: expected one of reference, onnx, cuda, got "gpu"/],
    [['report', 'drift', '--lengths', '16,0'], /^ssdcheck: --lengths: expected an integer >= 1, got "0"/],
    [['report', 'perf'], /^ssdcheck: --input: expected one or more benchmark JSON files/],
    [['report', 'perf', '--input', '$G1/config.json'], /^ssdcheck: --input: expected benchmark JSON with "benchmark"/],
    [['report', 'charts'], /^ssdcheck: report kind: expected one of drift, perf, index, got "charts"/],
    [['generate', '/nonexistent', '--ids', '1'], /^ssdcheck: config: expected a readable config\.json, got \/nonexistent\/config\.json \(ENOENT\)/],
  ])('bad input %j exits 2 with one line', (args, message) => {
    const run = runCli(args.map((a) => a.replace('$G1', g1)));
    expect(run.status).toBe(2);
    expect(run.stderr).toMatch(message);
    expect(run.stderr.trim().split('\n')).toHaveLength(1);
  });
});

describe('ONNX through the CLI (cpu provider)', () => {
  const [codestral, g1] = ['tiny-codestral', 'tiny-g1'].map((name) => hfCheckpointDirs().find((d) => basename(d) === name)!);

  test.each(ssdFixtureFiles().flatMap((path) => [[path, 'fp32'], [path, 'fp16']]))('ssd %s --impl onnx --dtype %s exits 0 with chunked and quadratic rows', (path, dtype) => {
    const run = runCli(['ssd', path, '--impl', 'onnx', '--dtype', dtype, '--json']);
    expect(run.status, run.stderr).toBe(0);
    const out = JSON.parse(run.stdout) as SsdJson;
    const gated = out.results.filter((r) => r.against === 'f64');
    expect(new Set(gated.map((r) => r.impl))).toEqual(new Set([`onnx-cpu-${dtype}`]));
    expect(new Set(gated.map((r) => r.form))).toEqual(new Set(['chunked', 'quadratic']));
  });

  test.each([[codestral, 'fp32'], [g1, 'fp32'], [codestral, 'fp16']])('model %s --impl onnx --dtype %s --semantics hf exits 0', (dir, dtype) => {
    const run = runCli(['model', dir, '--impl', 'onnx', '--dtype', dtype, '--semantics', 'hf', '--json']);
    expect(run.status, run.stderr).toBe(0);
    expect(JSON.parse(run.stdout)).toMatchObject({ pass: true, impl: `onnx-cpu-${dtype}`, sequencesGate: dtype === 'fp32' });
  });

  test.each(['ssd', 'ssd-quadratic', 'prefill', 'step'])('export --graph %s writes a model onnxruntime loads', async (graph) => {
    const out = join(dir, `${graph}.onnx`);
    const run = runCli(['export', g1, '--graph', graph, '--out', out, '--semantics', 'hf']);
    expect(run.status, run.stderr).toBe(0);
    const session = await OnnxSession.create(out, 'cpu');
    expect(session.inputs.length).toBeGreaterThan(1);
    await session.release();
  });

  test('verify adds onnx fp32 and fp16 rows for every case and checkpoint', () => {
    const out = join(dir, 'report-onnx');
    const run = runCli(['verify', '--out', out]);
    expect(run.status, run.stderr).toBe(0);
    const rows = JSON.parse(readFileSync(join(out, 'verify.json'), 'utf-8')).rows as { suite: string; impl: string }[];
    for (const impl of ['onnx-cpu-fp32', 'onnx-cpu-fp16']) {
      expect(rows.filter((r) => r.suite === 'ssd' && r.impl === impl)).toHaveLength(ssdFixtureFiles().length * 2);
      expect(rows.filter((r) => r.suite === 'model' && r.impl === impl).length).toBeGreaterThanOrEqual(hfCheckpointDirs().length);
    }
  });

  test.each([
    [['ssd', '$CASE', '--impl', 'onnx', '--form', 'recurrent'], /^ssdcheck: --form: expected one of chunked, quadratic, all, got "recurrent"/],
    [['ssd', '$CASE', '--impl', 'onnx', '--ep', 'cuda'], /^ssdcheck: --ep cuda: expected an available onnxruntime execution provider, got no CUDA provider: .*libonnxruntime_providers_cuda\.so is missing/],
    [['ssd', '$CASE', '--ep', 'cpu'], /^ssdcheck: --ep: expected only with --impl onnx/],
    [['ssd', '$CASE', '--impl', 'onnx', '--dtype', 'bf16'], /^ssdcheck: --dtype: expected one of fp32, fp16, got "bf16"/],
    [['export', '$G1', '--out', '/tmp/x.onnx'], /^ssdcheck: --graph: expected one of ssd, ssd-quadratic, prefill, step, got nothing/],
    [['export', '$G1', '--graph', 'decoder', '--out', '/tmp/x.onnx'], /^ssdcheck: --graph: expected one of ssd, ssd-quadratic, prefill, step, got "decoder"/],
  ])('bad input %j exits 2 with one line', (args, message) => {
    const run = runCli(args.map((a) => (a === '$CASE' ? ssdFixtureFiles()[0] : a === '$G1' ? g1 : a)));
    expect(run.status).toBe(2);
    expect(run.stderr).toMatch(message);
    expect(run.stderr.trim().split('\n')).toHaveLength(1);
  });
});
