import { readdirSync, readFileSync } from 'node:fs';
import { join, relative, sep } from 'node:path';

/**
 * Repo rule: every outbound call leaves through libs/egress. This fails when any other
 * module under libs/ (tests excepted) imports a networking module or calls fetch-like globals.
 */
const LIBS = join(__dirname, '..', '..');
const EGRESS = join(LIBS, 'egress') + sep;

// Modules that can open outbound connections (with or without "node:", any subpath). Extend it
// when a new HTTP client appears; never shorten it to let a module through.
const FORBIDDEN_MODULES = [
  'undici',
  'http',
  'https',
  'http2',
  'net',
  'tls',
  'axios',
  'node-fetch',
  'got',
  'cross-fetch',
  'isomorphic-fetch',
  'superagent',
  'needle',
  'request',
  'ky',
  'ws',
];
const MODULE = `(?:node:)?(?:${FORBIDDEN_MODULES.join('|')})(?:/[^'"\`]*)?`;
const PATTERNS: { pattern: RegExp; why: string }[] = [
  { pattern: new RegExp(`\\bfrom\\s*['"\`]${MODULE}['"\`]`), why: 'imports a networking module' },
  { pattern: new RegExp(`\\bimport\\s*['"\`]${MODULE}['"\`]`), why: 'imports a networking module' },
  { pattern: new RegExp(`\\b(?:require|import)\\s*\\(\\s*['"\`]${MODULE}['"\`]`), why: 'requires a networking module' },
  { pattern: /(?<![\w$.])fetch\s*\(/, why: 'calls the global fetch' },
  { pattern: /\b(?:globalThis|window|global|self)\s*\.\s*fetch\b/, why: 'uses the global fetch' },
  { pattern: /\bnew\s+(?:XMLHttpRequest|WebSocket|EventSource)\b/, why: 'opens a browser-style connection' },
];

/** Comments are dropped first so prose may mention fetch() ("//" after ":" is a URL, kept). */
function stripComments(source: string): string {
  return source.replace(/\/\*[\s\S]*?\*\//g, (c) => c.replace(/[^\n]/g, ' ')).replace(/(^|[^:\\])\/\/.*$/gm, '$1');
}

function findViolations(source: string): { line: number; why: string }[] {
  const found: { line: number; why: string }[] = [];
  stripComments(source)
    .split('\n')
    .forEach((text, index) => {
      for (const { pattern, why } of PATTERNS) if (pattern.test(text)) found.push({ line: index + 1, why });
    });
  return found;
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return entry.name === 'node_modules' ? [] : sourceFiles(path);
    return entry.name.endsWith('.ts') && !/\.(e2e-)?spec\.ts$/.test(entry.name) ? [path] : [];
  });
}

describe('repo rule: only libs/egress opens outbound connections', () => {
  it('recognises the forbidden routes (self-check of the scanner)', () => {
    const bad = [
      "import { request } from 'undici';",
      "import * as http from 'node:http';",
      "import https from 'https';",
      "import net = require('net');",
      "const tls = require('node:tls');",
      "const { Agent } = await import('undici/lib/agent');",
      "import axios from 'axios';",
      "export { default } from 'node-fetch';",
      "import got from 'got';",
      'const res = await fetch(url);',
      'await globalThis.fetch(url)',
      "import 'http2';",
    ];
    for (const line of bad) expect(findViolations(line)).not.toEqual([]);
    const fine = [
      "import { HttpStatus } from '@nestjs/common';",
      "import { EgressClient } from '@conduit/egress';",
      'await this.fetch(id); // fetch(x) in a comment',
      "const url = 'https://api.example.com'; // fetch(",
      '/* fetch(url) */ const nettle = 1;',
      "import { prefetch } from './prefetch';",
      'const x = refetch(1);',
    ];
    for (const line of fine) expect(findViolations(line)).toEqual([]);
  });

  it('finds no other route out in libs/', () => {
    const files = sourceFiles(LIBS).filter((file) => !file.startsWith(EGRESS));
    expect(files.length).toBeGreaterThan(20); // the scan really walked the libraries
    const violations = files.flatMap((file) =>
      findViolations(readFileSync(file, 'utf8')).map((v) => `${relative(LIBS, file)}:${v.line} ${v.why}`),
    );
    expect(violations).toEqual([]);
  });
});
