/**
 * A short, line-based summary of how a committed types file differs from what the schema would
 * generate, for `dreamdb gen types --check`. Pure.
 */

export interface DiffLine {
  /** '-' only in the file, '+' only in the generated text */
  sign: '-' | '+';
  /** 1-based line in the file ('-') or in the generated text ('+'). */
  line: number;
  text: string;
  /** Where in the module the line sits, e.g. Database.public.Tables.content.Row. */
  where: string;
}

export interface DiffSummary {
  added: number;
  removed: number;
  /** The first changed lines, in order. */
  lines: DiffLine[];
  /** Changed lines not shown in `lines`. */
  more: number;
}

/** Lines of `before` (the file) and `after` (generated), compared by longest common subsequence. */
export function diffLines(before: string, after: string, limit = 20): DiffSummary {
  const a = before.replace(/\r\n/g, '\n').split('\n');
  const b = after.replace(/\r\n/g, '\n').split('\n');
  // Common head and tail first: a schema change touches a few lines of a long file.
  let start = 0;
  while (start < a.length && start < b.length && a[start] === b[start]) start++;
  let endA = a.length;
  let endB = b.length;
  while (endA > start && endB > start && a[endA - 1] === b[endB - 1]) {
    endA--;
    endB--;
  }
  const x = a.slice(start, endA);
  const y = b.slice(start, endB);
  const changes: DiffLine[] = [];
  if (x.length * y.length > 4_000_000) {
    // Too different to align cheaply: everything in between changed.
    x.forEach((text, i) => changes.push({ sign: '-', line: start + i + 1, text, where: '' }));
    y.forEach((text, i) => changes.push({ sign: '+', line: start + i + 1, text, where: '' }));
  } else {
    const lcs: Uint32Array[] = Array.from({ length: x.length + 1 }, () => new Uint32Array(y.length + 1));
    for (let i = x.length - 1; i >= 0; i--) {
      for (let j = y.length - 1; j >= 0; j--) {
        lcs[i]![j] = x[i] === y[j] ? lcs[i + 1]![j + 1]! + 1 : Math.max(lcs[i + 1]![j]!, lcs[i]![j + 1]!);
      }
    }
    let i = 0;
    let j = 0;
    while (i < x.length || j < y.length) {
      if (i < x.length && j < y.length && x[i] === y[j]) {
        i++;
        j++;
      } else if (j < y.length && (i === x.length || lcs[i]![j + 1]! >= lcs[i + 1]![j]!)) {
        changes.push({ sign: '+', line: start + j + 1, text: y[j]!, where: '' });
        j++;
      } else {
        changes.push({ sign: '-', line: start + i + 1, text: x[i]!, where: '' });
        i++;
      }
    }
  }
  const shown = changes.slice(0, limit).map((c) => ({ ...c, where: locate(c.sign === '-' ? a : b, c.line - 1) }));
  return {
    added: changes.filter((c) => c.sign === '+').length,
    removed: changes.filter((c) => c.sign === '-').length,
    lines: shown,
    more: Math.max(0, changes.length - limit),
  };
}

/** The keys of the enclosing blocks of line `index`, found by indentation: Database.public.Tables.tasks.Row. */
export function locate(lines: string[], index: number): string {
  const indent = (line: string) => /^ */.exec(line)![0].length;
  const path: string[] = [];
  let current = indent(lines[index] ?? '');
  for (let j = index - 1; j >= 0 && current > 0; j--) {
    const line = lines[j]!;
    const level = indent(line);
    if (level >= current || !line.trim()) continue;
    const key = /^(?:export type )?("[^"]*"|[\w$]+)\??\s*[:=]/.exec(line.trim());
    if (key) path.unshift(key[1]!.replace(/^"|"$/g, ''));
    current = level;
  }
  return path.join('.');
}
