/** The human lines of a seed: what was applied and generated, and how to sign in. */
import { style } from '../ui/output.js';
import { DEV_PASSWORD } from './apply.js';
import type { SeedResult } from './result.js';
import type { ScaleProgress } from './write-scale.js';

const fmt = (n: number) => Math.round(n).toLocaleString('en-US');

/** One progress line of the generation: a bar, the metric rows written, the rate. */
export function progressLine(p: ScaleProgress): string {
  const share = p.totalMetricRows ? p.metricRows / p.totalMetricRows : 1;
  const width = 24;
  const filled = Math.round(share * width);
  const rate = p.elapsedMs > 0 ? (p.rows / p.elapsedMs) * 1000 : 0;
  return `[${'█'.repeat(filled)}${'░'.repeat(width - filled)}] ${Math.floor(share * 100)}%  metrics ${fmt(p.metricRows)}/${fmt(p.totalMetricRows)}  ${fmt(rate)} rows/s`;
}

export function renderSeed(r: SeedResult): string[] {
  const lines: string[] = [];
  const verb = r.dryRun ? 'Plan for' : 'Seeded';
  lines.push(`${verb} ${r.target}`);
  for (const f of r.fixtures) {
    const label =
      f.status === 'applied'
        ? style.green('applied  ')
        : f.status === 'would-apply'
          ? style.cyan('would apply')
          : style.dim('unchanged');
    lines.push(`  ${label} ${f.path} (${f.artist})${f.status === 'applied' ? style.dim(`  ${fmt(f.rows)} rows`) : ''}`);
  }
  if (!r.fixtures.length) lines.push(style.dim('  fixtures skipped'));
  const s = r.scale;
  if (s) {
    const span = `${s.artists.toLocaleString('en-US')} artists × ${s.days} days (${s.startDate} .. ${s.endDate}), seed ${s.seed}`;
    if (r.dryRun) {
      lines.push(
        `  generate  ${span}: ${fmt(s.artists - s.artistsSkipped)} new artists, ${fmt(s.expectedMetricRows)} metric rows${s.artistsSkipped ? `, ${fmt(s.artistsSkipped)} already present` : ''}`,
      );
    } else if (s.artistsAdded === 0) {
      lines.push(`  ${style.dim('unchanged')} ${span}: every artist is already present`);
    } else {
      lines.push(
        `  ${style.green('generated')} ${span}${s.artistsSkipped ? ` (${fmt(s.artistsSkipped)} already present, skipped)` : ''}`,
      );
      const rows = s.rows!;
      lines.push(
        style.dim(
          `            ${Object.entries(rows)
            .map(([t, n]) => `${t} ${fmt(n)}`)
            .join(', ')}`,
        ),
      );
      lines.push(
        `  Wrote ${fmt(s.totalRows)} rows in ${(s.durationMs / 1000).toFixed(1)} s: ${style.bold(`${fmt(s.rowsPerSecond)} rows/s`)} (metrics ${fmt(s.metricRowsPerSecond)} rows/s)`,
      );
    }
  }
  const created = r.fixtures.some((f) => f.status === 'applied') || (s?.artistsAdded ?? 0) > 0;
  // The development password is a fixture value shipped with dreamdb, the same for every project,
  // and seeding refuses production: printing it gives nothing away.
  if (!r.dryRun && created)
    lines.push(
      style.dim(
        `  Sign in as any seeded artist with the development password ${DEV_PASSWORD} (dreamdb's fixture value for every seeded user; docs/seed.md).`,
      ),
    );
  return lines;
}
