/** The benchmark's outputs: a readable table, JSON, and an SVG chart of the distributions. */
import type { Distribution, MeasureResult } from './stats.js';

export interface BenchReport {
  readonly date: string;
  readonly machine: {
    readonly cpus: string;
    readonly cores: number;
    readonly memoryGiB: number;
    readonly node: string;
    readonly os: string;
    /** The 1-minute load average when the run started: other work on the machine shows in p95. */
    readonly load1?: number;
  };
  readonly chain: string;
  /** What each part of the chain was in this run (reader, card, IdP, vault). */
  readonly parts?: Readonly<Record<string, string | null>>;
  readonly runs: number;
  readonly measures: readonly MeasureResult[];
  /** Parts of the agent's own share measured directly in the same run (not floors). */
  readonly agentShare?: readonly {
    readonly label: string;
    readonly measured: Distribution;
  }[];
  readonly idle: {
    readonly seconds: number;
    readonly cpuPercent: number;
    readonly rssMiB: number;
    readonly meetsTarget: boolean;
  } | null;
  readonly soak: {
    readonly tapsMade: number;
    readonly tapsSeen: number;
    readonly lost: number;
    readonly connectToEventMs: { p50: number; p95: number };
  } | null;
  readonly notMeasured: readonly string[];
}

const ms = (value: number): string => (Number.isFinite(value) ? value.toFixed(value < 10 ? 2 : 1) : '—');
const x = (value: number): string => (Number.isFinite(value) ? `${value.toFixed(2)}×` : '—');

export function formatTable(report: BenchReport): string {
  const header = [
    'measure',
    'n',
    'p50 ms',
    'p95 ms',
    'max ms',
    'floor p50',
    'floor p95',
    'ratio p50',
    'ratio p95',
    'target',
    'ok',
  ];
  const rows = report.measures.map((m) => [
    m.label,
    String(m.measured.count),
    ms(m.measured.p50),
    ms(m.measured.p95),
    ms(m.measured.max),
    m.floor ? ms(m.floor.p50) : '',
    m.floor ? ms(m.floor.p95) : '',
    m.ratio ? x(m.ratio.p50) : '',
    m.ratio ? x(m.ratio.p95) : '',
    m.target,
    m.meetsTarget ? 'yes' : 'NO',
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!)))
      .join('  ')
      .trimEnd();
  const out = [
    `Relève bench — ${report.date} — ${report.machine.cpus} (${report.machine.cores} cores, ${report.machine.memoryGiB} GiB), Node ${report.machine.node}${report.machine.load1 !== undefined ? `, load ${report.machine.load1.toFixed(2)} at start` : ''}`,
    `chain: ${report.chain}; ${report.runs} runs per measure`,
  ];
  for (const [part, what] of Object.entries(report.parts ?? {})) if (what) out.push(`  ${part}: ${what}`);
  out.push('', line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line));
  const floors = report.measures.filter((m) => m.floorLabel || m.apdus);
  if (floors.length) {
    out.push('', 'floors (the same work done directly, same run):');
    for (const m of floors) {
      const apdus = m.apdus
        ? ` [APDUs per step: agent ${m.apdus.measured ?? '—'}, floor ${m.apdus.floor ?? '—'}]`
        : '';
      out.push(`  ${m.label}: ${m.floorLabel ?? 'no floor'}${apdus}`);
    }
  }
  if (report.agentShare?.length) {
    out.push('', "the agent's own share, measured directly in the same run (not floors):");
    for (const part of report.agentShare) {
      out.push(`  ${part.label}: p50 ${ms(part.measured.p50)} ms, p95 ${ms(part.measured.p95)} ms`);
    }
  }
  if (report.idle) {
    out.push(
      '',
      `idle agent over ${report.idle.seconds} s: ${report.idle.cpuPercent.toFixed(3)} % of a core, ${report.idle.rssMiB.toFixed(1)} MiB RSS (target < 0.5 %, < 120 MiB): ${report.idle.meetsTarget ? 'yes' : 'NO'}`,
    );
  }
  if (report.soak) {
    out.push(
      '',
      `soak: ${report.soak.tapsMade} taps made, ${report.soak.tapsSeen} seen, ${report.soak.lost} lost; card connect → agent event p50 ${ms(report.soak.connectToEventMs.p50)} ms, p95 ${ms(report.soak.connectToEventMs.p95)} ms`,
    );
  }
  if (report.notMeasured.length) {
    out.push('', 'not measured:', ...report.notMeasured.map((what) => `  - ${what}`));
  }
  return out.join('\n');
}

function escapeXml(text: string): string {
  return text.replace(/[<>&"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/**
 * One row per measure: the measured samples as dots on a log-scale time axis, p50 and p95 as
 * ticks, and the floor's p50–p95 as a band underneath, so distance to the floor is visible.
 */
export function formatSvg(report: BenchReport): string {
  const width = 980;
  const rowHeight = 46;
  const left = 270;
  /** Room on the right for each measure's ratio to its floor. */
  const right = 110;
  const top = 60;
  const values = report.measures
    .flatMap((m) => [...m.samples, ...(m.floor ? [m.floor.p50, m.floor.p95] : [])])
    .filter((v) => v > 0);
  const lo = Math.max(0.01, Math.min(...values, 1) / 1.5);
  const hi = Math.max(...values, 10) * 1.5;
  const scale = (v: number): number =>
    left +
    ((Math.log10(Math.max(v, lo)) - Math.log10(lo)) / (Math.log10(hi) - Math.log10(lo))) *
      (width - left - right);
  const height = top + rowHeight * report.measures.length + 30;
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" font-family="sans-serif" font-size="12">`,
    `<rect width="100%" height="100%" fill="white"/>`,
    `<text x="10" y="20" font-size="14">${escapeXml(
      `Relève bench ${report.date} — ${report.machine.cpus}, ${report.machine.cores} cores — ${report.runs} runs`,
    )}</text>`,
    `<text x="10" y="38" fill="#555">dots: samples (log scale) · black: p50 · red: p95 · green band: the floor's p50–p95, same run · right: p95 / floor p95</text>`,
  ];
  for (let decade = Math.floor(Math.log10(lo)); decade <= Math.ceil(Math.log10(hi)); decade += 1) {
    const v = 10 ** decade;
    if (v < lo || v > hi) continue;
    const gx = scale(v);
    parts.push(`<line x1="${gx}" y1="${top - 10}" x2="${gx}" y2="${height - 25}" stroke="#ddd"/>`);
    parts.push(
      `<text x="${gx}" y="${height - 10}" text-anchor="middle" fill="#555">${v >= 1 ? v : v.toFixed(2)} ms</text>`,
    );
  }
  report.measures.forEach((m, i) => {
    const y = top + i * rowHeight + rowHeight / 2;
    parts.push(`<text x="10" y="${y + 4}">${escapeXml(m.label)}</text>`);
    if (m.floor) {
      parts.push(
        `<rect x="${scale(m.floor.p50)}" y="${y - 12}" width="${Math.max(2, scale(m.floor.p95) - scale(m.floor.p50))}" height="24" fill="#cfe8cf"><title>floor p50–p95</title></rect>`,
      );
    }
    for (const s of m.samples)
      parts.push(`<circle cx="${scale(s).toFixed(1)}" cy="${y}" r="2" fill="#3366cc" fill-opacity="0.35"/>`);
    for (const [name, v, color] of [
      ['p50', m.measured.p50, '#000'],
      ['p95', m.measured.p95, '#c00'],
    ] as const) {
      parts.push(
        `<line x1="${scale(v)}" y1="${y - 14}" x2="${scale(v)}" y2="${y + 14}" stroke="${color}" stroke-width="2"><title>${name} ${ms(v)} ms</title></line>`,
      );
    }
    if (m.ratio) {
      parts.push(
        `<text x="${width - 10}" y="${y + 4}" text-anchor="end" fill="${m.meetsTarget ? '#060' : '#c00'}">${escapeXml(x(m.ratio.p95))}</text>`,
      );
    }
  });
  parts.push('</svg>');
  return parts.join('\n');
}
