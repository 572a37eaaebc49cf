#!/usr/bin/env node
// Part of `npm ci` (the package's install script): the report PNGs need a Chromium, and this
// machine reaches Debian's packages but no browser download. Installs Debian's chromium when it
// is missing and we are root with apt-get; otherwise says exactly what to install. Never fails
// the install: without Chromium the reports still write their HTML and JSON.
// SSDCHECK_NO_CHROMIUM_INSTALL=1 skips it.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

const candidates = [process.env.SSDCHECK_CHROMIUM, '/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome'].filter(Boolean);
const found = candidates.find((p) => existsSync(p));
const command = 'apt-get update && apt-get install -y chromium';
if (found) {
  console.log(`reports: Chromium for the report PNGs: ${found}`);
} else if (process.env.SSDCHECK_NO_CHROMIUM_INSTALL === '1') {
  console.log(`reports: no Chromium (install skipped by SSDCHECK_NO_CHROMIUM_INSTALL); for the report PNGs run: ${command}`);
} else if (process.getuid?.() === 0 && spawnSync('apt-get', ['--version'], { stdio: 'ignore' }).status === 0) {
  console.log('reports: installing Debian\'s chromium for the report PNGs (apt-get, about a minute)');
  try {
    execFileSync('apt-get', ['update', '-qq'], { stdio: ['ignore', 'ignore', 'inherit'] });
    execFileSync('apt-get', ['install', '-y', '-qq', 'chromium'], { stdio: ['ignore', 'ignore', 'inherit'], env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
    console.log('reports: chromium installed');
  } catch (error) {
    console.log(`reports: could not install chromium (${error.message.split('\n')[0]}); for the report PNGs run: ${command}`);
  }
} else {
  console.log(`reports: no Chromium found; for the report PNGs run (as root): ${command}`);
}
