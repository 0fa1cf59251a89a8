/** The benchmark's report: the table and chart read from a BenchReport, ratios to the floor. */
import { describe, expect, it } from '@jest/globals';
import { formatSvg, formatTable, type BenchReport } from './report.js';
import { distribution, medianCount, ratioTo, summarise } from './stats.js';

const pinToActive = summarise({
  id: 'pin-to-active-badge',
  label: 'PIN → session active (badge + IdP PIN)',
  target: 'p95 ≤ 1.2 × floor',
  samples: [12, 10, 14, 11],
  floorSamples: [5, 4, 6, 5],
  floorLabel: 'the same token request straight to the IdP',
  check: (m, f) => f !== null && m.p95 <= 1.2 * f.p95,
});
const tapToPrompt = summarise({
  id: 'tap-to-prompt',
  label: 'reader event → PIN prompt <badge>',
  target: 'p95 ≤ 100 ms',
  samples: [2, 3],
  floorSamples: [0.5, 0.5],
  floorLabel: 'GET UID straight through PC/SC',
  apdus: { measured: 1, floor: 1 },
  check: (m) => m.p95 <= 100,
});
const pulled = summarise({
  id: 'card-pulled-to-locked',
  label: 'CPS card pulled → locked',
  target: 'p95 ≤ 100 ms',
  samples: [2],
  floorSamples: null,
  check: (m) => m.p95 <= 100,
});

const report: BenchReport = {
  date: '2026-11-23T12:00:00.000Z',
  machine: { cpus: 'Test CPU', cores: 2, memoryGiB: 8, node: '22.0.0', os: 'Linux' },
  chain: 'test chain',
  parts: { reader: 'pcscd + vpcd', card: null, idp: 'reference IdP', vault: 'OS vault' },
  runs: 4,
  measures: [tapToPrompt, pinToActive, pulled],
  agentShare: [{ label: 'a token set written to the OS vault', measured: distribution([9, 10, 11]) }],
  idle: { seconds: 60, cpuPercent: 0.1, rssMiB: 95, meetsTarget: true },
  soak: null,
  notMeasured: ['login window visible → filled (eSSO): enterprise SSO does not exist yet'],
};

describe('ratios and counts', () => {
  it('divides by a positive floor only', () => {
    expect(ratioTo(10, 4)).toBe(2.5);
    expect(ratioTo(10, 0)).toBeNaN();
    expect(ratioTo(Number.NaN, 4)).toBeNaN();
  });

  it('reports the median APDU count, ignoring steps without one', () => {
    expect(medianCount([44, null, 40, 46])).toBe(44);
    expect(medianCount([null, null])).toBeNull();
    expect(medianCount([])).toBeNull();
  });

  it('keeps the floor samples, what the floor is and the APDU counts in the result', () => {
    expect(pinToActive.floorSamples).toEqual([5, 4, 6, 5]);
    expect(pinToActive.floorLabel).toBe('the same token request straight to the IdP');
    expect(pinToActive.ratio).toEqual({ p50: 11 / 5, p95: 14 / 6 });
    expect(pinToActive.meetsTarget).toBe(false);
    expect(tapToPrompt.apdus).toEqual({ measured: 1, floor: 1 });
    expect(pulled.floor).toBeNull();
    expect(pulled.ratio).toBeNull();
  });
});

describe('formatTable', () => {
  const table = formatTable(report);
  const lines = table.split('\n');

  it('has a row per measure with p50, p95, max, the floor and both ratios', () => {
    const row = lines.find((l) => l.startsWith('PIN → session active'));
    expect(row?.split(/\s{2,}/)).toEqual([
      'PIN → session active (badge + IdP PIN)',
      '4',
      '11.0',
      '14.0',
      '14.0',
      '5.00',
      '6.00',
      '2.20×',
      '2.33×',
      'p95 ≤ 1.2 × floor',
      'NO',
    ]);
  });

  it('leaves the floor and ratio empty for a measure without a floor', () => {
    const row = lines.find((l) => l.startsWith('CPS card pulled'));
    expect(row?.split(/\s{2,}/)).toEqual([
      'CPS card pulled → locked',
      '1',
      '2.00',
      '2.00',
      '2.00',
      'p95 ≤ 100 ms',
      'yes',
    ]);
  });

  it('names the machine, the parts of the chain, the floors, the agent share, idle and what is not measured', () => {
    expect(lines[0]).toBe('Relève bench — 2026-11-23T12:00:00.000Z — Test CPU (2 cores, 8 GiB), Node 22.0.0');
    expect(table).toContain('  reader: pcscd + vpcd');
    expect(table).not.toContain('card: null');
    expect(table).toContain(
      '  reader event → PIN prompt <badge>: GET UID straight through PC/SC [APDUs per step: agent 1, floor 1]',
    );
    expect(table).toContain('  a token set written to the OS vault: p50 10.0 ms, p95 11.0 ms');
    expect(table).toContain('idle agent over 60 s: 0.100 % of a core, 95.0 MiB RSS');
    expect(table).toContain('  - login window visible → filled (eSSO): enterprise SSO does not exist yet');
  });
});

describe('formatSvg', () => {
  it('draws one row per measure, labels escaped, with the floor band where there is one', () => {
    const svg = formatSvg(report);
    expect(svg.startsWith('<svg ')).toBe(true);
    expect(svg.trimEnd().endsWith('</svg>')).toBe(true);
    expect(svg).toContain('reader event → PIN prompt &#60;badge&#62;');
    expect(svg).not.toContain('<badge>');
    expect(svg.match(/<title>floor p50–p95<\/title>/g)).toHaveLength(2);
    expect(svg.match(/<circle /g)).toHaveLength(4 + 2 + 1);
  });
});
