#!/usr/bin/env node
// Entry point of the `ssdcheck` command: runs the TypeScript sources through tsx's loader, so
// a fresh clone needs no build step.
import { register } from 'tsx/esm/api';

// A reader that stops early (`ssdcheck ... | head`) is not an error of ours.
process.stdout.on('error', (error) => {
  if (error.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  throw error;
});

register();
const { main } = await import('./main.ts');
process.exitCode = await main(process.argv.slice(2));
