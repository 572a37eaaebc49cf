import { afterEach, describe, expect, test, vi } from 'vitest';
import { formatSeconds, Progress } from '../reports/render/progress.js';

describe('progress bar of the long sweeps', () => {
  const original = Object.getOwnPropertyDescriptor(process.stderr, 'isTTY');
  afterEach(() => {
    vi.restoreAllMocks();
    if (original) Object.defineProperty(process.stderr, 'isTTY', original);
    else delete (process.stderr as { isTTY?: boolean }).isTTY;
  });

  const capture = (tty: boolean) => {
    const written: string[] = [];
    vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
      written.push(String(chunk));
      return true;
    });
    Object.defineProperty(process.stderr, 'isTTY', { value: tty, configurable: true });
    return written;
  };

  test('on a terminal it redraws one line with the count and an ETA', () => {
    const written = capture(true);
    const progress = new Progress('drift', 4);
    progress.tick('first');
    progress.tick('second');
    expect(written).toHaveLength(2);
    expect(written[1]).toMatch(/^\rdrift \[#+\.+\] 2\/4 ETA \d+s {2}second/);
    progress.finish();
    expect(written).toHaveLength(3);
  });

  test('when stderr is not a terminal it writes nothing', () => {
    const written = capture(false);
    const progress = new Progress('drift', 3);
    for (let i = 0; i < 3; i++) progress.tick(`step ${i}`);
    progress.finish();
    expect(written).toEqual([]);
  });

  test('ETA formatting', () => {
    expect(formatSeconds(5.4)).toBe('5s');
    expect(formatSeconds(125)).toBe('2m05s');
    expect(formatSeconds(Infinity)).toBe('?');
  });
});
