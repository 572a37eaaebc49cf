import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { SafetensorsFile } from '../reference/io/safetensors.js';
import { encodeSafetensors, type NamedTensor } from '../reference/io/safetensors-write.js';
import { tensor } from '../reference/tensor/tensor.js';
import { ssdFixtureFiles } from './helpers/fixture-paths.js';
import { runCli } from './helpers/run-cli.js';

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
    const rows = ssdFixtureFiles().length * 3;
    expect(run.stdout).toContain(`${rows} of ${rows} rows pass: PASS`);
    const report = JSON.parse(readFileSync(join(out, 'verify.json'), 'utf-8'));
    expect(report.pass).toBe(true);
    expect(report.rows).toHaveLength(ssdFixtureFiles().length * 3);
    expect(report.run.commit).toBeTruthy();
    expect(existsSync(join(out, 'verify.md'))).toBe(true);
  });

  test.each(['ssd', 'verify'])('%s --help prints its usage and exits 0', (command) => {
    const run = runCli([command, '--help']);
    expect(run.status).toBe(0);
    expect(run.stdout).toMatch(new RegExp(`^ssdcheck ${command}`));
    expect(run.stdout).toMatch(/Exit code/);
  });

  test('--help lists every command', () => {
    const run = runCli(['--help']);
    expect(run.status).toBe(0);
    expect(run.stdout).toMatch(/verify/);
    expect(run.stdout).toMatch(/ssd /);
  });
});
