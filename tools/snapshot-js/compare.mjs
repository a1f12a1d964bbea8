// Runs Snapshot's own voting classes (@snapshot-labs/snapshot.js, pinned in
// package.json) over the votes that benches/tally.rs generated, and writes
// their results and timings for the Rust side to compare.
//
// Usually started by `cargo bench --bench tally -- --compare`. By hand:
//   node --max-old-space-size=8192 --expose-gc tools/snapshot-js/compare.mjs \
//     --dir target/tally-compare [--runs 3] [--out FILE] [label ...]
// A label names target/tally-compare/votes-<label>.jsonl (first line a header
// {label, type, choices, strategies, votes}, then one {choice, balance, scores}
// per line). Without labels every votes-*.jsonl in --dir is run.

import { createReadStream, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { join } from 'node:path';
import { createRequire } from 'node:module';
import pkg from '@snapshot-labs/snapshot.js';

const snapshot = pkg.default ?? pkg;
const require = createRequire(import.meta.url);
const snapshotVersion = require('@snapshot-labs/snapshot.js/package.json').version;

function parseArgs(argv) {
  const opts = { dir: 'target/tally-compare', runs: 3, out: null, labels: [] };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--dir') opts.dir = argv[++i];
    else if (a === '--runs') opts.runs = Math.max(1, Number(argv[++i]));
    else if (a === '--out') opts.out = argv[++i];
    else opts.labels.push(a);
  }
  opts.out ??= join(opts.dir, 'js-results.json');
  if (opts.labels.length === 0) {
    opts.labels = readdirSync(opts.dir)
      .filter((f) => f.startsWith('votes-') && f.endsWith('.jsonl'))
      .map((f) => f.slice('votes-'.length, -'.jsonl'.length))
      .sort();
  }
  return opts;
}

function statusKb(field) {
  const line = readFileSync('/proc/self/status', 'utf8')
    .split('\n')
    .find((l) => l.startsWith(field));
  return line ? Number(line.split(/\s+/)[1]) : NaN;
}

function resetPeakRss() {
  try {
    writeFileSync('/proc/self/clear_refs', '5');
    return true;
  } catch {
    return false;
  }
}

async function loadVotes(path) {
  const lines = createInterface({
    input: createReadStream(path, { highWaterMark: 1 << 20 }),
    crlfDelay: Infinity
  });
  let header = null;
  const votes = [];
  for await (const line of lines) {
    if (!line) continue;
    if (header === null) header = JSON.parse(line);
    else votes.push(JSON.parse(line));
  }
  return { header, votes };
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const n = s.length;
  return n % 2 ? s[(n - 1) / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
};

// What the sequencer does for a proposal (protocol §18): one class instance,
// then getScores(), getScoresByStrategy() and getScoresTotal().
function count(Voting, proposal, votes, strategies, selected) {
  const voting = new Voting(proposal, votes, strategies, selected);
  return {
    scores: voting.getScores(),
    scoresByStrategy: voting.getScoresByStrategy(),
    scoresTotal: voting.getScoresTotal()
  };
}

const opts = parseArgs(process.argv.slice(2));
const out = {
  node: process.version,
  snapshotjs: snapshotVersion,
  runs: opts.runs,
  results: {}
};

for (const label of opts.labels) {
  const loadStart = performance.now();
  const { header, votes } = await loadVotes(join(opts.dir, `votes-${label}.jsonl`));
  const loadMs = performance.now() - loadStart;
  const Voting = snapshot.utils.voting[header.type];
  if (!Voting) throw new Error(`snapshot.js has no voting class for ${header.type}`);
  const proposal = { choices: Array.from({ length: header.choices }, (_, i) => `Choice ${i + 1}`) };
  const strategies = Array.from({ length: header.strategies }, () => ({
    name: 'erc20-balance-of',
    network: '1',
    params: { symbol: 'VOTE', decimals: 18 }
  }));
  const selected = votes[0]?.choice;

  const runsMs = [];
  const rssDeltaMb = [];
  let result = null;
  for (let r = 0; r < opts.runs; r++) {
    globalThis.gc?.();
    const reset = resetPeakRss();
    const rssBefore = statusKb('VmRSS:');
    const start = performance.now();
    const counted = count(Voting, proposal, votes, strategies, selected);
    runsMs.push(performance.now() - start);
    if (reset) rssDeltaMb.push((statusKb('VmHWM:') - rssBefore) / 1024);
    result ??= counted;
  }
  out.results[label] = {
    type: header.type,
    votes: votes.length,
    strategies: header.strategies,
    load_ms: loadMs,
    runs_ms: runsMs,
    ms_first: runsMs[0],
    ms_median: median(runsMs),
    ms_min: Math.min(...runsMs),
    rss_peak_delta_mb: rssDeltaMb.length ? Math.max(...rssDeltaMb) : null,
    ...result
  };
  console.error(
    `node ${label.padEnd(18)} ${String(votes.length).padStart(8)} votes  load ${loadMs.toFixed(0)} ms  ` +
      `runs ${runsMs.map((x) => x.toFixed(0)).join(', ')} ms  RSS peak Δ ${
        rssDeltaMb.length ? Math.max(...rssDeltaMb).toFixed(0) : '?'
      } MiB`
  );
}

writeFileSync(opts.out, JSON.stringify(out, null, 1));
console.error(`node results written to ${opts.out}`);
